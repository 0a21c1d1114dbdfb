"""Mérimée/Palissy Lambert coordinates (COOR, COORM, ZONE) become WGS84 points; the text as written is kept."""

from __future__ import annotations

import csv
import json
import math

import pytest

from graph.geo import Geography
from graph.store import KnowledgeGraph
from loaders.pop.coordinates import read
from loaders.pop.mapper import profile
from patrimoine.pipeline import LoadOptions, load

from conftest import ROOT, SAMPLES

PALISSY = SAMPLES / "pop" / "pop-api-palissy-search-response.json"  # real POP API answer, Haute-Marne


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    return 6371 * math.acos(min(1.0, math.sin(la1) * math.sin(la2) + math.cos(la1) * math.cos(la2) * math.cos(lo1 - lo2)))


def located(kg: KnowledgeGraph, ref: str) -> dict[str, str | None]:
    q = f"""SELECT ?wkt ?written WHERE {{ <{kg.minter.base}pop/{ref}> crm:P55_has_current_location ?site .
        OPTIONAL {{ ?site crm:P168_place_is_defined_by ?wkt }}
        OPTIONAL {{ ?site crm:P1_is_identified_by ?id . ?id crm:P190_has_symbolic_content ?written ;
                    crm:P2_has_type/skos:prefLabel "coordonnées Lambert (COOR, ZONE)"@fr }} }}"""
    found = [{v: (s[v].value if s[v] is not None else None) for v in ("wkt", "written")}
             for s in kg.query(q, prefixes=True)]
    return found[0] if found else {"wkt": None, "written": None}


def point(wkt: str) -> tuple[float, float]:
    lon, lat = map(float, wkt.removeprefix("POINT(").removesuffix(")").split())
    return lat, lon


@pytest.fixture(scope="module")
def palissy() -> KnowledgeGraph:
    kg = KnowledgeGraph(None)
    [report] = load(kg, [PALISSY], LoadOptions(region=None, progress=False))
    assert report.counts.reconciles() and report.counts.records_rejected == 0
    return kg


def test_pop_gave_no_point_and_lambert_i_gives_one_in_its_commune(palissy: KnowledgeGraph):
    """IM52000065, Joinville: POP's own point is 0, 0 (its converter refuses Y = 10 085 575)."""
    raw = json.loads(PALISSY.read_text(encoding="utf-8"))
    doc = next(h["_source"] for h in raw["responses"][0]["hits"]["hits"] if h["_source"]["REF"] == "IM52000065")
    assert doc["POP_COORDONNEES"] == {"lat": 0, "lon": 0} and doc["ZONE"] == "Lambert1"
    found = located(palissy, "IM52000065")
    assert found["written"] == "COOR 0807255 ; 10085575 (ZONE Lambert1)"
    joinville = Geography.default().coordinates("52250")
    assert km(point(found["wkt"]), joinville) < 2.0  # the chapel, from GeoNames' centre of Joinville


def test_lambert0_is_lambert_ii_etendu(palissy: KnowledgeGraph):
    lat, lon = point(located(palissy, "IM52000594")["wkt"])  # Guyonvelle, 52
    assert (lat, lon) == (pytest.approx(47.854, abs=0.01), pytest.approx(5.711, abs=0.01))


def test_a_record_without_coordinates_has_no_point(palissy: KnowledgeGraph):
    assert located(palissy, "IM52000054") == {"wkt": None, "written": None}


def test_every_point_of_the_sample_lies_in_haute_marne(palissy: KnowledgeGraph):
    q = """SELECT ?wkt WHERE { ?obj crm:P55_has_current_location/crm:P168_place_is_defined_by ?wkt }"""
    points = [point(s["wkt"].value) for s in palissy.query(q, prefixes=True)]
    assert len(points) == 7  # the seven records with COOR
    assert all(47.5 < lat < 48.7 and 4.6 < lon < 5.9 for lat, lon in points)


def test_unreadable_coordinates_are_kept_and_reported(tmp_path):
    raw = json.loads(PALISSY.read_text(encoding="utf-8"))
    hits = raw["responses"][0]["hits"]["hits"]
    hits[0]["_source"]["ZONE"] = "Gauss Laborde"  # La Réunion's projection, not a Lambert
    hits[1]["_source"]["COOR"] = "0785620 10087585"  # no separator
    path = tmp_path / "palissy.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    kg = KnowledgeGraph(None)
    [report] = load(kg, [path], LoadOptions(region=None, progress=False, rejects=tmp_path / "rejects.jsonl",
                                                   lang="fr"))
    assert report.counts.records_rejected == 0
    reasons = {e["source_id"]: e["reason"] for e in report.unread}
    first, second = hits[0]["_source"]["REF"], hits[1]["_source"]["REF"]
    assert reasons[first] == ("coordinates kept as text: COOR 0774740 ; 10091150 (ZONE Gauss Laborde) "
                              "(ZONE 'Gauss Laborde' is not a projection this loader reads)")
    assert reasons[second].endswith("(not X ; Y in metres)")
    assert located(kg, first) == {"wkt": None, "written": "COOR 0774740 ; 10091150 (ZONE Gauss Laborde)"}
    messages = {e["source_id"]: e["message"] for e in report.unread}  # in the report's language (French here)
    assert messages[first].endswith("coordonnées : COOR 0774740 ; 10091150 (ZONE Gauss Laborde) "
                                    "(la ZONE « Gauss Laborde » n'est pas une projection que ce chargeur lit)")
    assert messages[second].endswith("(pas X ; Y en mètres)")


def test_pop_point_comes_before_the_lambert_one(tmp_path):
    raw = json.loads(PALISSY.read_text(encoding="utf-8"))
    doc = raw["responses"][0]["hits"]["hits"][0]["_source"]
    doc["POP_COORDONNEES"] = {"lat": 48.4817, "lon": 4.7069}
    path = tmp_path / "palissy.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    kg = KnowledgeGraph(None)
    load(kg, [path], LoadOptions(region=None, progress=False))
    assert located(kg, doc["REF"])["wkt"] == "POINT(4.706900 48.481700)"


@pytest.mark.parametrize(("coor", "zone", "expected"), [
    ("652469 ; 6862035", "Lambert93", (48.8566, 2.3522)),  # Paris, Hôtel de Ville
    ("0600000 ; 2200000", "Lambert II étendu", (46.7995, 2.3360)),  # the projection's origin, shifted to WGS84
    ("600000 ; 200000", "Lambert2", (46.7995, 2.3360)),  # Lambert II without the 2 000 000 (POP's fallback)
    ("0807255 ; 1085575", "Lambert1", (48.4363, 5.1380))])  # Y as the cartographic zone writes it
def test_zones_as_written(coor, zone, expected):
    found = read(coor, None, zone, profile()["coordinates"])
    assert found.problem is None and found.point == pytest.approx(expected, abs=1e-3)


def test_zero_zero_is_no_coordinates_as_pop_means_it():
    assert read("0 ; 0", None, "Lambert1", profile()["coordinates"]) is None


def test_coorm_gives_the_centroid_of_the_outline():
    square = "652419 ; 6861985 / 652519 ; 6861985 / 652519 ; 6862085 / 652419 ; 6862085"
    found = read(None, square, "Lambert93", profile()["coordinates"])
    assert found.point == pytest.approx(read("652469 ; 6862035", None, "Lambert93", profile()["coordinates"]).point,
                                        abs=1e-6)
    assert found.written.startswith("COORM 652419 ; 6861985 /")


@pytest.mark.parametrize(("coor", "zone", "problem"), [
    ("652469 ; 6862035", "", "no ZONE names the projection"),
    ("1 ; 2", "Lambert93", "outside France in Lambert93"),
    ("1029705 ; 5272723", "Lambert1", "outside France in Lambert1"),
    ("652469 ; 6862035 ; 12", "Lambert93", "not X ; Y in metres")])
def test_what_cannot_be_read_says_why(coor, zone, problem):
    found = read(coor, None, zone, profile()["coordinates"])
    assert found.point is None and found.problem == problem


def test_lambert_iii_as_the_toulouse_inventory_wrote_it_meets_the_ministry_wgs84_within_metres():
    """Real Mérimée records (Toulouse, 24 of 2,885): COOR in 'Lambert3 sud' against the WGS84 the export gives."""
    with open(ROOT / "tests" / "data" / "lambert" / "toulouse-merimee-lambert3.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert len(rows) == 24
    for row in rows:
        found = read(row["chpcoor"], None, row["chpzone"], profile()["coordinates"])
        given = tuple(float(v) for v in row["chpcoorwgs84"].split(","))
        assert found.problem is None and km(found.point, given) * 1000 < 3.0, row  # the 3-parameter shift: ~1.7 m


def test_a_wgs84_point_that_cannot_be_read_is_kept_as_written_and_reported(tmp_path):
    """POP's point of 0, 0 means none; one outside the globe or not numbers is a value not read."""
    raw = json.loads(PALISSY.read_text(encoding="utf-8"))
    hits = raw["responses"][0]["hits"]["hits"]
    for hit, (lat, lon) in zip(hits, [("nan", "nan"), (95.2, 4.7), (0, 0)]):
        hit["_source"].pop("COOR", None)
        hit["_source"].pop("COORM", None)
        hit["_source"]["POP_COORDONNEES"] = {"lat": lat, "lon": lon}
    path = tmp_path / "palissy.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    kg = KnowledgeGraph(None)
    [report] = load(kg, [path], LoadOptions(region=None, progress=False, rejects=tmp_path / "rejects.jsonl",
                                            lang="fr"))
    assert report.counts.reconciles() and report.counts.records_rejected == 0
    refs = [hit["_source"]["REF"] for hit in hits[:3]]
    unread = {e["source_id"]: (e["reason"], e["message"]) for e in report.unread}
    assert unread[refs[0]] == ("coordinates kept as text: nan, nan (not a WGS84 latitude and longitude)",
                               "gardé tel quel : coordonnées : nan, nan (pas une latitude et une longitude WGS84)")
    assert unread[refs[1]][0] == "coordinates kept as text: 95.2, 4.7 (not a WGS84 latitude and longitude)"
    assert refs[2] not in unread
    q = f"""ASK {{ <{kg.minter.base}pop/{refs[0]}> crm:P55_has_current_location/crm:P1_is_identified_by ?id .
        ?id crm:P190_has_symbolic_content "nan, nan" ;
            crm:P2_has_type/skos:prefLabel "coordonnées WGS84 telles qu'écrites"@fr }}"""
    assert kg.query(q, prefixes=True)
