"""``patrimoine edm``: a dataset's records as the ZIP of EDM RDF/XML files Europeana ingests.

Each ``edm:ProvidedCHO`` of the dataset is written as its dataset publishes it (the dataset's
graph and the shared entities' graph, never another dataset's aggregation), one file per record,
and checked against Europeana's XML Schema and mandatory rules (:mod:`graph.edmxml`). A record
that fails either is left out of the ZIP unless asked otherwise, and every record, written or
not, has a line in the CSV report beside the ZIP naming its reasons, so nothing is left out
silently.
"""

from __future__ import annotations

import csv
import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from graph import edmxml
from graph.records import InputError
from graph.store import KnowledgeGraph

EDM_CHO = "http://www.europeana.eu/schemas/edm/ProvidedCHO"
HEADERS = {
    "fr": ("notice", "fichier", "statut", "raisons"),
    "en": ("record", "file", "status", "reasons"),
}
STATUS = {
    "fr": {"written": "écrite", "written-invalid": "écrite malgré les erreurs", "refused": "écartée"},
    "en": {"written": "written", "written-invalid": "written despite errors", "refused": "left out"},
}


@dataclass
class ExportSummary:
    records: int = 0
    written: int = 0
    failing: int = 0  # records failing the XML Schema or the mandatory rules
    failing_schema: int = 0
    failing_rules: int = 0
    lines: list[tuple[str, str, str, str]] = field(default_factory=list)


def file_name(record: str, base: str) -> str:
    """A stable, readable file name for ``record`` (its IRI): the path after the base, made safe."""
    local = unquote(record[len(base):] if record.startswith(base) else record.split("://", 1)[-1])
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", local).strip("._") or "record"
    if len(slug) > 120:
        slug = f"{slug[:100]}-{hashlib.sha1(record.encode('utf-8')).hexdigest()[:10]}"
    return slug + ".xml"


def records_of(kg: KnowledgeGraph, graph: str) -> list[str]:
    rows = kg.query(f"SELECT DISTINCT ?o WHERE {{ GRAPH <{graph}> {{ ?o a <{EDM_CHO}> }} }} ORDER BY ?o")
    return [r["o"].value for r in rows]


def export(kg: KnowledgeGraph, dataset: str, output: Path, report: Path, *, include_invalid: bool = False,
           lang: str = "fr", progress: bool = True) -> ExportSummary:
    """Write ``dataset``'s records to the ZIP ``output`` and the CSV ``report``; return the counts."""
    found = {d.name: d for d in kg.datasets()}
    if dataset not in found:
        known = ", ".join(sorted(found)) or "none"
        raise InputError(f"no dataset named {dataset!r} in the store (datasets: {known})")
    graph = found[dataset].graph.strip("<>")
    shared = kg.shared.strip("<>")
    base = kg.minter.base
    summary = ExportSummary()
    tmp = output.with_name(f".{output.name}.tmp")
    from tqdm import tqdm

    records = records_of(kg, graph)
    names: set[str] = set()
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive, \
            tqdm(records, desc=dataset, unit=" records", disable=None if progress else True, leave=False) as bar:
        for record in bar:
            summary.records += 1
            doc = edmxml.export(kg, record, [graph, shared])
            errors = edmxml.schema_errors(doc.xml)
            rules = edmxml.problems(doc.xml) if not errors else []
            summary.failing += bool(errors or rules)
            summary.failing_schema += bool(errors)
            summary.failing_rules += bool(rules)
            name = file_name(record, base)
            while name in names:  # two IRIs made safe the same way
                name = name[:-4] + "-" + hashlib.sha1(name.encode()).hexdigest()[:6] + ".xml"
            if errors or rules:
                status = "written-invalid" if include_invalid else "refused"
            else:
                status = "written"
            if status != "refused":
                names.add(name)
                archive.writestr(name, doc.xml)
                summary.written += 1
            summary.lines.append((record, name if status != "refused" else "", STATUS[lang][status],
                                  " | ".join(errors + rules)))
    tmp.replace(output)
    _write_report(report, summary, lang)
    return summary


def _write_report(path: Path, summary: ExportSummary, lang: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADERS[lang])
        out.writerows(summary.lines)
    tmp.replace(path)
