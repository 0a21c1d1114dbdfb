"""`patrimoine load --validate [--quarantine] [--lang]`: quality at load time, nothing dropped silently."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.store import KnowledgeGraph

from conftest import DATA, SAMPLES

PATRIMOINE = str(Path(sys.executable).parent / "patrimoine")
SHAPES = DATA / "validation" / "load-shapes.ttl"
MERIMEE = SAMPLES / "pop" / "constructed-hdf-merimee-opendata.csv"
JOCONDE = SAMPLES / "pop" / "constructed-hdf-joconde-opendata.csv"
BASE = "https://w3id.org/patrimoine-kg/"


def run(store: Path, *args: str, lang_env: str | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(store.parent)}
    if lang_env:
        env["LANG"] = lang_env
    return subprocess.run([PATRIMOINE, "--store", str(store), *args], capture_output=True, text=True, env=env)


def rows() -> list[list[str]]:
    with open(MERIMEE, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f, delimiter=";"))


def long_titles() -> set[str]:
    """The references of the Mérimée sample's records (in the region) whose title is over 25 characters."""
    return {r[0] for r in rows()[1:] if len(r[1]) > 25 and r[3] == "Hauts-de-France"}


def entries(store: Path, name: str) -> list[dict]:
    path = store / "rejects" / f"{name}.jsonl"  # each store keeps its own reports
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def count(store: Path, query: str) -> int:
    r = run(store, "query", query, "--format", "json")
    return int(json.loads(r.stdout)["results"]["bindings"][0]["n"]["value"])


def test_validate_reports_records_with_violations_and_keeps_them(tmp_path: Path):
    store = tmp_path / "store"
    r = run(store, "load", "--validate", "--shapes", str(SHAPES), "--lang", "en", str(MERIMEE))
    assert r.returncode == 0, r.stderr
    expected = long_titles()
    assert len(expected) == 1 and "quality check: 1 violation, 0 warnings; 1 record breaks a rule" in r.stdout
    assert f"{len(expected)} × Title longer than 25 characters." in r.stdout
    flagged = [e for e in entries(store, "constructed-hdf-merimee-opendata") if e["status"] == "violation"]
    assert {e["source_id"] for e in flagged} == expected
    lines = MERIMEE.read_text(encoding="utf-8-sig").splitlines()
    assert all(lines[e["line"] - 1].startswith(e["source_id"] + ";") for e in flagged)
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?o a crm:E22_Human-Made_Object }") == 14


def test_quarantine_keeps_them_out_of_the_public_graph_in_a_graph_of_their_own(tmp_path: Path):
    store = tmp_path / "store"
    r = run(store, "load", "--validate", "--quarantine", "--shapes", str(SHAPES), "--lang", "en", str(MERIMEE))
    assert r.returncode == 0, r.stderr
    expected = long_titles()
    assert len(expected) == 1 and "1 record quarantined" in r.stdout
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?o a crm:E22_Human-Made_Object }") == 14 - len(expected)
    refs = " ".join(f'"{ref}"' for ref in expected)
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), \"{BASE}pop/\")) "
                        f"VALUES ?ref {{ {refs} }} FILTER(STRSTARTS(STR(?s), CONCAT(\"{BASE}pop/\", ?ref))) }}") == 0
    [ds] = json.loads(run(store, "datasets", "--format", "json").stdout)
    assert ds["records_loaded"] == 14 - len(expected) and ds["records_read"] == 16 and ds["records_skipped"] == 2
    quarantined = [e for e in entries(store, "constructed-hdf-merimee-opendata") if e["status"] == "quarantined"]
    assert {e["source_id"] for e in quarantined} == expected
    # the records are whole in the quarantine graph, which the store keeps hidden
    kg = KnowledgeGraph(store, read_only=True)  # the store's current generation
    s = kg.store
    graph = ox.NamedNode(f"{BASE}graph/constructed-hdf-merimee-opendata/_quarantine")
    subjects = {q.subject.value.split("#")[0] for q in s.quads_for_pattern(None, None, None, graph)}
    assert {x.rsplit("/", 1)[1] for x in subjects if "/pop/" in x} == expected
    del s
    kg.close()
    # loaded again without --quarantine: every record is public again, the quarantine graph is gone
    assert run(store, "load", str(MERIMEE)).returncode == 0
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?o a crm:E22_Human-Made_Object }") == 14
    kg = KnowledgeGraph(store, read_only=True)
    assert not kg.store.contains_named_graph(graph)
    kg.close()


def test_summary_and_report_in_french_by_option_or_locale(tmp_path: Path):
    store = tmp_path / "store"
    r = run(store, "load", "--validate", "--shapes", str(SHAPES), str(MERIMEE), lang_env="fr_FR.UTF-8")
    assert r.returncode == 0, r.stderr
    assert "16 notices lues, 14 chargées, 0 rejetée, 2 écartées par le filtre régional" in r.stdout
    assert "× Titre de plus de 25 caractères." in r.stdout and "rapport des notices non chargées" in r.stdout
    messages = {e["status"]: e["message"] for e in entries(store, "constructed-hdf-merimee-opendata")}
    assert messages["skipped"].startswith("écartée (filtre régional) : hors de la région 32") or \
        messages["skipped"].startswith("écartée (filtre régional) : aucun lieu")
    assert messages["violation"] == "règle non respectée : Titre de plus de 25 caractères."
    r = run(store, "load", "--lang", "en", str(MERIMEE), lang_env="fr_FR.UTF-8")
    assert "16 records read, 14 loaded" in r.stdout


def test_violations_about_shared_entities_are_counted_apart_from_the_records(tmp_path: Path):
    """Joconde records naming their museum by a Muséofile id the national list does not know, without
    its name, and loaded without the Museo records: the museums have no name, violations of the
    museums, not of the records, and the summary says so."""
    with open(JOCONDE, encoding="utf-8-sig", newline="") as f:
        table = list(csv.DictReader(f, delimiter=";"))
    museums = {row["Code_Museofile"] for row in table}
    source = tmp_path / "joconde-unnamed-museums.csv"
    with open(source, "w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, fieldnames=list(table[0]), delimiter=";")
        out.writeheader()
        out.writerows({**row, "Nom_officiel_musee": ""} for row in table)
    r = run(tmp_path / "store", "load", "--validate", "--lang", "en", str(source))
    assert r.returncode == 0, r.stderr
    assert f"quality check: {len(museums)} violations, 0 warnings; 0 records break a rule" in r.stdout
    assert f"{len(museums)} violations are about entities the records share" in r.stdout
    assert f"{len(museums)} × The institution or group has no name." in r.stdout


def test_each_unread_period_expression_is_listed_with_its_record(tmp_path: Path):
    source = tmp_path / "merimee-periods.csv"
    header, row = rows()[:2]
    row[header.index("Datation_de_l_edifice")] = "époque incertaine"
    with open(source, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";").writerows([header, row])
    store = tmp_path / "store"
    r = run(store, "load", "--lang", "en", str(source))
    assert r.returncode == 0, r.stderr
    assert "1 period expression could not be read; kept as text:" in r.stdout
    assert f"merimee-periods.csv:2 {row[0]}: époque incertaine" in r.stdout
    [unread] = [e for e in entries(store, "merimee-periods.unread") if e["reason"].startswith("period")]
    assert (unread["line"], unread["source_id"], unread["reason"]) == (2, row[0], "period kept as text: époque incertaine")
    assert f"values kept as text, with their record: {store / 'rejects' / 'merimee-periods.unread.jsonl'}" in r.stdout
    r = run(store, "load", "--lang", "fr", str(source))
    assert f"merimee-periods.csv:2 {row[0]} : époque incertaine" in r.stdout
    [unread] = [e for e in entries(store, "merimee-periods.unread") if e["reason"].startswith("period")]
    assert unread["message"] == "gardé tel quel : période : époque incertaine"


def test_quarantine_needs_validate(tmp_path: Path):
    r = run(tmp_path / "store", "load", "--quarantine", str(MERIMEE))
    assert r.returncode == 2 and "--quarantine" in r.stderr
