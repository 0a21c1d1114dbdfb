"""A validation's report: results with the records they are about, grouped, and written out.

Formats: the standard SHACL validation report in Turtle (``sh:ValidationReport``),
JSON for programs, CSV for spreadsheets (one line per result) and the HTML page
for librarians (:mod:`.html`).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

import pyoxigraph as ox

from ..provenance import now
from ..store import Dataset, KnowledgeGraph
from .engine import Result, Validation
from .records import Record, institutions, locate, record_iri
from .shapes import INFO, SH, VIOLATION, WARNING, Shape, short

SEVERITY_NAMES = {VIOLATION: "violation", WARNING: "warning", INFO: "info"}
EXAMPLES = 5


def severity_name(iri: str) -> str:
    return SEVERITY_NAMES.get(iri, short(iri))


def top_of(shape: Shape) -> Shape:
    while shape.parent is not None:
        shape = shape.parent
    return shape


@dataclass
class Group:
    """The results of one shape (and property), with a few examples."""

    shape: Shape
    top: Shape
    severity: str
    results: int = 0
    records: set[str] = field(default_factory=set)
    examples: list[tuple[Result, Record]] = field(default_factory=list)

    def message(self, lang: str) -> str:
        return self.examples[0][0].message(lang) if self.examples else ""


@dataclass
class Holder:
    """The results about one dataset of one institution."""

    institution: str
    dataset: str
    records_loaded: int = 0
    records: set[str] = field(default_factory=set)
    counts: Counter = field(default_factory=Counter)


@dataclass
class Report:
    validation: Validation
    records: dict[str, Record]
    datasets: list[Dataset]
    institutions: dict[str, str] = field(default_factory=dict)  # dataset -> its main institution
    generated: str = field(default_factory=now)
    readiness: object | None = None  # graph.validation.europeana.Readiness

    @classmethod
    def build(cls, validation: Validation, kg: KnowledgeGraph | None, readiness: object | None = None) -> "Report":
        iris = {i for r in validation.results if (i := record_iri(r.focus)) is not None}
        datasets = kg.datasets() if kg is not None else []
        if validation.dataset is not None:
            datasets = [d for d in datasets if d.name == validation.dataset]
        held = institutions(kg, [d.name for d in datasets]) if kg is not None else {}
        return cls(validation, locate(kg, iris, validation.dataset), datasets, held, readiness=readiness)

    # -- reading ---------------------------------------------------------------
    @property
    def results(self) -> list[Result]:
        return self.validation.results

    def record(self, result: Result) -> Record:
        iri = record_iri(result.focus)
        rec = self.records.get(iri) if iri is not None else None
        return rec if rec is not None else Record(_show(result.focus))

    def counts(self) -> dict[str, int]:
        c = Counter(severity_name(r.severity) for r in self.results)
        return {name: c.get(name, 0) for name in SEVERITY_NAMES.values()}

    def holders(self) -> list[Holder]:
        """Results by institution and dataset (datasets without results are listed too); a record that
        several datasets describe counts in each."""
        out: dict[tuple[str, str], Holder] = {}
        loaded = {d.name: d.records_loaded for d in self.datasets}
        for r in self.results:
            rec = self.record(r)
            for name in rec.dataset.split(", "):
                key = (rec.institution or self.institutions.get(name, ""), name)
                h = out.get(key) or out.setdefault(key, Holder(key[0], name, loaded.get(name, 0)))
                h.records.add(rec.iri)
                h.counts[severity_name(r.severity)] += 1
        seen = {h.dataset for h in out.values()}
        for d in self.datasets:
            if d.name not in seen:
                out[("", d.name)] = Holder(self.institutions.get(d.name, ""), d.name, d.records_loaded)
        return sorted(out.values(), key=lambda h: (-h.counts["violation"], -sum(h.counts.values()),
                                                   h.institution, h.dataset))

    def groups(self, examples: int = EXAMPLES) -> list[Group]:
        """Results by shape and property, most serious and most frequent first."""
        out: dict[tuple[str, str, str], Group] = {}
        for r in self.results:
            key = (r.shape.key, r.component, r.severity)
            g = out.get(key) or out.setdefault(key, Group(r.shape, top_of(r.shape), r.severity))
            rec = self.record(r)
            g.results += 1
            if rec.iri not in g.records:
                g.records.add(rec.iri)
                if len(g.examples) < examples:
                    g.examples.append((r, rec))
        rank = {VIOLATION: 0, WARNING: 1, INFO: 2}
        return sorted(out.values(), key=lambda g: (rank.get(g.severity, 3), -g.results, g.shape.key))

    def rows(self, lang: str) -> list[dict[str, object]]:
        """One plain dictionary per result (JSON and CSV)."""
        out = []
        for r in self.results:
            rec = self.record(r)
            out.append({
                "severity": severity_name(r.severity),
                "dataset": rec.dataset,
                "institution": rec.institution,
                "record": rec.iri,
                "record_label": rec.label,
                "source_id": rec.source_id,
                "identifiers": "; ".join(f"{k}: {v}" if k else v for k, v in rec.identifiers(lang)),
                "file": rec.file,
                "line": rec.line,
                "shape": top_of(r.shape).label(lang),
                "property": r.path.label if r.path else "",
                "message": r.message(lang),
                "value": _show(r.value),
                "focus_node": _show(r.focus),
                "source_shape": r.shape.key,
                "constraint_component": short(r.component),
            })
        return out

    # -- writing ---------------------------------------------------------------
    def write_csv(self, out: IO[str], lang: str) -> None:
        rows = self.rows(lang)
        fields = list(rows[0]) if rows else ["severity", "dataset", "institution", "record", "record_label",
                                              "source_id", "identifiers", "file", "line", "shape", "property",
                                              "message", "value", "focus_node", "source_shape",
                                              "constraint_component"]
        w = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)

    def as_json(self, lang: str) -> dict[str, object]:
        v = self.validation
        doc: dict[str, object] = {
            "generated": self.generated,
            "dataset": v.dataset,
            "conforms": v.conforms,
            "counts": self.counts(),
            "shapes": [str(f.name) for f in v.shapes.files],
            "checks": v.checks,
            "seconds": round(v.seconds, 3),
            "run_by_pyshacl": v.fallback,
            "datasets": [{"institution": h.institution, "dataset": h.dataset, "records_loaded": h.records_loaded,
                          "records_with_results": len(h.records), **h.counts} for h in self.holders()],
            "results": self.rows(lang),
        }
        if self.readiness is not None:
            doc["europeana"] = self.readiness.as_json()
        return doc

    def write_json(self, out: IO[str], lang: str) -> None:
        json.dump(self.as_json(lang), out, ensure_ascii=False, indent=1)
        out.write("\n")

    def write_turtle(self, out: IO[str]) -> None:
        """The SHACL validation report (W3C SHACL §3.6) as Turtle, one result at a time."""
        out.write(f"@prefix sh: <{SH}> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n")
        conforms = "true" if self.validation.conforms else "false"
        out.write(f"[] a sh:ValidationReport ;\n  sh:conforms {conforms}")
        shapes: dict[str, Shape] = {}
        for r in self.results:
            out.write(" ;\n  sh:result [ a sh:ValidationResult ;\n")
            out.write(f"    sh:focusNode {_nt(r.focus)} ;\n")
            if r.path is not None:
                out.write(f"    sh:resultPath {r.path.turtle} ;\n")
            if r.value is not None:
                out.write(f"    sh:value {_nt(r.value)} ;\n")
            for m in r.messages:
                out.write(f"    sh:resultMessage {_nt(m)} ;\n")
            if r.constraint is not None:
                out.write(f"    sh:sourceConstraint {_shape_ref(r.constraint)} ;\n")
            out.write(f"    sh:sourceShape {_shape_ref(r.shape.node)} ;\n")
            out.write(f"    sh:sourceConstraintComponent <{r.component}> ;\n")
            out.write(f"    sh:resultSeverity <{r.severity}> ]")
            if isinstance(r.shape.node, ox.BlankNode):
                shapes[r.shape.key] = r.shape
        out.write(" .\n")
        for s in shapes.values():  # blank-node shapes: their path and the shape that holds them
            out.write(f"\n{_shape_ref(s.node)} a sh:PropertyShape")
            if s.path is not None:
                out.write(f" ; sh:path {s.path.turtle}")
            out.write(" .\n")
            if s.parent is not None:
                out.write(f"{_shape_ref(s.parent.node)} sh:property {_shape_ref(s.node)} .\n")

    def render_html(self, lang: str, link: Callable[[str], str] | None = None, switch: str | None = None,
                    formats: dict[str, str] | None = None, dataset_link: Callable[[str], str] | None = None) -> str:
        from .html import render_html

        return render_html(self, lang, link, switch, formats, dataset_link)

    def render(self, fmt: str, lang: str, link: Callable[[str], str] | None = None) -> str:
        buf = io.StringIO()
        if fmt == "csv":
            self.write_csv(buf, lang)
        elif fmt == "json":
            self.write_json(buf, lang)
        elif fmt == "ttl":
            self.write_turtle(buf)
        elif fmt == "html":
            return self.render_html(lang, link)
        else:
            raise ValueError(f"unknown report format {fmt!r}")
        return buf.getvalue()


def _nt(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:d{term.value}"  # blank nodes of the data, kept apart from the shapes' own
    return str(term)


def _shape_ref(node: ox.NamedNode | ox.BlankNode) -> str:
    return str(node) if isinstance(node, ox.NamedNode) else f"_:s{node.value}"


def _show(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    if term is None:
        return ""
    return term.value if not isinstance(term, ox.BlankNode) else f"_:{term.value}"
