"""Build ontology/alignments/archives-subject-matiere.csv from the ministry's Thésaurus-matières.

The Thésaurus-matières pour l'indexation des archives locales (Ministère de la Culture, data.culture.fr,
CC BY-SA as the file's dc:rights says) is the vocabulary archives services index their finding aids
with. A SKOS/RDF export of it is in the FranceArchives code (culturecommunication/francearchives-cubicweb,
test/data/Matiere.xml). Every concept becomes a row for its preferred label (our archival subjects written with it are
skos:exactMatch the concept) and rows for its non-preferred labels ("employé pour": skos:closeMatch only);
the concept's own exactMatch links to RAMEAU (data.bnf.fr) follow as rows of their own, for the preferred
label, with the concept's label.

    git -C <mirror of francearchives-cubicweb> show ae4d4a6066dedaabb915b029b0d4fc4e3817ecf4:test/data/Matiere.xml > Matiere.xml
    .venv/bin/python scripts/extract_matiere.py Matiere.xml
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import rdflib

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "ontology" / "alignments" / "archives-subject-matiere.csv"
SOURCE = "matiere"  # ontology/alignments/PROVENANCE.md
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")


def rows(path: Path) -> list[list[str]]:
    g = rdflib.Graph()
    g.parse(path, format="xml")
    out: set[tuple[str, ...]] = set()
    for concept in g.subjects(rdflib.RDF.type, SKOS.Concept):
        pref = [str(label) for label in g.objects(concept, SKOS.prefLabel)]
        if not pref:
            continue
        for label in pref:
            out.add((" ".join(label.split()), "exactMatch", str(concept), pref[0]))
            for bnf in g.objects(concept, SKOS.exactMatch):
                if str(bnf).startswith("http://data.bnf.fr/"):
                    out.add((" ".join(label.split()), "exactMatch", str(bnf), pref[0]))
        # a non-preferred term ("employé pour") is only close to the concept it leads to
        for label in g.objects(concept, SKOS.altLabel):
            out.add((" ".join(str(label).split()), "closeMatch", str(concept), pref[0]))
    return [["archives-subject", *row, SOURCE] for row in sorted(out, key=lambda r: (r[0].lower(), r[2]))]


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: extract_matiere.py Matiere.xml")
    found = rows(Path(sys.argv[1]))
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["scheme", "label", "match", "target", "target_label", "source"])
        w.writerows(found)
    print(f"{OUT.relative_to(ROOT)}: {len(found)} rows")


if __name__ == "__main__":
    main()
