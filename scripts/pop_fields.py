#!/usr/bin/env python3
"""Build ``loaders/pop/fields.json`` from the POP field dictionaries.

Input: the dictionaries ``{merimee,palissy,joconde,museo,memoire}.csv`` of
betagouv/pop (``apps/api/csv/``; copies in ``samples/pop-schema``,
see ``samples/PROVENANCE.md``): one row per field with ``path``
(the field code), ``type`` (``String``, ``Array``...), ``label``, ``opendata``...

Output (deterministic, sorted, UTF-8), read by :mod:`loaders.pop.readers`:

- one key per base (``merimee``, ``palissy``, ``joconde``, ``museo``,
  ``memoire``): every field code → ``{"label", "multi", "opendata"}``;
  ``multi`` is true for the dictionary's ``Array`` fields;
- ``base_names``: the value of the ``BASE`` field (``Patrimoine architectural
  (Mérimée)``...) → base, taken from the dictionaries' descriptions;
- ``free_text``: single-valued prose fields (HIST, DESC...) that a reader must
  never split on `` ; `` even though their text often contains it;
- ``always_split``: single-valued fields that still hold ``;``-separated lists
  without spaces (``REFIM``: ``file,DS1,,file;file,DS1,,file``);
- ``opendata_headers``: per base, the column names of the open-data exports
  (data.culture.gouv.fr, data.gouv.fr) → field code. Two sources: the names
  observed in real exports (``EXPORT_HEADERS`` below) and one name derived
  from each field's label (``Dénomination de l'édifice`` →
  ``Denomination_de_l_edifice``). Readers match them case-insensitively after
  :func:`loaders.pop.readers.header_key`. The special code ``WGS84`` holds a
  ``"lat, lon"`` string (``coordonnees_au_format_WGS84``).

Usage::

    .venv/bin/python scripts/pop_fields.py [--schema-dir DIR] [--output FILE] [--check]

``--check`` exits 1 if the output file is not what the script would write.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders.pop.readers import header_key, to_header  # noqa: E402

BASES = ("merimee", "palissy", "joconde", "museo", "memoire")
DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parent.parent / "samples" / "pop-schema"
DEFAULT_OUTPUT = ROOT / "loaders" / "pop" / "fields.json"
SOURCE = {
    "repository": "https://github.com/betagouv/pop",
    "path": "apps/api/csv/{base}.csv",
    "commit": "d529e79030f1c67f9c3028ac4e49f5aec317660a",
    "licence": "MIT (c) 2018 beta.gouv.fr; field documentation by the Ministère de la Culture",
    "generated_by": "scripts/pop_fields.py",
}

# Prose fields: free text where " ; " is punctuation, not a value separator.
FREE_TEXT = (
    "ACTIV", "APTN", "ARTISTE", "ATOUT", "BIBL", "COMM", "COPY", "DESC", "DOSADRS", "EXPO",
    "HIST", "INTERET", "LEG", "MHPP", "OBS", "OBSOR", "OBSTI", "PAFF", "PDEC", "PETA", "PHARE",
    "PINS", "PLOC", "PPRO", "PREP", "PSTA", "PUTI", "REMA", "SOUR", "VOLS",
)
ALWAYS_SPLIT = ("REFIM",)

# Column names seen in real open-data exports. Mérimée: the "Immeubles protégés
# au titre des Monuments historiques" dataset of data.culture.gouv.fr (its
# "Modèle de données"; the bulk file spells them Capitalised_Like_This, the
# API lowercase). Palissy: "Liste des objets mobiliers protégés" (names as
# used by the collectif-objets synchroniser), plus the brief's label-style
# names. Joconde: "base-joconde-extrait". Museo: "musees-de-france-base-museofile".
# Code_INSEE (museo) is not a dictionary field: museum records need it and
# Muséofile exports carry it.
EXPORT_HEADERS: dict[str, dict[str, str]] = {
    "merimee": {
        "Reference": "REF",
        "Titre_editorial_de_la_notice": "TICO",
        "Denomination_de_l_edifice": "DENO",
        "Autre_appellation_de_l_edifice": "APPL",
        "Destination_actuelle_de_l_edifice": "ACTU",
        "Region": "REG",
        "Departement_format_numerique": "DPT",
        "Departement_en_lettres": "DPT_LETTRE",
        "Commune_forme_index": "COM",
        "Commune_forme_editoriale": "WCOM",
        "COG_Insee_lors_de_la_protection": "INSEE",
        "Adresse_forme_index": "ADRS",
        "Adresse_forme_editoriale": "WADRS",
        "Lieudit": "LIEU",
        "Cadastre": "CADA",
        "Precision_de_la_localisation": "PLOC",
        "Typologie_de_la_protection": "PROT",
        "Date_et_typologie_de_la_protection": "DPRO",
        "Nature_de_la_protection": "APRO",
        "Precision_de_la_protection": "PPRO",
        "Typologie_de_la_zone_de_protection": "SITE",
        "Siecle_de_la_campagne_principale_de_construction": "SCLE",
        "Siecle_de_campagne_secondaire_de_construction": "SCLD",
        "Format_abrege_du_siecle_de_construction": "SCLX",
        "Datation_de_l_edifice": "DATE",
        "Auteur_de_l_edifice": "AUTR",
        "Statut_juridique_de_l_edifice": "STAT",
        "Precision_sur_le_statut_de_l_edifice": "PSTA",
        "Etablissement_affectataire_de_l_edifice": "AFFE",
        "Historique": "HIST",
        "Description_de_l_edifice": "DESC",
        "Domaine": "DOMN",
        "Technique_du_decor_porte_de_l_edifice": "TECH",
        "Etat_de_conservation": "ETAT",
        "Nom_du_cours_d_eau_traversant_ou_bordant_l_edifice": "HYDR",
        "Source_de_l_energie_utilisee_par_l_edifice": "ENER",
        "Typologie_du_dossier": "DOSS",
        "Cadre_de_l_etude": "ETUD",
        "Observations": "OBS",
        "Copyright": "COPY",
        "Identifiant_agregee": "IDAGR",
        "Liens_externes": "LIENS",
        "Lien_vers_la_base_Archiv_MH": "LMDP",
        "Lien_vers_la_base_Palissy": "REFO",
        "Renvoi_vers_une_notice_de_la_base_Merimee_ou_Palissy": "RENV",
        "Date_de_creation_de_la_notice": "DMIS",
        "Date_de_la_derniere_mise_a_jour": "DMAJ",
        "coordonnees_au_format_WGS84": "WGS84",
    },
    "palissy": {
        "Reference": "REF",
        "Titre_editorial": "TICO",
        "Denomination": "DENO",
        "Categorie_technique": "CATE",
        "Titre_iconographique": "TITR",
        "Region": "REG",
        "Departement_format_numerique": "DPT",
        "Departement_en_lettres": "DPT_LETTRE",
        "Commune_forme_index": "COM",
        "Commune_forme_editoriale": "WCOM",
        "COG_Insee": "INSEE",
        "Nom_de_l_edifice": "EDIF",
        "Emplacement_de_l_oeuvre_dans_l_edifice": "EMPL",
        "Reference_a_une_notice_Merimee_MH": "REFA",
        "Reference_de_l_edifice_conservant_l_objet": "REFA",
        "Lieu_de_deplacement_de_l_objet": "DEPL",
        "Edifice_actuel": "MOSA",
        "Typologie_de_la_protection": "PROT",
        "Date_et_typologie_de_la_protection": "DPRO",
        "Precision_de_la_protection": "PPRO",
        "Siecle_de_creation": "SCLE",
        "Datation": "DATE",
        "Auteur_de_l_oeuvre": "AUTR",
        "Atelier": "ATEL",
        "Materiaux_techniques": "MATR",
        "Dimensions": "DIMS",
        "Inscriptions": "INSC",
        "Precisions_sur_l_inscription": "PINS",
        "Iconographie": "REPR",
        "Historique": "HIST",
        "Description": "DESC",
        "Statut_juridique": "STAT",
        "Etat_de_conservation": "ETAT",
        "Date_du_recolement": "DENQ",
        "Typologie_du_dossier": "DOSS",
        "Copyright": "COPY",
        "Date_de_la_derniere_mise_a_jour": "DMAJ",
        "coordonnees_au_format_WGS84": "WGS84",
    },
    "joconde": {
        "Reference": "REF",
        "Titre": "TITR",
        "Auteur": "AUTR",
        "Precisions_sur_l_auteur": "PAUT",
        "Ancienne_attribution": "ATTR",
        "Denomination": "DENO",
        "Appellation": "APPL",
        "Domaine": "DOMN",
        "Ecole_pays": "ECOL",
        "Epoque": "EPOQ",
        "Periode_de_creation": "PERI",
        "Periode_d_utilisation": "PERU",
        "Millesime_de_creation": "MILL",
        "Millesime_d_utilisation": "MILU",
        "Materiaux_techniques": "TECH",
        "Mesures": "DIMS",
        "Inscriptions": "INSC",
        "Precisions_inscriptions": "PINS",
        "Sujet_represente": "REPR",
        "Precisions_sujets_representes": "PREP",
        "Source_representation": "SREP",
        "Onomastique": "ONOM",
        "Lieu_de_creation_utilisation": "LIEUX",
        "Geographie_historique": "GEOHI",
        "Utilisation": "UTIL",
        "Decouverte_collecte": "DECV",
        "Description": "DESC",
        "Historique": "HIST",
        "Bibliographie": "BIBL",
        "Exposition": "EXPO",
        "Commentaires": "COMM",
        "Genese": "GENE",
        "Numero_inventaire": "INV",
        "Date_acquisition": "DACQ",
        "Ancienne_appartenance": "APTN",
        "Statut_juridique": "STAT",
        "Lieu_de_depot": "DEPO",
        "Localisation": "LOCA",
        "Code_Museofile": "MUSEO",
        "Nom_officiel_musee": "NOMOFF",
        "Ville": "VILLE_M",
        "Departement": "DPT",
        "Region": "REGION",
        "Lien_site_associe": "WWW",
        "MANQUANT": "MANQUANT",
        "MANQUANT_COM": "MANQUANT_COM",
        "Date_de_mise_a_jour": "DMAJ",
        "coordonnees": "WGS84",
    },
    "museo": {
        "Identifiant": "REF",
        "Identifiant_Museofile": "REF",
        "Nom_officiel": "NOMOFF",
        "Nom_usage": "NOMUSAGE",
        "Adresse": "ADRL1_M",
        "Lieu": "LIEU_M",
        "Code_postal": "CP_M",
        "Ville": "VILLE_M",
        "Code_INSEE": "INSEE",
        "Departement": "DPT",
        "Region": "REGION",
        "Telephone": "TEL_M",
        "URL": "URL_M",
        "Categorie": "CATEG",
        "Domaine_thematique": "DOMPAL",
        "Themes": "THEMES",
        "Histoire": "HIST",
        "Atout": "ATOUT",
        "Interet": "INTERET",
        "Artiste": "ARTISTE",
        "Personnage_phare": "PHARE",
        "Protection_batiment": "PROT-BAT",
        "Protection_espace": "PROT-ESP",
        "Refmer": "REFMER",
        "Annee_creation": "AN_CREAT",
        "Date_de_mise_a_jour": "DMAJ",
        "coordonnees": "WGS84",
    },
}

_BASE_DESCRIPTION = re.compile(r"Nom de la base\s*:\s*(.+)")
SPECIAL_CODES = {"WGS84", "INSEE"}


def read_dictionary(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f) if row.get("path", "").strip()]


def base_fields(rows: list[dict[str, str]]) -> dict[str, dict[str, object]]:
    return {
        row["path"].strip(): {
            "label": " ".join(row["label"].split()),
            "multi": row["type"].strip() == "Array",
            "opendata": row["opendata"].strip().lower() == "true",
        }
        for row in rows
    }


def base_name(rows: list[dict[str, str]]) -> str | None:
    for row in rows:
        if row["path"].strip() == "BASE":
            match = _BASE_DESCRIPTION.search(row["description"])
            if match:
                return match.group(1).strip()
    return None


def derived_headers(fields: dict[str, dict[str, object]]) -> tuple[dict[str, str], list[str]]:
    """One header per field label; labels shared by several fields are left out (ambiguous)."""
    by_key: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for code, info in fields.items():
        label = str(info["label"])
        if not label or label.upper() == code:
            continue
        name = to_header(label)
        by_key.setdefault(header_key(name), set()).add(code)
        names.setdefault(header_key(name), name)
    headers, ambiguous = {}, []
    for key, codes in by_key.items():
        if len(codes) == 1:
            headers[names[key]] = next(iter(codes))
        else:
            ambiguous.append(f"{names[key]} ({', '.join(sorted(codes))})")
    return headers, ambiguous


def opendata_headers(base: str, fields: dict[str, dict[str, object]]) -> dict[str, str]:
    derived, ambiguous = derived_headers(fields)
    for item in ambiguous:
        print(f"{base}: label shared by several fields, no derived header: {item}", file=sys.stderr)
    exported = EXPORT_HEADERS.get(base, {})
    for name, code in exported.items():
        if code not in fields and code not in SPECIAL_CODES:
            raise SystemExit(f"{base}: export header {name} maps to unknown code {code}")
    taken = {header_key(n) for n in exported}
    merged = dict(exported)
    merged.update({n: c for n, c in derived.items() if header_key(n) not in taken})
    return dict(sorted(merged.items(), key=lambda item: header_key(item[0])))


def build(schema_dir: Path) -> dict[str, object]:
    out: dict[str, object] = {"_source": SOURCE}
    names: dict[str, str] = {}
    headers: dict[str, dict[str, str]] = {}
    multi_codes: set[str] = set()
    for base in BASES:
        rows = read_dictionary(schema_dir / f"{base}.csv")
        fields = base_fields(rows)
        out[base] = fields
        multi_codes |= {code for code, info in fields.items() if info["multi"]}
        name = base_name(rows)
        if name:
            names[name] = base
        if base in EXPORT_HEADERS:
            headers[base] = opendata_headers(base, fields)
    out["base_names"] = dict(sorted(names.items()))
    out["free_text"] = sorted(FREE_TEXT)
    out["always_split"] = sorted(ALWAYS_SPLIT)
    out["opendata_headers"] = headers
    return out


def render(data: dict[str, object]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schema-dir", type=Path, default=DEFAULT_SCHEMA_DIR)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the output is out of date")
    args = parser.parse_args(argv)
    text = render(build(args.schema_dir))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; rerun scripts/pop_fields.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    data = json.loads(text)
    counts = ", ".join(f"{b} {len(data[b])}" for b in BASES)
    heads = sum(len(h) for h in data["opendata_headers"].values())
    print(f"{args.output}: fields {counts}; {heads} open-data headers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
