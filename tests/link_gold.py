"""The person-linking gold set: which files it reads, the right answers, and how linking is scored.

``tests/data/gold/persons.csv`` gives, for every person a bundled sample or a record written for
the purpose names (dataset, record, name as written), the person it is (checked by hand; see
``tests/data/gold/PROVENANCE.md``). :func:`score` compares the persons ``patrimoine link`` made
with it, pair by pair: precision is the share of pairs of mentions linked together that are one
person, recall the share of pairs of mentions of one person that are linked together. Pairs
within one dataset (mostly the same name repeated in one finding aid) are easy, so the figures
are also given for pairs across datasets only.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from graph.persons import fold, strip_qualifiers
from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
GOLD = Path(__file__).resolve().parent / "data" / "gold"

# Every bundled sample that names persons, then the records written for the gold set; each file is
# its own dataset, named after it, as `patrimoine load` names them.
FILES = [
    *sorted((SAMPLES / "pop").glob("constructed-hdf-*.csv")),
    SAMPLES / "pop/merimee-MH-10.csv", SAMPLES / "pop/palissy-mh-valid-UTF-8.csv",
    SAMPLES / "pop/pop-api-merimee-item.json", SAMPLES / "pop/pop-api-palissy-search-response.json",
    SAMPLES / "pop/joconde-valid-UTF-8.txt", SAMPLES / "pop/joconde-valid-ISO-8859-1.txt",
    *sorted((SAMPLES / "ead").glob("*.xml")), SAMPLES / "ead/FRAM059017_data_archives_anciennes.csv",
    *sorted((SAMPLES / "marc").glob("*.xml")), *sorted((SAMPLES / "marc").glob("*.iso2709")),
    *sorted((SAMPLES / "lido").glob("*.xml")), *sorted((SAMPLES / "edm").glob("*.xml")),
    SAMPLES / "oai-dc/francearchives-oai_dc_meuse_sample.xml", SAMPLES / "oai-dc/metis-GetRecord-oai_dc.xml",
    *sorted((SAMPLES / "oai-dc").glob("sickle-ListRecords*.xml")),
    *sorted(GOLD.glob("constructed-gold-*")),
]


@dataclass(frozen=True)
class GoldMention:
    dataset: str
    record: str  # relative to the base IRI
    name: str  # as written
    person: str  # the right answer: one key per person
    note: str


def read_gold(path: Path = GOLD / "persons.csv") -> list[GoldMention]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return [GoldMention(r["dataset"], r["record"], r["name"], r["person"], r.get("note") or "") for r in rows]


def load_files(kg: KnowledgeGraph) -> None:
    for path in FILES:
        load(kg, [path], LoadOptions(region=None, progress=False))


def _same_name(written: str, label: str) -> bool:
    """A label is the name as written, perhaps without the dates a loader moved to birth and death."""
    a, b = fold(written), fold(label)
    return a == b or fold(strip_qualifiers(written)) == b


def assignments(kg: KnowledgeGraph, gold: list[GoldMention]) -> dict[GoldMention, str | None]:
    """The person IRI linking gave each gold mention (None: the mention is not in the graph); a family the
    loader made a group (E74_Group) gets ``group:{its IRI}``, never a person's."""
    base = kg.minter.base
    rows = kg.query(f"""SELECT ?g ?m ?label ?p ?group ?x WHERE {{
        {{ GRAPH ?g {{ ?m a crm:E21_Person ; rdfs:label ?label }} OPTIONAL {{ ?p pkg:hasMention ?m }} }}
        UNION {{ GRAPH ?g {{ ?x ?link ?m }} ?m a crm:E74_Group ; rdfs:label ?label BIND(?m AS ?group) }} }}""",
                    prefixes=True)
    found: dict[tuple[str, str], list[tuple[str, str, str | None]]] = defaultdict(list)
    for row in rows:
        graph, mention = row["g"].value, row["m"].value
        if not graph.startswith(base + "graph/"):
            continue
        if row["group"] is not None:  # a family or body: a group, linked to no person
            person, records = f"group:{mention}", {row["x"].value.split("#", 1)[0][len(base):]}
        else:
            person, records = (row["p"].value if row["p"] is not None else None), {mention.split("#", 1)[0][len(base):]}
        for record in records:
            found[(graph[len(base) + 6:], record)].append((mention, row["label"].value, person))
    out: dict[GoldMention, str | None] = {}
    for g in gold:
        hits = [p for _, label, p in found.get((g.dataset, g.record), ()) if _same_name(g.name, label)]
        out[g] = hits[0] if hits else None
    return out


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    pairs_predicted: int
    pairs_gold: int


def _pairs(groups: dict[str, list[int]]) -> set[tuple[int, int]]:
    return {(a, b) for members in groups.values() for i, a in enumerate(members) for b in members[i + 1:]}


def score(assigned: dict[GoldMention, str | None], across_only: bool = False) -> Scores:
    """Pairwise precision, recall and F1 of the persons linking made, against the gold set."""
    mentions = list(assigned)
    gold_groups: dict[str, list[int]] = defaultdict(list)
    predicted: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(mentions):
        gold_groups[m.person].append(i)
        predicted[assigned[m] or f"missing:{i}"].append(i)
    truth, made = _pairs(gold_groups), _pairs(predicted)
    if across_only:
        keep = lambda pair: mentions[pair[0]].dataset != mentions[pair[1]].dataset  # noqa: E731
        truth, made = {p for p in truth if keep(p)}, {p for p in made if keep(p)}
    right = len(truth & made)
    precision = right / len(made) if made else 1.0
    recall = right / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, len(made), len(truth))


def errors(assigned: dict[GoldMention, str | None]) -> tuple[list[tuple[GoldMention, GoldMention]], list[tuple[GoldMention, GoldMention]]]:
    """(pairs linked that are two persons, pairs of one person not linked), one example per two persons."""
    wrong, missed = {}, {}
    mentions = list(assigned)
    for i, a in enumerate(mentions):
        for b in mentions[i + 1:]:
            same_gold, same_made = a.person == b.person, assigned[a] is not None and assigned[a] == assigned[b]
            key = tuple(sorted((a.person, b.person)))
            if same_made and not same_gold:
                wrong.setdefault(key, (a, b))
            elif same_gold and not same_made and a.dataset != b.dataset:
                missed.setdefault((a.person, assigned[a], assigned[b]), (a, b))
    return list(wrong.values()), list(missed.values())


# -- institutions -------------------------------------------------------------------


@dataclass(frozen=True)
class GoldGroup:
    group: str  # relative to the base IRI
    label: str
    institution: str  # relative IRI of the reference institution, or "none"


def read_institutions(path: Path = GOLD / "institutions.csv") -> list[GoldGroup]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return [GoldGroup(r["group"], r["label"], r["institution"]) for r in rows]


def institution_scores(kg: KnowledgeGraph, gold: list[GoldGroup]) -> tuple[Scores, list[str]]:
    """Pairwise precision and recall of the institutions linking made: two groups are linked when they
    are the same IRI or one is ``owl:sameAs`` the other in the links graph; two are one institution when
    the gold set says so. Also the groups of the gold set the graph does not have."""
    base = kg.minter.base
    same = {r[0].value[len(base):]: r[1].value[len(base):] for r in kg.query(
        f"SELECT ?g ?t WHERE {{ GRAPH <{base}graph/links> {{ ?g owl:sameAs ?t FILTER(STRSTARTS(STR(?t), \"{base}org/\")) }} }}",
        prefixes=True)}
    present = {r[0].value[len(base):] for r in kg.query("SELECT DISTINCT ?g WHERE { ?g a crm:E74_Group }", prefixes=True)}
    missing = [g.group for g in gold if g.group not in present]
    rows = [g for g in gold if g.group in present]
    gold_groups: dict[str, list[int]] = defaultdict(list)
    predicted: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(rows):
        gold_groups[g.institution if g.institution != "none" else f"none:{i}"].append(i)
        predicted[same.get(g.group, g.group)].append(i)
    truth, made = _pairs(gold_groups), _pairs(predicted)
    right = len(truth & made)
    precision = right / len(made) if made else 1.0
    recall = right / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, len(made), len(truth)), missing
