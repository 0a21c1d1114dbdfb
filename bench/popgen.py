"""Generated POP records for benchmarks: Mérimée, Palissy and Joconde open-data exports of all France.

    from popgen import generate
    generate(directory, {"merimee": 50_000, "palissy": 50_000, "joconde": 80_000})

Each base is written in its open-data export shape (the label headers of data.culture.gouv.fr, ';'
separated), so records go through the real readers and mappers and the graph has the real shapes.
Values are drawn, reproducibly, from what the exports hold: every commune of France (the reference
places), the real Musées de France (Joconde keepers), centuries and dates weighted as the bases are
(many medieval churches, 19th-century objects), protections, legal statuses, materials, dimensions,
makers from a pool of names (so that the same person appears in several records, with life dates in
Joconde), Palissy objects housed in generated Mérimée buildings of their commune, images for a share
of Joconde records, and free texts with distinct wording. References are fictitious (PA9..., PM9...).
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MERIMEE_HEADER = [
    "Reference", "Titre_editorial_de_la_notice", "Denomination_de_l_edifice", "Region", "Departement_format_numerique",
    "Departement_en_lettres", "Commune_forme_index", "COG_Insee_lors_de_la_protection", "Adresse_forme_editoriale",
    "Typologie_de_la_protection", "Date_et_typologie_de_la_protection",
    "Siecle_de_la_campagne_principale_de_construction", "Siecle_de_campagne_secondaire_de_construction",
    "Datation_de_l_edifice", "Auteur_de_l_edifice", "Statut_juridique_de_l_edifice", "Historique",
    "coordonnees_au_format_WGS84",
]
PALISSY_HEADER = [
    "reference", "titre_editorial", "denomination", "categorie_technique", "region", "departement_format_numerique",
    "commune_forme_index", "cog_insee", "nom_de_l_edifice", "reference_de_l_edifice_conservant_l_objet",
    "typologie_de_la_protection", "date_et_typologie_de_la_protection", "siecle_de_creation", "datation",
    "auteur_de_l_oeuvre", "materiaux_techniques", "dimensions", "inscriptions", "historique", "description",
    "statut_juridique",
]
JOCONDE_HEADER = [
    "Reference", "Titre", "Auteur", "Precisions_sur_l_auteur", "Denomination", "Domaine", "Ecole_pays",
    "Periode_de_creation", "Millesime_de_creation", "Materiaux_techniques", "Mesures", "Sujet_represente",
    "Numero_inventaire", "Localisation", "Code_Museofile", "Nom_officiel_musee", "Ville", "Departement", "Region",
    "Statut_juridique", "Adresse_image",
]
BASES = ("merimee", "palissy", "joconde")
# Shares of the national bases (Mérimée ~ 0.3 M, Palissy ~ 0.3 M, Joconde ~ 0.6 M records)
NATIONAL_SHARES = {"merimee": 0.26, "palissy": 0.26, "joconde": 0.48}

BUILDINGS = [("église", "Église Saint-{saint}"), ("chapelle", "Chapelle Saint-{saint}"), ("château", "Château de {place}"),
             ("maison", "Maison {family}"), ("croix", "Croix de chemin"), ("manoir", "Manoir de {place}"),
             ("ferme", "Ferme de {place}"), ("hôtel", "Hôtel {family}"), ("abbaye", "Abbaye de {place}"),
             ("pont", "Pont de {place}"), ("moulin", "Moulin de {place}"), ("fontaine", "Fontaine {saint}"),
             ("calvaire", "Calvaire"), ("halle", "Halle"), ("beffroi", "Beffroi"), ("prieuré", "Prieuré Saint-{saint}"),
             ("dolmen", "Dolmen de {place}"), ("menhir", "Menhir"), ("enceinte", "Enceinte urbaine"),
             ("théâtre", "Théâtre municipal"), ("gare", "Gare"), ("immeuble", "Immeuble"), ("usine", "Usine {family}"),
             ("cathédrale", "Cathédrale Notre-Dame"), ("hôtel de ville", "Hôtel de ville"), ("presbytère", "Presbytère")]
BUILDING_WEIGHTS = [30, 9, 8, 8, 4, 3, 3, 4, 2, 2, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 2, 1]
OBJECTS = [("tableau", "peinture", "toile : peinture à l'huile"), ("statue", "sculpture", "bois : taillé, peint"),
           ("retable", "menuiserie ; sculpture", "chêne : taillé, sculpté, doré"), ("autel", "sculpture", "marbre : taillé"),
           ("cloche", "fonderie", "bronze : fondu"), ("verrière", "vitrail", "verre transparent : peint, grisaille"),
           ("stalle", "menuiserie", "chêne : sculpté"), ("chaire à prêcher", "menuiserie", "chêne : taillé, sculpté"),
           ("orgue de tribune", "facture d'orgue", "bois ; étain"), ("calice", "orfèvrerie", "argent : doré, repoussé"),
           ("ostensoir", "orfèvrerie", "laiton : doré"), ("lutrin", "menuiserie", "chêne : tourné"),
           ("fonts baptismaux", "sculpture", "pierre calcaire : taillé"), ("confessionnal", "menuiserie", "chêne"),
           ("tapisserie", "tapisserie", "laine ; soie : tissé"), ("plaque funéraire", "gravure", "pierre : gravé"),
           ("bas-relief", "sculpture", "pierre calcaire : sculpté"), ("chasuble", "broderie", "soie : brodé"),
           ("lustre", "ferronnerie", "fer forgé ; cristal"), ("croix de procession", "orfèvrerie", "cuivre : repoussé")]
OBJECT_WEIGHTS = [14, 16, 6, 6, 8, 8, 3, 3, 2, 5, 3, 2, 3, 2, 2, 3, 3, 3, 1, 2]
MUSEUM_OBJECTS = [("tableau", "peinture", "peinture à l'huile;toile"), ("dessin", "dessin", "papier;pierre noire"),
                  ("estampe", "estampe", "papier;eau-forte"), ("sculpture", "sculpture", "marbre"),
                  ("statuette", "archéologie", "bronze (fonte)"), ("vase", "céramique", "terre cuite (tournage)"),
                  ("monnaie", "numismatique", "argent (frappé)"), ("photographie", "photographie", "papier albuminé"),
                  ("fibule", "archéologie", "bronze"), ("biface", "préhistoire ; archéologie", "silex (taillé)"),
                  ("assiette", "céramique ; arts décoratifs", "faïence (décor peint)"),
                  ("outil", "ethnologie", "fer;bois"), ("échantillon", "textile ; arts décoratifs", "laine;tissage"),
                  ("médaille", "numismatique", "bronze (fonte)"), ("carte postale", "document", "papier imprimé")]
MUSEUM_OBJECT_WEIGHTS = [16, 14, 14, 6, 5, 6, 8, 6, 3, 3, 5, 4, 3, 4, 3]
SAINTS = ["Martin", "Pierre", "Nicolas", "Jean-Baptiste", "Médard", "Éloi", "Rémi", "Denis", "Germain", "Vaast",
          "Riquier", "Quentin", "Firmin", "Omer", "Amand", "Géry", "Étienne", "Laurent", "Sulpice", "Hilaire"]
SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
            "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
            "Girard", "Andre", "Lefevre", "Mercier", "Dupont", "Lambert", "Bonnet", "Francois", "Martinez", "Legrand",
            "Garnier", "Faure", "Rousseau", "Blanc", "Guerin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin",
            "Morin", "Mathieu", "Clement", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson",
            "Sanchez", "Gerard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier", "Roger", "Roche",
            "Roy", "Noel", "Meyer", "Lucas", "Meunier", "Jean", "Perez", "Marchand", "Dufour", "Blanchard", "Marie",
            "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin", "Fernandez", "Pierre", "Renard",
            "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc", "Vidal", "Bourgeois", "Renaud", "Lemoine",
            "Picard", "Gaillard", "Philippe", "Leclercq", "Lacroix", "Fabre", "Dupuis", "Olivier", "Rodriguez",
            "Da Silva", "Hubert", "Louis", "Charles", "Guillot", "Riviere", "Le Gall", "Guillaume", "Adam", "Rey",
            "Moulin", "Gonzalez", "Berger", "Lecomte", "Menard", "Fleury", "Deschamps", "Carpentier", "Julien",
            "Benoit", "Paris", "Maillard", "Marchal", "Aubry", "Vasseur", "Le Roux", "Renault", "Jacquet", "Collet",
            "Prevost", "Poirier", "Charpentier", "Royer", "Huet", "Baron", "Dupuy", "Pons", "Paul", "Laine", "Carre",
            "Breton", "Remy", "Schneider", "Perrot", "Guyot", "Barre", "Marty", "Cousin"]
FIRST_NAMES = ["Jean", "Pierre", "Nicolas", "Jacques", "François", "Louis", "Antoine", "Charles", "Claude", "Michel",
               "Guillaume", "Philippe", "Étienne", "Henri", "Joseph", "Paul", "André", "Simon", "Martin", "Robert",
               "Eugène", "Auguste", "Victor", "Jules", "Théodore", "Gustave", "Édouard", "Camille", "Marie", "Anne",
               "Jeanne", "Louise", "Marguerite", "Catherine", "Élisabeth", "Rosa", "Berthe", "Suzanne", "Félix", "Denis"]
STREETS = ["rue de l'Église", "rue du Château", "place du Marché", "rue du Moulin", "Grande Rue", "rue de la Mairie"]
ROLES_BUILDING = ["architecte", "maître d'oeuvre", "entrepreneur", "maçon", "ingénieur"]
ROLES_OBJECT = ["peintre", "sculpteur", "menuisier", "orfèvre", "fondeur", "peintre verrier", "facteur d'orgues",
                "brodeur", "ébéniste", "doreur"]
ROLES_MUSEUM = ["peintre", "dessinateur", "graveur", "sculpteur", "photographe", "céramiste", "orfèvre"]
SCHOOLS = ["France", "France", "France", "Italie", "Flandres", "Pays-Bas", "Espagne", "Allemagne", "Angleterre"]
SUBJECTS = ["paysage", "portrait", "scène religieuse", "Vierge à l'Enfant", "nature morte", "scène de genre", "allégorie",
            "mythologie", "architecture", "marine", "animal", "ornementation ; motif végétal", "bataille", "saint"]
STATUSES_BUILDING = ["propriété de la commune", "propriété privée", "propriété de l'Etat", "propriété d'une association",
                     "propriété du département", "propriété publique"]
STATUS_WEIGHTS = [45, 38, 8, 4, 3, 2]
STATUSES_OBJECT = ["propriété de la commune", "propriété de l'Etat", "propriété privée", "propriété d'un établissement public"]
STATUSES_MUSEUM = ["propriété de la commune", "propriété de l'Etat", "propriété de l'Etat ; dépôt", "propriété du département"]
ORDINALS = {1: "1er", 2: "2e", 3: "3e", 4: "4e"}


def century(n: int) -> str:
    if n <= 0:
        return f"{1 - n}e siècle av JC"
    return f"{'1er' if n == 1 else f'{n}e'} siècle"


def _period(rng: random.Random, weights: Sequence[tuple[int, int]]) -> tuple[str, int]:
    """A period as POP writes it, and a year in it (for precise dates)."""
    c = rng.choices([c for c, _ in weights], [w for _, w in weights])[0]
    start = (c - 1) * 100
    if c < 10:  # antiquity and the early Middle Ages: a century, no precise year
        return century(c), 0
    kind = rng.random()
    if kind < 0.45:
        return century(c), start + rng.randrange(100)
    if kind < 0.65:
        q = rng.randrange(1, 5)
        return f"{ORDINALS[q]} quart {century(c)}", start + (q - 1) * 25 + rng.randrange(25)
    if kind < 0.78:
        half = rng.randrange(1, 3)
        return f"{'1ère' if half == 1 else '2e'} moitié {century(c)}", start + (half - 1) * 50 + rng.randrange(50)
    if kind < 0.85:
        return f"milieu {century(c)}", start + 40 + rng.randrange(20)
    if kind < 0.90:
        return f"limite {century(c)} {century(c + 1)}", start + 95 + rng.randrange(10)
    if kind < 0.95:
        year = start + rng.randrange(100)
        return f"vers {year}", year
    return f"{century(c)} (?)", start + rng.randrange(100)


# Mérimée as a whole: the protected monuments (half of them older than 1600) and the far more numerous
# buildings of the general inventory (mostly 19th and 20th century)
BUILDING_CENTURIES = [(11, 1), (12, 3), (13, 3), (14, 2), (15, 4), (16, 7), (17, 10), (18, 16), (19, 34), (20, 20)]
OBJECT_CENTURIES = [(13, 2), (14, 3), (15, 6), (16, 12), (17, 20), (18, 22), (19, 30), (20, 5)]
MUSEUM_CENTURIES = [(-3, 1), (1, 3), (5, 1), (12, 1), (15, 3), (16, 6), (17, 12), (18, 16), (19, 35), (20, 22)]


@dataclass
class _World:
    communes: list
    communes_by_code: dict
    coordinates: dict
    museums: list[dict[str, str]]
    departments: dict
    regions: dict


def _world() -> _World:
    from graph.geo import Geography

    geo = Geography.default()
    communes = [c for c in geo.communes() if geo.coordinates(c.code) is not None]
    museums_file = ROOT / "graph" / "data" / "institutions" / "museums.csv"
    with open(museums_file, encoding="utf-8") as f:
        by_code = {c.code: c for c in communes}
        museums = [row for row in csv.DictReader(f) if row.get("insee") in by_code]
    random.Random(0).shuffle(museums)  # big and small collections all over France, not by id
    return _World(communes, by_code, {c.code: geo.coordinates(c.code) for c in communes}, museums,
                  {d.code: d.name for d in geo.departments()}, dict(geo.regions()))


def _person(rng: random.Random, pool: int) -> tuple[str, str, int]:
    """(surname, first name, birth year) of one of ``pool`` persons: the same index, the same person."""
    i = int(rng.paretovariate(1.2)) % pool  # a few prolific makers, a long tail
    r = random.Random(i * 7919)
    return r.choice(SURNAMES), r.choice(FIRST_NAMES), 1450 + r.randrange(480)


def _point(rng: random.Random, world: _World, code: str) -> str:
    lat, lon = world.coordinates[code]
    return f"{lat + rng.uniform(-0.02, 0.02):.6f}, {lon + rng.uniform(-0.02, 0.02):.6f}"


def _protection(rng: random.Random, suffix: str, classed_share: float) -> tuple[str, str]:
    year = 1840 + int(rng.random() ** 1.6 * 180)
    date = f"{year}/{1 + rng.randrange(12):02d}/{1 + rng.randrange(28):02d}" if year > 1880 else str(year)
    r = rng.random()
    kind = f"classé {suffix}" if r < classed_share else f"inscrit {suffix}" if r < 0.93 else f"partiellement inscrit {suffix}"
    return kind, f"{date} : {kind}"


def _merimee(w: csv.writer, rng: random.Random, world: _World, n: int, start: int) -> dict[str, list[tuple[str, str]]]:
    buildings: dict[str, list[tuple[str, str]]] = {}
    for i in range(start, start + n):
        c = rng.choice(world.communes)
        ref = f"PA9{i:07d}"
        deno, title = rng.choices(BUILDINGS, BUILDING_WEIGHTS)[0]
        title = title.format(saint=rng.choice(SAINTS), place=c.name, family=rng.choice(SURNAMES))
        buildings.setdefault(c.code, []).append((ref, title))
        kind, dpro = _protection(rng, "MH", 0.3)
        period, year = _period(rng, BUILDING_CENTURIES)
        second = _period(rng, BUILDING_CENTURIES)[0] if rng.random() < 0.25 else ""
        dates = f"{year} ; {year + rng.randrange(2, 40)}" if rng.random() < 0.2 else ""
        makers = []
        if rng.random() < 0.15:
            surname, first, _ = _person(rng, 20_000)
            makers.append(f"{surname} {first} ({rng.choice(ROLES_BUILDING)})")
        region = world.regions.get(c.region, "")
        w.writerow([ref, title, deno, region, c.department, world.departments.get(c.department, ""), c.name, c.code,
                    f"{rng.randrange(1, 80)} {rng.choice(STREETS)}" if rng.random() < 0.5 else "", kind, dpro, period, second, dates, " ; ".join(makers),
                    rng.choices(STATUSES_BUILDING, STATUS_WEIGHTS)[0],
                    f"{deno.capitalize()} construit au {period}, remanié en {year + rng.randrange(30, 300)}. "
                    f"Notice {i} ; {rng.choice(['restauré', 'agrandi', 'reconstruit en partie'])} après "
                    f"{rng.choice(['la Révolution', 'un incendie', 'la guerre de 1914-1918', 'les guerres de Religion'])}.",
                    _point(rng, world, c.code) if rng.random() < 0.85 else ""])
    return buildings


def _palissy(w: csv.writer, rng: random.Random, world: _World, n: int, start: int,
             buildings: dict[str, list[tuple[str, str]]]) -> None:
    housing = list(buildings)
    for i in range(start, start + n):
        if housing and rng.random() < 0.6:
            code = rng.choice(housing)
            c = world.communes_by_code[code]
            ref_a, building = rng.choice(buildings[code])
        else:
            c = rng.choice(world.communes)
            ref_a, building = "", f"église Saint-{rng.choice(SAINTS)}"
        deno, category, material = rng.choices(OBJECTS, OBJECT_WEIGHTS)[0]
        kind, dpro = _protection(rng, "au titre objet", 0.55)
        period, year = _period(rng, OBJECT_CENTURIES)
        maker = ""
        if rng.random() < 0.35:
            surname, first, _ = _person(rng, 60_000)
            maker = f"{surname} {first} ({rng.choice(ROLES_OBJECT)}{', attribué' if rng.random() < 0.1 else ''})"
        dims = f"h = {rng.randrange(10, 400)} ; la = {rng.randrange(10, 300)}" if rng.random() < 0.6 else ""
        w.writerow([f"PM9{i:07d}", f"{deno.capitalize()} : {rng.choice(SUBJECTS)}" if rng.random() < 0.5 else deno.capitalize(),
                    deno, category, world.regions.get(c.region, ""), c.department, c.name, c.code, building, ref_a,
                    kind, dpro, period, str(year) if rng.random() < 0.3 else "", maker, material, dims,
                    rng.choice(["", "", "inscription ; date", "armoiries", "signature"]),
                    f"Objet {i}, {rng.choice(['don', 'commande', 'achat'])} de {rng.choice(['la fabrique', 'la commune', 'un paroissien'])} "
                    f"vers {year}." if rng.random() < 0.4 else "", "",
                    rng.choice(STATUSES_OBJECT)])


def _joconde(w: csv.writer, rng: random.Random, world: _World, n: int, start: int) -> None:
    for i in range(start, start + n):
        museum = world.museums[int(rng.paretovariate(0.9)) % len(world.museums)]
        c = world.communes_by_code[museum["insee"]]
        deno, domain, material = rng.choices(MUSEUM_OBJECTS, MUSEUM_OBJECT_WEIGHTS)[0]
        period, year = _period(rng, MUSEUM_CENTURIES)
        if rng.random() < 0.55:
            surname, first, born = _person(rng, 150_000)
            author = f"{surname.upper()} {first} ({rng.choice(ROLES_MUSEUM)})"
            detail = f"{rng.choice(world.communes).name}, {born} ; {rng.choice(world.communes).name}, {born + 30 + rng.randrange(50)}"
        else:
            author, detail = ("anonyme", "")
        dims = f"Hauteur en cm {rng.randrange(2, 300)} ; Largeur en cm {rng.randrange(2, 300)}" if rng.random() < 0.8 else ""
        ref = f"{museum['museofile']}{i:07d}"
        w.writerow([ref, f"{rng.choice(SUBJECTS).capitalize()} {i % 1000}" if rng.random() < 0.7 else "", author, detail,
                    deno, domain, rng.choice(SCHOOLS) if rng.random() < 0.5 else "", period,
                    str(year) if year and rng.random() < 0.3 else "", material, dims, rng.choice(SUBJECTS),
                    f"{rng.randrange(1850, 2020)}.{rng.randrange(1, 900)}.{i % 97}", f"{c.name} ; {museum['name']}",
                    museum["museofile"], museum["name"], c.name, world.departments.get(c.department, ""),
                    world.regions.get(c.region, ""), rng.choice(STATUSES_MUSEUM),
                    f"https://s3.eu-west-3.amazonaws.com/pop-phototeque/joconde/{museum['museofile']}/{ref.lower()}_p.jpg"
                    if rng.random() < 0.5 else ""])


def generate(directory: Path, counts: dict[str, int], seed: int = 1) -> dict[str, Path]:
    """Write ``counts[base]`` records of each base into ``directory``/BASE.csv; the paths written."""
    world = _world()
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    buildings: dict[str, list[tuple[str, str]]] = {}
    for base in BASES:
        n = counts.get(base, 0)
        if not n:
            continue
        rng = random.Random(f"{seed}-{base}")
        path = paths[base] = directory / f"{base}.csv"
        header = {"merimee": MERIMEE_HEADER, "palissy": PALISSY_HEADER, "joconde": JOCONDE_HEADER}[base]
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter=";", lineterminator="\r\n")
            w.writerow(header)
            if base == "merimee":
                buildings = _merimee(w, rng, world, n, 0)
            elif base == "palissy":
                _palissy(w, rng, world, n, 0, buildings)
            else:
                _joconde(w, rng, world, n, 0)
    return paths


def national_counts(records: int) -> dict[str, int]:
    """``records`` split between the bases as the national bases are."""
    return {base: max(1, round(records * share)) for base, share in NATIONAL_SHARES.items()}
