"""SHACL shapes compiled to SPARQL SELECT queries, one per constraint of a shape with targets.

Each query returns the focus nodes (``?this``) that violate one constraint,
with the offending value (``?value``) where SHACL reports one, so running the
queries on the store *is* the validation: no graph leaves the store, nothing
is evaluated per triple in Python. Shapes used by other constraints
(``sh:or``, ``sh:and``, ``sh:not``, ``sh:xone``, ``sh:node``) are compiled the
same way into subqueries giving the nodes that do not conform, combined as
sets (join, union, MINUS). The semantics follow SHACL (and pySHACL where SHACL
leaves room: one result per duplicated language for ``sh:uniqueLang``, none
with a value for ``sh:minCount``, ``sh:maxCount`` and ``sh:hasValue``).

Comparisons (``sh:lessThan``, ``sh:lessThanOrEquals``, ranges) use SPARQL's
operators, so dates before year 1 (``-0099-01-01T00:00:00``) compare as the
years they are; values that cannot be compared are violations, as SHACL says.

What this compiler does not handle (qualified value shapes, recursive shapes,
``$shapesGraph`` in SPARQL constraints) raises :class:`Unsupported`: the
engine then runs that shape with pySHACL and says so in the report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from .shapes import SH, Constraint, Shape

XSD = "http://www.w3.org/2001/XMLSchema#"
# Datatypes whose lexical forms SPARQL can check by casting (an ill-formed literal fails the cast).
CASTABLE = frozenset(XSD + t for t in (
    "boolean", "integer", "decimal", "float", "double", "dateTime", "date", "time", "duration",
    "yearMonthDuration", "dayTimeDuration", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt",
    "unsignedShort", "unsignedByte", "gYear", "gYearMonth", "gMonth", "gMonthDay", "gDay"))
NODE_KINDS = {
    "IRI": "isIRI({v})", "BlankNode": "isBlank({v})", "Literal": "isLiteral({v})",
    "BlankNodeOrIRI": "(isBlank({v}) || isIRI({v}))", "BlankNodeOrLiteral": "(isBlank({v}) || isLiteral({v}))",
    "IRIOrLiteral": "(isIRI({v}) || isLiteral({v}))",
}
RANGES = {"MinExclusiveConstraintComponent": ("minExclusive", ">"),
          "MinInclusiveConstraintComponent": ("minInclusive", ">="),
          "MaxExclusiveConstraintComponent": ("maxExclusive", "<"),
          "MaxInclusiveConstraintComponent": ("maxInclusive", "<=")}
VALUE_COMPONENTS = frozenset({
    "ClassConstraintComponent", "DatatypeConstraintComponent", "NodeKindConstraintComponent",
    "MinLengthConstraintComponent", "MaxLengthConstraintComponent", "PatternConstraintComponent",
    "LanguageInConstraintComponent", "InConstraintComponent", *RANGES})
SHAPE_COMPONENTS = frozenset({"NotConstraintComponent", "AndConstraintComponent", "OrConstraintComponent",
                              "XoneConstraintComponent", "NodeConstraintComponent"})

Focus = Callable[[str], str]  # variable name -> a group pattern binding it to the focus nodes
NOTHING = "SELECT ?this WHERE { FILTER(false) }"  # a constraint that cannot fail (sh:minCount 0...)
# the Compiler's method making the query of each other component
CHECKS = {"MinCountConstraintComponent": "min_count", "MaxCountConstraintComponent": "max_count",
          "HasValueConstraintComponent": "has_value", "UniqueLangConstraintComponent": "unique_lang",
          "LessThanConstraintComponent": "less_than", "LessThanOrEqualsConstraintComponent": "less_than",
          "EqualsConstraintComponent": "equals", "DisjointConstraintComponent": "disjoint",
          "ClosedConstraintComponent": "closed", "SPARQLConstraintComponent": "sparql_check"}


class Unsupported(Exception):
    """A shape uses a feature the compiler does not turn into SPARQL."""


@dataclass(slots=True)
class Check:
    """One query: the focus nodes violating one constraint of one shape."""

    shape: Shape
    constraint: Constraint
    query: str
    value: str  # what sh:value holds: "value" (the ?value column), "focus" or "" (none)


def sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def term(t: object) -> str:
    if isinstance(t, (ox.NamedNode, ox.Literal)):
        return str(t)
    raise Unsupported(f"a blank node as a constraint parameter ({t})")


class Compiler:
    """Compiles shapes for one store: ``classes(iri)`` gives a class and its subclasses in the data;
    ``graph`` (an N-Triples IRI term) restricts focus nodes to those described in that named graph."""

    def __init__(self, classes: Callable[[str], list[str]], graph: str | None = None) -> None:
        self.classes = classes
        self.graph = graph
        self._n = 0

    def fresh(self, name: str) -> str:
        self._n += 1
        return f"?{name}{self._n}"

    # -- targets -----------------------------------------------------------------
    def targets(self, shape: Shape) -> Focus:
        parts = [self.target(kind, t) for kind, t in shape.targets]
        if len(parts) == 1:
            return parts[0]

        def union(v: str) -> str:
            return f"{{ SELECT DISTINCT {v} WHERE {{ " + " UNION ".join(f"{{ {p(v)} }}" for p in parts) + " } }"
        return union

    def target(self, kind: str, t: object) -> Focus:
        g = self.graph

        def in_graph(pattern: str) -> str:
            return f"GRAPH {g} {{ {pattern} }}" if g else pattern

        if kind == "targetClass":
            classes = self.classes(t.value)
            if len(classes) == 1:
                return lambda v: in_graph(f"{v} a <{classes[0]}> .")
            values = " ".join(f"<{c}>" for c in classes)

            def of_classes(v: str) -> str:
                c = self.fresh("class")
                return f"{{ SELECT DISTINCT {v} WHERE {{ {in_graph(f'{v} a {c} .')} VALUES {c} {{ {values} }} }} }}"
            return of_classes
        if kind == "targetNode":
            node = term(t)
            if g:
                return lambda v: (f"VALUES {v} {{ {node} }} "
                                  f"FILTER EXISTS {{ GRAPH {g} {{ {v} {self.fresh('p')} {self.fresh('o')} }} }}")
            return lambda v: f"VALUES {v} {{ {node} }}"
        p = term(t)
        if kind in ("targetSubjectsOf", "targetObjectsOf"):
            def linked(v: str) -> str:
                other = self.fresh("other")
                triple = f"{v} {p} {other} ." if kind == "targetSubjectsOf" else f"{other} {p} {v} ."
                return f"{{ SELECT DISTINCT {v} WHERE {{ {in_graph(triple)} }} }}"
            return linked
        raise Unsupported(f"target {kind}")

    # -- top level: one query per constraint ----------------------------------------
    def compile(self, top: Shape) -> list[Check]:
        """The checks of a shape with targets (raises :class:`Unsupported`)."""
        if top.deactivated:
            return []
        return self.checks(top, self.targets(top), [])

    def checks(self, shape: Shape, focus: Focus, stack: list[Shape]) -> list[Check]:
        """One check per constraint of ``shape`` and of the shapes it holds, on the given focus nodes."""
        if shape.deactivated:
            return []
        if shape in stack:
            raise Unsupported(f"recursive shape {shape.key}")
        if shape.unknown:
            raise Unsupported(f"{', '.join('sh:' + u for u in shape.unknown)} in {shape.key}")
        stack = [*stack, shape]
        out = [self.check(shape, c, focus, stack) for c in shape.constraints]
        inner = focus if shape.path is None else self.value_focus(shape, focus)
        for prop in shape.properties:  # a property shape's value nodes are the focus nodes of those it holds
            out += self.checks(prop, inner, stack)
        return out

    def value_focus(self, shape: Shape, focus: Focus) -> Focus:
        def values(v: str) -> str:
            outer = self.fresh("focus")
            return f"{{ SELECT DISTINCT {v} WHERE {{ {focus(outer)} {shape.path.pattern(outer, v)} }} }}"
        return values

    def violators(self, shape: Shape, focus: Focus, stack: list[Shape]) -> str:
        """A group pattern binding ``?this`` to each of the focus nodes that do not conform to ``shape``.

        The union of the shape's own checks, each a subquery: their variables stay inside, so
        shapes compose (``sh:or``, ``sh:not``, ``sh:node``...) as set operations on focus nodes.
        """
        checks = self.checks(shape, focus, stack)
        if not checks:
            return "FILTER(false)"
        parts = " UNION ".join(f"{{ SELECT ?this WHERE {{ {{ {c.query} }} }} }}" for c in checks)
        return f"{{ SELECT DISTINCT ?this WHERE {{ {parts} }} }}"

    def value_nodes(self, shape: Shape, this: str, value: str) -> str:
        if shape.path is None:
            return f"BIND({this} AS {value})"
        return shape.path.pattern(this, value)

    def check(self, shape: Shape, c: Constraint, focus: Focus, stack: list[Shape]) -> Check:
        """The query of one constraint.

        Where the constraint reads the values of a path, the values that fail it are found first,
        over the path alone (a scan of the predicate's index), and only they are joined with the
        focus nodes: joining every focus node with its values would look each one up on disk.
        Two scans are joined as subqueries, which the engine joins by hashing.
        """
        comp = c.component
        if comp in SHAPE_COMPONENTS:
            return self.shape_check(shape, c, focus, stack)
        if comp in VALUE_COMPONENTS:
            return self.value_check(shape, c, focus("?this"))
        name = CHECKS.get(comp)
        if name is None:
            raise Unsupported(f"sh:{comp}")
        path = shape.path.sparql if shape.path else None
        query, value = getattr(self, name)(shape, c, focus("?this"), path)
        return Check(shape, c, query, value)

    def value_check(self, shape: Shape, c: Constraint, F: str) -> Check:
        """A constraint on each value node: the failing values of the path, then their focus nodes."""
        path = shape.path.sparql if shape.path else None
        if c.component == "ClassConstraintComponent":
            classes = self.classes(c.params["class"].value)
            cls = self.fresh("class")
            failing = f"MINUS {{ ?value a {cls} . VALUES {cls} {{ {' '.join(f'<{x}>' for x in classes)} }} }}"
        else:
            failing = f"FILTER({self.condition(c, '?value')})"
        if path is None:
            return Check(shape, c, f"SELECT DISTINCT ?this WHERE {{ {F} BIND(?this AS ?value) {failing} }}", "focus")
        values = shape.path.pattern("?this", "?value")
        q = f"SELECT DISTINCT ?this ?value WHERE {{ {{ SELECT ?this ?value WHERE {{ {values} {failing} }} }} {F} }}"
        return Check(shape, c, q, "value")

    def min_count(self, shape: Shape, c: Constraint, F: str, path: str | None) -> tuple[str, str]:
        n = int(c.params["minCount"].value)
        if path is None:
            raise Unsupported("sh:minCount on a node shape")
        if n == 0:
            return NOTHING, ""
        if n == 1:
            return f"SELECT DISTINCT ?this WHERE {{ {F} MINUS {{ ?this {path} ?v }} }}", ""
        return (f"SELECT DISTINCT ?this WHERE {{ {F} MINUS {{ SELECT ?this WHERE {{ ?this {path} ?v }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) >= {n}) }} }}"), ""

    def max_count(self, shape: Shape, c: Constraint, F: str, path: str | None) -> tuple[str, str]:
        n = int(c.params["maxCount"].value)
        if path is None:
            raise Unsupported("sh:maxCount on a node shape")
        return (f"SELECT DISTINCT ?this WHERE {{ {{ SELECT ?this WHERE {{ ?this {path} ?v . }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {n}) }} {F} }}"), ""

    def has_value(self, shape: Shape, c: Constraint, F: str, path: str | None) -> tuple[str, str]:
        h = term(c.params["hasValue"])
        if path is None:
            return f"SELECT DISTINCT ?this WHERE {{ {F} FILTER(!sameTerm(?this, {h})) }}", ""
        return f"SELECT DISTINCT ?this WHERE {{ {F} MINUS {{ ?this {path} {h} }} }}", ""

    def unique_lang(self, shape: Shape, c: Constraint, F: str, path: str | None) -> tuple[str, str]:
        if path is None:
            raise Unsupported("sh:uniqueLang on a node shape")
        if c.params["uniqueLang"].value != "true":
            return NOTHING, ""
        return (f"SELECT ?this ?lang WHERE {{ {{ SELECT ?this ?lang WHERE {{ ?this {path} ?v . "
                f"FILTER(isLiteral(?v) && LANG(?v) != \"\") BIND(LCASE(LANG(?v)) AS ?lang) }} "
                f"GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?v) > 1) }} {{ SELECT DISTINCT ?this WHERE {{ {F} }} }} }}"), ""

    def less_than(self, shape: Shape, c: Constraint, F: str, path: str | None) -> tuple[str, str]:
        strict = c.component == "LessThanConstraintComponent"
        other, op = term(c.params["lessThan" if strict else "lessThanOrEquals"]), "<" if strict else "<="
        if path is None:
            values = f"{F} BIND(?this AS ?value) ?this {other} ?other ."
        else:
            values = (f"{{ SELECT ?this ?value WHERE {{ ?this {path} ?value }} }} "
                      f"{{ SELECT ?this ?other WHERE {{ ?this {other} ?other }} }} {F}")
        return (f"SELECT DISTINCT ?this ?value ?other WHERE {{ {values} "
                f"FILTER(!COALESCE(?value {op} ?other, false)) }}"), "value"

    def equals(self, shape: Shape, c: Constraint, F: str, path: str | None) -> tuple[str, str]:
        other = term(c.params["equals"])
        V = self.value_nodes(shape, "?this", "?value")
        return (f"SELECT DISTINCT ?this ?value WHERE {{ {F} {{ {V} MINUS {{ ?this {other} ?value }} }} "
                f"UNION {{ ?this {other} ?value . MINUS {{ {V} }} }} }}"), "value"

    def disjoint(self, shape: Shape, c: Constraint, F: str, path: str | None) -> tuple[str, str]:
        other = term(c.params["disjoint"])
        if path is None:
            return f"SELECT DISTINCT ?this ?value WHERE {{ {F} BIND(?this AS ?value) ?this {other} ?value . }}", "value"
        return (f"SELECT DISTINCT ?this ?value WHERE {{ {{ SELECT ?this ?value WHERE {{ ?this {path} ?value . "
                f"?this {other} ?value . }} }} {F} }}"), "value"

    def closed(self, shape: Shape, c: Constraint, F: str, path: str | None) -> tuple[str, str]:
        if path is not None:
            raise Unsupported("sh:closed on a property shape")
        if c.params["closed"].value != "true":
            return NOTHING, ""
        allowed = [p.path.predicate for p in shape.properties if p.path and p.path.predicate]
        allowed += [t.value for t in c.params.get("ignoredProperties", [])]
        listed = ", ".join(f"<{a}>" for a in allowed) or "<urn:x-none>"
        return (f"SELECT DISTINCT ?this ?path ?value WHERE {{ {F} ?this ?path ?value . "
                f"FILTER(?path NOT IN ({listed})) }}"), "value"

    def sparql_check(self, shape: Shape, c: Constraint, F: str, path: str | None) -> tuple[str, str]:
        return self.sparql(shape, c, F), "sparql"

    def shape_check(self, shape: Shape, c: Constraint, focus: Focus, stack: list[Shape]) -> Check:
        """sh:not, sh:and, sh:or, sh:xone, sh:node: the value nodes' conformance to other shapes."""
        comp, p = c.component, c.params
        values = focus if shape.path is None else self.value_focus(shape, focus)
        if comp == "NodeConstraintComponent":
            bad = self.violators(p["node"], values, stack)
        elif comp == "NotConstraintComponent":
            bad = f"{values('?this')} MINUS {{ {self.violators(p['not'], values, stack)} }}"
        elif comp == "AndConstraintComponent":
            bad = " UNION ".join(f"{{ {self.violators(s, values, stack)} }}" for s in p["and"]) or "FILTER(false)"
        elif comp == "OrConstraintComponent":  # failing every one of the shapes
            bad = " ".join(self.violators(s, values, stack) for s in p["or"]) or values("?this")
        else:  # sh:xone: conforming to exactly one of the shapes
            shapes = p["xone"]
            failed = " UNION ".join(f"{{ {self.violators(s, values, stack)} BIND({i} AS ?failed) }}"
                                    for i, s in enumerate(shapes))
            counts = f"{{ SELECT ?this (COUNT(DISTINCT ?failed) AS ?n) WHERE {{ {failed} }} GROUP BY ?this }}"
            bad = (f"{values('?this')} OPTIONAL {{ {counts} }} FILTER({len(shapes)} - COALESCE(?n, 0) != 1)"
                   if shapes else values("?this"))
        if shape.path is None:
            return Check(shape, c, f"SELECT DISTINCT ?this WHERE {{ {bad} }}", "focus")
        q = (f"SELECT DISTINCT ?this ?value WHERE {{ {{ SELECT (?this AS ?value) WHERE {{ {bad} }} }} "
             f"?this {shape.path.sparql} ?value . {focus('?this')} }}")
        return Check(shape, c, q, "value")

    # -- conditions on one value node -------------------------------------------------
    def condition(self, c: Constraint, v: str) -> str:
        """A SPARQL expression true when value node ``v`` violates constraint ``c``."""
        comp, p = c.component, c.params
        if comp == "DatatypeConstraintComponent":
            d = p["datatype"].value
            well_formed = f" && COALESCE(isLiteral(<{d}>({v})), false)" if d in CASTABLE else ""
            return f"!(isLiteral({v}) && datatype({v}) = <{d}>{well_formed})"
        if comp == "NodeKindConstraintComponent":
            kind = p["nodeKind"].value.removeprefix(SH)
            if kind not in NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {kind}")
            return "!" + NODE_KINDS[kind].format(v=v)
        if comp in RANGES:
            name, op = RANGES[comp]
            return f"!COALESCE({v} {op} {term(p[name])}, false)"
        if comp == "MinLengthConstraintComponent":
            return f"(isBlank({v}) || COALESCE(STRLEN({v}), STRLEN(STR({v}))) < {int(p['minLength'].value)})"
        if comp == "MaxLengthConstraintComponent":
            return f"(isBlank({v}) || COALESCE(STRLEN({v}), STRLEN(STR({v}))) > {int(p['maxLength'].value)})"
        if comp == "PatternConstraintComponent":
            flags = p.get("flags")
            args = sparql_string(p["pattern"].value) + (f", {sparql_string(flags.value)}" if flags is not None else "")
            return f"(isBlank({v}) || !COALESCE(REGEX({v}, {args}), REGEX(STR({v}), {args})))"
        if comp == "LanguageInConstraintComponent":
            langs = " || ".join(f"langMatches(LANG({v}), {sparql_string(t.value)})" for t in p["languageIn"])
            return f"!(isLiteral({v}) && ({langs or 'false'}))"
        if comp == "InConstraintComponent":
            allowed = " || ".join(f"sameTerm({v}, {term(t)})" for t in p["in"])
            return f"!({allowed or 'false'})"
        raise Unsupported(f"sh:{comp}")

    # -- SPARQL-based constraints ------------------------------------------------------
    def sparql(self, shape: Shape, c: Constraint, focus: str) -> str:
        text = c.sparql.select
        if "$shapesGraph" in text or "?shapesGraph" in text:
            raise Unsupported("$shapesGraph in a SPARQL constraint")
        text = re.sub(r"\$this\b", "?this", text)
        if shape.path is not None:
            text = re.sub(r"\$PATH\b", shape.path.sparql, text)
        if isinstance(shape.node, ox.NamedNode):
            text = re.sub(r"\$currentShape\b", str(shape.node), text)
        elif "$currentShape" in text:
            raise Unsupported("$currentShape of a blank-node shape")
        at = _where_group(text)
        if at is None:
            raise Unsupported("a SPARQL constraint that is not a SELECT query")
        # The focus nodes join the query's own group pattern last: its patterns find the problems over
        # the whole graph, the join keeps those of focus nodes, and the group's filters see ?this bound.
        return text[:at[1]] + f" {focus} " + text[at[1]:]


_SKIP = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
                   r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*")


def _where_group(text: str) -> tuple[int, int] | None:
    """Where the outer group pattern of a SELECT query opens and closes (outside strings, IRIs, comments)."""
    select = re.search(r"\bSELECT\b", text, re.I)
    if select is None:
        return None
    i, depth, start = select.end(), 0, -1
    while i < len(text):
        m = _SKIP.match(text, i)
        if m:
            i = m.end()
            continue
        if text[i] == "{":
            if depth == 0:
                start = i
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return start, i
        i += 1
    return None
