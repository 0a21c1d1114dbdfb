"""SHACL shapes read from Turtle files into plain objects the compiler turns into SPARQL.

Only reading happens here: what each shape targets, its path, its constraints
with their parameters, severity, messages and labels. Whether a constraint can
be compiled is the compiler's business (:mod:`graph.validation.compiler`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path as FilePath

import pyoxigraph as ox

from ..namespaces import PREFIXES
from ..records import PatrimoineError

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDF_FIRST = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#first")
RDF_REST = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#rest")
RDF_NIL = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDFS_CLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#Class")
OWL_CLASS = ox.NamedNode("http://www.w3.org/2002/07/owl#Class")
VIOLATION = SH + "Violation"
WARNING = SH + "Warning"
INFO = SH + "Info"
SEVERITIES = (VIOLATION, WARNING, INFO)

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def sh(local: str) -> ox.NamedNode:
    return ox.NamedNode(SH + local)


class ShapesError(PatrimoineError):
    """The shapes cannot be read (no file, bad Turtle, a malformed shape)."""


# The parameters of each core constraint component; a shape holding several of
# one component's parameters has one constraint of that component.
COMPONENTS: dict[str, tuple[str, ...]] = {
    "ClassConstraintComponent": ("class",),
    "DatatypeConstraintComponent": ("datatype",),
    "NodeKindConstraintComponent": ("nodeKind",),
    "MinCountConstraintComponent": ("minCount",),
    "MaxCountConstraintComponent": ("maxCount",),
    "MinExclusiveConstraintComponent": ("minExclusive",),
    "MinInclusiveConstraintComponent": ("minInclusive",),
    "MaxExclusiveConstraintComponent": ("maxExclusive",),
    "MaxInclusiveConstraintComponent": ("maxInclusive",),
    "MinLengthConstraintComponent": ("minLength",),
    "MaxLengthConstraintComponent": ("maxLength",),
    "PatternConstraintComponent": ("pattern", "flags"),
    "LanguageInConstraintComponent": ("languageIn",),
    "UniqueLangConstraintComponent": ("uniqueLang",),
    "EqualsConstraintComponent": ("equals",),
    "DisjointConstraintComponent": ("disjoint",),
    "LessThanConstraintComponent": ("lessThan",),
    "LessThanOrEqualsConstraintComponent": ("lessThanOrEquals",),
    "NotConstraintComponent": ("not",),
    "AndConstraintComponent": ("and",),
    "OrConstraintComponent": ("or",),
    "XoneConstraintComponent": ("xone",),
    "NodeConstraintComponent": ("node",),
    "QualifiedMinCountConstraintComponent": ("qualifiedValueShape", "qualifiedMinCount"),
    "QualifiedMaxCountConstraintComponent": ("qualifiedValueShape", "qualifiedMaxCount"),
    "ClosedConstraintComponent": ("closed", "ignoredProperties"),
    "HasValueConstraintComponent": ("hasValue",),
    "InConstraintComponent": ("in",),
    "SPARQLConstraintComponent": ("sparql",),
}
# Parameters whose value is an RDF list.
LIST_PARAMETERS = frozenset({"languageIn", "and", "or", "xone", "in", "ignoredProperties"})
# Components that need more than their first parameter to exist.
REQUIRED = {"QualifiedMinCountConstraintComponent": "qualifiedMinCount",
            "QualifiedMaxCountConstraintComponent": "qualifiedMaxCount"}
KNOWN_PARAMETERS = frozenset(p for ps in COMPONENTS.values() for p in ps) | {
    "path", "property", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "severity",
    "message", "deactivated", "name", "description", "order", "group", "defaultValue", "qualifiedValueShapesDisjoint",
    "prefixes", "declare", "select", "ask", "prefix", "namespace"}


@dataclass(frozen=True, slots=True)
class Path:
    """A SHACL property path: its SPARQL form, its Turtle form (for reports) and a short label."""

    sparql: str
    turtle: str
    label: str
    predicate: str | None = None  # the IRI, for a plain predicate path
    branches: tuple[str, ...] = ()  # the SPARQL of each branch, for an alternative path

    def pattern(self, subject: str, value: str) -> str:
        """The graph pattern binding ``value`` to the values of the path from ``subject``.

        An alternative path is written as the union of its branches: Oxigraph evaluates ``(a|b)`` with both
        ends free by keeping every pair it found in memory (the EDM text elements: every value of 37
        properties), a union streams them (duplicates are left to the query's DISTINCT)."""
        if len(self.branches) > 1:
            return " UNION ".join(f"{{ {subject} {b} {value} }}" for b in self.branches)
        return f"{subject} {self.sparql} {value} ."


@dataclass(slots=True)
class SparqlConstraint:
    """An ``sh:sparql`` constraint: its SELECT query (prefixes applied) and messages."""

    node: Term
    select: str
    messages: list[ox.Literal]


@dataclass(slots=True)
class Constraint:
    component: str                    # local name: "MinCountConstraintComponent"
    params: dict[str, object]         # parameter local name -> term, list of terms or shapes
    sparql: SparqlConstraint | None = None

    @property
    def iri(self) -> str:
        return SH + self.component


@dataclass(eq=False, slots=True)
class Shape:
    node: Term
    key: str                          # stable name for reports: the IRI, or parent key + path
    file: str
    path: Path | None = None
    targets: list[tuple[str, Term]] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    properties: list["Shape"] = field(default_factory=list)
    severity: str = VIOLATION
    messages: list[ox.Literal] = field(default_factory=list)
    labels: list[ox.Literal] = field(default_factory=list)
    deactivated: bool = False
    parent: "Shape | None" = None
    unknown: list[str] = field(default_factory=list)  # parameters this reader does not know

    @property
    def is_property_shape(self) -> bool:
        return self.path is not None

    def walk(self) -> Iterator["Shape"]:
        """This shape and every shape it holds through sh:property."""
        yield self
        for p in self.properties:
            yield from p.walk()

    def label(self, lang: str) -> str:
        return text_in(self.labels, lang) or (self.path.label if self.path else short(self.key))

    def message(self, lang: str) -> str | None:
        return text_in(self.messages, lang)


@dataclass
class ShapesGraph:
    """Every shape of a set of Turtle files; ``top`` are those with targets, the ones a validation runs."""

    shapes: dict[Term, Shape]
    top: list[Shape]
    files: list[FilePath]
    store: ox.Store  # the files' triples, one named graph per file (for the pySHACL fallback)

    def by_key(self, key: str) -> Shape | None:
        for s in self.shapes.values():
            if s.key == key:
                return s
        return None


def text_in(literals: Iterable[ox.Literal], lang: str) -> str | None:
    """The text in ``lang``, else the one without language, else English, else any."""
    by_lang: dict[str, str] = {}
    for lit in literals:
        by_lang.setdefault(lit.language or "", lit.value)
    for choice in (lang, "", "en"):
        if choice in by_lang:
            return by_lang[choice]
    return next(iter(by_lang.values()), None)


def short(iri: str) -> str:
    """``http://www.cidoc-crm.org/cidoc-crm/P1_is_identified_by`` → ``crm:P1_is_identified_by``."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best = ns
            name = f"{prefix}:{iri[len(ns):]}"
    if best:
        return name
    for prefix, ns in (("sh", SH), ("pks", "https://w3id.org/patrimoine-kg/shapes#"), ("schema", "http://schema.org/"),
                       ("svcs", "http://rdfs.org/sioc/services#"),
                       ("ebucore", "http://www.ebu.ch/metadata/ontologies/ebucore/ebucore#")):
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def read_shapes(paths: Iterable[FilePath]) -> ShapesGraph:
    """Read every ``*.ttl`` file of the given files and directories."""
    files: list[FilePath] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(p.glob("*.ttl")))
        elif p.is_file():
            files.append(p)
        else:
            raise ShapesError(f"{p}: no such file or directory")
    if not files:
        raise ShapesError(f"no shapes (*.ttl) in {', '.join(str(p) for p in paths)}")
    store = ox.Store()
    origin: dict[Term, str] = {}
    for f in files:
        g = ox.NamedNode(f.resolve().as_uri())
        try:
            store.load(path=str(f), format=ox.RdfFormat.TURTLE, to_graph=g)
        except (SyntaxError, OSError) as e:
            raise ShapesError(f"{f.name}: {str(e).splitlines()[0]}") from None
        for q in store.quads_for_pattern(None, None, None, g):
            origin.setdefault(q.subject, f.name)
    return _Reader(store, origin).read(files)


class _Reader:
    def __init__(self, store: ox.Store, origin: dict[Term, str]) -> None:
        self.store = store
        self.origin = origin
        self.shapes: dict[Term, Shape] = {}

    # -- graph access ----------------------------------------------------------
    def objects(self, s: Term, p: str) -> list[Term]:
        return [q.object for q in self.store.quads_for_pattern(s, sh(p) if ":" not in p else ox.NamedNode(p), None)]

    def one(self, s: Term, p: str) -> Term | None:
        values = self.objects(s, p)
        return values[0] if values else None

    def items(self, node: Term) -> list[Term]:
        out: list[Term] = []
        seen = set()
        while node != RDF_NIL:
            if node in seen:
                raise ShapesError(f"cyclic RDF list at {node}")
            seen.add(node)
            first = self.one(node, RDF_FIRST.value)
            rest = self.one(node, RDF_REST.value)
            if first is None or rest is None:
                raise ShapesError(f"malformed RDF list at {node}")
            out.append(first)
            node = rest
        return out

    # -- reading ---------------------------------------------------------------
    def read(self, files: list[FilePath]) -> ShapesGraph:
        candidates: list[Term] = []
        for t in ("NodeShape", "PropertyShape"):
            candidates += [q.subject for q in self.store.quads_for_pattern(None, RDF_TYPE, sh(t))]
        for p in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"):
            candidates += [q.subject for q in self.store.quads_for_pattern(None, sh(p), None)]
        top: list[Shape] = []
        for node in dict.fromkeys(candidates):
            shape = self.shape(node)
            if shape.targets and shape not in top:
                top.append(shape)
        return ShapesGraph(self.shapes, top, files, self.store)

    def shape(self, node: Term, parent: Shape | None = None) -> Shape:
        if node in self.shapes:
            return self.shapes[node]
        path_node = self.one(node, "path")
        path = self.path(path_node) if path_node is not None else None
        if isinstance(node, ox.NamedNode):
            key = node.value
        elif parent is not None and path is not None:
            key = f"{parent.key} {path.label}"
        else:
            key = f"_:{node.value}"
        shape = Shape(node=node, key=key, file=self.origin.get(node, parent.file if parent else ""), path=path,
                      parent=parent)
        self.shapes[node] = shape
        types = {q.object for q in self.store.quads_for_pattern(node, RDF_TYPE, None)}
        for kind in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"):
            shape.targets += [(kind, o) for o in self.objects(node, kind)]
        if types & {RDFS_CLASS, OWL_CLASS} and isinstance(node, ox.NamedNode):
            shape.targets.append(("targetClass", node))  # implicit class target
        severity = self.one(node, "severity")
        if severity is not None:
            shape.severity = severity.value
        shape.messages = [m for m in self.objects(node, "message") if isinstance(m, ox.Literal)]
        shape.labels = ([m for m in self.objects(node, RDFS_LABEL.value) if isinstance(m, ox.Literal)]
                        or [m for m in self.objects(node, "name") if isinstance(m, ox.Literal)])
        deactivated = self.one(node, "deactivated")
        shape.deactivated = isinstance(deactivated, ox.Literal) and deactivated.value == "true"
        for q in self.store.quads_for_pattern(node, None, None):
            p = q.predicate.value
            if p.startswith(SH) and p[len(SH):] not in KNOWN_PARAMETERS:
                shape.unknown.append(p[len(SH):])
        for component, params in COMPONENTS.items():
            if component in REQUIRED and self.one(node, REQUIRED[component]) is None:
                continue
            if self.one(node, params[0]) is None:
                continue
            for value in self.objects(node, params[0]):
                shape.constraints.append(self.constraint(shape, component, params, value))
                if component in ("SPARQLConstraintComponent", "NotConstraintComponent", "NodeConstraintComponent",
                                 "ClassConstraintComponent", "DatatypeConstraintComponent",
                                 "EqualsConstraintComponent", "DisjointConstraintComponent",
                                 "LessThanConstraintComponent", "LessThanOrEqualsConstraintComponent",
                                 "HasValueConstraintComponent", "AndConstraintComponent", "OrConstraintComponent",
                                 "XoneConstraintComponent"):
                    continue  # one constraint per value
                break
        for p in self.objects(node, "property"):
            shape.properties.append(self.shape(p, shape))
        return shape

    def constraint(self, shape: Shape, component: str, params: tuple[str, ...], first: Term) -> Constraint:
        values: dict[str, object] = {}
        for name in params:
            v = first if name == params[0] else self.one(shape.node, name)
            if v is None:
                continue
            if name in LIST_PARAMETERS:
                v = self.items(v)
            if name in ("and", "or", "xone"):
                v = [self.shape(s) for s in v]
            elif name in ("not", "node", "qualifiedValueShape"):
                v = self.shape(v)
            values[name] = v
        c = Constraint(component, values)
        if component == "SPARQLConstraintComponent":
            c.sparql = self.sparql(first)
        return c

    def sparql(self, node: Term) -> SparqlConstraint:
        select = self.one(node, "select")
        if not isinstance(select, ox.Literal):
            raise ShapesError(f"sh:sparql {node} has no sh:select query")
        prefixes = []
        for decl_owner in self.objects(node, "prefixes"):
            for decl in self.objects(decl_owner, "declare"):
                prefix, ns = self.one(decl, "prefix"), self.one(decl, "namespace")
                if prefix is not None and ns is not None:
                    prefixes.append(f"PREFIX {prefix.value}: <{ns.value}>\n")
        messages = [m for m in self.objects(node, "message") if isinstance(m, ox.Literal)]
        return SparqlConstraint(node, "".join(dict.fromkeys(prefixes)) + select.value, messages)

    def path(self, node: Term) -> Path:
        if isinstance(node, ox.NamedNode):
            return Path(f"<{node.value}>", f"<{node.value}>", short(node.value), node.value)
        if isinstance(node, ox.Literal):
            raise ShapesError(f"sh:path cannot be a literal ({node})")
        if self.one(node, RDF_FIRST.value) is not None:
            parts = [self.path(n) for n in self.items(node)]
            return Path("(" + "/".join(p.sparql for p in parts) + ")", "( " + " ".join(p.turtle for p in parts) + " )",
                        "/".join(p.label for p in parts))
        for kind, op in (("inversePath", "^"), ("alternativePath", "|"), ("zeroOrMorePath", "*"),
                         ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
            inner = self.one(node, kind)
            if inner is None:
                continue
            if kind == "alternativePath":
                parts = [self.path(n) for n in self.items(inner)]
                return Path("(" + "|".join(p.sparql for p in parts) + ")",
                            f"[ <{SH}alternativePath> ( " + " ".join(p.turtle for p in parts) + " ) ]",
                            "(" + "|".join(p.label for p in parts) + ")", branches=tuple(p.sparql for p in parts))
            p = self.path(inner)
            if kind == "inversePath":
                return Path(f"^{p.sparql}", f"[ <{SH}inversePath> {p.turtle} ]", f"^{p.label}")
            return Path(f"({p.sparql}){op}", f"[ <{SH}{kind}> {p.turtle} ]", f"({p.label}){op}")
        raise ShapesError(f"unreadable sh:path {node}")
