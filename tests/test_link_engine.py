"""The linking rules on mentions written for each case (graph/linking.py): what merges, what never does, why."""

from __future__ import annotations

from graph import linking
from graph.linking import Mention, Override, link
from graph.persons import parse_name

X = "https://example.org/"


def mention(n: str, name: str, dataset: str, convention: str = "inverted", **kw) -> Mention:
    record = kw.pop("record", f"{X}{dataset}/{n}")
    works = kw.pop("works", frozenset({record}))
    return Mention(iri=f"{record}#{n}", name=parse_name(name, convention), record=record, convention=convention,
                   datasets=frozenset({dataset}), works=works, **kw)


def same(result, *iris: str) -> bool:
    of = {}
    for c, members in enumerate(result.clusters):
        for i in members:
            of[i] = c
    return len({of[i] for i in iris}) == 1


def run(mentions: list[Mention], overrides=()) -> tuple:
    result = link(mentions, overrides)
    index = {m.iri.split("#")[1]: i for i, m in enumerate(mentions)}
    return result, index


def test_one_authority_record_is_one_person_whatever_the_names() -> None:
    ms = [mention("a", "Léonard de Vinci", "lido", "natural", authorities=frozenset({"http://www.wikidata.org/entity/Q762"})),
          mention("b", "Vinci, Leonardo da", "marc", authorities=frozenset({"http://www.wikidata.org/entity/Q762"}))]
    result, i = run(ms)
    assert same(result, i["a"], i["b"])
    [decision] = result.decisions
    assert decision.rule == "authority" and decision.score == 1.0 and decision.same
    assert decision.evidence == ("autorité : http://www.wikidata.org/entity/Q762",)


def test_a_name_alone_never_merges_two_sources_but_merges_within_one() -> None:
    ms = [mention("pop1", "MARTIN Jean", "palissy", "pop"), mention("pop2", "Martin Jean", "palissy", "pop"),
          mention("marc", "Martin, Jean", "sudoc")]
    result, i = run(ms)
    assert same(result, i["pop1"], i["pop2"]) and not same(result, i["pop1"], i["marc"])
    assert {d.rule for d in result.decisions} == {"same-source-name"}
    [why] = [r for r in result.rejections if r.rule == "not-enough-evidence"]
    assert why.evidence[0].startswith("nom : identique") and not why.same


def test_names_with_evidence_merge_across_sources() -> None:
    ms = [mention("ead", "Gates, James (1850-1929)", "ad62", birth=(1850, 1850), death=(1929, 1929),
                  places=frozenset({"commune/62765"})),
          mention("marc", "Gates, James", "sudoc", birth=(1850, 1850), death=(1929, 1929)),
          mention("pop", "GATES James", "memoire", "pop", places=frozenset({"commune/62765"}), periods=((1921, 1921),),
                  roles=frozenset({"photographe"}))]
    result, i = run(ms)
    assert same(result, i["ead"], i["marc"], i["pop"])
    by_b = {d.b.split("#")[1]: d for d in result.decisions}
    assert by_b["marc"].rule == "name-evidence" and "naissance : 1850 = 1850" in by_b["marc"].evidence
    assert set(by_b["pop"].fields) >= {"nom", "lieu", "période"}


def test_conflicting_dates_never_merge_not_even_on_one_authority() -> None:
    ms = [mention("a", "Klein, Jean", "sudoc", birth=(1940, 1940)), mention("b", "Klein, Jean", "sudoc", birth=(1923, 1923)),
          mention("c", "Klein, Jean", "bnf", birth=(1923, 1923), death=(2002, 2002),
                  authorities=frozenset({"http://www.idref.fr/026950650/id"})),
          mention("d", "Klein, Jean", "idref", birth=(1940, 1940), authorities=frozenset({"http://www.idref.fr/026950650/id"}))]
    result, i = run(ms)
    assert not same(result, i["a"], i["b"])  # one dataset, one name, two persons
    assert not same(result, i["c"], i["d"])  # the authority says one, the dates say two: never merged
    assert {r.rule for r in result.rejections} >= {"dates-conflict"}
    assert any("naissance : 1923 ≠ 1940" in r.evidence or "naissance : 1940 ≠ 1923" in r.evidence for r in result.rejections)


def test_productions_too_far_apart_are_two_persons() -> None:
    ms = [mention("stalles", "Martin Jean", "palissy", "pop", activity=((1650, 1650),)),
          mention("lambris", "Martin Jean", "palissy", "pop", activity=((1655, 1655),)),
          mention("tableau", "Martin Jean", "palissy", "pop", activity=((1890, 1890),))]
    result, i = run(ms)
    assert same(result, i["stalles"], i["lambris"]) and not same(result, i["stalles"], i["tableau"])


def test_different_records_of_one_authority_file_are_two_persons() -> None:
    ms = [mention("a", "Martin, Jean", "sudoc", authorities=frozenset({"http://www.idref.fr/026950650/id"}),
                  places=frozenset({"p"}), works=frozenset({"w"})),
          mention("b", "Martin, Jean", "bnf", authorities=frozenset({"http://www.idref.fr/031290035/id"}),
                  places=frozenset({"p"}), works=frozenset({"w"}))]
    result, i = run(ms)
    assert not same(result, i["a"], i["b"])
    assert result.rejections[0].rule == "authority-conflict"


def test_a_family_is_never_a_person() -> None:
    ms = [mention("fam", "Lalaing (famille de)", "ad62", works=frozenset({"w"}), places=frozenset({"p"})),
          mention("fam2", "Lalaing (famille de)", "ad62"),
          mention("person", "Lalaing, Antoine de", "ad62", works=frozenset({"w"}), places=frozenset({"p"}))]
    result, i = run(ms)
    assert same(result, i["fam"], i["fam2"]) and not same(result, i["fam"], i["person"])


def test_overrides_win_both_ways() -> None:
    ms = [mention("a", "Luzarches, Robert de", "ad80"), mention("b", "Robert de Luzarches", "merimee", "pop"),
          mention("c", "Martin, Jean", "ad80", record=f"{X}r/1"), mention("d", "Martin, Jean", "ad80", record=f"{X}r/2")]
    same_, not_same = Override(ms[0].iri, ms[1].iri, True, "maître d'œuvre"), Override(ms[2].iri, ms[3].iri, False)
    result, i = run(ms, [same_, not_same, Override(f"{X}nowhere#x", ms[0].iri, True)])
    assert same(result, i["a"], i["b"]) and not same(result, i["c"], i["d"])
    assert {d.rule for d in result.decisions} == {"override-same"}
    assert [r.rule for r in result.rejections] == ["override-not-same"]
    assert [o.a for o in result.unknown_overrides] == [f"{X}nowhere#x"]


def test_blocking_compares_candidates_not_all_pairs(monkeypatch) -> None:
    calls = []
    real = linking.evidence
    monkeypatch.setattr(linking, "evidence", lambda a, b, rare=frozenset(): calls.append(1) or real(a, b, rare))
    syllables = ["ba", "ce", "di", "fo", "gu", "la", "me", "ni", "po", "ru", "sa", "te", "vi", "zo", "que"]
    surnames = [f"{a}{b}{c}".capitalize() for a in syllables for b in syllables for c in syllables][:100]
    ms = [mention(f"m{n}", f"{surnames[n % 100]}, Jean", f"d{n // 100}") for n in range(300)]  # 3 sources each
    link(ms)
    assert len(calls) == 300  # each name meets its two namesakes of the other sources: 3 pairs, not 44,850
