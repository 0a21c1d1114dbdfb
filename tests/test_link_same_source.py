"""Same source, same name (graph/linking.py): one name in one dataset is one person unless their dates
disagree; each mention joins the first earlier cluster it agrees with. A common name whose mentions give
dates that disagree becomes many clusters: that must cost a few comparisons per mention, not one per
namesake, and decide exactly as comparing with every earlier cluster does."""

from __future__ import annotations

import random

from graph import linking
from graph.linking import Mention, link
from graph.persons import parse_name

X = "https://example.org/joconde/"


def mention(n: int, name: str = "DUPONT Jean", **kw) -> Mention:
    return Mention(iri=f"{X}{n}#person", name=parse_name(name, "pop"), record=f"{X}{n}", convention="pop",
                   datasets=frozenset({"joconde"}), works=frozenset({f"{X}{n}"}), **kw)


def clusters(mentions: list[Mention]) -> list[list[int]]:
    return link(mentions).clusters


def first_compatible(mentions: list[Mention]) -> list[list[int]]:
    """The rule as written, looking at every earlier cluster (one name, one dataset): each mention joins
    the first, in the order of their first mentions, whose dates do not disagree with its own."""
    built: list[tuple[list[int], linking._Cluster]] = []
    for i, m in enumerate(mentions):
        c = linking._Cluster(i, m, set())
        for members, earlier in built:
            if earlier.conflict(c) is None:
                earlier.absorb(c)
                members.append(i)
                break
        else:
            built.append(([i], c))
    return sorted(sorted(members) for members, _ in built)


def test_one_name_split_by_disagreeing_dates_and_merged_where_they_agree() -> None:
    rng = random.Random(3)
    deaths = [1830 + 3 * k for k in range(12)]  # a year apart is the same year read twice: three are not
    plan = [("dated", d) for d in deaths for _ in range(4)] + [("undated", None)] * 5 + [("alone", None)] * 5
    rng.shuffle(plan)
    plan.insert(0, ("dated", 1830))
    ms = []
    for n, (kind, death) in enumerate(plan):
        if kind == "dated":
            ms.append(mention(n, birth=(1800, 1800), death=(death, death)))
        elif kind == "undated":
            ms.append(mention(n))
        else:  # a work of 1700 by someone born in 1800: a namesake of every other
            ms.append(mention(n, birth=(1800, 1800), activity=((1700, 1700),)))
    ms.append(mention(len(ms), "DURAND Paul", birth=(1800, 1800), death=(1830, 1830)))  # another name
    result = link(ms)
    by_death = {d: sorted(n for n, (k, death) in enumerate(plan) if death == d) for d in deaths}
    by_death[1830] += [n for n, (k, _) in enumerate(plan) if k == "undated"]  # the first cluster takes them
    expected = [sorted(c) for c in by_death.values()] + [[n] for n, (k, _) in enumerate(plan) if k == "alone"]
    expected.append([len(ms) - 1])
    assert result.clusters == sorted(expected, key=lambda c: c[0]) == first_compatible(ms[:-1]) + [[len(ms) - 1]]
    assert len(result.clusters) == 12 + 5 + 1
    merges = [d for d in result.decisions if d.rule == "same-source-name"]
    assert len(merges) == len(plan) - 17
    assert all(d.evidence == ("nom : identique (DUPONT Jean)", "source : joconde") for d in merges)
    # a new cluster says once why it is not the first one: its dates
    said = sorted(r.evidence[0] for r in result.rejections)
    assert len(said) == 16 and all(r.rule == "dates-conflict" and r.a == ms[0].iri for r in result.rejections)
    assert said.count("activité : œuvre de 1700, naissance 1800") == 5
    assert "mort : 1830 ≠ 1833" in said and "mort : 1830 ≠ 1863" in said


def test_a_mention_already_with_an_earlier_one_stays_unless_an_earlier_cluster_agrees() -> None:
    idref = frozenset({"http://www.idref.fr/026950650/id"})
    ms = [mention(0, birth=(1800, 1800), death=(1850, 1850)), mention(1, birth=(1800, 1800), death=(1870, 1870)),
          mention(2, death=(1870, 1870), authorities=idref), mention(3, authorities=idref),
          mention(4, birth=(1900, 1900), authorities=frozenset({"http://www.idref.fr/031290035/id"})),
          mention(5, birth=(1900, 1900))]
    # 2 and 3 are one person through their authority record before names are compared: 3 (no dates) agrees
    # with the first cluster but its cluster (death 1870) does not: it stays with 1, which it agrees with;
    # 4's authority record is another: its own cluster, which 5 joins
    assert clusters(ms) == [[0], [1, 2, 3], [4, 5]]


def test_the_same_clusters_as_looking_at_every_earlier_one_whatever_the_dates() -> None:
    rng = random.Random(11)

    def years(centre: int) -> tuple[int, int] | None:
        r, y = rng.random(), centre + rng.randrange(-4, 5)
        return None if r < 0.3 else (y, y) if r < 0.75 else (y, y + rng.choice([1, 3, 10, 99])) if r < 0.95 else (y, y - 3)

    for _ in range(150):
        ms = []
        for n in range(rng.randrange(2, 60)):
            centre = 1500 + 40 * rng.randrange(8)
            work = centre + rng.choice([20, 30, -100, 150]) + rng.randrange(-30, 30)
            activity = tuple((y, y + rng.choice([0, 5, 30])) for y in (work, work + 40)[:rng.choice([0, 1, 1, 2])])
            ms.append(mention(n, birth=years(centre), death=years(centre + 60), activity=activity))
        assert clusters(ms) == first_compatible(ms)


def test_namesakes_cost_a_few_comparisons_each_not_one_per_namesake(monkeypatch) -> None:
    calls = []
    real = linking._Cluster.conflict
    monkeypatch.setattr(linking._Cluster, "conflict", lambda a, b: calls.append(1) or real(a, b))
    rng = random.Random(5)
    ms = []
    for n in range(1500):
        kind = rng.random()
        if kind < 0.4:  # deaths three years apart or more: 300 clusters
            death = 1000 + 3 * rng.randrange(300)
            ms.append(mention(n, death=(death, death)))
        elif kind < 0.7:  # births and deaths that agree with few others
            birth = 1000 + 3 * rng.randrange(300)
            ms.append(mention(n, birth=(birth, birth), death=(birth + 40, birth + 40)))
        else:  # works dated before the birth: each alone
            ms.append(mention(n, birth=(1800, 1800), activity=((1700, 1700),)))
    result = link(ms)
    assert len(result.clusters) > 700
    assert len(calls) < 2 * len(ms), len(calls)  # comparing with every earlier cluster: over 200,000


def test_periods_that_meet_as_comparing_each_finds_them() -> None:
    rng = random.Random(17)

    def periods_meet(a: linking._Cluster, b: linking._Cluster) -> bool:  # every period looked at
        for life, periods in ((linking._life(a), b.periods), (linking._life(b), a.periods)):
            if life and any(linking._overlaps(life, p, 0) and p[1] - p[0] <= 50 for p in periods):
                return True
        narrow_a = [p for p in a.periods if p[1] - p[0] <= 50][:8]
        narrow_b = [p for p in b.periods if p[1] - p[0] <= 50][:8]
        return any(abs((p[0] + p[1]) - (q[0] + q[1])) / 2 <= 30 for p in narrow_a for q in narrow_b)

    def cluster(n: int) -> linking._Cluster:
        year = 1500 + rng.randrange(400)
        born = (year, year) if rng.random() < 0.5 else None
        periods = tuple((y, y + rng.choice([0, 5, 50, 51, 200, -3])) for y in
                        (1450 + rng.randrange(500) for _ in range(rng.choice([0, 1, 3, 40]))))
        c = linking._Cluster(n, mention(n, birth=born, periods=periods), set())
        for k in range(rng.choice([0, 0, 2])):  # merged clusters: their periods together
            linking._narrow(c)  # what it kept before absorbing another is not used after
            c.absorb(cluster(n * 10 + k + 1))
        return c

    found = set()
    for n in range(600):
        a, b = cluster(2 * n), cluster(2 * n + 1)
        assert linking._periods_meet(a, b) == periods_meet(a, b)
        found.add(periods_meet(a, b))
    assert found == {True, False}
