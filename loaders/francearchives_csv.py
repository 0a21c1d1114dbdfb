"""The FranceArchives CSV template: a finding aid as a spreadsheet, one archival unit per row.

The template FranceArchives (the national archives portal) accepts from
services without an EAD export: a comma-separated UTF-8 file whose header is
``identifiant_cote,identifiant_URI,titre,origine,date1,date2,description,type,
format,index_matiere,index_lieu,index_personne,index_collectivite,
conditions_utilisation,conditions_acces,langue,source_complementaire,
source_image``; ``identifiant_cote`` and ``titre`` are required, index columns
hold several values separated by ``;`` (``Armentières (Nord, France) ;
Houplines (Nord, France)``). As FranceArchives does, the file name starts with
the archives service's code (``FRAM059017_…``) and names the finding aid.

Each row is read into the fields an EAD component gives (ead_profile.json,
``francearchives_csv``) and mapped by :func:`loaders.ead.map_unit`: the two
formats describe the same things and share one mapping.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from graph.mapping import MappingContext
from graph.records import InputError, SourceRecord, content_digest
from graph.csvrows import Row, header as csv_header, rows as csv_rows
from graph.textfile import numbered_lines, open_text

from .ead import UNKNOWN_AGENCY, Unit, agency_in_name, map_unit, profile


def split_index(value: str) -> list[str]:
    """``"A ; B (1371-1419 ; dit C)"`` → ``["A", "B (1371-1419 ; dit C)"]``: ``;`` inside brackets is kept."""
    parts: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(value):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif ch == ";" and depth == 0:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return [p for part in parts if (p := " ".join(part.split()))]


def row_fields(values: dict[str, str]) -> dict[str, list[str]]:
    """One row (column → stripped value) as EAD-named fields."""
    spec = profile()["francearchives_csv"]
    fields: dict[str, list[str]] = {}
    for column, key in spec["columns"].items():
        value = values.get(column, "")
        if not value:
            continue
        items = split_index(value) if column in spec["multivalued"] else [value]
        fields.setdefault(key, []).extend(items)
        if column in spec["multivalued"]:
            fields.setdefault(f"{key}.authority", []).extend("" for _ in items)
    first, last = (values.get(c, "") for c in spec["dates"])
    if first or last:
        shown = first if not last or last == first else (f"{first}-{last}" if first else last)
        fields["unitdate"] = [shown]
        fields["unitdate.normal"] = ["/".join(d for d in dict.fromkeys((first, last)) if d)]
    return fields


def read_francearchives_csv(path: Path, encoding: str | None = None) -> Iterator[SourceRecord]:
    spec = profile()["francearchives_csv"]
    agency = agency_in_name(path.stem) or UNKNOWN_AGENCY
    with open_text(path, encoding) as f:
        lines = numbered_lines(f)
        _, text = csv_header(lines, path.name, "a FranceArchives CSV")
        header = [h.replace("\ufeff", "").strip() for h in next(csv.reader([text]), [])]
        missing = [c for c in spec["required"] if c not in header]
        if missing:
            raise InputError(f"{path.name}: not a FranceArchives CSV: no column {', '.join(missing)} "
                             "(the header must be comma-separated)")
        index = 0
        for row in csv_rows(lines, ",", len(header)):
            if row.error is None and not any(cell.strip() for cell in row.cells):
                continue
            index += 1
            yield _record(row, header, index, agency, path.stem)


def _record(row: Row, header: list[str], index: int, agency: str, finding_aid: str) -> SourceRecord:
    line = row.line
    if row.error is not None:
        at = header.index("identifiant_cote")
        cote = row.cells[at].strip()[:200] if at < len(row.cells) else ""
        return SourceRecord(index, line, cote or None, error=row.error)
    values = {name: cell.strip() for name, cell in zip(header, row.cells)}
    cote = values.get("identifiant_cote") or None
    missing = [c for c in profile()["francearchives_csv"]["required"] if not values.get(c)]
    error = f"missing required value(s): {', '.join(missing)}" if missing else None
    unit = Unit(agency, finding_aid, cote, linked=False)
    return SourceRecord(index, line, cote, row_fields(values), unit, error,
                        digest=content_digest(agency, finding_aid, row.cells))


def sniff_header(head: bytes) -> bool:
    """True when the first line is a comma-separated header with the template's required columns."""
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        columns = {c.strip() for c in next(csv.reader(io.StringIO(first)))}
    except (csv.Error, StopIteration):
        return False
    return set(profile()["francearchives_csv"]["required"]) <= columns


class FranceArchivesCsvLoader:
    name = "francearchives-csv"
    description = "FranceArchives CSV finding-aid template (identifiant_cote, titre, date1, date2, index_lieu...)"
    data_provider = "Service d'archives (modèle CSV FranceArchives)"

    def sniff(self, path: Path, head: bytes) -> bool:
        return sniff_header(head)

    def records(self, path: Path, encoding: str | None) -> Iterator[SourceRecord]:
        return read_francearchives_csv(path, encoding)

    def map(self, record: SourceRecord, ctx: MappingContext) -> None:
        map_unit(record, ctx)


LOADER = FranceArchivesCsvLoader()
