"""Validation results of our engine and of pySHACL in one comparable form (tests and bench/validate.py).

A result becomes (focus node, path, value, constraint component, severity,
messages); blank nodes compare equal whatever their labels, and pySHACL's own
English messages (for shapes that have none) are taken as equal to ours.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from .engine import Result, _ox

SH = "http://www.w3.org/ns/shacl#"

Key = tuple[str, str, str, str, str, frozenset]


def _term(t) -> str:
    if isinstance(t, ox.BlankNode):
        return "_:b"
    return str(t)


GENERIC = frozenset({"(generic)"})


def ours(results: Iterable[Result]) -> Counter[Key]:
    """Our results; messages as their texts (pySHACL drops the language of filled-in SPARQL messages), or
    GENERIC where the shape has none (pySHACL writes its own English ones)."""
    def messages(r: Result) -> frozenset:
        own = r.shape.messages or any(c.sparql.messages for c in r.shape.constraints
                                      if c.sparql is not None and c.sparql.node == r.constraint)
        return frozenset(m.value for m in r.messages) if own else GENERIC
    return Counter((_term(r.focus), r.path.sparql if r.path else "", _term(r.value) if r.value is not None else "",
                    r.component, r.severity, messages(r)) for r in results)


def _path(report, node) -> str:
    import rdflib

    SHN = rdflib.Namespace(SH)
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    first = report.value(node, rdflib.RDF.first)
    if first is not None:
        return "(" + "/".join(_path(report, n) for n in rdflib.collection.Collection(report, node)) + ")"
    for kind, op in (("inversePath", "^"), ("alternativePath", "|"), ("zeroOrMorePath", "*"),
                     ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
        inner = report.value(node, SHN[kind])
        if inner is None:
            continue
        if kind == "alternativePath":
            return "(" + "|".join(_path(report, n) for n in rdflib.collection.Collection(report, inner)) + ")"
        if kind == "inversePath":
            return "^" + _path(report, inner)
        return f"({_path(report, inner)}){op}"
    raise ValueError(node)


@contextmanager
def queries_parsed_once() -> Iterator[None]:
    """rdflib parses each SPARQL query once while this lasts, not once per call.

    pySHACL runs an ``sh:sparql`` constraint once per focus node, passing the same text (``$this``
    bound by ``initBindings``) that rdflib parses again every time: on the samples, 97 % of pySHACL's
    time. A parsed and translated query is what ``rdflib.plugins.sparql.prepareQuery`` gives for reuse,
    so results are unchanged. For the tests' reference runs only: the benchmark's baseline is pySHACL
    as it is.
    """
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query

    @lru_cache(maxsize=256)
    def prepared(text: str, base: str | None, namespaces: tuple):
        return processor.translateQuery(processor.parseQuery(text), base, dict(namespaces))

    def query(self, query, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803 (rdflib's names)
        if isinstance(query, str):
            query = prepared(query, base, tuple(sorted((initNs or {}).items())))
        return original(self, query, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original


def pyshacl_results(data_ntriples: str | bytes, shapes: Iterable[Path]) -> Counter[Key]:
    """pySHACL's results over an N-Triples graph, as :func:`ours` writes ours."""
    import pyshacl
    import rdflib

    g = rdflib.Graph().parse(data=data_ntriples, format="nt")
    sg = rdflib.Graph()
    for f in shapes:
        sg.parse(f, format="turtle")
    with warnings.catch_warnings(), queries_parsed_once():
        warnings.simplefilter("ignore")
        _, report, _ = pyshacl.validate(g, shacl_graph=sg, allow_warnings=True)
    return report_keys(report)


def report_keys(report) -> Counter[Key]:
    """The results of a SHACL validation report (an rdflib graph, pySHACL's), as :func:`ours` writes ours."""
    import rdflib

    SHN = rdflib.Namespace(SH)
    out: Counter[Key] = Counter()
    for r in report.objects(None, SHN.result):  # not the sh:detail results nested in them
        path = report.value(r, SHN.resultPath)
        value = report.value(r, SHN.value)
        out[(_term(_ox(report.value(r, SHN.focusNode))), _path(report, path) if path is not None else "",
             _term(_ox(value)) if value is not None else "", str(report.value(r, SHN.sourceConstraintComponent)),
             str(report.value(r, SHN.resultSeverity)),
             frozenset(str(m) for m in report.objects(r, SHN.resultMessage)))] += 1
    return out


def differences(ours: Counter[Key], theirs: Counter[Key]) -> list[str]:
    """What differs between two result sets (empty when they are the same); pySHACL's generic
    messages are taken as equal to ours."""
    generic = {k[:5] for k in ours if k[5] == GENERIC}
    theirs = Counter({(k[:5] + (GENERIC,) if k[:5] in generic else k): n for k, n in theirs.items()})
    return [f"ours {ours[k]} pySHACL {theirs[k]}: {k}" for k in sorted(set(ours) | set(theirs), key=str)
            if ours[k] != theirs[k]]
