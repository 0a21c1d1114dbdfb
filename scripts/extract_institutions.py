#!/usr/bin/env python3
"""Build the institutions reference tables ``graph/data/institutions/{museums,archives}.csv``.

- ``museums.csv`` (Muséofile id, official name, commune, INSEE code, department) from the
  national list of Musées de France, the data.culture.gouv.fr export
  ``liste-et-localisation-des-musees-de-france`` (Licence Ouverte 2.0; a copy is
  ``samples/museums/``). The INSEE code is the first five characters of ``ref_deps`` (the
  ministry's statistics reference: INSEE code + a 2-digit sequence), kept only when the
  commune exists in the Code officiel géographique; the department comes from the
  ``departement`` column. A Muséofile id listed twice keeps its first row.
- ``archives.csv`` (service code, name, department): the departmental archives service of
  every department of metropolitan France and the overseas departments, ``FRAD`` + the
  3-character department code (``FRAD062``, as EAD ``mainagencycode`` writes it), named
  "Archives départementales" + the department's name with INSEE's linking article
  (``typeLiaison``: du Nord, de l'Aisne, de la Somme), and the national services (FRAN,
  FRANOM). Departments come from the npm package ``@etalab/decoupage-administratif``
  (MIT), fetched as ``scripts/extract_geo.py`` does.

Usage::

    python scripts/extract_institutions.py [--museums FILE] [--tarball pkg.tgz] [--version 6.0.0]
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract_geo import fetch_tarball, normalise_label, read_package  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "graph" / "data" / "institutions"
MUSEUMS = ROOT / "samples" / "museums" / "liste-et-localisation-des-musees-de-france.csv"
# INSEE's linking article of a name by its typeLiaison (TNCC), for "Archives départementales ..."
LINKS = {0: "de ", 1: "d'", 2: "du ", 3: "de la ", 4: "des ", 5: "de l'", 6: "des ", 7: "de las ", 8: "de los "}
NATIONAL = [
    ("FRAN", "Archives nationales", ""),
    ("FRANOM", "Archives nationales d'outre-mer", ""),
]
SPECIAL_NAMES = {"75": "Archives de Paris"}


def department_code(code: str) -> str:
    """``2`` → ``002``, ``2A`` → ``02A``, ``971`` → ``971``: the 3 characters of a FRAD code."""
    return code.rjust(3, "0")


def archives_rows(departements: list[dict]) -> list[list[str]]:
    rows = [[code, name, dep] for code, name, dep in NATIONAL]
    for d in departements:
        if d.get("zone") not in ("metro", "drom"):
            continue
        name = SPECIAL_NAMES.get(d["code"]) or f"Archives départementales {LINKS[d['typeLiaison']]}{d['nom']}"
        rows.append([f"FRAD{department_code(d['code'])}", name, d["code"]])
    return rows


def museum_rows(path: Path, departements: list[dict], communes: list[dict]) -> tuple[list[list[str]], list[str]]:
    by_name = {normalise_label(d["nom"]): d["code"] for d in departements}
    known = {c["code"] for c in communes}
    rows, seen, warnings = [], set(), []
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f, delimiter=";"):
            mid = r["identifiant_museofile"].strip().upper()
            if mid in seen:
                warnings.append(f"{mid} listed twice; the first row is kept")
                continue
            seen.add(mid)
            dep = by_name.get(normalise_label(r["departement"]), "")
            if not dep:
                warnings.append(f"{mid}: unknown department {r['departement']!r}")
            insee = r["ref_deps"].strip()[:5]
            if insee not in known:
                insee = ""
            rows.append([mid, " ".join(r["nom_officiel_du_musee"].split()), r["commune"].strip(), insee, dep])
    return rows, warnings


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(sorted(rows))
    path.write_text(out.getvalue(), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--museums", type=Path, default=MUSEUMS, help="the national list of Musées de France (CSV)")
    parser.add_argument("--version", help="@etalab/decoupage-administratif version (default: latest)")
    parser.add_argument("--tarball", type=Path, help="use this npm tarball instead of npm pack")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="decoupage-") as tmp:
        pkg = read_package(args.tarball or fetch_tarball(args.version, Path(tmp)))
    OUT.mkdir(parents=True, exist_ok=True)
    museums, warnings = museum_rows(args.museums, pkg["departements"], pkg["communes"])
    archives = archives_rows(pkg["departements"])
    write(OUT / "museums.csv", ["museofile", "name", "commune", "insee", "department"], museums)
    write(OUT / "archives.csv", ["code", "name", "department"], archives)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"{len(museums)} museums, {len(archives)} archives services -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
