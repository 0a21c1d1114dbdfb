"""The reconciliation index and ranking on small real stores: canonical persons of the links graph first, keys."""

from __future__ import annotations

import json

import pyoxigraph as ox

from graph.namespaces import sparql_prefixes
from graph.reconciliation import extension

from graph.reconciliation.describe import describe
from graph.reconciliation.index import EntityIndex
from graph.reconciliation.keys import key, years_in
from graph.reconciliation.match import Reconciler, read_query
from graph.reconciliation.reference import ReferencePlaces
from graph.reconciliation.schema import schema
from graph.store import KnowledgeGraph

BASE = "https://w3id.org/patrimoine-kg/"
CRM = "http://www.cidoc-crm.org/cidoc-crm/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
MENTIONS = f"""
<{BASE}pop/PA1#merimee/person-viollet-le-duc-eugene> a <{CRM}E21_Person> ; <{LABEL}> "Viollet-le-Duc Eugène" ;
    <{CRM}P98i_was_born> <{BASE}pop/PA1#merimee/person-viollet-le-duc-eugene-birth> .
<{BASE}pop/PA1#merimee/person-viollet-le-duc-eugene-birth> <{CRM}P4_has_time-span> <{BASE}pop/PA1#merimee/ts> .
<{BASE}pop/PA1#merimee/ts> <{CRM}P82a_begin_of_the_begin> "1814-01-27T00:00:00"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
<{BASE}sudoc/1#sudoc/person-viollet-le-duc-eugene-1814-1879> a <{CRM}E21_Person> ;
    <{LABEL}> "Viollet-le-Duc, Eugène (1814-1879)" ; <http://www.w3.org/2002/07/owl#sameAs> <http://www.idref.fr/026950650/id> .
<{BASE}pop/PA2#merimee/person-martin-jean> a <{CRM}E21_Person> ; <{LABEL}> "Martin Jean" .
"""
LINKS = f"""
<{BASE}person/idref/026950650> a <{CRM}E21_Person> ; <{LABEL}> "Viollet-le-Duc, Eugène (1814-1879)" ;
    <https://w3id.org/patrimoine-kg/ontology#hasMention> <{BASE}pop/PA1#merimee/person-viollet-le-duc-eugene>,
        <{BASE}sudoc/1#sudoc/person-viollet-le-duc-eugene-1814-1879> .
"""


def store(*graphs: tuple[str, str]) -> KnowledgeGraph:
    kg = KnowledgeGraph()
    for name, data in graphs:
        kg.store.load(data.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f"{BASE}graph/{name}"))
    return kg


def reconciler(kg: KnowledgeGraph) -> Reconciler:
    return Reconciler(EntityIndex.build(kg, schema(BASE)), ReferencePlaces(kg.minter))


def ask(r: Reconciler, text: str, **query) -> list:
    return r.reconcile(read_query({"query": text, **query}, r.schema))


def test_without_links_each_mention_is_a_candidate_and_none_a_match():
    r = reconciler(store(("merimee", MENTIONS)))
    found = ask(r, "Eugène Viollet-le-Duc", type="person")
    assert len([c for c in found if c.score >= 98]) == 2 and not any(c.match for c in found)


def test_with_links_the_canonical_person_stands_for_its_mentions():
    r = reconciler(store(("merimee", MENTIONS), ("links", LINKS)))
    found = ask(r, "Viollet-le-Duc, Eugène", type="person")
    assert found[0].thing.iri == f"{BASE}person/idref/026950650" and found[0].match and found[0].thing.canonical
    assert all("viollet" not in c.thing.iri for c in found[1:])  # the mentions are not candidates of their own
    assert found[0].thing.years["birth-year"] == (1814, 1814)  # from a mention's birth
    assert found[0].thing.years["death-year"] == (1879, 1879)  # from a mention's name
    by_idref = ask(r, "", properties=[{"pid": "idref", "v": "https://www.idref.fr/026950650"}])
    assert by_idref[0].thing.iri == f"{BASE}person/idref/026950650" and by_idref[0].match
    dates = ask(r, "Viollet-le-Duc", type="person", properties=[{"pid": "death-year", "v": "1879"}])
    assert dates[0].thing.iri == f"{BASE}person/idref/026950650" and not dates[0].match  # the name is not whole


def test_keys_ignore_case_accents_order_articles_and_qualifiers():
    assert key("Viollet-le-Duc, Eugène").sorted == key("Eugène VIOLLET-LE-DUC").sorted
    assert key("Quesnoy (Le)").text == key("Le Quesnoy").text == key("Quesnoy, Le").text == "quesnoy"
    assert key("St-Omer").text == key("Saint Omer").text == "saint omer"
    assert key("Omer (saint ; 0600-0670)").text == "omer"
    assert years_in("Erkembode (saint ; ....-0742)") == (None, (742, 742))
    assert years_in("Gates, James (12..-1929)") == ((1200, 1299), (1929, 1929))


def test_persons_are_also_compared_as_graph_persons_reads_them():
    """POP's "Rubens Pierre Paul" is "Peter Paul Rubens" and "Rubens, Petrus Paulus": forenames across languages."""
    rubens = f'<{BASE}pop/IM1#palissy/person-rubens-pierre-paul> a <{CRM}E21_Person> ; <{LABEL}> "Rubens Pierre Paul" .'
    r = reconciler(store(("merimee", MENTIONS + rubens), ("links", LINKS)))
    for text in ("Peter Paul Rubens", "Rubens, Petrus Paulus"):
        found = ask(r, text, type="person")
        assert found[0].thing.iri.endswith("person-rubens-pierre-paul") and found[0].match, text
    assert not ask(r, "Peter Paul Rubens", type="place")


GROUP = "http://www.cidoc-crm.org/cidoc-crm/E74_Group"
MUSEUMS = f"""
<{BASE}org/museofile/M0650> a <{GROUP}> ; <{LABEL}> "musée de l'hôtel Sandelin" .
<{BASE}org/name/musee-sandelin> a <{GROUP}> ; <{LABEL}> "Musée Sandelin" .
<{BASE}org/museofile/M0640> a <{GROUP}> ; <{LABEL}> "musée des beaux-arts" .
<{BASE}org/museofile/M0638> a <{GROUP}> ; <{LABEL}> "musée des beaux-arts" .
"""
SAME_INSTITUTION = f"<{BASE}org/name/musee-sandelin> <http://www.w3.org/2002/07/owl#sameAs> <{BASE}org/museofile/M0650> ."


def test_groups_the_links_graph_makes_one_institution_are_one_candidate():
    before = ask(reconciler(store(("museo", MUSEUMS))), "Musée Sandelin", type="group")
    assert before[0].thing.iri == f"{BASE}org/name/musee-sandelin" and before[0].match
    r = reconciler(store(("museo", MUSEUMS), ("links", SAME_INSTITUTION)))
    found = ask(r, "Musée Sandelin", type="group")
    assert found[0].thing.iri == f"{BASE}org/museofile/M0650" and found[0].match and found[0].thing.canonical
    assert all("musee-sandelin" not in c.thing.iri for c in found)  # the linked group is not a candidate of its own
    assert r.index.find("org/name/musee-sandelin") == r.index.find("org/museofile/M0650")  # its id still finds it
    by_id = ask(r, "", properties=[{"pid": "museofile", "v": "m0650"}])  # from the reference tables: no E42 here
    assert by_id[0].thing.iri == f"{BASE}org/museofile/M0650" and by_id[0].match
    assert describe(by_id[0].thing, r.schema, r.reference.geo) == "musée, Saint-Omer (62), identifiant Muséofile M0650"


def test_a_museum_named_with_its_commune_is_the_one_of_that_commune():
    """The reference tables put M0640 in Arras and M0638 in Valenciennes; both are "musée des beaux-arts"."""
    r = reconciler(store(("museo", MUSEUMS)))
    alone = ask(r, "Musée des Beaux-Arts", type="group")
    assert {c.thing.iri for c in alone[:2]} == {f"{BASE}org/museofile/M0640", f"{BASE}org/museofile/M0638"}
    assert not any(c.match for c in alone)
    for text in ("Musée des Beaux-Arts d'Arras", "musée des beaux-arts, Arras", "Musée des Beaux-Arts Arras"):
        found = ask(r, text, type="group")
        assert found[0].thing.iri == f"{BASE}org/museofile/M0640" and found[0].match, text
        assert {"id": "name_in_commune", "value": "Arras"} in found[0].features
        assert found[1].score < found[0].score and not found[1].match


def test_a_surname_alone_finds_the_person_before_a_namesake_of_another_type():
    """OpenRefine sends type_strict "should" with the chosen type: the commune Vauban (Saône-et-Loire) comes after."""
    vauban = f'<{BASE}sudoc/2#sudoc/person-vauban> a <{CRM}E21_Person> ; <{LABEL}> "Vauban, Sébastien Le Prestre de (1633-1707)" .'
    r = reconciler(store(("sudoc", vauban)))
    found = ask(r, "Vauban", type="person", type_strict="should")
    assert found[0].thing.iri.endswith("person-vauban") and found[0].score == 80 and not found[0].match
    commune = next(c for c in found if c.thing.iri == f"{BASE}place/commune/71561")
    assert commune.score <= 50 and not commune.match and {"id": "type_match", "value": False} in commune.features
    assert ask(r, "Vauban")[0].thing.iri == f"{BASE}place/commune/71561"  # without a type, the commune's exact name


def test_institutions_of_the_reference_tables_are_candidates_before_any_record_names_them():
    r = reconciler(store(("museo", MUSEUMS)))
    lam = ask(r, "LaM", type="museum")[0]  # M0639, "LaM - Lille Métropole Musée d'art moderne...", in no record here
    assert lam.thing.iri == f"{BASE}org/museofile/M0639" and not lam.thing.in_graph and not lam.match
    assert describe(lam.thing, r.schema, r.reference.geo).endswith("pas encore dans le graphe (référentiel)")
    assert "Villeneuve-d'Ascq (59)" in describe(lam.thing, r.schema, r.reference.geo)
    by_id = ask(r, "", properties=[{"pid": "museofile", "v": "M0639"}])[0]
    assert by_id.thing.iri == lam.thing.iri and by_id.match  # its id designates it
    suggested = [t.iri for t in r.suggest("musée des beaux", ["museum"], 0, 10)]
    assert sorted(suggested[:2]) == [f"{BASE}org/museofile/M0638", f"{BASE}org/museofile/M0640"]  # the graph's first
    assert len(suggested) == 10  # then the reference tables' many musées des beaux-arts
    matisse = ask(r, "Musée Matisse", type="museum")  # Nice's musée Matisse and Le Cateau's musée Henri Matisse
    assert matisse[0].score == 100 and not any(c.match for c in matisse)


def test_data_extension_gives_an_institution_the_commune_of_the_groups_linked_to_it():
    """The records place "Musée Sandelin" (a group of its own) in Saint-Omer; the institution it is takes that commune."""
    place_type = f"{BASE}concept/place-type/commune"
    residence = f"""
<{BASE}org/name/musee-sandelin> <{CRM}P74_has_current_or_former_residence> <{BASE}org/name/musee-sandelin#address> .
<{BASE}org/name/musee-sandelin#address> <{CRM}P89_falls_within> <{BASE}place/commune/62765> .
<{BASE}place/commune/62765> <{CRM}P2_has_type> <{place_type}> ; <{LABEL}> "Saint-Omer" ."""
    sc = schema(BASE)
    props, iris = [sc.extensions["commune"]], [f"{BASE}org/museofile/M0650"]

    def communes(kg: KnowledgeGraph) -> list:
        text = sparql_prefixes() + extension.sparql(iris, props)
        results = json.loads(kg.store.query(text, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON))
        return extension.rows(iris, ["org/museofile/M0650"], props, results, BASE)["rows"]["org/museofile/M0650"]["commune"]

    assert communes(store(("museo", MUSEUMS + residence))) == []  # not yet linked
    linked = store(("museo", MUSEUMS + residence), ("links", SAME_INSTITUTION))
    assert communes(linked) == [{"id": "place/commune/62765", "name": "Saint-Omer"}]
