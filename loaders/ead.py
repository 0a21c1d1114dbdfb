"""EAD 2002 finding aids → CIDOC-CRM: the fonds and every component, streamed.

Reads finding aids with a DTD and no namespace (Archives nationales, most French
services) and namespaced ones (``urn:isbn:1-931666-22-9``, as OAI-PMH serves
them), in whatever encoding the XML declaration states (ISO-8859-1 is common).
Parsing goes through the safe settings of :mod:`graph.xml`: the DTD a document
names is never loaded, entities are never resolved, nothing is fetched, and a
document declaring entities is refused.

Records: the ``<archdesc>`` (the fonds) and every component (``<c>``,
``<c01>``…``<c12>``) at any depth. Large finding aids are streamed: a component
is read when it ends (after its children, which are already freed), and the
reader keeps only the chain of its open ancestors (their ids, from ``start``
events) to link each component to its parent. Memory stays flat whatever the
number of components; the fonds record comes last, when ``</archdesc>`` is read.

Mapping (table: ead_profile.json), the CIDOC-CRM / Linked Art way for archives: the
fonds, series and files are ``E78_Curated_Holding``, items ``E22_Human-Made_Object``
(physical things: the repository is their keeper, ``P46_is_composed_of`` /
``P46i_forms_part_of`` their hierarchy); each carries (``P128_carries``) its content, an
``E73_Information_Object`` (``E33_Linguistic_Object`` with its languages when
``langmaterial`` names them) whose hierarchy is ``P106_is_composed_of``; the index terms of
``controlaccess`` and ``unittitle`` are what the content refers to (persons, families and
groups, places: communes when they resolve) or is about (concepts). IRIs are
``archives/{agency}/{eadid}`` and ``archives/{agency}/{eadid}/{component @id or position
path c1-3-2}``; ``unitid`` is the "cote" identifier, ``unittitle`` the title, ``unitdate``
(its ``normal`` form when given) the time-span of the unit's production, ``origination``
its producer; ``scopecontent`` and the other notes are text notes, ``extent`` a dimensions
statement; ``dao`` links are images or pages. :func:`map_unit` also maps the FranceArchives
CSV rows (loaders/francearchives_csv.py), which its reader gives in the same fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from lxml import etree

from graph.iri import Minter
from graph.languages import languages
from graph.mapping import MappingContext
from graph.namespaces import CRM, OWL, SKOS
from graph.records import InputError, RecordError, SourceRecord
from graph.xml import check_prolog, localname, text

PROFILE_PATH = Path(__file__).with_name("ead_profile.json")
EAD_NAMESPACE = "urn:isbn:1-931666-22-9"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
COMPONENTS = frozenset({"c", *(f"c{n:02d}" for n in range(1, 13))})
UNKNOWN_AGENCY = "unknown"
_TAGS = tuple("{*}" + name for name in ("ead", "eadheader", "control", "archdesc", *sorted(COMPONENTS)))
_HEAD_BYTES = 1 << 16
_URL = re.compile(r"^https?://[^\s]+$", re.I)
_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)", re.S)
_FIRST_TAG = re.compile(rb"\s*<([A-Za-z_][\w.:-]*)")


@cache
def profile() -> dict:
    return json.loads(PROFILE_PATH.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# Where a record sits


@dataclass(frozen=True, slots=True)
class Unit:
    """A record's place: its archives service, its finding aid and its parent.

    ``component`` is None for the archdesc (the fonds) itself; a component whose
    ``parent`` is None is a top-level component, part of the fonds. Units read
    from a flat list (FranceArchives CSV) are not ``linked`` to any parent.
    """

    agency: str
    finding_aid: str
    component: str | None = None
    parent: str | None = None
    linked: bool = True
    repository: str | None = None
    components: int = 0  # how many components it is made of (a unit that groups others)

    def term(self, m: Minter) -> str:
        return m.record("archives", self.agency, self.finding_aid, *filter(None, [self.component]))

    def parent_term(self, m: Minter) -> str | None:
        if not self.linked or self.component is None:
            return None
        return m.record("archives", self.agency, self.finding_aid, *filter(None, [self.parent]))


def agency_in_name(name: str) -> str | None:
    """The archives service code that starts an identifier or file name: ``FRAN_IR_009555`` → ``FRAN``."""
    m = re.match(profile()["agency_in_name"], name.strip(), re.I)
    return m.group(1).upper() if m else None


@cache
def agency_clues(agency: str) -> dict[str, list[str]]:
    """Region-filter clues from a service code: ``FRAD062`` → department 62, ``FRAM059017`` → commune 59017."""
    for rule in profile()["agency_codes"]:
        m = re.match(rule["pattern"], agency)
        if m:
            groups = m.groupdict()
            clues = {"departments": [groups["department"]]}
            if groups.get("insee"):
                clues["insee"] = [groups["insee"]]
            return clues
    return {}


# ---------------------------------------------------------------------------
# Reading


def root_name(head: bytes) -> str | None:
    """Local name of a document's first element, read from its first bytes (prolog skipped)."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    pos = 0
    while (m := _PROLOG_ITEM.match(head, pos)) is not None and m.end() > pos:
        pos = m.end()
    m = _FIRST_TAG.match(head, pos)
    return m.group(1).decode("ascii", "replace").rsplit(":", 1)[-1] if m else None


def read_ead(source: Path | IO[bytes], encoding: str | None = None, name: str | None = None
             ) -> Iterator[SourceRecord]:
    """The records of a finding aid file (or of every ``<ead>`` in it), streamed."""
    label = name or (source.name if isinstance(source, Path) else "input")
    _check_prolog(source, label)
    options = {"encoding": encoding} if encoding else {}
    try:
        events = etree.iterparse(str(source) if isinstance(source, Path) else source, events=("start", "end"),
                                 tag=_TAGS, resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=False, **options)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r} (try utf-8, iso-8859-1 or cp1252)") from None
    stream = _Stream(label)
    try:
        for event, element in events:
            yield from stream.on(event, element)
    except etree.XMLSyntaxError as e:
        raise InputError(f"{label}: not well-formed XML at line {e.lineno}: {e.msg}") from None
    except OSError as e:
        raise InputError(f"{label}: cannot be read ({e})") from None
    if not stream.seen_ead:
        raise InputError(f"{label}: not an EAD finding aid (no <ead> element)")


def _check_prolog(source: Path | IO[bytes], label: str) -> None:
    if isinstance(source, Path):
        try:
            with open(source, "rb") as f:
                check_prolog(f.read(_HEAD_BYTES), label)
        except OSError as e:
            raise InputError(f"{label}: cannot be read ({e.strerror or e})") from None
    else:
        pos = source.tell()
        check_prolog(source.read(_HEAD_BYTES), label)
        source.seek(pos)


@dataclass(slots=True)
class _Frame:
    """An open component (or the archdesc): its id, position path, first line and children so far."""

    cid: str | None
    path: str
    line: int | None
    children: int = 0


@dataclass(slots=True)
class _FindingAid:
    eadid: str | None = None
    agency: str | None = None
    title: str | None = None
    publisher: str | None = None
    repository: str | None = None
    langusage: list[str] = field(default_factory=list)  # languages the finding aid is written in
    resolved: bool = False
    stack: list[_Frame] = field(default_factory=list)


class _Stream:
    """Turns iterparse events into records, one finding aid (``<ead>``) after another."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.index = 0
        self.seen_ead = False
        self.fa = _FindingAid()

    def on(self, event: str, element: etree._Element) -> Iterator[SourceRecord]:
        name = localname(element)
        if name == "ead":
            if event == "start":
                self.seen_ead = True
                self.fa = _FindingAid()
            else:
                element.clear(keep_tail=True)
        elif name in ("eadheader", "control"):  # EAD 2002, EAD3
            if event == "end":
                self._header(element)
                element.clear(keep_tail=True)
        elif name == "archdesc":
            if event == "start":
                self.fa.stack = [_Frame(None, "", element.sourceline)]
            elif self.fa.stack:
                frame = self.fa.stack.pop()
                yield self._record(element, frame, None)
                element.clear(keep_tail=True)
        elif event == "start":
            self._open_component(element)
        else:
            frame = self.fa.stack.pop()
            yield self._record(element, frame, self.fa.stack[-1].cid)
            _free(element)

    def _header(self, header: etree._Element) -> None:
        fa = self.fa
        eadid = _child(header, "eadid")
        if eadid is None and (eadid := _child(header, "recordid")) is not None:  # EAD3
            code = _descendant(header, "agencycode")
            eadid.set("mainagencycode", text(code) or "" if code is not None else "")
        if eadid is not None:
            fa.eadid = text(eadid)
            fa.agency = (eadid.get("mainagencycode") or "").strip().upper() or None
        filedesc = _child(header, "filedesc")
        if filedesc is not None:
            fa.title = text(_descendant(filedesc, "titleproper"))
            fa.publisher = text(_descendant(filedesc, "publisher"))
        profile_ = _child(header, "profiledesc")
        usage = _descendant(profile_, "langusage") if profile_ is not None else None
        if usage is not None:
            fa.langusage = [(lang.get("langcode") or "").strip() or text(lang) or ""
                            for lang in usage.iter("{*}language")] or [text(usage) or ""]

    def _open_component(self, element: etree._Element) -> None:
        fa = self.fa
        if not self.seen_ead or not fa.stack:
            raise InputError(f"{self.label}: line {element.sourceline}: <{localname(element)}> outside "
                             "<archdesc>: not an EAD finding aid")
        self._resolve(element)
        parent = fa.stack[-1]
        parent.children += 1
        path = f"{parent.path}-{parent.children}" if parent.path else f"c{parent.children}"
        cid = (element.get("id") or "").strip() or path
        fa.stack.append(_Frame(cid, path, element.sourceline))

    def _resolve(self, element: etree._Element) -> None:
        """Name the finding aid and its service once the archdesc's <did> has been read."""
        fa = self.fa
        if fa.resolved:
            return
        archdesc = element if localname(element) == "archdesc" else next(
            (a for a in element.iterancestors() if localname(a) == "archdesc"), None)
        did = _child(archdesc, "did")
        fa.repository = text(_child(did, "repository"))
        if not fa.eadid and archdesc is not None:
            fa.eadid = (archdesc.get("id") or "").strip() or None
        if not fa.eadid:  # an empty <eadid/>: the finding aid is named by its fonds' cote
            fa.eadid = text(_child(did, "unitid")) if did is not None else None
        if not fa.eadid:
            raise InputError(f"{self.label}: line {element.sourceline}: the finding aid has no <eadid> and its fonds "
                             "no <unitid>; its records cannot be named")
        fa.agency = fa.agency or agency_in_name(fa.eadid) or _repository_code(did) or UNKNOWN_AGENCY
        fa.resolved = True

    def _record(self, element: etree._Element, frame: _Frame, parent: str | None) -> SourceRecord:
        fa = self.fa
        if not fa.resolved:
            self._resolve(element)
        self.index += 1
        fields = unit_fields(element)
        level = (element.get("level") or "").strip() or None
        if level:
            fields["level"] = [_level_label(element, level)]
        if frame.cid is None and fa.title:
            fields["titleproper"] = [fa.title]
        if fa.langusage:
            fields["langusage"] = fa.langusage
        source_id = fa.eadid if frame.cid is None else f"{fa.eadid}/{frame.cid}"
        unit = Unit(fa.agency or UNKNOWN_AGENCY, fa.eadid or "", frame.cid, parent,
                    repository=fa.repository or fa.publisher, components=frame.children)
        return SourceRecord(self.index, frame.line, source_id, fields, unit, kind=level)


def _free(component: etree._Element) -> None:
    """Free a read component, and the read components (and comments) before it."""
    component.clear(keep_tail=False)
    parent = component.getparent()
    if parent is None:
        return
    previous = component.getprevious()
    while previous is not None and (not isinstance(previous.tag, str) or localname(previous) in COMPONENTS):
        parent.remove(previous)
        previous = component.getprevious()


def _child(element: etree._Element | None, name: str) -> etree._Element | None:
    if element is None:
        return None
    return next((c for c in element if localname(c) == name), None)


def _descendant(element: etree._Element, name: str) -> etree._Element | None:
    return next(element.iter("{*}" + name), None)


def _repository_code(did: etree._Element | None) -> str | None:
    """``<unitid countrycode="FR" repositorycode="AD062">`` → ``FRAD062``."""
    unitid = _child(did, "unitid") if did is not None else None
    if unitid is None or not (code := (unitid.get("repositorycode") or "").strip()):
        return None
    country = (unitid.get("countrycode") or "").strip().upper()
    return code if not country or code.upper().startswith(country) else country + code


def _level_label(element: etree._Element, level: str) -> str:
    if level == "otherlevel" and (other := (element.get("otherlevel") or "").strip()):
        return other
    known = profile()["levels"].get(level)
    return known[0] if known else level


# ---------------------------------------------------------------------------
# Fields of one unit (element names as keys, as the FranceArchives CSV reader gives them too)


def unit_fields(unit: etree._Element) -> dict[str, list[str]]:
    """The descriptive fields of an archdesc or component, nested components left out."""
    fields: dict[str, list[str]] = {}
    texts = profile()["texts"]
    for child in unit:
        name = localname(child)
        if name == "did":
            _did(child, fields)
        elif name == "controlaccess":
            _index_terms(child, fields)
        elif name in ("dao", "daogrp"):
            _daos(child, fields)
        elif name in texts:
            _add(fields, name, block_text(child))
    return fields


def _did(did: etree._Element, fields: dict[str, list[str]]) -> None:
    texts = profile()["texts"]
    for child in did:
        name = localname(child)
        if name == "unitid":
            _add(fields, "unitid", text(child))
            for ptr in child.iter("{*}extptr"):
                _add(fields, "page", _href(ptr))
        elif name == "unittitle":
            _add(fields, "unittitle", text(child))
            _index_terms(child, fields)
        elif name == "unitdate":
            if value := text(child):
                fields.setdefault("unitdate", []).append(value)
                fields.setdefault("unitdate.normal", []).append((child.get("normal") or "").strip())
        elif name == "unitdatestructured":  # EAD3: datesingle, or daterange from/to, each with @standarddate
            for written, normal in _structured_dates(child):
                fields.setdefault("unitdate", []).append(written)
                fields.setdefault("unitdate.normal", []).append(normal)
        elif name == "repository":
            _add(fields, "repository", text(child))
        elif name == "origination":
            _origination(child, fields)
        elif name == "physdesc":
            for part in child.iter("{*}extent", "{*}dimensions"):
                _add(fields, "extent", text(part))
            _index_terms(child, fields, only=("genreform",))
        elif name in ("dao", "daogrp"):
            _daos(child, fields)
        elif name in texts:
            _add(fields, name, block_text(child))


def _origination(origination: etree._Element, fields: dict[str, list[str]]) -> None:
    named = False
    for child in origination.iter("{*}persname", "{*}corpname", "{*}famname"):
        named = _add(fields, f"origination.{localname(child)}", text(child)) or named
    if not named:
        _add(fields, "origination", text(origination))


def _index_terms(element: etree._Element, fields: dict[str, list[str]], only: tuple[str, ...] | None = None
                 ) -> None:
    """Index terms anywhere under ``element``, each with its authority reference (or "")."""
    kinds = only or tuple(profile()["index"])
    for term in element.iter(*("{*}" + k for k in kinds)):
        if value := text(term):
            name = localname(term)
            fields.setdefault(name, []).append(value)
            authority = next((v for key in ("authfilenumber", "identifier", "normal")  # identifier: EAD3
                              if (v := (term.get(key) or "").strip())), "")
            fields.setdefault(f"{name}.authority", []).append(authority)


def _structured_dates(element: etree._Element) -> Iterator[tuple[str, str]]:
    """(as written, ISO 8601 ``from/to``) of each date of an EAD3 ``unitdatestructured``."""
    for date in element.iter("{*}datesingle", "{*}daterange"):
        if localname(date) == "datesingle":
            yield text(date) or "", (date.get("standarddate") or "").strip()
            continue
        ends = [date.find(f"{{*}}{end}") for end in ("fromdate", "todate")]
        written = [text(e) or "" for e in ends if e is not None]
        normal = [(e.get("standarddate") or "").strip() if e is not None else "" for e in ends]
        yield "-".join(w for w in written if w), "/".join(normal) if all(normal) else ""


def _daos(element: etree._Element, fields: dict[str, list[str]]) -> None:
    """Digital objects: absolute URLs as ``dao``, local file paths (nothing to link to) as ``dao.file``."""
    for dao in element.iter("{*}dao", "{*}daoloc"):
        hrefs = [h.strip() for h in (dao.get(XLINK_HREF), dao.get("href")) if h and h.strip()]
        urls = [h for h in hrefs if _URL.match(h)]
        if urls:
            _add(fields, "dao", urls[0])
        elif hrefs:
            _add(fields, "dao.file", hrefs[0])


def _href(element: etree._Element) -> str | None:
    href = (element.get(XLINK_HREF) or element.get("href") or "").strip()
    return href if _URL.match(href) else None


def block_text(element: etree._Element) -> str | None:
    """A note's paragraphs, one per line, headings left out; nested notes of the same kind included."""
    own = localname(element)
    lines = [" ".join((element.text or "").split())]
    for child in element:
        name = localname(child)
        if name == own:
            lines.append(block_text(child) or "")
        elif name and name != "head":
            lines.append(text(child) or "")
        lines.append(" ".join((child.tail or "").split()))
    return "\n".join(line for line in lines if line) or None


def _add(fields: dict[str, list[str]], key: str, value: str | None) -> bool:
    if value:
        fields.setdefault(key, []).append(value)
        return True
    return False


# ---------------------------------------------------------------------------
# Mapping


def map_unit(record: SourceRecord, ctx: MappingContext) -> None:
    """One archival unit (EAD archdesc or component, FranceArchives CSV row) → CIDOC-CRM.

    The unit is a physical thing: a fonds, series or file is an ``E78_Curated_Holding``, an
    item an ``E22_Human-Made_Object``; it is kept by the archives service, made of its
    sub-units (``P46``), and carries (``P128_carries``) its content: an information object
    (``E33_Linguistic_Object`` when the unit says which languages it is in, else
    ``E73_Information_Object``) that refers to the persons, groups and places of its index and
    is about its subjects; the contents form the intellectual hierarchy (``P106``).
    """
    unit: Unit = record.data
    f = record.fields
    ctx.require_region(keep_unknown=True, **agency_clues(unit.agency))
    titles, cotes = f.get("unittitle", []), f.get("unitid", [])
    if not titles and not cotes and not unit.components:
        raise RecordError("no <unittitle> and no <unitid>: nothing names or identifies this unit")
    b = ctx.b
    term = unit.term(ctx.m)
    cls = _class(record.kind, unit)
    # a unit without title that groups components (a BnF "section") still holds them together
    label = (titles or cotes or [f"{(f.get('level') or ['unité'])[0]} {profile()['untitled']}"])[0]
    b.entity(term, cls, label, ctx.dataset)
    for level in f.get("level", []):
        b.classify(term, "archival-level", level)
    for cote in dict.fromkeys(cotes):
        b.identifier(term, cote, "cote")
    written = [lang for code in f.get("langusage", []) for lang in languages(code)]
    for n, title in enumerate(titles or f.get("titleproper", []), 1):
        node = b.title(term, title, n)
        for lang in written:  # the finding aid's language (langusage) is its titles'
            b.language(node, lang.iri, lang.label)
    for key, kind in profile()["texts"].items():
        for n, note in enumerate(f.get(key, []), 1):
            b.text_note(term, note, kind, n)
    for n, extent in enumerate(dict.fromkeys(f.get("extent", [])), 1):
        b.text_note(term, extent, profile()["extent_kind"], n)
    spoken = [lang for text in f.get("langmaterial", []) for lang in languages(text)]
    content = b.content(term, "E33_Linguistic_Object" if spoken else "E73_Information_Object")
    for lang in dict.fromkeys(spoken):
        b.language(content, lang.iri, lang.label)
    _event(term, f, ctx)
    _index(term, content, f, ctx)
    _digital(term, f, ctx)
    _keeper(term, unit, ctx)
    parent = unit.parent_term(ctx.m)
    if parent is not None:
        b.link(term, CRM("P46i_forms_part_of"), parent)
        b.link(parent, CRM("P46_is_composed_of"), term)
        whole = b.part(parent, "content")
        b.link(content, CRM("P106i_forms_part_of"), whole)
        b.link(whole, CRM("P106_is_composed_of"), content)


def _class(level: str | None, unit: Unit) -> str:
    known = profile()["levels"].get(level or "")
    if known:
        return known[1]
    return profile()["default_class"]["component" if unit.component else "archdesc"]


def _event(term: str, f: dict[str, list[str]], ctx: MappingContext) -> None:
    """The unit's production: its dates and its producers (``origination``)."""
    dates = list(zip(f.get("unitdate", []), f.get("unitdate.normal", [])))
    producers = [(k, name) for k in ("origination.persname", "origination.corpname", "origination.famname",
                                     "origination") for name in f.get(k, [])]
    if not dates and not producers:
        return
    b = ctx.b
    event = b.production(term)
    if dates:
        ctx.dated_normal(event, dates)
    role = profile()["producer_role"]
    for n, (key, name) in enumerate(producers, 1):
        if key == "origination.persname":
            actor = ctx.actor(name)
        elif key == "origination.famname":
            actor = ctx.family(name)
        else:
            actor = ctx.institution(name)
        b.carried_out_by(event, actor, role, n)


def _index(term: str, content: str, f: dict[str, list[str]], ctx: MappingContext) -> None:
    """Index terms: the content refers to persons, groups and places and is about subjects; genres type the unit."""
    b = ctx.b
    for key, (target, prop) in profile()["index"].items():
        names = f.get(key, [])
        authorities = f.get(f"{key}.authority", [])
        for i, name in enumerate(names):
            authority = authorities[i] if i < len(authorities) else ""
            node = _index_node(target, name, authority, ctx)
            b.link(term if prop == "P2_has_type" else content, CRM(prop), node)


def _index_node(target: str, name: str, authority: str, ctx: MappingContext) -> str:
    b = ctx.b
    if target.startswith("concept:"):
        node = b.concept(target.removeprefix("concept:"), name)
        if _URL.match(authority):
            b.match(node, SKOS.exactMatch, authority)
        return node
    if target == "place":
        node = ctx.index_place(name)
    elif target == "person":
        node = ctx.actor(name)
    else:
        node = ctx.family(name) if target == "family" else ctx.institution(name)
    if _URL.match(authority):
        b.match(node, OWL.sameAs, authority)
    elif authority and target != "place":
        b.identifier(node, authority, "authority-record", "notice d'autorité")
    return node


def _digital(term: str, f: dict[str, list[str]], ctx: MappingContext) -> None:
    """``dao`` links: images as representations, anything else as pages; local file names as identifiers."""
    b = ctx.b
    extensions = tuple(profile()["image_extensions"])
    for url in dict.fromkeys(f.get("dao", [])):
        if urlsplit(url).path.lower().endswith(extensions):
            b.representation(term, url)
        else:
            b.page(term, url)
    for url in dict.fromkeys(f.get("page", [])):
        b.page(term, url)
    for path in dict.fromkeys(f.get("dao.file", [])):
        b.identifier(term, path, "digital-file", "fichier numérique")


def _keeper(term: str, unit: Unit, ctx: MappingContext) -> None:
    group = ctx.institution(unit.repository, [("archives", unit.agency)] if unit.agency != UNKNOWN_AGENCY else [])
    if group is not None:
        ctx.b.keeper(term, group)


# ---------------------------------------------------------------------------


class EadLoader:
    name = "ead"
    description = "EAD 2002 finding aids (with a DTD or namespaced): the fonds and every component"
    data_provider = "Service d'archives (instrument de recherche EAD)"

    def sniff(self, path: Path, head: bytes) -> bool:
        return root_name(head) == "ead"

    def records(self, path: Path, encoding: str | None) -> Iterator[SourceRecord]:
        return read_ead(path, encoding)

    def map(self, record: SourceRecord, ctx: MappingContext) -> None:
        map_unit(record, ctx)


LOADER = EadLoader()
