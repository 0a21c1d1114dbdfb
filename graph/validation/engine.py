"""Running compiled shapes on a store: the validation results, streamed from SPARQL answers.

:func:`validate` compiles every shape with targets (:mod:`.compiler`), runs each
query on the store and turns each answer row into a :class:`Result`. A shape the
compiler cannot handle is validated by pySHACL instead, over the same graph;
:attr:`Validation.fallback` names those shapes and why, and reports say so.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..store import KnowledgeGraph
from .compiler import Check, Compiler, Unsupported
from .messages import generic_messages
from .shapes import SEVERITIES, SH, Path, Shape, ShapesGraph, short

RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
Query = Callable[[str], Iterable[ox.QuerySolution]]


@dataclass(slots=True)
class Result:
    """One SHACL validation result."""

    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    shape: Shape                      # the source shape
    component: str                    # the source constraint component's IRI
    severity: str                     # sh:Violation, sh:Warning or sh:Info
    path: Path | None = None
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None = None
    messages: tuple[ox.Literal, ...] = ()
    constraint: ox.NamedNode | ox.BlankNode | None = None  # sh:sourceConstraint (SPARQL constraints)

    def message(self, lang: str) -> str:
        by_lang: dict[str, str] = {}
        for m in self.messages:
            by_lang.setdefault(m.language or "", m.value)
        for choice in (lang, "", "en"):
            if choice in by_lang:
                return by_lang[choice]
        return next(iter(by_lang.values()), "")


@dataclass
class Validation:
    """What one run found, and how it ran."""

    results: list[Result]
    shapes: ShapesGraph
    dataset: str | None = None
    checks: int = 0                                                   # queries run
    fallback: dict[str, str] = field(default_factory=dict)            # shape key -> why pySHACL ran it
    seconds: float = 0.0

    @property
    def conforms(self) -> bool:
        return not self.results

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)


def store_query(source: KnowledgeGraph | ox.Store) -> Query:
    """A function running a query on the union of the source's (visible) graphs."""
    if isinstance(source, KnowledgeGraph):
        return lambda q: source.query(q, dataset_clause=False)
    return lambda q: source.query(q, use_default_graph_as_union=True)


def subclass_closure(query: Query) -> Callable[[str], list[str]]:
    """``closure(C)``: C and its subclasses in the data (``rdfs:subClassOf*``), as SHACL targets and
    ``sh:class`` read them; asked once, and only when the data has subclass statements at all."""
    has_subclasses = bool(query(f"ASK {{ ?a <{RDFS_SUBCLASS}> ?b }}"))
    cache: dict[str, list[str]] = {}

    def closure(cls: str) -> list[str]:
        if not has_subclasses:
            return [cls]
        if cls not in cache:
            rows = query(f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS_SUBCLASS}>* <{cls}> }}")
            found = [r["c"].value for r in rows if isinstance(r["c"], ox.NamedNode)]
            cache[cls] = [cls] + sorted(c for c in found if c != cls)
        return cache[cls]
    return closure


def validate(source: KnowledgeGraph | ox.Store, shapes: ShapesGraph, dataset: str | None = None,
             progress: Callable[[int, int], None] | None = None) -> Validation:
    """Validate the source's union graph (or, with ``dataset``, the focus nodes of that dataset's graph)."""
    started = time.perf_counter()
    query = store_query(source)
    graph = None
    if dataset is not None:
        if not isinstance(source, KnowledgeGraph):
            raise ValueError("a dataset restriction needs a KnowledgeGraph")
        graph = source.minter.graph(dataset)
    compiler = Compiler(subclass_closure(query), graph)
    checks: list[Check] = []
    fallback: dict[str, str] = {}
    for top in shapes.top:
        try:
            checks += compiler.compile(top)
        except Unsupported as e:
            fallback[top.key] = str(e)
    results: list[Result] = []
    total = len(checks) + (1 if fallback else 0)
    for i, check in enumerate(checks):
        results.extend(run_check(query, check))
        if progress:
            progress(i + 1, total)
    if fallback:
        results.extend(run_pyshacl(source, shapes, set(fallback), graph))
        if progress:
            progress(total, total)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    results.sort(key=lambda r: (rank.get(r.severity, 3), str(r.focus), r.shape.key, r.component, str(r.value)))
    return Validation(results, shapes, dataset, len(checks), fallback, time.perf_counter() - started)


def run_check(query: Query, check: Check) -> Iterator[Result]:
    shape, c = check.shape, check.constraint
    severity = shape.severity
    component = c.iri
    if check.value == "sparql":
        yield from _sparql_results(query, check)
        return
    messages = tuple(shape.messages) or generic_messages(shape, c)
    path = shape.path
    for row in query(check.query):
        focus = row["this"]
        value = row["value"] if check.value == "value" else focus if check.value == "focus" else None
        if c.component == "ClosedConstraintComponent":
            p = row["path"]
            yield Result(focus, shape, component, severity, Path(str(p), str(p), short(p.value), p.value), value,
                         messages)
            continue
        yield Result(focus, shape, component, severity, path, value, messages)


_VAR = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def _sparql_results(query: Query, check: Check) -> Iterator[Result]:
    """Rows of a SPARQL constraint: ``?this``, ``?value``, ``?path``; messages filled with ``{?var}``."""
    shape, c = check.shape, check.constraint
    own = list(c.sparql.messages) + [m for m in shape.messages if m not in c.sparql.messages]
    seen = set()
    solutions = query(check.query)
    names = [v.value for v in solutions.variables]
    for row in solutions:
        bound = {n: row[n] for n in names if row[n] is not None}
        key = tuple(sorted((k, str(v)) for k, v in bound.items()))
        if key in seen:
            continue
        seen.add(key)
        focus = bound.get("this")
        if focus is None:
            continue
        value = bound.get("value", None if shape.is_property_shape else focus)
        p = bound.get("path")
        path = Path(str(p), str(p), short(p.value), p.value) if isinstance(p, ox.NamedNode) else shape.path

        def fill(text: str) -> str:
            return _VAR.sub(lambda m: bound[m[1]].value if m[1] in bound else m[0], text)
        messages = tuple(ox.Literal(fill(m.value), language=m.language) if m.language else ox.Literal(fill(m.value))
                         for m in own) or generic_messages(shape, c)
        yield Result(focus, shape, c.iri, shape.severity, path, value, messages, c.sparql.node)


# -- pySHACL for what the compiler does not handle ------------------------------------------

def run_pyshacl(source: KnowledgeGraph | ox.Store, shapes: ShapesGraph, keys: set[str],
                graph: str | None) -> list[Result]:
    """Validate the shapes named by ``keys`` with pySHACL over the whole union graph."""
    import pyshacl
    import rdflib

    query = store_query(source)
    data = query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").serialize(format=ox.RdfFormat.N_TRIPLES)
    g = rdflib.Graph().parse(data=data, format="nt")
    sg = rdflib.Graph().parse(data=_skolemised(shapes, keys), format="nt")
    _, report, _ = pyshacl.validate(g, shacl_graph=sg, allow_warnings=True)
    by_node = {_skolem(s.node): s for s in shapes.shapes.values()}
    in_graph: Callable[[ox.NamedNode | ox.BlankNode | ox.Literal], bool] = lambda _: True
    if graph is not None:
        members = {r["s"] for r in query(f"SELECT DISTINCT ?s WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")}
        in_graph = members.__contains__
    SHN = rdflib.Namespace(SH)
    out = []
    for r in report.subjects(rdflib.RDF.type, SHN.ValidationResult):
        shape = by_node.get(str(report.value(r, SHN.sourceShape)))
        focus = _ox(report.value(r, SHN.focusNode))
        if shape is None or not in_graph(focus):
            continue
        value = report.value(r, SHN.value)
        messages = tuple(_ox(m) for m in report.objects(r, SHN.resultMessage))
        out.append(Result(focus, shape, str(report.value(r, SHN.sourceConstraintComponent)),
                          str(report.value(r, SHN.resultSeverity)), shape.path,
                          _ox(value) if value is not None else None, messages))
    return out


def _skolem(node: ox.NamedNode | ox.BlankNode) -> str:
    return node.value if isinstance(node, ox.NamedNode) else f"urn:x-patrimoine-shape:{node.value}"


def _skolemised(shapes: ShapesGraph, keys: set[str]) -> str:
    """The shapes as N-Triples, blank-node shapes named (so results name their shape), and every
    shape with targets but those of ``keys`` deactivated (pySHACL runs only those)."""
    store = shapes.store
    names = {s.node: ox.NamedNode(_skolem(s.node)) for s in shapes.shapes.values() if isinstance(s.node, ox.BlankNode)}
    triples = []
    for q in store:
        s = names.get(q.subject, q.subject)
        o = names.get(q.object, q.object)
        triples.append(ox.Triple(s, q.predicate, o))
    true = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
    for top in shapes.top:
        if top.key not in keys:
            triples.append(ox.Triple(names.get(top.node, top.node), ox.NamedNode(SH + "deactivated"), true))
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()


def _ox(t) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    import rdflib

    if isinstance(t, rdflib.URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, rdflib.BNode):
        return ox.BlankNode(str(t))
    if t.language:
        return ox.Literal(str(t), language=t.language)
    return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)) if t.datatype else None)
