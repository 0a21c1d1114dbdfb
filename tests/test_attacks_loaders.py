"""Attacks on the loaders (issue 12): hostile files loaded end to end, nothing lost, no internal error.

Each test builds the hostile input, loads it through the real pipeline into a real store and checks
that every record is loaded or in the rejection report with its own line and identifier, that the
counts reconcile, and that whatever cannot be loaded is one clear error leaving the store unchanged.
Run them all with ``pytest tests/test_attacks_loaders.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import links
from graph.records import InputError
from graph.store import KnowledgeGraph
from loaders.pop.readers import read_pop
from patrimoine.pipeline import LoadOptions, load

ROOT = Path(__file__).resolve().parent.parent
PATRIMOINE = str(Path(sys.executable).parent / "patrimoine")
HEADER = "REF;TICO;DENO;DPT;COM;INSEE;SCLE;HIST\n"


def merimee_row(i: int, title: str | None = None, history: str = "") -> str:
    return (f"PA{80100000 + i:08d};{title or f'Eglise {i}'};église;80;Amiens;80021;"
            f"13e siècle;{history or f'Notice {i}.'}\n")


def merimee_csv(path: Path, n: int, **special: str) -> Path:
    """``n`` Mérimée records in the legacy code-header shape; ``special`` replaces rows: ``r17="..."``."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        for i in range(1, n + 1):
            f.write(special.get(f"r{i}", merimee_row(i)))
    return path


def rejections(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def load_one(tmp_path: Path, source: Path, **options) -> tuple[KnowledgeGraph, object, list[dict]]:
    kg = KnowledgeGraph(None)
    rejects = tmp_path / "rejects.jsonl"
    opts = LoadOptions(dataset="attack", region=None, progress=False, rejects=rejects, **options)
    [report] = load(kg, [source], opts)
    return kg, report, rejections(rejects)


def refs_in_graph(kg: KnowledgeGraph) -> set[str]:
    q = "SELECT ?ref WHERE { ?o crm:P1_is_identified_by/crm:P190_has_symbolic_content ?ref FILTER(STRSTARTS(?ref, 'PA')) }"
    return {row["ref"].value for row in kg.query(q, prefixes=True)}


def assert_nothing_lost(kg: KnowledgeGraph, report, entries: list[dict], expected_refs: set[str]) -> None:
    c = report.counts
    assert c.reconciles()
    reported = {e["source_id"] for e in entries if e["status"] == "rejected"}
    loaded = refs_in_graph(kg)
    assert loaded | reported == expected_refs, "a record is neither loaded nor reported"
    assert not loaded & reported
    assert c.records_loaded == len(loaded) and c.records_rejected == len(reported)


# ---------------------------------------------------------------------------
# Issue 12, item 2: oversized fields and lines


def test_a_200_kb_field_is_read_and_a_field_over_the_bound_costs_its_record_only(tmp_path: Path):
    big = "x" * 200_000
    huge = "y" * 1_100_000
    source = merimee_csv(tmp_path / "m.csv", 60, r10=merimee_row(10, history=big),
                         r20=merimee_row(20, history=f'"{huge}"'), r30=merimee_row(30, history=huge))
    kg, report, entries = load_one(tmp_path, source)
    assert_nothing_lost(kg, report, entries, {f"PA{80100000 + i:08d}" for i in range(1, 61)})
    assert report.counts.records_read == 60
    bad = {e["source_id"]: e for e in entries}
    assert set(bad) == {"PA80100020", "PA80100030"}
    assert bad["PA80100020"]["line"] == 21 and "1,048,576 characters" in bad["PA80100020"]["reason"]
    assert bad["PA80100030"]["line"] == 31 and "line longer than 1,048,576" in bad["PA80100030"]["reason"]
    q = "SELECT (STRLEN(?n) AS ?len) WHERE { ?o crm:P67i_is_referred_to_by/crm:P190_has_symbolic_content ?n " \
        "FILTER(STRLEN(?n) > 1000) }"
    assert [int(r["len"].value) for r in kg.query(q, prefixes=True)] == [200_000]


def test_a_100_mb_line_is_read_with_bounded_memory(tmp_path: Path):
    path = tmp_path / "m.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEADER + merimee_row(1))
        f.write("PA80100002;" + "z" * 100_000_000 + "\n")
        f.write(merimee_row(3))
    tracemalloc.start()
    try:
        records = list(read_pop(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(r.line, r.source_id, r.error is None) for r in records] == [
        (2, "PA80100001", True), (3, "PA80100002", False), (4, "PA80100003", True)]
    assert peak < 20_000_000, f"{peak:,} bytes in memory to read a 100 MB line"


def test_a_big_sparse_file_is_refused_with_one_line_and_bounded_memory(tmp_path: Path):
    path = tmp_path / "sparse.csv"
    with open(path, "wb") as f:
        f.truncate(256 * 1024 * 1024)  # zero bytes without a line end, stored sparse
    store = tmp_path / "store"
    code = ("import resource, sys\n"
            "from patrimoine.cli import main\n"
            "try:\n main()\n"
            "finally:\n print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, file=sys.stderr)\n")
    r = subprocess.run([sys.executable, "-c", code, "--store", str(store), "load", "--format", "pop",
                        "--region", "all", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stderr
    assert lines[0].startswith("Error: ") and "longer than 1,048,576 characters" in lines[0]
    assert int(lines[-1].split()[1]) < 400, f"peak memory {lines[-1]}"


# ---------------------------------------------------------------------------
# Issue 12, item 3: an unbalanced quote


def test_an_unbalanced_quote_costs_its_own_record_and_no_other(tmp_path: Path):
    n = 2000
    source = merimee_csv(tmp_path / "m.csv", n,
                         r1001=merimee_row(1001, title='"Eglise Saint-Martin'),
                         r1007=merimee_row(1007, history='"Notice ; avec un point-virgule"'))
    kg, report, entries = load_one(tmp_path, source)
    assert report.counts.records_read == n
    assert_nothing_lost(kg, report, entries, {f"PA{80100000 + i:08d}" for i in range(1, n + 1)})
    [bad] = entries
    assert (bad["line"], bad["record"], bad["source_id"]) == (1002, 1001, "PA80101001")
    assert "quote" in bad["reason"]


def test_a_quote_never_closed_costs_one_record_not_the_rest_of_the_file(tmp_path: Path):
    source = merimee_csv(tmp_path / "m.csv", 50, r5=merimee_row(5, title='"Eglise', history="Notice sans fin"))
    kg, report, entries = load_one(tmp_path, source)
    assert report.counts.records_read == 50 and report.counts.records_loaded == 49
    assert [(e["line"], e["source_id"]) for e in entries] == [(6, "PA80100005")]


def test_a_quoted_text_with_line_breaks_is_still_one_record(tmp_path: Path):
    source = merimee_csv(tmp_path / "m.csv", 10, r4=merimee_row(4, history='"Première ligne ;\nseconde ligne"'))
    kg, report, entries = load_one(tmp_path, source)
    assert (report.counts.records_loaded, entries) == (10, [])
    records = list(read_pop(source))
    assert [r.line for r in records] == [2, 3, 4, 5, 7, 8, 9, 10, 11, 12]


def test_a_bad_line_in_joconde_tagged_text_costs_that_record(tmp_path: Path):
    text = ("REF\n000PE1\nTITR\nUn titre\n//\n"
            "une ligne sans code de champ\nREF\n000PE2\nTITR\nAutre\n//\n"
            f"REF\n000PE3\nDESC\n{'d' * 1_100_000}\n//\n"
            "REF\n000PE4\nTITR\nDernier\n//\n")
    path = tmp_path / "j.txt"
    path.write_text(text, encoding="utf-8")
    records = list(read_pop(path))
    assert [(r.index, r.line, r.source_id, r.error is None) for r in records] == [
        (1, 1, "000PE1", True), (2, 6, "000PE2", False), (3, 12, "000PE3", False), (4, 17, "000PE4", True)]
    assert "line 6: expected a field code" in records[1].error
    assert "longer than 1,048,576 characters" in records[2].error


def test_francearchives_csv_recovers_per_record(tmp_path: Path):
    head = ("identifiant_cote,identifiant_URI,titre,origine,date1,date2,description,type,format,index_matiere,"
            "index_lieu,index_personne,index_collectivite,conditions_utilisation,conditions_acces,langue,"
            "source_complementaire,source_image\n")
    rows = [f"1 Fi {i},,Carte postale {i},,1910,,,,,,,,,,,,,\n" for i in range(1, 8)]
    rows[2] = '1 Fi 3,,"Carte postale 3,,1910,,,,,,,,,,,,,\n'
    rows[4] = "1 Fi 5,,Carte postale 5\n"
    path = tmp_path / "FRAD080_cartes.csv"
    path.write_text(head + "".join(rows), encoding="utf-8")
    from loaders.francearchives_csv import read_francearchives_csv
    records = list(read_francearchives_csv(path))
    assert [(r.line, r.source_id, r.error is None) for r in records] == [
        (2, "1 Fi 1", True), (3, "1 Fi 2", True), (4, "1 Fi 3", False), (5, "1 Fi 4", True), (6, "1 Fi 5", False),
        (7, "1 Fi 6", True), (8, "1 Fi 7", True)]


# ---------------------------------------------------------------------------
# Issue 12, item 7: deep nesting in JSON


@pytest.mark.parametrize("shape", ["document", "array", "lines"])
def test_deeply_nested_pop_json_is_a_rejected_record_or_one_clear_error(tmp_path: Path, shape: str):
    deep = "[" * 100_000 + "]" * 100_000
    good = json.dumps({"REF": "PA80100001", "TICO": "Eglise", "INSEE": "80021"})
    bad = '{"REF": "PA80100002", "TICO": ' + deep + "}"
    path = tmp_path / "x.json"
    if shape == "document":
        path.write_text('{"hits": {"hits": [' + deep + "]}}")
        with pytest.raises(InputError, match="nested too deep"):
            list(read_pop(path))
        return
    path.write_text("[" + good + ",\n" + bad + "]" if shape == "array" else good + "\n" + bad + "\n")
    records = list(read_pop(path))
    assert [(r.index, r.line, r.error) for r in records] == [
        (1, 1, None), (2, 2, "not valid JSON: arrays or objects nested too deep")]


def test_a_big_json_array_is_streamed(tmp_path: Path):
    path = tmp_path / "x.json"
    with open(path, "w", encoding="utf-8") as f:
        f.write("[")
        f.write(",".join(json.dumps({"REF": f"PA{80100000 + i:08d}", "HIST": "h" * 2000}) for i in range(20_000)))
        f.write("]")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        n = sum(1 for r in read_pop(path) if r.error is None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 20_000
    assert peak < size / 4, f"peak {peak:,} bytes for a {size:,}-byte array: not streamed"


def run_cli(store: Path, *args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([PATRIMOINE, "--store", str(store), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, env=env, **kw)


@pytest.mark.parametrize("where", ["document", "label"])
def test_a_deeply_nested_iiif_manifest_is_one_line_exit_2(tmp_path: Path, where: str):
    deep = "[" * 50_000 + "]" * 50_000 if where == "document" else "[" * 900 + '"x"' + "]" * 900
    path = tmp_path / "manifest.json"
    path.write_text('{"@context": "http://iiif.io/api/presentation/3/context.json", "id": "https://e.org/m", '
                    f'"type": "Manifest", "label": {deep}, "items": []}}')
    r = run_cli(tmp_path / "store", "load", "--format", "iiif", "--region", "all", str(path))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("Error: manifest.json: ") and "nested too deep" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------------------
# Issue 12, item 4: links of unsafe schemes (javascript:, data:, file:...)

SAMPLES = ROOT / "samples"
UNSAFE = ("javascript:alert(1)", "JavaScript:alert(2)", "data:text/html,<script>alert(3)</script>", "file:///etc/passwd",
          "vbscript:msgbox(4)")
# a link in a sample of each XML loader, and its format
LINKS = [
    ("lido/LIDO-Extended-Example.xml", "http://www.bildindex.de/bilder/t/it00423f05", "lido"),
    ("marc/batch.marcxml.xml", "http://www.whitehouse.gov", "marc21"),
    ("ead/FRAD062_ir_9fi_02_permaliens.xml",
     "http://archivesenligne.pasdecalais.fr/ark:/64297/5e7c97997adc45bcdafd11b170ae7b11", "ead"),
    ("oai-dc/sickle-ListRecords.xml", "http://test.example.com/publication/1585322", "oai-pmh"),
]


def unsafe_iris(kg: KnowledgeGraph) -> list[str]:
    """Every IRI of the store of a denied scheme, and every link to follow that is not a web IRI."""
    found = set()
    for q in kg.store:
        for term in (q.subject, q.predicate, q.object):
            if isinstance(term, ox.NamedNode) and not links.is_safe(term.value):
                found.add(term.value)
        if (isinstance(q.object, ox.NamedNode) and f"<{q.predicate.value}>" in links.WEB_LINKS
                and not links.is_web_link(q.object.value)):
            found.add(q.object.value)
    return sorted(found)


def edm_with(tmp_path: Path, **replace: str) -> Path:
    text = (SAMPLES / "edm" / "rdf_with_iiif_sample.xml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "edm.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_edm_javascript_links_are_dropped_and_reported_and_the_record_loaded(tmp_path: Path):
    source = edm_with(tmp_path, **{
        '<edm:isShownAt rdf:resource="https://purl.stanford.edu/zw031pj2507"/>':
            '<edm:isShownAt rdf:resource=" javascript:alert(document.cookie)"/>',
        '<edm:hasView rdf:resource="https://stacks.stanford.edu/image/iiif/zw031pj2507/zw031pj2507_0002/full/full/0/default.jpg"/>':
            '<edm:hasView rdf:resource="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"/>',
        '<dc:language>fra</dc:language>':
            '<dc:language>fra</dc:language><dc:creator rdf:resource="JavaScript:alert(2)"/>',
    })
    kg = KnowledgeGraph(tmp_path / "store")
    rejects = tmp_path / "rejects.jsonl"
    [report] = load(kg, [source], LoadOptions(dataset="edm", region=None, progress=False, rejects=rejects))
    assert (report.counts.records_loaded, report.counts.records_rejected) == (1, 0)
    assert report.counts.values_dropped == 3
    assert unsafe_iris(kg) == []
    entries = rejections(rejects)
    assert {e["status"] for e in entries} == {"value dropped"} and len(entries) == 3
    assert all(e["source_id"] == "H-0614" and e["line"] == 8 for e in entries)
    assert any("edm:isShownAt at line 37" in e["reason"] and "javascript:alert(document.cookie)" in e["reason"]
               for e in entries)
    # the rest of the record is there: its safe image and its title
    q = "ASK { ?cho dc:title ?t ; ^edm:aggregatedCHO/edm:isShownBy ?img FILTER(STRSTARTS(STR(?img), 'https://stacks')) }"
    assert kg.query(q, prefixes=True)
    [ds] = kg.datasets()
    assert ds.records_read == ds.records_loaded == 1


def test_an_edm_record_whose_own_iri_is_unsafe_is_rejected(tmp_path: Path):
    source = edm_with(tmp_path, **{'rdf:about="H-0614"': 'rdf:about="javascript:alert(1)"',
                                   '<edm:aggregatedCHO rdf:resource="H-0614"/>':
                                   '<edm:aggregatedCHO rdf:resource="javascript:alert(1)"/>'})
    kg, report, entries = load_one(tmp_path, source)
    assert (report.counts.records_read, report.counts.records_loaded) == (2, 0)  # the CHO and its aggregation
    assert unsafe_iris(kg) == []
    assert any(e["status"] == "rejected" and "scheme that is not allowed" in e["reason"] for e in entries)


@pytest.mark.parametrize("sample, old, fmt", LINKS + [("iiif/v2/unistra-contentdm.manifest.json", None, "iiif")])
@pytest.mark.parametrize("unsafe", UNSAFE[:4])
def test_no_loader_lets_an_unsafe_link_into_the_store(tmp_path: Path, sample: str, old: str | None, fmt: str,
                                                      unsafe: str):
    text = (SAMPLES / sample).read_bytes()
    if old is None:  # every URL of the manifest
        text = text.replace(b'"https://', f'"{unsafe}//'.encode()).replace(b'"http://', f'"{unsafe}//'.encode())
    else:
        assert old.encode() in text
        text = text.replace(old.encode(), unsafe.replace("<", "&lt;").replace(">", "&gt;").encode())
    path = tmp_path / Path(sample).name
    path.write_bytes(text)
    kg = KnowledgeGraph(None)
    try:
        [report] = load(kg, [path], LoadOptions(dataset="x", format=fmt, region=None, progress=False,
                                                rejects=tmp_path / "r.jsonl"))
    except InputError:
        return  # refused as a whole: nothing stored
    assert report.counts.reconciles()
    assert unsafe_iris(kg) == []


def test_the_pipeline_net_drops_what_a_loader_lets_through(tmp_path: Path):
    """Whatever a mapper writes, an IRI of an unsafe scheme never reaches the store and is reported."""
    from graph.mapping import MappingContext
    from graph.namespaces import FOAF
    from graph.records import SourceRecord
    from patrimoine.pipeline import RejectionReport, map_one
    from graph.provenance import Counts

    ctx = MappingContext(KnowledgeGraph(None).minter, "x", None)
    b, counts = ctx.b, Counts()
    report = RejectionReport(tmp_path / "r.jsonl", "x")

    def mapper(record: SourceRecord) -> None:
        obj = b.entity(ctx.m.pop(record.source_id), "E22_Human-Made_Object", "objet", ctx.dataset)
        b.out.add(obj, FOAF.page, "<javascript:alert(1)>")
        b.out.add("<data:text/html,x>", FOAF.page, obj)
        b.out.add(obj, FOAF.page, "<https://example.org/ok>")

    record = SourceRecord(index=1, line=7, source_id="PA1")
    assert map_one(record, mapper, b, counts, report, tmp_path / "f.csv")
    lines = b.take()
    assert not any("javascript:" in line or "data:" in line for line in lines)
    assert any("https://example.org/ok" in line for line in lines)
    report.close()
    entries = rejections(tmp_path / "r.jsonl")
    assert [(e["status"], e["line"], e["source_id"]) for e in entries] == [("value dropped", 7, "PA1")] * 2
    assert counts.values_dropped == 2 and counts.records_loaded == 1


# ---------------------------------------------------------------------------
# Values the store's parser would refuse: a link that is no IRI, half a surrogate pair


def test_a_link_the_store_would_refuse_is_repaired_or_dropped_and_its_record_loaded(tmp_path: Path):
    """On disk, where the store's own parser reads every line of the streamed load: a URL with brackets,
    a stray '%' or a second '#' is percent-encoded; one that no encoding makes an IRI is dropped, with
    why, and its record loaded without it."""
    urls = {2: "http://example.org/dossier[1].pdf", 3: "http://example.org/100%zz#a#b",
            4: "http://example.org:port/dossier", 5: "http://[not-a-host]/dossier"}
    path = tmp_path / "x.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER.rstrip("\n") + ";DOSURL\n")
        for i in range(1, 7):
            f.write(merimee_row(i).rstrip("\n") + ";" + urls.get(i, f"https://example.org/dossier/{i}") + "\n")
    kg = KnowledgeGraph(tmp_path / "store")
    try:
        rejects = tmp_path / "rejects.jsonl"
        [report] = load(kg, [path], LoadOptions(dataset="attack", region=None, progress=False, rejects=rejects,
                                                lang="fr"))
        entries = rejections(rejects)
        assert_nothing_lost(kg, report, entries, {f"PA{80100000 + i:08d}" for i in range(1, 7)})
        assert report.counts.records_loaded == 6
        assert {e["source_id"]: (e["status"], e["reason"]) for e in entries} == {
            "PA80100004": ("value dropped", "link that is not an IRI, dropped: http://example.org:port/dossier"),
            "PA80100005": ("value dropped", "link that is not an IRI, dropped: http://[not-a-host]/dossier")}
        assert {e["message"] for e in entries} == {
            "valeur retirée : lien qui n'est pas une IRI, retiré : http://example.org:port/dossier",
            "valeur retirée : lien qui n'est pas une IRI, retiré : http://[not-a-host]/dossier"}
        pages = {row["o"].value.rsplit("/", 1)[-1]: int(row["n"].value) for row in kg.query(
            "SELECT ?o (COUNT(?page) AS ?n) WHERE { ?o crm:P129i_is_subject_of ?page } GROUP BY ?o", prefixes=True)}
        # its POP notice, and its dossier unless that link went
        assert pages == {f"PA{80100000 + i:08d}": 1 if i in (4, 5) else 2 for i in range(1, 7)}
        for repaired in ("http://example.org/dossier%5B1%5D.pdf", "http://example.org/100%25zz#a%23b",
                         "https://example.org/dossier/6"):
            assert kg.query(f"ASK {{ GRAPH ?g {{ ?page ?p <{repaired}> }} }}")
    finally:
        kg.close()


@pytest.mark.parametrize("shape", ["array", "lines"])
def test_half_a_surrogate_pair_in_json_reads_as_a_replacement_character(tmp_path: Path, shape: str):
    """JSON may escape half a surrogate pair ("\\ud800"), which no text can be written with: the record
    is loaded with U+FFFD in its place (a whole pair stays the character it encodes), not the load lost."""
    records = [{"REF": "PA80100001", "TICO": "Eglise \\ud800 seule", "DPT": "80", "COM": "Amiens", "INSEE": "80021"},
               {"REF": "PA80100002", "TICO": "Eglise \\ud83d\\ude00", "DPT": "80", "COM": "Amiens", "INSEE": "80021"}]
    texts = [json.dumps(r).replace("\\\\u", "\\u") for r in records]
    path = tmp_path / "x.json"
    path.write_text("[" + ",\n".join(texts) + "]" if shape == "array" else "\n".join(texts) + "\n", encoding="ascii")
    kg = KnowledgeGraph(tmp_path / "store")
    try:
        rejects = tmp_path / "rejects.jsonl"
        [report] = load(kg, [path], LoadOptions(dataset="attack", region=None, progress=False, rejects=rejects))
        assert_nothing_lost(kg, report, rejections(rejects), {"PA80100001", "PA80100002"})
        titles = {row["t"].value for row in kg.query(
            "SELECT ?t WHERE { ?o crm:P102_has_title/crm:P190_has_symbolic_content ?t }", prefixes=True)}
        assert titles == {"Eglise \ufffd seule", "Eglise \U0001F600"}
    finally:
        kg.close()


@pytest.mark.parametrize("sample, old, fmt", LINKS + [
    ("edm/rdf_with_iiif_sample.xml", "https://purl.stanford.edu/zw031pj2507", "edm"),
    ("iiif/v2/unistra-contentdm.manifest.json", "https://cdm21057.contentdm.oclc.org/iiif/coll3:37/manifest.json",
     "iiif"),
])
@pytest.mark.parametrize("link, stored", [
    ("http://example.org/x[1]%zz#a#b", "http://example.org/x%5B1%5D%25zz#a%23b"),  # mended
    ("http://example.org:port/x", None),  # no IRI: its value or its record goes, with the reason
])
def test_no_loader_lets_a_link_the_store_refuses_cost_the_load(tmp_path: Path, sample: str, old: str, fmt: str,
                                                               link: str, stored: str | None):
    text = (SAMPLES / sample).read_bytes()
    assert old.encode() in text
    text = text.replace(old.encode(), link.encode())
    path = tmp_path / Path(sample).name
    path.write_bytes(text)
    kg = KnowledgeGraph(tmp_path / "store")  # on disk: the streamed load, the store's parser on every line
    try:
        [report] = load(kg, [path], LoadOptions(dataset="x", format=fmt, region=None, progress=False,
                                                rejects=tmp_path / "r.jsonl"))
        assert report.counts.reconciles()
        entries = rejections(tmp_path / "r.jsonl") if (tmp_path / "r.jsonl").exists() else []
        told = [e for e in entries if "not an absolute IRI" in e["reason"] or "link that is not an IRI" in e["reason"]]
        if stored is not None:
            assert not told
            assert report.counts.records_loaded >= 1
            assert kg.query(f"ASK {{ GRAPH ?g {{ {{ ?s ?p <{stored}> }} UNION {{ <{stored}> ?p ?o }} }} }}")
        else:
            assert told and all(link in e["reason"] for e in told)
            if fmt != "iiif":  # a link goes, not its record (a IIIF manifest's own id is the record's)
                assert report.counts.records_rejected == 0 and {e["status"] for e in told} == {"value dropped"}
    finally:
        kg.close()


@pytest.mark.parametrize("tag", ["fr-1", "a", "fr-FR-FR-FR"])
def test_a_lido_language_tag_the_store_refuses_is_left_out_not_the_load_lost(tmp_path: Path, tag: str):
    """A tag that looks like one (letters, hyphens) but is no BCP 47 tag: the texts are loaded without it."""
    text = (SAMPLES / "lido" / "LIDO-Extended-Example.xml").read_text(encoding="utf-8")
    assert '<lido:descriptiveMetadata xml:lang="en">' in text
    path = tmp_path / "lido.xml"
    path.write_text(text.replace('<lido:descriptiveMetadata xml:lang="en">',
                                 f'<lido:descriptiveMetadata xml:lang="{tag}">'), encoding="utf-8")
    kg = KnowledgeGraph(tmp_path / "store")  # on disk: the store's parser reads every line
    try:
        [report] = load(kg, [path], LoadOptions(dataset="x", region=None, progress=False, rejects=tmp_path / "r.jsonl"))
        assert report.counts.reconciles() and report.counts.records_rejected == 0
        langs = {row["l"].value for row in kg.query(
            "SELECT DISTINCT (LANG(?t) AS ?l) WHERE { GRAPH ?g { ?s crm:P190_has_symbolic_content ?t } }", prefixes=True)}
        assert "de" in langs and tag not in langs
    finally:
        kg.close()


def test_an_edm_language_tag_the_parser_refuses_costs_its_record_not_the_file(tmp_path: Path):
    source = edm_with(tmp_path, **{'<dcterms:extent xml:lang="en">': '<dcterms:extent xml:lang="en_GB">'})
    kg = KnowledgeGraph(tmp_path / "store")
    try:
        rejects = tmp_path / "r.jsonl"
        [report] = load(kg, [source], LoadOptions(dataset="edm", region=None, progress=False, rejects=rejects,
                                                  lang="fr"))
        assert report.counts.reconciles()
        assert [(e["status"], e["reason"], e["message"]) for e in rejections(rejects)] == [
            ("rejected", "xml:lang 'en_GB' in extent at line 20 is not a language tag",
             "rejetée : xml:lang « en_GB » dans extent ligne 20 : pas une étiquette de langue")]
    finally:
        kg.close()


@pytest.mark.parametrize("shape", ["array", "lines"])
def test_a_json_item_that_is_no_record_is_a_rejected_record_not_skipped(tmp_path: Path, shape: str):
    """Every item of an array of records, every line of JSON Lines, is a record: one that holds no POP
    record (a number, null, an object without REF) is rejected with why, never skipped unseen."""
    good = json.dumps({"REF": "PA80100001", "TICO": "Eglise", "DENO": "église", "DPT": "80", "INSEE": "80021"})
    others = ["42", "null", '{"TICO": "sans référence"}', '["a", "b"]']
    path = tmp_path / "x.json"
    path.write_text("[" + ",\n".join([good, *others]) + "]" if shape == "array" else "\n".join([good, *others]) + "\n",
                    encoding="utf-8")
    kg, report, entries = load_one(tmp_path, path, lang="fr")
    c = report.counts
    assert (c.records_read, c.records_loaded, c.records_rejected) == (5, 1, 4) and c.reconciles()
    assert [(e["line"], e["reason"], e["message"]) for e in entries] == [
        (2, "not a POP record: a number, not a JSON object", "rejetée : pas une notice POP : un nombre, pas un objet JSON"),
        (3, "not a POP record: null, not a JSON object", "rejetée : pas une notice POP : null, pas un objet JSON"),
        (4, "not a POP record: a JSON object without REF", "rejetée : pas une notice POP : un objet JSON sans REF")
        if shape == "lines" else  # an object in an array of records is one, without its REF
        (4, "missing REF (the record's POP reference)", "rejetée : REF manquante (la référence POP de la notice)"),
        (5, "not a POP record: a JSON array of values, not objects",
         "rejetée : pas une notice POP : un tableau JSON de valeurs, pas d'objets")]


def test_an_edm_record_whose_own_iri_is_no_iri_is_rejected_and_the_file_read(tmp_path: Path):
    source = edm_with(tmp_path, **{'rdf:about="H-0614"': 'rdf:about="http://a:b/H-0614"'})
    kg, report, entries = load_one(tmp_path, source)
    assert report.counts.reconciles() and report.counts.records_loaded == 0
    assert any(e["status"] == "rejected" and "rdf:about http://a:b/H-0614 at line 8 is not an absolute IRI" in e["reason"]
               for e in entries)


def test_a_museum_whose_website_is_no_iri_is_loaded_without_it(tmp_path: Path):
    """The Musées de France list: a website with a port that is no number loses the link, not the museum."""
    rows = (SAMPLES / "museums" / "liste-et-localisation-des-musees-de-france.csv").read_text(encoding="utf-8").splitlines()
    header, first, second = rows[0], rows[1], rows[2]
    broken = first.replace("www.archeologie-izernore.com/pages/", "www.archeologie-izernore.com:80a/pages/")
    assert broken != first
    path = tmp_path / "musees.csv"
    path.write_text("\n".join([header, broken, second]) + "\n", encoding="utf-8")
    kg, report, entries = load_one(tmp_path, path, lang="fr")
    assert (report.counts.records_loaded, report.counts.records_rejected) == (2, 0) and report.counts.reconciles()
    assert [(e["source_id"], e["status"], e["message"]) for e in entries] == [
        ("M0966", "value dropped", "valeur retirée : lien qui n'est pas une IRI, retiré : "
                                   "http://www.archeologie-izernore.com:80a/pages/musee_historique.htm")]
    homepages = {row["m"].value.rsplit("/", 1)[-1] for row in kg.query(
        "SELECT ?m WHERE { ?m foaf:homepage ?page }", prefixes=True)}
    assert homepages == {"M0969"}
