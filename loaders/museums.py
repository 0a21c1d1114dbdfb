"""The national list of Musées de France (data.culture.gouv.fr ``liste-et-localisation-des-musees-de-france``).

One CSV row per museum (``;`` from the portal, ``,`` accepted): Muséofile id,
official name, region, department, commune, address, place, postal code, phone,
website, latitude/longitude, ``ref_deps`` (the INSEE code of the commune and a
2-digit sequence), date of the "Musée de France" appellation. Which column
holds what is data (museums_profile.json), matched on normalised names so the
portal's field names and labels both read.

Each museum is its one ``E74_Group`` at ``org/museofile/{id}`` (the IRI POP's
Joconde and Museo records give their keepers), resolved and declared through
the institutions reference (:meth:`graph.mapping.MappingContext.institution`),
with, in this dataset: its address place in its commune (INSEE code first, else
the commune's name in its department) with WGS84 coordinates (``P168``), its
website (``foaf:homepage``), phone (``P76_has_contact_point``) and the
attribution of the appellation (an ``E13_Attribute_Assignment`` with its date).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from graph.iri import Minter
from graph.mapping import MappingContext
from graph.namespaces import CRM, FOAF, RDF
from graph.csvrows import header as csv_header, rows as csv_rows
from graph.records import InputError, RecordError, SourceRecord, content_digest
from graph.textfile import numbered_lines, open_text

from .pop.readers import header_key

PROFILE_PATH = Path(__file__).with_name("museums_profile.json")
_MUSEOFILE = re.compile(r"^M\d{4}$")
_URL = re.compile(r"^https?://[^\s/<>\"{}|\\^`]+\.[^\s<>\"{}|\\^`]+$", re.I)


@cache
def profile() -> dict:
    return json.loads(PROFILE_PATH.read_text(encoding="utf-8"))


def _delimiter(line: str) -> str:
    return ";" if line.count(";") >= line.count(",") else ","


def sniff_header(head: bytes) -> bool:
    """True when the first line names the list's required columns."""
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        columns = {header_key(c) for c in next(csv.reader(io.StringIO(first), delimiter=_delimiter(first)))}
    except (csv.Error, StopIteration):
        return False
    return set(profile()["required"]) <= columns


def read_museums(path: Path, encoding: str | None = None) -> Iterator[SourceRecord]:
    """One record per row; ``fields`` maps a role of museums_profile.json (``id``, ``name``...) to its value.

    Rows are read with recovery (:mod:`graph.csvrows`): a bad quote, a wrong column count or a line
    over the bound costs that row only, reported with its line.
    """
    roles = profile()["columns"]
    with open_text(path, encoding) as f:
        lines = numbered_lines(f)
        _, first = csv_header(lines, path.name, "the list of Musées de France")
        delimiter = _delimiter(first)
        header = [header_key(h) for h in next(csv.reader([first], delimiter=delimiter))]
        missing = [c for c in profile()["required"] if c not in header]
        if missing:
            raise InputError(f"{path.name}: not the list of Musées de France: no column {', '.join(missing)}")
        ids = [i for i, h in enumerate(header) if roles.get(h) == "id"]
        at = ids[0] if ids else None
        index = 0
        for row in csv_rows(lines, delimiter, len(header)):
            if row.error is None and not any(cell.strip() for cell in row.cells):
                continue
            index += 1
            if row.error is not None:
                museum = row.cells[at].strip()[:200] if at is not None and at < len(row.cells) else ""
                yield SourceRecord(index, row.line, museum or None, error=row.error)
                continue
            fields = {roles[h]: [cell.strip()] for h, cell in zip(header, row.cells) if h in roles and cell.strip()}
            yield SourceRecord(index, row.line, (fields.get("id") or [None])[0], fields, kind="museum",
                               digest=content_digest(row.cells))


def _department_code(ctx: MappingContext, name: str | None) -> str | None:
    """``Pas-de-Calais``, ``62`` or ``Val d'Oise`` → the department's code."""
    if not name:
        return None
    dep = ctx.geo.department_named(name)
    return dep.code if dep is not None else None


def _commune(record: SourceRecord, ctx: MappingContext, department: str | None) -> tuple[str | None, str | None]:
    """(commune term, INSEE code): the INSEE code of ``ref_deps``/``code_insee`` the geography knows, else
    the commune's name in its department, else the one commune of its postal code, else a well-formed
    code as the list writes it."""
    name = record.first("commune")
    code = record.first("insee") or (record.first("deps") or "")[:5]
    found = ctx.geo.commune(code)
    if found is None and name:
        found = ctx.geo.find_commune(name, department)
    if found is None and (postcode := record.first("postcode")):
        by_postcode = ctx.geo.communes_with_postcode(postcode)
        found = by_postcode[0] if len(by_postcode) == 1 else None
    if found is not None:
        return ctx.commune(found.code), found.code
    if code and (department is None or code.startswith(department)):
        try:
            return ctx.commune(code, name), code
        except RecordError:
            pass
    return None, None


def _address(record: SourceRecord) -> str | None:
    """``2 rue de la Congrégation (Ancienne Eglise Saint-Léger), 02200 Soissons``."""
    street, place = record.first("address"), record.first("place")
    town = " ".join(v for v in (record.first("postcode"), record.first("commune")) if v)
    first = f"{street} ({place})" if street and place else street or place
    text = ", ".join(v for v in (first, town) if v)
    return " ".join(text.split()) or None


def _point(record: SourceRecord) -> tuple[float, float] | None:
    lat, lon = record.first("lat"), record.first("lon")
    if lat and lon:
        return MappingContext.coordinates(f"{lat}, {lon}")
    text = record.first("point")
    return MappingContext.coordinates(text) if text else None


def website(text: str | None) -> str | None:
    """The museum's website as a URL: spaces and line breaks the list has inside some removed, a scheme added."""
    if not text:
        return None
    url = "".join(text.split())
    if not re.match(r"^https?://", url, re.I):
        url = profile()["url_scheme"] + url.lstrip("/")
    return url if _URL.match(url) else None


def map_museum(record: SourceRecord, ctx: MappingContext) -> None:
    mid = (record.source_id or "").strip().upper()
    if not mid:
        raise RecordError("missing identifiant_museofile (the Muséofile id)")
    if not _MUSEOFILE.match(mid):
        raise RecordError(f"malformed Muséofile id {record.source_id!r} (expected M and 4 digits)")
    name = record.first("name")
    if not name:
        raise RecordError("missing nom_officiel_du_musee (the museum's name)")
    department = _department_code(ctx, record.first("department"))
    code = record.first("insee") or (record.first("deps") or "")[:5]
    ctx.require_region(insee=[code] if code else [], departments=[department] if department else [],
                       region_labels=record.all("region"), communes=record.all("commune"))
    b = ctx.b
    commune, insee = _commune(record, ctx, department)
    found = ctx.institutions.resolve(name, [("museofile", mid)], insee, department)
    org = ctx.declare_institution(found, name)
    b.own(org, ctx.dataset)
    if found.known and name.strip().casefold() not in {n.casefold() for n in (found.name or "", *found.names)}:
        # the list renamed the museum since the reference tables were made: its name as the list gives it now
        node = b.part(org, "official-name")
        b.out.add(org, CRM("P1_is_identified_by"), node)
        b.out.add(node, RDF.type, CRM("E41_Appellation"))
        b.out.text(node, CRM("P190_has_symbolic_content"), name.strip(), "fr")
        b.out.add(node, CRM("P2_has_type"), b.aat("primary-name"))
    address, point = _address(record), _point(record)
    if address or point:
        site = Minter.part(org, "location")
        b.place(site, address, "adresse", commune)
        if point is not None:
            b.point(site, *point)
        b.out.add(org, CRM("P74_has_current_or_former_residence"), site)
    elif commune:
        b.out.add(org, CRM("P74_has_current_or_former_residence"), commune)
    if (url := website(record.first("url"))) and (home := b.web(url)) is not None:
        b.out.add(org, FOAF.homepage, home)
    if phone := record.first("phone"):
        node = Minter.part(org, "phone")
        b.out.add(org, CRM("P76_has_contact_point"), node)
        b.out.add(node, CRM("P2_has_type"), b.concept("contact-type", "téléphone"))
        b.out.add(node, RDF.type, CRM("E41_Appellation"))
        b.out.text(node, CRM("P190_has_symbolic_content"), phone)
    if date := record.first("appellation_date"):
        act = b.attribute_assignment(org, 1, "appellation", profile()["appellation"], f"{date} : musée de France")
        b.timespan(act, date, ctx.iso_period(date))


class MuseumsLoader:
    name = "museums"
    description = "Liste des Musées de France (data.culture.gouv.fr: Muséofile id, name, address, coordinates)"
    data_provider = "Ministère de la Culture, liste et localisation des Musées de France"

    def sniff(self, path: Path, head: bytes) -> bool:
        return sniff_header(head)

    def records(self, path: Path, encoding: str | None) -> Iterator[SourceRecord]:
        return read_museums(path, encoding)

    def map(self, record: SourceRecord, ctx: MappingContext) -> None:
        map_museum(record, ctx)


LOADER = MuseumsLoader()
