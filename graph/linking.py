"""Person linking: mentions of persons in records → persons, each decision with its evidence.

Input: :class:`Mention` objects (a person as one record names it, with what the record says
about them). Output: clusters of mentions (one person each) and, for every merge, the
:class:`Decision` that made it: the two mentions compared, the rule, a score and the evidence.
Decisions not to merge close candidates are kept too, so a librarian can see why two records
were *not* linked.

How (precision first: a wrong merge spreads, a missed one is found later):

1. **Overrides** (``links/overrides.csv``): a librarian's "same" merges, "not same" forbids.
2. **Authority records**: mentions pointing to one entity (the same IdRef, BnF, VIAF, Wikidata...)
   are one person.
3. **Same source, same name**: within one dataset, the same name is the same person, unless their
   dates disagree: each mention joins the first earlier cluster of its name it agrees with, found
   by its years (a common name can have thousands of namesakes).
4. **Across sources**, candidate pairs come from *blocking* (same words in any order; surname
   beginning with a forename initial), never from all pairs. A name alone never merges two
   datasets: compatible names must come with evidence (life dates that agree, a shared place, a
   shared or linked work, a person named with both, a role in the same period), scored; the best
   pairs merge first.

Every merge checks the two whole clusters first: life dates that disagree, two different records
of one authority file, a person and a family, a saint and a namesake, periods of activity too far
apart for one life, or an override forbid it (the decision is then kept as "not same").
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from . import authorities
from .intervals import IntervalIndex
from .persons import Name, Years, blocking_keys, compare_names, surname_heads

RULES_PATH = Path(__file__).resolve().parent / "data" / "link_rules.json"

SMALL_BLOCK = 30  # clusters in one block compared pair by pair; larger blocks by shared evidence first
MAX_BLOCK = 400  # clusters sharing a name block and a piece of evidence: larger groups are not compared
NARROW = 50  # years: a period no longer dates what someone did closely enough to compare
ACTIVE_SPAN = 80  # years one person can be active: productions further apart are two persons
FIRST_WORK = 10  # years after birth before a production of one's own
LAST_WORK = 20  # years after death a production can still be dated (finished, cast, installed by others)
MAX_REJECTIONS = 1  # "not same" decisions kept per cluster, the closest candidates
SCORES = {"exact": 0.5, "variant": 0.35, "surname": 0.15}
EVIDENCE = {"birth": 0.35, "death": 0.35, "work": 0.35, "place": 0.2, "companion": 0.2, "period": 0.1,
            "role": 0.1, "rare": 0.1}
STRONG = frozenset({"birth", "death", "work", "place", "companion"})
THRESHOLD = 0.75


@cache
def rules() -> dict[str, dict[str, str]]:
    """Rule code → label (French), decision and comment (``data/link_rules.json``)."""
    return {k: v for k, v in json.loads(RULES_PATH.read_text(encoding="utf-8")).items() if not k.startswith("_")}


@dataclass(slots=True)
class Mention:
    """A person as one record names it, with what the record says about them."""

    iri: str
    name: Name
    record: str
    convention: str = "natural"  # how the source writes names (graph/persons.py)
    datasets: frozenset[str] = frozenset()
    authorities: frozenset[str] = frozenset()  # entity IRIs
    birth: Years | None = None
    death: Years | None = None
    activity: tuple[Years, ...] = ()  # productions they alone carried out: bound a life
    periods: tuple[Years, ...] = ()  # dates of anything else they did: agreement only
    roles: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    works: frozenset[str] = frozenset()  # the record and the records linked to it
    companions: frozenset[str] = frozenset()  # surnames of the other persons of the record


@dataclass(frozen=True, slots=True)
class Decision:
    """Why ``a`` and ``b`` are (or are not) one person."""

    a: str  # mention IRIs
    b: str
    rule: str
    score: float
    evidence: tuple[str, ...]  # "naissance : 1850 = 1850"...

    @property
    def same(self) -> bool:
        return rules()[self.rule]["decision"] == "same"

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields compared: ``nom``, ``naissance``, ``lieu``..."""
        return tuple(dict.fromkeys(e.split(" : ", 1)[0] for e in self.evidence))


@dataclass
class Override:
    a: str
    b: str
    same: bool
    note: str = ""


@dataclass
class Result:
    clusters: list[list[int]]  # mention indexes, each cluster sorted
    decisions: list[Decision]  # the merges (a spanning tree of each cluster)
    rejections: list[Decision]  # "not same" decisions between close candidates
    unknown_overrides: list[Override] = field(default_factory=list)

    def cluster_of(self) -> dict[int, int]:
        return {m: c for c, members in enumerate(self.clusters) for m in members}


# ---------------------------------------------------------------------------
# Clusters being built


def _overlaps(a: Years, b: Years, tolerance: int = 1) -> bool:
    return a[0] - tolerance <= b[1] and b[0] - tolerance <= a[1]


def _meet(a: Years | None, b: Years | None) -> Years | None:
    """What two readings of one date allow: their intersection (or the gap between two neighbours)."""
    if a is None or b is None:
        return a or b
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else (hi, lo)


def _years(span: Years) -> str:
    return str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


class _Cluster:
    __slots__ = ("members", "datasets", "auth", "birth", "death", "act_lo", "act_hi", "periods", "narrow", "names",
                 "roles", "places", "works", "companions", "family", "forbidden", "iris")

    def __init__(self, i: int, m: Mention, forbidden: set[str]) -> None:
        self.members = [i]
        self.iris = {m.iri}
        self.datasets = set(m.datasets)
        self.auth: dict[str, set[str]] = defaultdict(set)
        for a in m.authorities:
            found = authorities.parse(a)
            self.auth[found.scheme if found else a].add(a)
        self.birth, self.death = m.birth, m.death
        self.act_lo = max((p[0] for p in m.activity), default=None)
        self.act_hi = min((p[1] for p in m.activity), default=None)
        self.periods = list(m.periods) + list(m.activity)
        self.narrow: tuple[list[Years], list[Years], list[int]] | None = None  # see _narrow
        self.names = {m.name.key: m.name}
        self.roles, self.places, self.works = set(m.roles), set(m.places), set(m.works)
        self.companions = set(m.companions)
        self.family = m.name.family
        self.forbidden = forbidden

    def absorb(self, other: "_Cluster") -> None:
        self.members += other.members
        self.iris |= other.iris
        self.datasets |= other.datasets
        for scheme, iris in other.auth.items():
            self.auth[scheme] |= iris
        self.birth, self.death = _meet(self.birth, other.birth), _meet(self.death, other.death)
        if other.act_lo is not None:
            self.act_lo = other.act_lo if self.act_lo is None else max(self.act_lo, other.act_lo)
            self.act_hi = other.act_hi if self.act_hi is None else min(self.act_hi, other.act_hi)
        self.periods += other.periods
        self.narrow = None
        for key, name in other.names.items():
            if len(self.names) < 8:
                self.names.setdefault(key, name)
        self.roles |= other.roles
        self.places |= other.places
        self.works |= other.works
        self.companions |= other.companions
        self.forbidden = self.forbidden | other.forbidden if other.forbidden else self.forbidden

    def conflict(self, other: "_Cluster") -> tuple[str, tuple[str, ...]] | None:
        """Why the two cannot be one person (rule, evidence), or None."""
        if self.forbidden & other.iris or other.forbidden & self.iris:
            return "override-not-same", ("décision : non identiques",)
        if self.family != other.family:
            return "kind-conflict", ("type : famille ≠ personne",)
        for scheme in self.auth.keys() & other.auth.keys():
            if not self.auth[scheme] & other.auth[scheme]:
                a, b = sorted(self.auth[scheme])[0], sorted(other.auth[scheme])[0]
                return "authority-conflict", (f"autorité : {a} ≠ {b}",)
        for label, x, y in (("naissance", self.birth, other.birth), ("mort", self.death, other.death)):
            if x and y and not _overlaps(x, y):
                return "dates-conflict", (f"{label} : {_years(x)} ≠ {_years(y)}",)
        birth, death = _meet(self.birth, other.birth), _meet(self.death, other.death)
        if birth and death and birth[0] > death[1]:
            return "dates-conflict", (f"vie : naissance {_years(birth)} après la mort {_years(death)}",)
        lo = max((v for v in (self.act_lo, other.act_lo) if v is not None), default=None)
        hi = min((v for v in (self.act_hi, other.act_hi) if v is not None), default=None)
        if lo is not None and hi is not None:
            if lo - hi > ACTIVE_SPAN:
                return "dates-conflict", (f"activité : {hi} et {lo}, trop éloignés pour une vie",)
            if birth and hi < birth[0] + FIRST_WORK:
                return "dates-conflict", (f"activité : œuvre de {hi}, naissance {_years(birth)}",)
            if death and lo > death[1] + LAST_WORK:
                return "dates-conflict", (f"activité : œuvre de {lo}, mort {_years(death)}",)
        return None


# ---------------------------------------------------------------------------
# Evidence


def _best_names(a: _Cluster, b: _Cluster) -> tuple[str, Name | None, Name | None]:
    order = ("exact", "variant", "surname")
    best, pair = "none", (None, None)
    for x in a.names.values():
        for y in b.names.values():
            found = compare_names(x, y)
            if found != "none" and (best == "none" or order.index(found) < order.index(best)):
                best, pair = found, (x, y)
                if best == "exact":
                    return best, *pair
    return best, *pair


def evidence(a: _Cluster, b: _Cluster, rare: frozenset[str] = frozenset()) -> tuple[str, float, tuple[str, ...], set[str]]:
    """(name agreement, score, evidence texts, kinds of evidence) between two clusters; ``rare``: the
    surnames only one person's forenames go with in all the mentions (a rare name is itself evidence)."""
    agreement, x, y = _best_names(a, b)
    if agreement == "none":
        return agreement, 0.0, (), set()
    score = SCORES[agreement]
    texts = [f"nom : {'identique' if agreement == 'exact' else agreement} ({x.display} / {y.display})"]
    kinds: set[str] = set()

    def add(kind: str, text: str) -> None:
        nonlocal score
        kinds.add(kind)
        score += EVIDENCE[kind]
        texts.append(text)

    for kind, label, p, q in (("birth", "naissance", a.birth, b.birth), ("death", "mort", a.death, b.death)):
        if p and q and _overlaps(p, q) and min(p[1] - p[0], q[1] - q[0]) <= 5:
            add(kind, f"{label} : {_years(p)} = {_years(q)}")
    if shared := a.works & b.works:
        add("work", f"œuvre : {sorted(shared)[0]}")
    if shared := a.places & b.places:
        add("place", f"lieu : {sorted(shared)[0]}")
    own = {n.surname_compact for n in (*a.names.values(), *b.names.values())}
    if shared := (a.companions & b.companions) - own:
        add("companion", f"nommé avec : {sorted(shared)[0]}")
    if shared := a.roles & b.roles:
        add("role", f"rôle : {sorted(shared)[0]}")
    if _periods_meet(a, b):
        add("period", "période : concordante")
    if agreement != "surname" and x.surname_compact in rare:
        add("rare", f"nom rare : {x.surname_compact}")
    return agreement, round(score, 3), tuple(texts), kinds


def _periods_meet(a: _Cluster, b: _Cluster) -> bool:
    """A period of one falls within the other's life, or both have periods within one active span."""
    for life, other in ((_life(a), b), (_life(b), a)):
        if life and _narrow_within(other, life):
            return True
    first_a, first_b = _narrow(a)[0], _narrow(b)[0]
    return any(abs((p[0] + p[1]) - (q[0] + q[1])) / 2 <= 30 for p in first_a for q in first_b)


def _narrow(c: _Cluster) -> tuple[list[Years], list[Years], list[int]]:
    """A cluster's periods of at most :data:`NARROW` years: the first eight in its order, all of them
    sorted, their starts (kept until it absorbs another: a person known from thousands of records is
    compared with many candidates)."""
    if c.narrow is None:
        narrow = [p for p in c.periods if p[1] - p[0] <= NARROW]
        spans = sorted(narrow)
        c.narrow = narrow[:8], spans, [p[0] for p in spans]
    return c.narrow


def _narrow_within(c: _Cluster, life: Years) -> bool:
    """Whether a period of at most :data:`NARROW` years of ``c`` overlaps ``life``: it starts at most
    :data:`NARROW` years before the life begins (latest starts first: they overlap unless they end
    before they start)."""
    _, spans, starts = _narrow(c)
    first = bisect_left(starts, life[0] - NARROW)
    return any(spans[k][1] >= life[0] for k in range(bisect_right(starts, life[1]) - 1, first - 1, -1))


def enough_evidence(agreement: str, score: float, kinds: set[str]) -> bool:
    """Whether compatible names and their evidence make one person across datasets.

    The score must reach the threshold with at least one piece of strong evidence (life dates, a work,
    a place, a person named with them). A place is strong only for a rare name: many namesakes of a
    common one lived in the same town at the same time, so a common name needs life dates, a work, a
    person named with it, or two strong pieces. A surname alone needs two strong pieces.
    """
    strong = kinds & STRONG
    if score < THRESHOLD or not strong:
        return False
    if agreement == "surname" or ("rare" not in kinds and strong == {"place"}):
        return len(strong) >= 2
    return True


def _clues(c: _Cluster) -> set[tuple]:
    """The pieces of strong evidence a cluster could share with another: without one, no merge."""
    found: set[tuple] = {("w", w) for w in c.works} | {("p", p) for p in c.places} | {("c", x) for x in c.companions}
    for kind, span in (("b", c.birth), ("d", c.death)):
        if span and span[1] - span[0] <= 5:
            found |= {(kind, y) for y in range(span[0] - 1, span[1] + 2)}
    return found


def _life(c: _Cluster) -> Years | None:
    if c.birth or c.death:
        lo = c.birth[0] + 10 if c.birth else c.death[0] - 80
        hi = c.death[1] + 5 if c.death else c.birth[1] + 90
        return lo, hi
    return None


# ---------------------------------------------------------------------------
# The linker


class _Linker:
    def __init__(self, mentions: list[Mention], overrides: Iterable[Override]) -> None:
        self.mentions = mentions
        self.index = {m.iri: i for i, m in enumerate(mentions)}
        forbidden: dict[str, set[str]] = defaultdict(set)
        self.forced: list[tuple[int, int, Override]] = []
        self.unknown: list[Override] = []
        for o in overrides:
            if o.a not in self.index or o.b not in self.index:
                self.unknown.append(o)
            elif o.same:
                self.forced.append((self.index[o.a], self.index[o.b], o))
            else:
                forbidden[o.a].add(o.b)
                forbidden[o.b].add(o.a)
        self.parent = list(range(len(mentions)))
        self.clusters: dict[int, _Cluster] = {
            i: _Cluster(i, m, forbidden.get(m.iri, set())) for i, m in enumerate(mentions)}
        self.decisions: list[Decision] = []
        self.rejections: list[Decision] = []
        self.rejected: set[frozenset[str]] = set()
        self.rare = rare_surnames(mentions)

    def reject(self, decision: Decision) -> None:
        """Keep a "not same" decision, once per pair of mentions."""
        pair = frozenset((decision.a, decision.b))
        if pair not in self.rejected:
            self.rejected.add(pair)
            self.rejections.append(decision)

    def root(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, i: int, j: int, decision: Decision, check: bool = True) -> bool:
        ri, rj = self.root(i), self.root(j)
        if ri == rj:
            return False
        a, b = self.clusters[ri], self.clusters[rj]
        if check and (found := a.conflict(b)) is not None:
            self.reject(Decision(decision.a, decision.b, found[0], decision.score, found[1]))
            return False
        if len(a.members) < len(b.members):
            ri, rj, a, b = rj, ri, b, a
        a.absorb(b)
        del self.clusters[rj]
        self.parent[rj] = ri
        self.decisions.append(decision)
        return True

    def run(self) -> Result:
        m = self.mentions
        for i, j, o in self.forced:
            self.union(i, j, Decision(m[i].iri, m[j].iri, "override-same", 1.0,
                                      (f"décision : {o.note or 'identiques'}",)), check=False)
        by_authority: dict[str, list[int]] = defaultdict(list)
        for i, mention in enumerate(m):
            for a in mention.authorities:
                by_authority[a].append(i)
        for iri, members in sorted(by_authority.items()):
            for j in members[1:]:
                self.union(members[0], j, Decision(m[members[0]].iri, m[j].iri, "authority", 1.0,
                                                   (f"autorité : {iri}",)))
        by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, mention in enumerate(m):
            for dataset in mention.datasets or {""}:
                by_name[(dataset, mention.name.key)].append(i)
        for (dataset, key), members in sorted(by_name.items()):
            _SameName(self, members[0], dataset).run(members[1:])
        self.alone = frozenset(h for c in self.clusters.values() for name in c.names.values()
                               for h in surname_heads(name))
        changed: set[int] | None = None
        for _ in range(3):  # merges bring evidence together: look again at what changed, until nothing does
            changed = self._across_sources(changed)
            if not changed:
                break
        return self._result()

    def _across_sources(self, changed: set[int] | None) -> set[int]:
        """Score the candidate pairs of clusters blocking finds; merge the best first.

        Candidates share a blocking key of their names (:func:`graph.persons.blocking_keys`). In a large
        block (a common name), only clusters that also share a piece of strong evidence (a birth or death
        year, a work, a place, a person named with them) are compared: no other pair could merge. After
        the first round, only pairs with a cluster that changed are compared again. Returns the clusters
        that changed.
        """
        blocks: dict[str, list[int]] = defaultdict(list)
        for r, c in self.clusters.items():
            keys: set[str] = set()
            for name in c.names.values():
                keys |= blocking_keys(name, self.alone)
            for key in keys:
                blocks[key].append(r)
        seen: set[tuple[int, int]] = set()
        scored: list[tuple[float, int, int, tuple[str, ...], str]] = []
        near_misses: list[tuple[float, int, int, tuple[str, ...]]] = []
        clues: dict[int, set[tuple]] = {}
        for key, members in blocks.items():
            if len(members) < 2:
                continue
            groups = [members] if len(members) <= SMALL_BLOCK else self._by_evidence(members, clues)
            for group in groups:
                if len(group) > MAX_BLOCK:
                    continue
                for pair in self._pairs(group, changed):
                    if pair not in seen:
                        seen.add(pair)
                        self._score(pair, scored, near_misses)
        scored.sort(key=lambda s: (-s[0], s[1], s[2]))
        merged: set[int] = set()
        m = self.mentions
        for score, ra, rb, texts, rule in scored:
            a, b = self._representatives(ra, rb)
            if self.union(a, b, Decision(m[a].iri, m[b].iri, rule, score, texts)):
                merged.add(self.root(a))
        counts: dict[int, int] = defaultdict(int)
        for score, ra, rb, texts in sorted(near_misses, key=lambda s: (-s[0], s[1], s[2])):
            if self.root(ra) == self.root(rb) or counts[ra] >= MAX_REJECTIONS or counts[rb] >= MAX_REJECTIONS:
                continue
            counts[ra] += 1
            counts[rb] += 1
            a, b = self._representatives(ra, rb)
            self.reject(Decision(m[a].iri, m[b].iri, "not-enough-evidence", score, texts))
        return {self.root(r) for r in merged}

    def _pairs(self, group: list[int], changed: set[int] | None) -> Iterator[tuple[int, int]]:
        """The pairs of clusters of a group to score (the smaller first): after the first round, those with
        a cluster that changed; never two clusters of one name in one dataset, which the same-source step
        left apart (a common name's namesakes in one source are most of a large block)."""
        part: dict[int, tuple] = {}
        for r in group:
            c = self.clusters[r]
            part[r] = (next(iter(c.datasets)), next(iter(c.names))) if len(c.datasets) == 1 and len(c.names) == 1 else (r,)
        if changed is None:
            parts: dict[tuple, list[int]] = defaultdict(list)
            for r in group:
                parts[part[r]].append(r)
            lists = list(parts.values())
            for n, xs in enumerate(lists):
                for ys in lists[n + 1:]:
                    for x in xs:
                        for y in ys:
                            yield (x, y) if x < y else (y, x)
            return
        for x in group:
            if x in changed:
                for y in group:
                    if part[y] != part[x]:
                        yield (x, y) if x < y else (y, x)

    def _by_evidence(self, members: list[int], clues: dict[int, set[tuple]]) -> list[list[int]]:
        """The clusters of a large block grouped by each piece of strong evidence they have."""
        groups: dict[tuple, list[int]] = defaultdict(list)
        for r in members:
            if r not in clues:
                clues[r] = _clues(self.clusters[r])
            for clue in clues[r]:
                groups[clue].append(r)
        return [g for g in groups.values() if len(g) > 1]

    def _score(self, pair: tuple[int, int], scored: list, near_misses: list) -> None:
        a, b = self.clusters[pair[0]], self.clusters[pair[1]]
        if a.datasets & b.datasets and a.names.keys() & b.names.keys():
            return  # one source, one name, left apart by the same-source step: a conflict, already said
        agreement, score, texts, kinds = evidence(a, b, self.rare)
        if agreement == "none":
            return
        if enough_evidence(agreement, score, kinds):
            scored.append((score, pair[0], pair[1], texts, "name-evidence"))
        elif agreement != "surname":
            near_misses.append((score, pair[0], pair[1], texts))

    def _representatives(self, ra: int, rb: int) -> tuple[int, int]:
        """The two mentions, one of each cluster, that a decision between the clusters names."""
        a, b = self.clusters[self.root(ra)], self.clusters[self.root(rb)]
        _, x, y = _best_names(a, b)
        return self._named(a, x), self._named(b, y)

    def _named(self, c: _Cluster, name: Name | None) -> int:
        """The first mention of the cluster written with ``name``."""
        if name is not None:
            for i in c.members:
                if self.mentions[i].name.key == name.key:
                    return i
        return c.members[0]

    def _result(self) -> Result:
        clusters = sorted((sorted(c.members) for c in self.clusters.values()), key=lambda ms: ms[0])
        return Result(clusters, self.decisions, self.rejections, self.unknown)


# ---------------------------------------------------------------------------
# Same source, same name


_FAR = 1 << 40  # beyond any year: a bound a test does not have
_SPAN_TESTS = 9


def _year_tests(c: _Cluster) -> tuple[list[Years | None], list[Years | None]]:
    """What a cluster keeps in the year indexes of its name, and what it asks them, test by test: two
    clusters can agree only if, in every test where both have years, what one keeps overlaps what the
    other asks. Each test is a consequence of :meth:`_Cluster.conflict` that one cluster's years alone
    bound: their births, their deaths (with the tolerance of :func:`_overlaps`), their activities (the
    active span of a life), and born before the end of one's activity, active before death, born before
    death, where a merged birth begins at most one year before either's earliest year (``_meet``'s gap
    between neighbours) and a merged death ends at most one year after either's last."""
    b, d = c.birth, c.death
    act = (c.act_lo, c.act_hi) if c.act_lo is not None else None
    born = min(b) - 1 if b else 0  # the earliest a merged birth can begin (0: no birth, not used)
    died = max(d) + 1 if d else 0  # the latest a merged death can end
    kept = [b and (b[0] - 1, b[1] + 1), d and (d[0] - 1, d[1] + 1),
            act and (act[0] - ACTIVE_SPAN, act[1] + ACTIVE_SPAN),
            b and _point(born + FIRST_WORK), act and _point(act[1]),  # an activity ends after birth
            d and _point(died + LAST_WORK), act and _point(act[0]),  # and begins before death
            b and _point(born - 1), d and _point(died - 1)]  # born before death (a year apart at most)
    asked = [b, d, act,
             act and (-_FAR, act[1]), b and (born + FIRST_WORK, _FAR),
             act and (act[0], _FAR), d and (-_FAR, died + LAST_WORK),
             d and (-_FAR, died - 1), b and (born - 1, _FAR)]
    return kept, asked  # type: ignore[return-value]


def _point(year: int) -> Years:
    return year, year


def _alone(kept: list[Years | None], asked: list[Years | None]) -> bool:
    """Whether the cluster these are of disagrees with every other, whatever their years: its own activity
    too long for one life, or outside its own life (the tests after births and deaths, of itself)."""
    return any(k and q and not _overlaps(k, q, 0) for k, q in zip(kept[2:], asked[2:]))


class _SameName:
    """The clusters the mentions of one name in one dataset form, in the order of their first mentions.

    Each later mention joins the first of them it is compatible with. They are indexed by their years
    (:class:`graph.intervals.IntervalIndex`, one index per test of :func:`_year_tests`): a mention is
    compared only with the clusters whose years could agree with its cluster's, found in the index where
    the fewest could, so a common name with thousands of namesakes whose dates disagree costs a few
    binary searches per mention, not a comparison with each namesake. The decisions are those of
    comparing with every earlier cluster in order: the indexes only leave out clusters that would
    disagree.
    """

    def __init__(self, linker: _Linker, first: int, dataset: str) -> None:
        self.linker, self.first, self.dataset = linker, first, dataset
        self.mentions: list[int] = []  # position → the first mention of the cluster there
        self.position: dict[int, int] = {}  # cluster (its root) → its position
        self.alive: dict[int, None] = {}  # the positions of the clusters a mention may join, in order
        self.axes = tuple(IntervalIndex() for _ in range(_SPAN_TESTS))  # one per test of _year_tests
        self._add(first)

    def run(self, later: list[int]) -> None:
        for j in later:
            if not self._join(j):
                self._add(j)

    def _join(self, j: int) -> bool:
        """Join ``j`` to the first cluster it is compatible with; whether it is now in one of them (it may
        have been before, through an authority or another dataset)."""
        linker, m = self.linker, self.linker.mentions
        rj = linker.root(j)
        cj = linker.clusters[rj]
        own = self.position.get(rj)
        for p in self._candidates(cj):
            if own is not None and p >= own:
                break
            i = self.mentions[p]
            ri = linker.root(i)
            if linker.clusters[ri].conflict(cj) is None:
                linker.union(i, j, Decision(m[i].iri, m[j].iri, "same-source-name", 0.9,
                                            (f"nom : identique ({m[i].name.display})", f"source : {self.dataset}")))
                self._merged(p, ri, rj, own)
                return True
        if own is not None:
            return True
        # a namesake of every earlier one: say why once
        found = linker.clusters[linker.root(self.first)].conflict(cj)
        if found is not None:
            linker.reject(Decision(m[self.first].iri, m[j].iri, found[0], 0.9, found[1]))
        return False

    def _candidates(self, c: _Cluster) -> Iterator[int]:
        """The positions, in order, of the clusters whose years could agree with ``c``'s: found in the index
        where the fewest could, their years in the others checked too."""
        kept, asked = _year_tests(c)
        if _alone(kept, asked):
            return
        tests = [(axis, span) for axis, span in zip(self.axes, asked) if span is not None]
        if not tests:
            yield from self.alive
            return
        axis, span = min(tests, key=lambda t: t[0].count(*t[1]))
        others = [(x, s) for x, s in tests if x is not axis]
        for p in axis.overlapping(*span):
            if all((k := x.span(p)) is None or _overlaps(k, s, 0) for x, s in others):
                yield p

    def _add(self, i: int) -> None:
        """``i``'s cluster, after the others."""
        r = self.linker.root(i)
        p = len(self.mentions)
        self.mentions.append(i)
        self.position[r] = p
        self._index(p, self.linker.clusters[r])

    def _merged(self, p: int, before: int, absorbed: int, own: int | None) -> None:
        """The cluster at ``p`` (root ``before``) absorbed another (root ``absorbed``, at ``own`` if listed)."""
        del self.position[before]
        if own is not None:
            del self.position[absorbed]
            self._unindex(own)
        r = self.linker.root(self.mentions[p])
        self.position[r] = p
        self._index(p, self.linker.clusters[r])

    def _index(self, p: int, c: _Cluster) -> None:
        kept, asked = _year_tests(c)
        if _alone(kept, asked):  # no mention can join it: not worth finding
            self._unindex(p)
            return
        self.alive[p] = None
        for axis, span in zip(self.axes, kept):
            axis.put(p, span)

    def _unindex(self, p: int) -> None:
        if self.alive.pop(p, 0) is None:
            for axis in self.axes:
                axis.remove(p)


def rare_surnames(mentions: list[Mention]) -> frozenset[str]:
    """Surnames written with one set of forenames (their initials) in all the mentions: ``Matisse`` with
    ``Henri`` only is one person's name here; ``Martin`` with ``Jean``, ``Charles``, ``Pierre`` is not."""
    initials: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        if m.name.forenames and m.name.surname_compact:
            initials[m.name.surname_compact].add("".join(f[0] for f in m.name.forenames))
    return frozenset(s for s, found in initials.items() if len(found) == 1)


def link(mentions: list[Mention], overrides: Iterable[Override] = ()) -> Result:
    """Cluster ``mentions`` into persons (see the module's text)."""
    return _Linker(mentions, overrides).run()
