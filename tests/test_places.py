"""Place resolution (graph/places.py) and its mapping helpers (ctx.place, ctx.commune, ctx.index_place)."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from graph.iri import Minter
from graph.mapping import MappingContext, Unread
from graph.places import COUNTRIES_FILE, QUALIFIERS_FILE, PlaceContext, PlaceResolver, World
from place_gold import predict, read_gold, score

HDF = PlaceContext(region="32")
NOWHERE = PlaceContext()


@pytest.fixture(scope="module")
def resolver() -> PlaceResolver:
    return PlaceResolver()


def answer(resolver: PlaceResolver, text: str, context: PlaceContext = HDF) -> str:
    found = resolver.resolve(text, context)
    return "none" if found is None else f"{found.kind}:{found.key}" if found.resolved else "unknown"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("80021", "commune:80021"),  # INSEE code
        ("02113", "commune:02022"),  # former code: Branges, in Arcy-Sainte-Restitue since 1973
        ("75105", "commune:75056"),  # municipal arrondissement
        ("59000 Lille", "commune:59350"),  # postal code
        ("Amiens (80000)", "commune:80021"),
        ("Arras (Pas-de-Calais, France)", "commune:62041"),  # archives' form
        ("Saint-Omer (Calvados)", "commune:14635"),  # the other Saint-Omer
        ("Lille, Nord", "commune:59350"),
        ("Lille (59)", "commune:59350"),
        ("France, Saône-et-Loire, Autun (lieu de création)", "commune:71014"),  # Joconde's form
        ("Quesnoy (Le)", "commune:59481"),  # article at the end
        ("Quesnoy, Le", "commune:59481"),
        ("LE QUESNOY", "commune:59481"),
        ("St-Omer", "commune:62765"),  # the only Saint-Omer of the load's region
        ("Boulogne s/ Mer", "commune:62160"),
        ("Villeneuve dAscq", "commune:59009"),
        ("Branges (Aisne)", "commune:02022"),  # former name
        ("Voisinlieu", "commune:60057"),  # merged into Beauvais in 1943
        ("Nord", "department:59"),
        ("Hauts-de-France", "region:32"),
        ("Italie", "country:IT"),
        ("Rome (Italie)", "city:3169070"),
        ("Roma", "city:3169070"),
        ("Rome", "city:3169070"),
        ("Cambridge, Mass", "city:4931972"),
        ("Cambridge (Massachusetts)", "city:4931972"),
        ("Cambridge, MA", "city:4931972"),
        ("Cambridge (Royaume-Uni)", "city:2653941"),
        ("Tournai", "city:2785341"),
        ("Ypres", "city:2795100"),
    ],
)
def test_resolves(resolver, text, expected):
    assert answer(resolver, text) == expected


@pytest.mark.parametrize(
    "text, why",
    [
        ("Cambridge", "England or Massachusetts"),
        ("Valence", "three communes"),
        ("Mons", "several communes, and Mons in Belgium"),
        ("Bailleul", "Nord and Somme, both in the region"),
        ("Arras (Nord)", "no Arras in the Nord"),
        ("Vienne", "a commune (Isère) and a département"),
        ("Bruges", "Bruges (Gironde) or Brugge"),
        ("Picardie (France)", "the former region is not Hauts-de-France"),
        ("Amiends", "a typo is not corrected by a guess"),
        ("Benoîte-Vaux", "a hamlet"),
    ],
)
def test_ambiguous_or_unknown_stays_text(resolver, text, why):
    assert answer(resolver, text) == "unknown", why


def test_without_the_load_region_saint_omer_is_ambiguous(resolver):
    assert answer(resolver, "Saint-Omer", NOWHERE) == "unknown"
    assert answer(resolver, "Saint-Omer", PlaceContext(("14",))) == "commune:14635"


def test_the_records_departement_decides_and_excludes(resolver):
    meuse = PlaceContext(("55",))
    assert answer(resolver, "MORLAINCOURT", meuse) == "commune:55358"  # now part of Chanteraine
    assert answer(resolver, "RANCOURT", meuse) == "unknown"  # those of the Somme and Vosges are not taken


@pytest.mark.parametrize("text", ["", "  ", "[S.l.]", "s.l.", "Sans lieu", "Lieu inconnu"])
def test_says_no_place(resolver, text):
    assert resolver.resolve(text, HDF) is None


def test_evidence_is_kept(resolver):
    found = resolver.resolve("Cambridge, Mass.", HDF)
    assert found is not None and found.rule == "name+admin1" and found.within is not None
    assert (found.within.kind, found.within.key) == ("country", "US")


def test_reference_data_abroad():
    world = World.default()
    assert world.country("Allemagne") == world.country("Germany") == world.country("Deutschland") == "DE"
    assert world.admin1("Mass.") == ["US.MA"]
    assert len(world.cities) > 10_000
    assert json.loads(COUNTRIES_FILE.read_text(encoding="utf-8"))["source"]["license"] == "MIT"
    assert "AACR2" in json.loads(QUALIFIERS_FILE.read_text(encoding="utf-8"))["about"]


# -- the gold set (tests/data/gold/places.csv; bench/linking.py prints the same figures) -------------


def test_gold_set_quality(resolver):
    gold = read_gold()
    assert len(gold) >= 300
    assert sum(1 for g in gold if "constructed" not in g.source) >= 50  # mentions of the bundled samples
    s = score([(g, predict(resolver, g)) for g in gold])
    assert s.precision >= 0.99 and s.recall >= 0.95, s


def test_gold_set_has_homonyms_in_two_departements():
    gold = read_gold()
    dury = {g.expected for g in gold if g.mention.startswith("Dury") and g.expected.startswith("commune:")}
    assert dury == {"commune:02273", "commune:62280", "commune:80261"}


# -- the mapping helpers: what the graph gets ------------------------------------------------------


def graph_of(ctx: MappingContext) -> ox.Store:
    store = ox.Store()
    text = "".join(ctx.b.take() + ctx.b.take_shared())
    store.load(text.encode(), ox.RdfFormat.N_TRIPLES)
    return store


def query(store: ox.Store, sparql: str) -> list[tuple[str, ...]]:
    prefixes = ("PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/> PREFIX owl: <http://www.w3.org/2002/07/owl#> "
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ")
    return sorted(tuple(t.value for t in row) for row in store.query(prefixes + sparql))


def test_commune_has_its_point_and_geonames_entity():
    ctx = MappingContext(Minter(), "t", None)
    term = ctx.place("Amiens (Somme)")
    assert term == ctx.m.commune("80021")
    store = graph_of(ctx)
    assert query(store, "SELECT ?wkt ?same WHERE { ?c crm:P168_place_is_defined_by ?wkt ; owl:sameAs ?same }") == [
        ("POINT(2.300000 49.900000)", "https://sws.geonames.org/3037854/")]
    assert query(store, f"SELECT ?d WHERE {{ {term} crm:P89_falls_within/rdfs:label ?d }}") == [("Somme",)]


def test_one_iri_for_rome_however_written():
    ctx = MappingContext(Minter(), "t", None)
    terms = {ctx.place(t) for t in ("Rome (Italie)", "Rome", "Roma", "Roma, Italia")}
    assert terms == {ctx.m.geonames("3169070")}
    store = graph_of(ctx)
    assert query(store, "SELECT ?l ?c WHERE { ?p owl:sameAs <https://sws.geonames.org/3169070/> ; rdfs:label ?l ; "
                        "crm:P89_falls_within/rdfs:label ?c }") == [("Rome", "Italie")]


def test_unknown_place_is_known_by_its_label_within_its_context_and_listed():
    ctx = MappingContext(Minter(), "t", None)
    record = ctx.m.pop("PM00000001")
    ctx.b.entity(record, "E22_Human-Made_Object", "objet", ctx.dataset)
    in_nord = ctx.place("Arras (Nord)")
    in_55 = ctx.place("RANCOURT", department="55")
    alone = ctx.place("RANCOURT")
    assert in_nord == ctx.m.place_by_name("Arras (Nord)")
    assert in_55 == ctx.m.place_by_name("RANCOURT (55)") != alone  # never merged across contexts
    store = graph_of(ctx)
    assert query(store, f"SELECT ?w WHERE {{ <{Minter.plain(in_nord)}> crm:P89_falls_within/rdfs:label ?w }}") == [("Nord",)]
    assert ctx.places_unread == 3
    assert ctx.unread == [Unread("place", "Arras (Nord)", record), Unread("place", "RANCOURT", record),
                          Unread("place", "RANCOURT", record)]


def test_index_place_with_a_detail_lies_within_the_commune():
    ctx = MappingContext(Minter(), "t", None)
    term = ctx.index_place("Saint-Omer (Pas-de-Calais, France) -- Basilique Notre-Dame")
    store = graph_of(ctx)
    assert query(store, f"SELECT ?w WHERE {{ <{Minter.plain(term)}> crm:P89_falls_within ?w }}") == [
        (Minter.plain(ctx.m.commune("62765")),)]


def test_region_filter_reads_place_names():
    from graph.records import Skipped

    ctx = MappingContext(Minter(), "t", "32")
    ctx.require_places_in_region(["Amiens", "Cambridge, Mass."])  # one place in the region: kept
    ctx.require_places_in_region(["Rome"])  # nothing in France: kept (nothing says it is outside)
    with pytest.raises(Skipped):
        ctx.require_places_in_region(["Lyon"])
    other = MappingContext(Minter(), "t", "84")  # any region works
    other.require_places_in_region(["Lyon"])
    with pytest.raises(Skipped):
        other.require_places_in_region(["Amiens (Somme)"])


def test_the_load_lists_unread_places_with_their_file_and_line(tmp_path):
    from graph.store import KnowledgeGraph
    from patrimoine.pipeline import LoadOptions, load

    source = tmp_path / "marc.xml"
    source.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<collection xmlns="http://www.loc.gov/MARC21/slim">
<record><leader>00000nam a2200000 a 4500</leader><controlfield tag="001">r1</controlfield>
<datafield tag="245" ind1="0" ind2="0"><subfield code="a">Un livre</subfield></datafield>
<datafield tag="260" ind1=" " ind2=" "><subfield code="a">Cambridge :</subfield><subfield code="b">Impr.</subfield>
<subfield code="c">1901.</subfield></datafield></record>
<record><leader>00000nam a2200000 a 4500</leader><controlfield tag="001">r2</controlfield>
<datafield tag="245" ind1="0" ind2="0"><subfield code="a">Un autre</subfield></datafield>
<datafield tag="260" ind1=" " ind2=" "><subfield code="a">Amiens :</subfield><subfield code="c">1902.</subfield></datafield>
</record></collection>""", encoding="utf-8")
    kg = KnowledgeGraph(tmp_path / "store")
    [report] = load(kg, [source], LoadOptions(region=None, format="marc21", progress=False))
    assert report.counts.places_unread == 1
    lines = [json.loads(x) for x in (tmp_path / "store" / "rejects" / "marc.unread.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(x["status"], x["source_id"], x["reason"]) for x in lines] == [("unread", "r1", "place kept as text: Cambridge")]
    assert lines[0]["file"] == "marc.xml" and lines[0]["line"]
    kg.close()


def test_pop_commune_in_index_form_without_insee(tmp_path):
    from graph.store import KnowledgeGraph
    from patrimoine.pipeline import LoadOptions, load

    source = tmp_path / "merimee.csv"
    source.write_text("REF;TICO;DPT;COM;INSEE;SCLE\n"
                      "PA99999901;Église (constructed for the test);59;Quesnoy (Le);;16e siècle\n", encoding="utf-8")
    kg = KnowledgeGraph(None)
    load(kg, [source], LoadOptions(region="32", progress=False))
    rows = list(kg.query("SELECT ?c WHERE { ?o crm:P55_has_current_location ?c . ?c a crm:E53_Place }", prefixes=True))
    assert [r["c"].value for r in rows] == [Minter.plain(kg.minter.commune("59481"))]
