"""``patrimoine link``: read the person mentions of every dataset, link them, write the links graph.

The links live in their own named graph, ``graph/links``, described in the catalogue
(``<{base}links>``: when, from which datasets and overrides, how many persons and links by
rule): reloading or dropping a dataset never removes the links of the others, and the next run
brings the links up to date.

A run whose inputs did not change (the datasets' content digests, the overrides file, the
software) does nothing. Otherwise it links every mention again (a few seconds for 100,000) and
writes only the difference with the graph already there, in one transaction: readers see the old
links or the new ones. A person keeps its IRI from run to run as long as it keeps mentions it had.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph import __version__, authorities, concept_alignments
from graph.institution_links import InstitutionLinker
from graph.iri import Minter, slug
from graph.linking import RULES_PATH, Mention, Override, Result, link, rules
from graph.namespaces import CRM, DCTERMS, OWL, PKG, PROV, RDF, RDFS, SKOS, VOID, XSD
from graph.ntriples import literal, typed
from graph.persons import Years, heading, parse_name, strip_qualifiers
from graph.provenance import now
from graph.records import InputError
from graph.store import KnowledgeGraph, _provenance_update

DEFAULT_OVERRIDES = Path("links/overrides.csv")
ROOT = Path(__file__).resolve().parent.parent
# What the links are computed with: a change in any of them relinks everything.
CODE = (ROOT / "graph" / "linking.py", ROOT / "graph" / "persons.py", ROOT / "graph" / "concept_alignments.py",
        ROOT / "graph" / "institution_links.py", RULES_PATH, Path(__file__).resolve(),
        *sorted((ROOT / "graph" / "data" / "institutions").glob("*.csv")))
ACTIVE_WORK = 30  # years: a production dated within them, by one person alone, bounds their life
LINKS = "links"  # the graph's name: graph/links (a reserved dataset name)

# How each source format writes names (graph/persons.py).
CONVENTIONS = {"pop": "pop", "unimarc": "inverted", "marc21": "inverted", "ead": "inverted",
               "francearchives-csv": "inverted"}


@dataclass
class LinkReport:
    mentions: int = 0
    persons: int = 0
    merges: Counter = field(default_factory=Counter)  # rule → links
    rejections: int = 0
    alignments: int = 0  # concepts matched to published vocabularies
    institutions: int = 0  # groups found to be an institution of the reference tables
    added: int = 0
    removed: int = 0
    unchanged: bool = False
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)  # seconds of each step: read, link, write
    unknown_overrides: list[Override] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Overrides


def read_overrides(path: Path, base: str) -> list[Override]:
    """``links/overrides.csv``: ``mention,other,decision,note`` rows, decision ``same`` or ``not same``.

    Mentions are IRIs, absolute or relative to the base IRI (``pop/PA00116046#person-robert-de-luzarches``);
    lines starting with ``#`` are comments.
    """
    out: list[Override] = []
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(line for line in f if line.strip() and not line.lstrip().startswith("#"))
        header = next(rows, None)
        if header is None:
            return out
        if [h.strip().lower() for h in header[:3]] != ["mention", "other", "decision"]:
            raise InputError(f"{path}: the first line must be 'mention,other,decision,note'")
        for n, row in enumerate(rows, 2):
            if len(row) < 3:
                raise InputError(f"{path}: row {n} needs a mention, another mention and a decision")
            decision = " ".join(row[2].lower().split())
            if decision not in ("same", "not same"):
                raise InputError(f"{path}: row {n}: decision {row[2]!r} is neither 'same' nor 'not same'")
            a, b = (_absolute(v.strip(), base) for v in row[:2])
            out.append(Override(a, b, decision == "same", row[3].strip() if len(row) > 3 else ""))
    return out


def _absolute(value: str, base: str) -> str:
    value = value.strip("<>")
    return value if value.startswith(("http://", "https://")) else base + value


# ---------------------------------------------------------------------------
# Reading the mentions


def _years(begin: ox.Literal | None, end: ox.Literal | None) -> Years | None:
    def year(term: ox.Literal | None) -> int | None:
        if term is None:
            return None
        text = term.value
        try:
            return -int(text[1:].split("-")[0]) if text.startswith("-") else int(text.split("-")[0])
        except ValueError:
            return None
    lo, hi = year(begin), year(end)
    if lo is None and hi is None:
        return None
    return (lo if lo is not None else hi, hi if hi is not None else lo)


def _record_of(mention: str) -> str:
    return mention.split("#", 1)[0]


def read_mentions(kg: KnowledgeGraph) -> list[Mention]:
    """Every person mention of the visible datasets, with what their records say about them."""
    base = kg.minter.base
    links_graph = Minter.plain(kg.links)
    canonical = f"{base}person/"
    graph_prefix = f"{base}graph/"
    formats: dict[str, str] = {}
    for row in kg.store.query(f"SELECT ?g ?f WHERE {{ GRAPH {kg.catalogue} {{ ?d {PKG.graph} ?g ; "
                              f"{PKG.sourceFormat} ?f }} }}"):
        formats[row["g"].value] = row["f"].value
    labels: dict[str, str] = {}
    datasets: dict[str, set[str]] = defaultdict(set)
    conventions: dict[str, str] = {}
    for row in kg.query(f"""SELECT ?g ?m ?label WHERE {{ GRAPH ?g {{ ?m a {CRM.E21_Person} .
            OPTIONAL {{ ?m {RDFS.label} ?label }} }} }}"""):
        g, m = row["g"].value, row["m"].value
        if g == links_graph or m.startswith(canonical) or not isinstance(row["m"], ox.NamedNode):
            continue
        if row["label"] is not None and m not in labels:
            labels[m] = row["label"].value
        if g.startswith(graph_prefix) and g != f"{graph_prefix}shared":
            datasets[m].add(g[len(graph_prefix):])
        fmt = formats.get(g, "").split(",")[0]
        conventions.setdefault(m, CONVENTIONS.get(fmt, "natural"))
    iris = sorted(m for m in labels)
    wanted = set(iris)
    features: dict[str, dict] = {m: defaultdict(set) for m in iris}

    for row in kg.query(f"SELECT ?m ?a WHERE {{ ?m a {CRM.E21_Person} ; {OWL.sameAs} ?a }}"):
        m = row["m"].value
        if m in wanted and isinstance(row["a"], ox.NamedNode):
            features[m]["authorities"].add(authorities.entity_iri(row["a"].value))

    life: dict[str, dict[str, Years]] = defaultdict(dict)
    places_of_life: dict[str, set[str]] = defaultdict(set)
    for row in kg.query(f"""SELECT ?m ?p ?b ?e ?place WHERE {{ ?m a {CRM.E21_Person} ; ?p ?ev .
            VALUES ?p {{ {CRM.P98i_was_born} {CRM.P100i_died_in} }}
            OPTIONAL {{ ?ev {CRM("P4_has_time-span")} ?ts .
                       OPTIONAL {{ ?ts {CRM.P82a_begin_of_the_begin} ?b }} OPTIONAL {{ ?ts {CRM.P82b_end_of_the_end} ?e }} }}
            OPTIONAL {{ ?ev {CRM.P7_took_place_at} ?place }} }}"""):
        m = row["m"].value
        if m not in wanted:
            continue
        kind = "birth" if row["p"].value.endswith("born") else "death"
        if (span := _years(row["b"], row["e"])) is not None:
            life[m][kind] = span
        if row["place"] is not None:
            places_of_life[m].add(row["place"].value)

    # What each mention did: simple patterns joined here (Oxigraph evaluates chains of OPTIONALs slowly).
    base_role = f"<{base}concept/scheme/role>"
    whole = {row[1].value: row[0].value for row in kg.query(f"SELECT ?w ?p WHERE {{ ?w {CRM.P9_consists_of} ?p }}")}
    roles = {row[0].value: row[1].value for row in kg.query(
        f"""SELECT ?part ?role WHERE {{ ?w {CRM.P9_consists_of} ?part . ?part {CRM.P2_has_type} ?t .
            ?t {SKOS.inScheme} {base_role} ; {SKOS.prefLabel} ?role }}""")}
    acts: dict[str, list[tuple[str, str | None]]] = defaultdict(list)  # mention → (event, role)
    actors: dict[str, set[str]] = defaultdict(set)  # event → mentions
    for row in kg.query(f"SELECT ?part ?m WHERE {{ ?part {CRM.P14_carried_out_by} ?m }}"):
        m = row[1].value
        if m in wanted:
            part = row[0].value
            event = whole.get(part, part)
            acts[m].append((event, roles.get(part)))
            actors[event].add(m)
    spans: dict[str, Years] = {}
    for row in kg.query(f"""SELECT ?ev ?b ?e WHERE {{ ?ev {CRM("P4_has_time-span")} ?ts .
            ?ts {CRM.P82a_begin_of_the_begin} ?b ; {CRM.P82b_end_of_the_end} ?e }}"""):
        if row[0].value in actors and (span := _years(row[1], row[2])) is not None:
            spans[row[0].value] = span
    producing = {row[0].value for row in kg.query(f"SELECT ?e WHERE {{ ?e a {CRM.E12_Production} }}")
                 if row[0].value in actors}

    records = {_record_of(m) for m in iris}
    record_places: dict[str, set[str]] = defaultdict(set)
    places = {row["p"].value for row in kg.query(f"SELECT ?p WHERE {{ ?p a {CRM.E53_Place} }}")}
    # one simple pattern per query: Oxigraph joins an alternative path with a type test slowly
    for pattern in (CRM.P55_has_current_location, CRM.P67_refers_to, CRM.P129_is_about,
                    f"{CRM.P108i_was_produced_by}/{CRM.P7_took_place_at}",
                    f"{CRM.P128_carries}/{CRM.P67_refers_to}", f"{CRM.P128_carries}/{CRM.P129_is_about}"):
        for row in kg.query(f"SELECT ?rec ?place WHERE {{ ?rec {pattern} ?place }}"):
            if (place := row["place"].value) in places:
                record_places[row["rec"].value].add(place)
    within: dict[str, set[str]] = defaultdict(set)
    broad = (f"{base}place/department/", f"{base}place/region/")
    for row in kg.query(f"SELECT ?a ?b WHERE {{ ?a {CRM.P89_falls_within} ?b }}"):
        if not row["b"].value.startswith(broad):
            within[row["a"].value].add(row["b"].value)
    for places in record_places.values():
        places |= {up for p in list(places) for up in within.get(p, ())}
    children: dict[str, set[str]] = defaultdict(set)
    for row in kg.query(f"SELECT ?a ?b WHERE {{ ?a {CRM.P46_is_composed_of} ?b }}"):
        children[row["a"].value].add(row["b"].value)
    related: dict[str, set[str]] = defaultdict(set)
    for row in kg.query(f"SELECT ?a ?b WHERE {{ ?a {PKG.housedIn}|{PKG.relatedRecord} ?b }}"):
        a, b = row["a"].value, row["b"].value
        if a in records or b in records:
            related[a].add(b)
            related[b].add(a)

    by_record: dict[str, list[str]] = defaultdict(list)
    for m in iris:
        by_record[_record_of(m)].append(m)
    names = {m: parse_name(labels[m], conventions.get(m, "natural")) for m in iris}

    out: list[Mention] = []
    for m in iris:
        name = names[m]
        record = _record_of(m)
        f = features[m]
        roles = {slug(r.split(",")[0]) for _, r in acts[m] if r}  # "peintre, attribué": a painter
        # what one person alone produced within a few years bounds their life; a building's long
        # dating, or a work of several hands, only says when someone was there
        activity = tuple(dict.fromkeys(spans[e] for e, _ in acts[m] if e in spans and e in producing
                                       and len(actors[e]) == 1 and spans[e][1] - spans[e][0] <= ACTIVE_WORK))
        periods = tuple(dict.fromkeys([spans[e] for e, _ in acts[m] if e in spans]
                                      + ([name.floruit] if name.floruit else [])))
        places = set(record_places.get(record, ())) | places_of_life[m]
        for child in _descendants(record, children, 3):
            places |= record_places.get(child, set())
        birth, death = life[m].get("birth"), life[m].get("death")
        out.append(Mention(
            iri=m, name=name, record=record, convention=conventions.get(m, "natural"), datasets=frozenset(datasets.get(m, ())),
            authorities=frozenset(f["authorities"]),
            birth=birth or name.birth, death=death or name.death,
            activity=activity, periods=periods, roles=frozenset(roles), places=frozenset(places),
            works=frozenset({record} | related.get(record, set())),
            companions=frozenset(names[o].surname_compact for o in by_record[record]
                                 if o != m and names[o].key != name.key)))
    return out


def _descendants(record: str, children: dict[str, set[str]], depth: int) -> set[str]:
    found: set[str] = set()
    level = {record}
    for _ in range(depth):
        level = {c for r in level for c in children.get(r, ())} - found
        if not level:
            break
        found |= level
    return found


# ---------------------------------------------------------------------------
# Persons: stable IRIs and labels


def institution_links(kg: KnowledgeGraph) -> list[str]:
    """``owl:sameAs`` from the groups named differently than the reference tables name them to the one
    institution they are (graph/institution_links.py), each with its decision, as persons' are."""
    from graph.names import actor_kind

    base = kg.minter.base
    linker = InstitutionLinker()
    known = {Minter.plain(kg.minter.org(i.scheme, i.id)) for i in linker.institutions.known()}
    within: dict[str, set[str]] = defaultdict(set)
    for row in kg.query(f"SELECT ?a ?b WHERE {{ ?a {CRM.P89_falls_within} ?b }}"):
        within[row[0].value].add(row[1].value)
    communes: dict[str, set[str]] = defaultdict(set)
    commune_prefix = f"{base}place/commune/"

    def note(group: str, place: str) -> None:
        for p in (place, *within.get(place, ())):
            if p.startswith(commune_prefix):
                communes[group].add(p[len(commune_prefix):])

    # groups first, then their events: Oxigraph evaluates the union first when it comes first,
    # over every event of the graph (4.5 s instead of 13 ms on 120,000 triples, quadratic beyond)
    for row in kg.query(f"""SELECT ?g ?place WHERE {{ ?g a {CRM.E74_Group} .
            {{ ?e {CRM.P14_carried_out_by} ?g }} UNION {{ ?part {CRM.P14_carried_out_by} ?g . ?e {CRM.P9_consists_of} ?part }}
            ?e {CRM.P7_took_place_at} ?place }}"""):
        note(row[0].value, row[1].value)
    for row in kg.query(f"SELECT ?g ?place WHERE {{ ?g a {CRM.E74_Group} ; {CRM.P74_has_current_or_former_residence} ?place }}"):
        note(row[0].value, row[1].value)
    out: list[str] = []
    concepts = {code: kg.minter.concept("link-rule", rule["label"]) for code, rule in rules().items()}
    for row in kg.query(f"SELECT DISTINCT ?g ?label WHERE {{ ?g a {CRM.E74_Group} ; {RDFS.label} ?label }} ORDER BY ?g ?label"):
        group, label = row[0].value, row[1].value
        if group in known or not group.startswith(base) or actor_kind(label) == "family":
            continue
        found = linker.match(label, sorted(communes.get(group, ())))
        if found is None:
            continue
        target = Minter.plain(kg.minter.org(found.institution.scheme, found.institution.id))
        if target == group:
            continue
        node = f"<{group}#link-{hashlib.sha1(target.encode()).hexdigest()[:12]}>"
        score = 1.0 if found.rule == "institution-name" else 0.8
        out += [f"<{group}> {OWL.sameAs} <{target}> .\n",
                f"{node} {RDF.type} {CRM.E13_Attribute_Assignment} .\n",
                f"{node} {CRM.P140_assigned_attribute_to} <{group}> .\n",
                f"{node} {CRM.P141_assigned} <{target}> .\n",
                f"{node} {CRM.P2_has_type} {concepts[found.rule]} .\n",
                f"{node} {PKG.rule} {literal(found.rule)} .\n",
                f"{node} {PKG.score} {typed(_decimal(score), XSD.decimal)} .\n",
                *(f"{node} {PKG.evidence} {literal(e, 'fr')} .\n" for e in found.evidence)]
    return out


def aligned_concepts(kg: KnowledgeGraph) -> set[str]:
    """The concepts of the schemes the alignment tables cover (their IRIs)."""
    schemes = " ".join(kg.minter.concept("scheme", s) for s in sorted(concept_alignments.schemes()))
    return {row[0].value for row in kg.query(
        f"SELECT DISTINCT ?c WHERE {{ VALUES ?s {{ {schemes} }} ?c {SKOS.inScheme} ?s }}")}


def previous_assignment(kg: KnowledgeGraph) -> dict[str, str]:
    """Mention → the person IRI the links graph gives it now."""
    graph = kg.links
    return {row["m"].value: row["p"].value for row in kg.store.query(
        f"SELECT ?p ?m WHERE {{ GRAPH {graph} {{ ?p {PKG.hasMention} ?m }} }}")}


def person_iris(result: Result, mentions: list[Mention], minter: Minter, previous: dict[str, str],
                labels: list[str]) -> list[str]:
    """An IRI per cluster: the one most of its mentions had before, else minted from its best
    authority id (``person/idref/…``), else from its label (name and life years)."""
    taken: set[str] = set()
    out: list[str | None] = [None] * len(result.clusters)
    order = sorted(range(len(result.clusters)), key=lambda c: (-len(result.clusters[c]), result.clusters[c][0]))
    for c in order:
        votes = Counter(previous[mentions[i].iri] for i in result.clusters[c] if mentions[i].iri in previous)
        for candidate, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
            if candidate not in taken:
                out[c] = candidate
                taken.add(candidate)
                break
    for c in order:
        if out[c] is not None:
            continue
        members = [mentions[i] for i in result.clusters[c]]
        found = [a for a in (authorities.parse(x) for m in members for x in m.authorities) if a is not None]
        found.sort(key=lambda a: (authorities.priority(a.scheme), a.id))
        candidates = [Minter.plain(minter.person_by_id(a.scheme, a.id)) for a in found]
        candidates.append(Minter.plain(minter.person(labels[c])))
        chosen = next((x for x in candidates if x not in taken), None)
        if chosen is None:
            digest = hashlib.sha1(members[0].iri.encode()).hexdigest()[:8]
            chosen = f"{candidates[-1]}-{digest}"
        out[c] = chosen
        taken.add(chosen)
    return [x for x in out if x is not None]


def person_label(members: list[Mention]) -> str:
    """``Gates, James (1850-1929)``: the name as a heading writes it (a library's or an archive's form
    first; POP's ``NOM Prénom`` turned into ``Nom, Prénom``), its qualifiers as written, and the life
    years the mentions give when the name has none."""
    first = min(members, key=lambda m: ("," not in m.name.written, m.convention != "pop", m.name.written))
    written = " ".join(first.name.written.split())
    bare = strip_qualifiers(written)
    label = heading(written, "pop") if first.convention == "pop" and "," not in bare else bare
    qualifiers = written[len(bare):].strip()
    if qualifiers:
        return f"{label} {qualifiers}"
    birth = next((m.birth for m in members if m.birth), None)
    death = next((m.death for m in members if m.death), None)
    if birth or death:
        label += f" ({_year_text(birth) if birth else '....'}-{_year_text(death) if death else '....'})"
    return label


def _year_text(span: Years) -> str:
    return str(span[0]) if span[0] == span[1] else f"{span[0]}/{span[1]}"


# ---------------------------------------------------------------------------
# The links graph


def link_triples(result: Result, mentions: list[Mention], persons: list[str], labels: list[str],
                  minter: Minter) -> tuple[list[str], list[str]]:
    """The N-Triples of the links graph: (persons with their labels, their mentions, authorities and
    the decisions).

    A decision is an ``E13_Attribute_Assignment``: the mention it decided about (``P140``), the person
    it assigned (``P141``; none for "not same"), the mention compared with, the rule (``P2_has_type``,
    ``pkg:rule``), the score and the evidence, one ``field : what it said`` text per field compared.
    Mentions decided alike (every mention of one name in one dataset compared with its first, every
    mention of one authority record) share one decision. IRIs come from the store (mentions, authority
    entities) or the minter: they are written as they are.
    """
    persons_out: list[str] = []
    out: list[str] = []
    a_, label_, person_cls = RDF.type, RDFS.label, CRM.E21_Person
    has_mention, same_as = PKG.hasMention, OWL.sameAs
    for c, members in enumerate(result.clusters):
        person = f"<{persons[c]}>"
        persons_out.append(f"{person} {a_} {person_cls} .\n")
        persons_out.append(f"{person} {label_} {literal(labels[c])} .\n")
        out.extend(f"{person} {has_mention} <{mentions[i].iri}> .\n" for i in members)
        for a in sorted({a for i in members for a in mentions[i].authorities}):
            out.append(f"{person} {same_as} <{a}> .\n")
    of = result.cluster_of()
    by_iri = {m.iri: i for i, m in enumerate(mentions)}
    decided: dict[tuple, list[str]] = {}
    for d in [*result.decisions, *result.rejections]:
        subject, other = (d.b, d.a) if d.same else (d.a, d.b)
        decided.setdefault((persons[of[by_iri[subject]]], other, d.rule, d.score, d.evidence), []).append(subject)
    concepts = {code: minter.concept("link-rule", rule["label"]) for code, rule in rules().items()}
    decisions = {code: rule["decision"] == "same" for code, rule in rules().items()}
    e13, p140, p141, p2 = (CRM.E13_Attribute_Assignment, CRM.P140_assigned_attribute_to, CRM.P141_assigned,
                           CRM.P2_has_type)
    compared, rule_, decision_, score_, evidence_ = PKG.comparedWith, PKG.rule, PKG.decision, PKG.score, PKG.evidence
    for (person, other, rule, score, evidence), subjects in decided.items():
        same = decisions[rule]
        digest = hashlib.sha1(f"{other} {rule} {score} {' '.join(evidence)}".encode()).hexdigest()[:12]
        node = f"<{person}#{'link' if same else 'not'}-{digest}>"
        out.append(f"{node} {a_} {e13} .\n")
        out.extend(f"{node} {p140} <{subject}> .\n" for subject in sorted(set(subjects)))
        if same:
            out.append(f"{node} {p141} <{person}> .\n")
        else:  # a decision that assigned a person (P141) is a "same"
            out.append(f"{node} {decision_} \"not same\" .\n")
        out.append(f"{node} {compared} <{other}> .\n")
        out.append(f"{node} {p2} {concepts[rule]} .\n")
        out.append(f"{node} {rule_} {literal(rule)} .\n")
        out.append(f"{node} {score_} {typed(_decimal(score), XSD.decimal)} .\n")
        out.extend(f"{node} {evidence_} {literal(e, 'fr')} .\n" for e in evidence)
    for code, rule in rules().items():
        concept = concepts[code]
        for p, o in ((a_, CRM.E55_Type), (a_, SKOS.Concept), (SKOS.prefLabel, literal(rule["label"], "fr")),
                     (SKOS.prefLabel, literal(rule["label_en"], "en")),
                     (label_, literal(rule["label"], "fr")), (SKOS.notation, literal(code)),
                     (SKOS.definition, literal(rule["comment"], "en")),
                     (SKOS.inScheme, minter.concept("scheme", "link-rule"))):
            out.append(f"{concept} {p} {o} .\n")
    return persons_out, out


def _decimal(value: float) -> str:
    """An xsd:decimal as the store writes it: ``0.9``, ``1``."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------
# Writing the links graph


class LinksWriter:
    """Makes a set of N-Triples lines the content of ``graph/links``, writing only the difference.

    Lines are written as the store writes them (canonical decimals, lowercase language tags...), so
    they compare with what it holds. The lines written last are also kept in the store's generation
    (``records/links.nt``, its digest in the catalogue) so the next run reads them there rather than
    from the graph. The difference is applied in one transaction: readers see the old links or the new ones.
    The very first write, into an empty graph, is a bulk load: it is published with the rest
    (:meth:`graph.store.KnowledgeGraph.writing`).
    """

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self.graph = kg.links
        self.term = f"<{kg.minter.base}{LINKS}>"
        records = kg.records_dir()  # kept with the store's generation
        self.cache = records / "links.nt" if records is not None else None

    def previous(self) -> set[str]:
        """The lines in the graph now: from the file of the last run when its digest is the catalogue's,
        else read from the graph."""
        if self.cache is not None and self.cache.is_file():
            data = self.cache.read_bytes()
            if hashlib.sha256(data).hexdigest() == self.recorded(PKG.contentSha256):
                return set(data.decode().splitlines(keepends=True))
        g = ox.NamedNode(Minter.plain(self.graph))
        if not self.kg.store.contains_named_graph(g):
            return set()
        data = self.kg.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
        return {line + "\n" for line in data.decode().splitlines() if line}

    def recorded(self, prop: str) -> str | None:
        """What the catalogue says of the links with ``prop``."""
        q = f"SELECT ?v WHERE {{ GRAPH {self.kg.catalogue} {{ {self.term} {prop} ?v }} }}"
        for row in self.kg.store.query(q):
            return row["v"].value
        return None

    def write(self, new: set[str], old: set[str], catalogue: Callable[[str, str], list[str]]) -> tuple[int, int]:
        """Replace ``old`` by ``new``; ``catalogue(status, digest)`` gives the catalogue's lines. Returns
        (lines added, lines removed)."""
        kg, graph = self.kg, self.graph
        text = "".join(sorted(new))
        digest = hashlib.sha256(text.encode()).hexdigest()
        added, removed = new - old, old - new
        g = ox.NamedNode(Minter.plain(graph))
        with kg.writing():  # published whole, with the catalogue and the file of the lines written
            if not old and not kg.store.contains_named_graph(g):
                kg.store.bulk_load(text.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=g)
                self._catalogue(catalogue("loaded", digest))
            else:
                steps = []
                if removed:
                    steps.append(f"DELETE DATA {{ GRAPH {graph} {{\n{''.join(sorted(removed))}}} }}")
                if added:
                    steps.append(f"INSERT DATA {{ GRAPH {graph} {{\n{''.join(sorted(added))}}} }}")
                steps.append(_provenance_update(kg.catalogue, self.term, catalogue("loaded", digest)))
                kg.store.update(" ;\n".join(steps))
                kg._hidden = None
            if self.cache is not None:
                partial = self.cache.with_suffix(".nt.tmp")
                partial.write_text(text, encoding="utf-8")
                partial.replace(self.cache)  # a new file: the generation published before keeps its own
        return len(added), len(removed)

    def _catalogue(self, lines: list[str]) -> None:
        self.kg.store.update(_provenance_update(self.kg.catalogue, self.term, lines))
        self.kg._hidden = None


# ---------------------------------------------------------------------------
# The run


def inputs_digest(kg: KnowledgeGraph, overrides: bytes) -> str:
    """What the links depend on: every visible dataset's content digest, the overrides, the software."""
    h = hashlib.sha256(f"{__version__}\n".encode())
    for path in CODE:
        h.update(path.read_bytes())
    h.update(concept_alignments.fingerprint())
    rows = kg.store.query(f"""SELECT ?name ?sha WHERE {{ GRAPH {kg.catalogue} {{ ?d {PKG.datasetName} ?name ;
        {PKG.status} "loaded" . OPTIONAL {{ ?d {PKG.contentSha256} ?sha }} }} }} ORDER BY ?name""")
    for row in rows:
        h.update(f"{row['name'].value} {row['sha'].value if row['sha'] is not None else now()}\n".encode())
    h.update(overrides)
    return h.hexdigest()


def run(kg: KnowledgeGraph, overrides_path: Path | None = DEFAULT_OVERRIDES, *, full: bool = False,
        required: bool = False) -> LinkReport:
    """Link the persons of every dataset (see the module's text). ``required``: a missing overrides file
    is an error (the user named it), not an empty file."""
    started = time.perf_counter()
    started_at = now()
    report = LinkReport()
    overrides: list[Override] = []
    raw = b""
    if overrides_path is not None:
        if overrides_path.is_file():
            raw = overrides_path.read_bytes()
            overrides = read_overrides(overrides_path, kg.minter.base)
        elif required:
            raise InputError(f"{overrides_path}: no such overrides file")
    writer = LinksWriter(kg)
    digest = inputs_digest(kg, raw)
    if not full and digest == writer.recorded(PKG.inputSha256):
        report.unchanged = True
        report.seconds = time.perf_counter() - started
        return report
    with _without_gc():  # a run makes millions of small objects and frees none: collecting only costs
        clock = time.perf_counter()
        mentions = read_mentions(kg)
        report.steps["read"], clock = time.perf_counter() - clock, time.perf_counter()
        result = link(mentions, overrides)
        report.steps["link"], clock = time.perf_counter() - clock, time.perf_counter()
        labels = [person_label([mentions[i] for i in members]) for members in result.clusters]
        persons = person_iris(result, mentions, kg.minter, previous_assignment(kg), labels)
        person_lines, lines = link_triples(result, mentions, persons, labels, kg.minter)
        aligned = concept_alignments.triples(kg.minter, aligned_concepts(kg))
        institutions = institution_links(kg)
        report.institutions = sum(f" {OWL.sameAs} " in line for line in institutions)
        report.alignments = sum(" <http://www.w3.org/2004/02/skos/core#" in line for line in aligned)
        old = writer.previous()
        new = set(person_lines) | set(lines) | set(aligned) | set(institutions)
        report.mentions, report.persons = len(mentions), len(result.clusters)
        report.merges = Counter(d.rule for d in result.decisions)
        report.rejections = len(result.rejections)
        report.unknown_overrides = result.unknown_overrides
        report.steps["triples"], clock = time.perf_counter() - clock, time.perf_counter()
        report.added, report.removed = writer.write(
            new, old, lambda status, content: _catalogue(writer.term, writer.graph, report, digest, len(new),
                                                         started_at, overrides_path if raw else None, status, content))
        report.steps["write"] = time.perf_counter() - clock
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _without_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _catalogue(term: str, graph: str, report: LinkReport, digest: str, triples: int, started: str,
               overrides: Path | None, status: str, content: str) -> list[str]:
    lines: list[str] = []

    def add(s: str, p: str, o: str) -> None:
        lines.append(f"{s} {p} {o} .\n")

    def integer(n: int) -> str:
        return typed(str(n), XSD.integer)

    activity = Minter.part(term, "run")
    add(term, RDF.type, VOID.Linkset)
    add(term, RDF.type, PROV.Entity)
    add(term, RDFS.label, literal("liens entre les sources (personnes)", "fr"))
    add(term, PKG.graph, graph)
    add(term, PKG.status, literal(status))
    add(term, PKG.contentSha256, literal(content))
    add(term, VOID.triples, integer(triples))
    add(term, PKG.mentions, integer(report.mentions))
    add(term, PKG.persons, integer(report.persons))
    add(term, PKG.rejections, integer(report.rejections))
    add(term, PKG.alignments, integer(report.alignments))
    add(term, PKG.institutions, integer(report.institutions))
    for rule, n in sorted(report.merges.items()):
        node = Minter.part(term, f"rule-{rule}")
        add(term, PKG.linksByRule, node)
        add(node, PKG.rule, literal(rule))
        add(node, PKG.links, integer(n))
    add(term, PKG.inputSha256, literal(digest))
    if overrides is not None:
        add(term, PKG.overridesFile, literal(str(overrides)))
    ended = now()
    add(term, DCTERMS.modified, typed(ended, XSD.dateTime))
    add(term, PROV.wasGeneratedBy, activity)
    add(activity, RDF.type, PROV.Activity)
    add(activity, PROV.startedAtTime, typed(started, XSD.dateTime))
    add(activity, PROV.endedAtTime, typed(ended, XSD.dateTime))
    add(activity, PKG.softwareVersion, literal(__version__))
    return lines

