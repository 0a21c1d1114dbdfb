#!/usr/bin/env python3
"""Build ``graph/data/geo.json`` from the npm package ``@etalab/decoupage-administratif``.

The package (MIT licence) ships the Code officiel géographique of INSEE as JSON.
This script fetches it with ``npm pack`` into a temporary directory, reads
``data/regions.json``, ``data/departements.json`` and ``data/communes.json``
straight out of the tarball, and writes one compact, deterministic JSON file:

- ``source``: package name, version and licence;
- ``regions``: every region ``{code, name}``;
- ``departments``: every department ``{code, name, region}``;
- ``communes``: the communes of region 32 (Hauts-de-France): current communes
  (``type`` ``commune-actuelle``) and delegated/associated communes
  (``commune-deleguee`` / ``commune-associee``, with ``commune`` = the current
  commune they belong to);
- ``former_codes``: former INSEE code -> current INSEE code;
- ``region_names``: normalised region label (pre-2016 regions, 2016 provisional
  names, current names, common aliases) -> current region code.

Usage::

    python scripts/extract_geo.py                       # latest published version
    python scripts/extract_geo.py --version 6.0.0       # a given version
    python scripts/extract_geo.py --tarball pkg.tgz     # an already downloaded tarball
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

PACKAGE = "@etalab/decoupage-administratif"
REGION = "32"
REGION_DEPARTMENTS = ("02", "59", "60", "62", "80")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "graph" / "data" / "geo.json"

# Expected counts of region 32 per package version: (current communes, all entries
# incl. delegated/associated). Checked exactly for a known version, loosely otherwise.
EXPECTED_COUNTS = {"6.0.0": (3782, 3881)}
CURRENT_COMMUNES_RANGE = (3700, 3900)

# The 27 regions in force until 31 December 2015 (22 metropolitan + 5 overseas),
# each mapped to the code of the region that holds its territory since 2016.
OLD_REGIONS: dict[str, str] = {
    "Alsace": "44",
    "Aquitaine": "75",
    "Auvergne": "84",
    "Basse-Normandie": "28",
    "Bourgogne": "27",
    "Bretagne": "53",
    "Centre": "24",
    "Champagne-Ardenne": "44",
    "Corse": "94",
    "Franche-Comté": "27",
    "Haute-Normandie": "28",
    "Île-de-France": "11",
    "Languedoc-Roussillon": "76",
    "Limousin": "75",
    "Lorraine": "44",
    "Midi-Pyrénées": "76",
    "Nord-Pas-de-Calais": "32",
    "Pays de la Loire": "52",
    "Picardie": "32",
    "Poitou-Charentes": "75",
    "Provence-Alpes-Côte d'Azur": "93",
    "Rhône-Alpes": "84",
    "Guadeloupe": "01",
    "Martinique": "02",
    "Guyane": "03",
    "La Réunion": "04",
    "Mayotte": "06",
}

# Provisional names of the merged regions (2016, before their final names were
# decreed), and usual short forms. Current names are added from regions.json.
OTHER_REGION_NAMES: dict[str, str] = {
    "Alsace-Champagne-Ardenne-Lorraine": "44",
    "ACAL": "44",
    "Aquitaine-Limousin-Poitou-Charentes": "75",
    "ALPC": "75",
    "Languedoc-Roussillon-Midi-Pyrénées": "76",
    "Occitanie / Pyrénées-Méditerranée": "76",
    "Nord-Pas-de-Calais-Picardie": "32",
    "PACA": "93",
    "Région Sud": "93",
    "Réunion": "04",
    "Guyane française": "03",
}


def normalise_label(text: str) -> str:
    """Lower case, no accents, every run of non-alphanumerics -> one space.

    Kept identical to ``graph.geo._normalise`` so keys written here match lookups.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


def fetch_tarball(version: str | None, workdir: Path) -> Path:
    spec = f"{PACKAGE}@{version}" if version else PACKAGE
    result = subprocess.run(
        ["npm", "pack", spec, "--silent"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    names = [line.strip() for line in result.stdout.splitlines() if line.strip().endswith(".tgz")]
    if not names:
        raise SystemExit(f"npm pack {spec} produced no tarball: {result.stdout!r} {result.stderr!r}")
    return workdir / names[-1]


def read_package(tarball: Path) -> dict[str, Any]:
    """Read package.json and the three data files straight from the tarball (no extraction)."""
    wanted = {
        "package.json": "package",
        "data/regions.json": "regions",
        "data/departements.json": "departements",
        "data/communes.json": "communes",
    }
    out: dict[str, Any] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            # members are "package/<path>"
            rel = member.name.split("/", 1)[1] if "/" in member.name else member.name
            if rel in wanted and member.isfile():
                fh = tar.extractfile(member)
                assert fh is not None
                out[wanted[rel]] = json.load(fh)
    missing = set(wanted.values()) - out.keys()
    if missing:
        raise SystemExit(f"{tarball.name}: missing {sorted(missing)}")
    return out


def build(pkg: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    meta = pkg["package"]
    warnings: list[str] = []

    regions = sorted(
        ({"code": r["code"], "name": r["nom"]} for r in pkg["regions"]),
        key=lambda r: r["code"],
    )
    region_codes = {r["code"] for r in regions}
    departments = sorted(
        ({"code": d["code"], "name": d["nom"], "region": d["region"]} for d in pkg["departements"]),
        key=lambda d: d["code"],
    )

    all_current = {c["code"]: c for c in pkg["communes"] if c["type"] == "commune-actuelle"}
    in_region = [c for c in pkg["communes"] if c.get("region") == REGION]

    communes: list[dict[str, Any]] = []
    for c in in_region:
        kind = c["type"]
        entry: dict[str, Any] = {
            "code": c["code"],
            "name": c["nom"],
            "department": c["departement"],
            "region": c["region"],
            "type": kind,
        }
        if kind == "commune-actuelle":
            if "population" in c:
                entry["population"] = c["population"]
            entry["postcodes"] = sorted(c.get("codesPostaux", []))
        elif kind in ("commune-deleguee", "commune-associee"):
            entry["commune"] = c["chefLieu"]
        elif kind == "arrondissement-municipal":
            entry["commune"] = c["commune"]
            entry["postcodes"] = sorted(c.get("codesPostaux", []))
        else:
            warnings.append(f"unknown commune type {kind!r} for {c['code']}")
            continue
        communes.append(entry)
    communes.sort(key=lambda e: (e["code"], e["type"]))

    # former code -> current code
    former: dict[str, str] = {}
    # 1. anciensCodes of region-32 current communes, and of current communes
    #    elsewhere that absorbed a commune of a region-32 department.
    for code, c in sorted(all_current.items()):
        for old in c.get("anciensCodes", []):
            if c.get("region") != REGION and old[:2] not in REGION_DEPARTMENTS:
                continue
            if old in all_current:
                continue  # code is in use today: never map it away
            if old in former and former[old] != code:
                warnings.append(f"former code {old}: {former[old]} vs {code}")
            former[old] = code
    # 2. delegated/associated communes -> the current commune they belong to.
    #    The explicit link wins over anciensCodes when both disagree.
    for e in communes:
        if e["type"] in ("commune-deleguee", "commune-associee") and e["code"] != e["commune"]:
            if e["code"] in all_current:
                continue
            if former.get(e["code"], e["commune"]) != e["commune"]:
                warnings.append(
                    f"former code {e['code']}: anciensCodes says {former[e['code']]}, "
                    f"{e['type']} says {e['commune']} (kept)"
                )
            former[e["code"]] = e["commune"]
    for old, new in former.items():
        if new not in all_current:
            warnings.append(f"former code {old} -> {new}: not a current commune")

    names: dict[str, str] = {}
    for table in (OLD_REGIONS, OTHER_REGION_NAMES, {r["name"]: r["code"] for r in regions}):
        for label, code in table.items():
            key = normalise_label(label)
            if code not in region_codes:
                raise SystemExit(f"region name {label!r}: unknown region code {code}")
            if names.get(key, code) != code:
                raise SystemExit(f"region name {label!r}: {names[key]} vs {code}")
            names[key] = code

    data = {
        "source": {
            "package": meta["name"],
            "version": meta["version"],
            "license": meta.get("license"),
            "homepage": meta.get("repository"),
            "region": REGION,
        },
        "regions": regions,
        "departments": departments,
        "communes": communes,
        "former_codes": dict(sorted(former.items())),
        "region_names": dict(sorted(names.items())),
    }
    return data, warnings


def check(data: dict[str, Any]) -> tuple[int, int]:
    current = sum(1 for c in data["communes"] if c["type"] == "commune-actuelle")
    total = len(data["communes"])
    version = data["source"]["version"]
    if version in EXPECTED_COUNTS:
        if (current, total) != EXPECTED_COUNTS[version]:
            raise SystemExit(
                f"region {REGION}: {current} current / {total} entries, "
                f"expected {EXPECTED_COUNTS[version]} for {PACKAGE}@{version}"
            )
    else:
        lo, hi = CURRENT_COMMUNES_RANGE
        if not lo <= current <= hi:
            raise SystemExit(f"region {REGION}: {current} current communes, outside [{lo}, {hi}]")
        print(
            f"warning: no expected counts for {PACKAGE}@{version}; "
            f"add ({current}, {total}) to EXPECTED_COUNTS once checked",
            file=sys.stderr,
        )
    return current, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", help="package version (default: latest)")
    parser.add_argument("--tarball", type=Path, help="use this npm tarball instead of npm pack")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="decoupage-") as tmp:
        tarball = args.tarball or fetch_tarball(args.version, Path(tmp))
        pkg = read_package(tarball)

    data, warnings = build(pkg)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    current, total = check(data)

    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    size = len(text.encode("utf-8"))
    print(
        f"{data['source']['package']}@{data['source']['version']}: "
        f"{len(data['regions'])} regions, {len(data['departments'])} departments, "
        f"region {REGION}: {current} current communes ({total} entries incl. delegated/associated), "
        f"{len(data['former_codes'])} former codes, {len(data['region_names'])} region names "
        f"-> {args.output} ({size / 1024:.0f} KiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
