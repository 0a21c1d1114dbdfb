"""POP readers: every shape and encoding of Mérimée / Palissy / Joconde / Museo files."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from graph import textfile
from graph.records import InputError, SourceRecord
from graph.textfile import detect_encoding, open_text
from loaders.pop.readers import header_key, read_pop, record_kind, sniff, split_values

ROOT = Path(__file__).resolve().parent.parent
POP = ROOT / "samples" / "pop"
BAD = Path(__file__).resolve().parent / "data" / "pop-bad"
FIELDS = ROOT / "loaders" / "pop" / "fields.json"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "samples" / "pop-schema"


def read(path: Path, encoding: str | None = None) -> list[SourceRecord]:
    return list(read_pop(path, encoding))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def by_ref(records: list[SourceRecord]) -> dict[str, SourceRecord]:
    return {r.source_id: r for r in records if r.source_id}


# ---------------------------------------------------------------------------
# graph.textfile


class TestDetectEncoding:
    @pytest.mark.parametrize("name, expected", [
        ("constructed-hdf-merimee-opendata.csv", "utf-8-sig"),
        ("joconde-valid-UTF-8.txt", "utf-8"),
        ("pop-api-palissy-search-response.json", "utf-8"),
        ("joconde-valid-ISO-8859-1.txt", "cp1252"),
        ("merimee-MH-10.csv", "cp1252"),
        ("constructed-hdf-merimee-legacy-cp1252.csv", "cp1252"),
    ])
    def test_samples(self, name: str, expected: str) -> None:
        assert detect_encoding(POP / name) == expected

    def test_bytes_undefined_in_cp1252_mean_latin1(self, tmp_path: Path) -> None:
        assert detect_encoding(write(tmp_path, "x.csv", b"REF;TICO\nPA1;caf\xe9 \x81\n")) == "latin-1"

    def test_ascii_is_utf8(self, tmp_path: Path) -> None:
        assert detect_encoding(write(tmp_path, "x.csv", b"REF\nPA1\n")) == "utf-8"

    def test_character_cut_by_a_chunk_boundary(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(textfile, "CHUNK", 4)
        path = write(tmp_path, "x.csv", "REF;é;è;ê;œ\n")  # multi-byte characters across 4-byte chunks
        assert detect_encoding(path) == "utf-8"

    def test_file_cut_inside_a_character(self, tmp_path: Path) -> None:
        assert detect_encoding(write(tmp_path, "x.csv", "REF;caf".encode() + "é".encode()[:1])) == "cp1252"


class TestOpenText:
    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="no such file"):
            open_text(tmp_path / "nope.csv", None)

    def test_directory(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="is a directory"):
            open_text(tmp_path, None)

    def test_empty(self) -> None:
        with pytest.raises(InputError, match="empty"):
            open_text(BAD / "empty.csv", None)

    def test_unknown_encoding(self) -> None:
        with pytest.raises(InputError, match="unknown encoding 'klingon'"):
            open_text(POP / "merimee-MH-10.csv", "klingon")

    def test_keeps_crlf_for_csv(self) -> None:
        with open_text(POP / "merimee-MH-10.csv", None) as f:
            assert f.readline().endswith("SCLE\r\n")

    def test_decoding_error_is_an_input_error_with_its_line(self) -> None:
        with open_text(BAD / "invalid-utf8.csv", "utf-8") as f:
            with pytest.raises(InputError) as err:
                f.read()
        message = str(err.value)
        assert message == f"{BAD / 'invalid-utf8.csv'}: not valid utf-8 text at line 4; try --encoding cp1252"
        assert "\n" not in message

    def test_decoding_error_while_iterating(self) -> None:
        with open_text(POP / "merimee-MH-10.csv", "utf-8") as f, pytest.raises(InputError, match="at line 2;"):
            list(f)


# ---------------------------------------------------------------------------
# sniff


class TestSniff:
    @pytest.mark.parametrize("path", sorted(POP.iterdir()), ids=lambda p: p.name)
    def test_every_sample(self, path: Path) -> None:
        assert sniff(path.read_bytes()[: 64 * 1024])

    def test_head_cut_mid_character(self) -> None:
        data = (POP / "joconde-valid-UTF-8.txt").read_bytes()
        cut = data.index("é".encode()) + 1
        assert sniff(data[:cut])

    def test_head_cut_mid_json(self) -> None:
        assert sniff((POP / "pop-api-palissy-search-response.json").read_bytes()[:5000])

    @pytest.mark.parametrize("head", [
        b"",
        b"   \n\n",
        b'<?xml version="1.0"?><ead><eadheader/></ead>',
        b'{"@context": "http://iiif.io/api/presentation/3/context.json", "id": "x", "type": "Manifest"}',
        b"identifiant_cote,titre,date1\nFRAM059017_1,Registre,1789\n",
        b"TICO;DENO;COM\nEglise;eglise;Amiens\n",
        b"\x00\x01\x02binary",
    ])
    def test_not_pop(self, head: bytes) -> None:
        assert not sniff(head)

    def test_open_data_api_json(self) -> None:
        assert sniff(b'{"total_count": 1, "results": [{"reference": "PA1", "titre_editorial_de_la_notice": "x"}]}')


# ---------------------------------------------------------------------------
# POP API JSON


class TestApiJson:
    def test_single_item(self) -> None:
        [rec] = read(POP / "pop-api-merimee-item.json")
        assert (rec.index, rec.line, rec.source_id, rec.kind, rec.error) == (1, None, "PA00091408", "merimee", None)
        assert rec.all("APRO") == ["arrêté"]
        assert rec.all("DENO") == ["puits"]
        assert rec.all("SCLE") == ["2e moitié 18e siècle"]
        assert rec.first("TICO") == "Presbytère"
        assert rec.all("POP_DATE") == ["1700"]

    def test_bookkeeping_empty_values_and_unknown_coordinates_are_dropped(self) -> None:
        [rec] = read(POP / "pop-api-merimee-item.json")
        for key in ("HISTORIQUE", "POP_IMPORT", "__v", "_id", "POP_FLAGS", "ACMH", "AUTR", "DPRO",
                    "POP_COORDONNEES.lat", "POP_COORDONNEES.lon", "POP_COORDINATES_POINT.type"):
            assert key not in rec.fields
        assert all(values and all(values) for code, values in rec.fields.items() if code != "MEMOIRE.name")

    def test_memoire_images(self) -> None:
        [rec] = read(POP / "pop-api-merimee-item.json")
        assert rec.all("MEMOIRE") == ["memoire/AP15R004778/15R004778.JPG", "memoire/AP12R002868/12R002868.jpg"]
        assert rec.all("MEMOIRE.name") == ["Presbytère : Puits, vue générale", "Puits du presbytère : Vue générale"]

    def test_msearch_response(self) -> None:
        records = read(POP / "pop-api-palissy-search-response.json")
        assert len(records) == 10
        assert [r.index for r in records] == list(range(1, 11))
        assert {r.kind for r in records} == {"palissy"}
        assert all(r.line is None and r.error is None and r.source_id.startswith("IM52") for r in records)
        first = records[0]
        assert first.source_id == "IM52000044"
        assert "POP_COMMENTAIRES" not in first.fields
        assert first.all("VIDEO") == ["mem/0295/ivr21_89520091xa_p.jpg", "mem/0295/ivr21_89520091xa_v.jpg"]
        assert first.all("INSC") == ["inscription", "monogramme"]
        assert first.all("DIMS") == ["h = 400", "la = 200"]
        assert len(first.all("PETA")) == 1  # prose with " ; " stays whole

    @pytest.mark.parametrize("wrap", [
        lambda s: s,
        lambda s: [s, s | {"REF": "PA2"}],
        lambda s: {"hits": {"total": 2, "hits": [{"_id": "x", "_source": s}, {"_source": s | {"REF": "PA2"}}]}},
        lambda s: {"responses": [{"hits": {"hits": [{"_source": s}]}}, {"hits": {"hits": [{"_source": s | {"REF": "PA2"}}]}}]},
    ], ids=["item", "list", "hits", "responses"])
    def test_wrappings(self, tmp_path: Path, wrap) -> None:
        source = {"REF": "PA1", "BASE": "Patrimoine architectural (Mérimée)", "DENO": ["église"], "TICO": ""}
        records = read(write(tmp_path, "x.json", json.dumps(wrap(source), indent=2)))
        assert [r.source_id for r in records] == ["PA1", "PA2"][: len(records)]
        assert records[0].fields == {"REF": ["PA1"], "BASE": ["Patrimoine architectural (Mérimée)"], "DENO": ["église"]}

    def test_coordinates(self, tmp_path: Path) -> None:
        doc = {"REF": "PA1", "POP_COORDONNEES": {"lat": 49.894722, "lon": 2.302222}}
        [rec] = read(write(tmp_path, "x.json", json.dumps(doc)))
        assert (rec.first("POP_COORDONNEES.lat"), rec.first("POP_COORDONNEES.lon")) == ("49.894722", "2.302222")

    def test_json_lines(self, tmp_path: Path) -> None:
        lines = [json.dumps({"REF": "PA1", "SCLE": ["13e siècle"]}), "",
                 json.dumps({"REF": "PM2", "MATR": ["bois", "fer"]}), '{"REF": "PA3", "TICO": "cut']
        records = read(write(tmp_path, "x.jsonl", "\n".join(lines) + "\n"))
        assert [(r.index, r.line, r.source_id, r.kind) for r in records] == [
            (1, 1, "PA1", "merimee"), (2, 3, "PM2", "palissy"), (3, 4, None, None)]
        assert records[1].all("MATR") == ["bois", "fer"]
        assert records[2].error.startswith("not valid JSON") and not records[2].fields

    def test_open_data_api_json(self, tmp_path: Path) -> None:
        doc = {"total_count": 1, "results": [{"reference": "PA1", "titre_editorial_de_la_notice": "Beffroi",
                                              "coordonnees_au_format_wgs84": {"lat": 50.29, "lon": 2.77}}]}
        [rec] = read(write(tmp_path, "x.json", json.dumps(doc)))
        assert rec.fields == {"REF": ["PA1"], "TICO": ["Beffroi"], "WGS84": ["50.29, 2.77"]}

    def test_truncated(self) -> None:
        with pytest.raises(InputError) as err:
            read(BAD / "truncated.json")
        assert str(err.value) == (f"{BAD / 'truncated.json'}: not valid JSON at line 70, column 14: "
                                  "Unterminated string starting at (truncated file?)")

    def test_malformed_position_counts_leading_blank_lines(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match=r"not valid JSON at line 4, column 3"):
            read(write(tmp_path, "x.json", '\n\n[\n  ,\n]'))

    def test_json_without_pop_records(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="no REF key: is this a POP export"):
            read(write(tmp_path, "x.json", '{\n "@context": "http://iiif.io", "type": "Manifest"\n}'))


# ---------------------------------------------------------------------------
# CSV with field codes


class TestCodeHeaderCsv:
    def test_legacy_merimee_export_in_windows_1252(self) -> None:
        records = read(POP / "merimee-MH-10.csv")
        assert [(r.index, r.line, r.source_id, r.kind) for r in records] == [
            (1, 2, "PA00078014", "merimee"), (2, 3, "PA00078015", "merimee"), (3, 4, "PA00078016", "merimee")]
        nativite = records[1]
        assert nativite.first("TICO") == "Eglise de la Nativité"
        assert nativite.all("SCLE") == ["16e siècle", "17e siècle", "18e siècle"]
        assert nativite.all("LOCA") == ["Champagne-Ardenne", "Aube", "Aix-en-Othe"]
        assert nativite.first("STAT") == "Propriété de la commune"
        assert "AFFE" not in nativite.fields  # empty column dropped

    def test_constructed_legacy_cp1252(self) -> None:
        records = read(POP / "constructed-hdf-merimee-legacy-cp1252.csv")
        assert len(records) == 4
        assert records[0].all("AUTR")[0] == "Robert de Luzarches (maître d’œuvre)"
        assert records[3].first("PPRO").endswith("30 novembre 1886 – œuvre remaniée au 18e siècle")

    def test_pipe_import_file(self) -> None:
        records = read(POP / "constructed-hdf-palissy-import.csv")
        assert [r.source_id for r in records] == ["PM99000001", "PM99000002", "PM99000003", "PM99000004"]
        stalles = records[0]
        assert stalles.kind == "palissy"
        assert stalles.all("CATE") == ["menuiserie", "sculpture"]  # Array field, ';' without spaces
        assert stalles.first("EDIF") == "cathédrale Notre-Dame"  # ISO-8859-1
        assert stalles.all("REFA") == ["PA00116046"]
        assert stalles.all("MATR") == ["chêne : taillé, sculpté"]

    def test_real_pop_import_file_with_short_rows(self) -> None:
        records = read(POP / "palissy-mh-valid-UTF-8.csv")
        assert [(r.index, r.line, r.source_id) for r in records] == [
            (1, 2, "PM01000107"), (2, 3, "PM01000506"), (3, 4, "PM02001223")]
        ok, short, shorter = records
        assert ok.error is None and ok.all("VIDEO") == ["sap83_01w00928_p.jpg", "sap83_01w00928_v.jpg"]
        assert ok.all("AUTP") == ["Anonyme, Anonyme", "Anonyme, Anonyme"]
        assert (short.error, short.fields) == ("row has 13 columns, header has 14", {})
        assert shorter.error == "row has 8 columns, header has 14"

    def test_wrong_column_count_and_blank_lines(self) -> None:
        records = read(BAD / "wrong-column-count.csv")
        assert [(r.index, r.line, r.source_id, r.error) for r in records] == [
            (1, 2, "PA99000201", None),
            (2, 4, "PA99000202", "row has 6 columns, header has 5"),
            (3, 5, "PA99000203", "row has 4 columns, header has 5"),
            (4, 6, "PA99000204", None)]
        assert records[1].fields == {} and records[1].kind is None

    @pytest.mark.parametrize("delimiter", [";", "|", ",", "\t"])
    def test_delimiters_and_quotes(self, tmp_path: Path, delimiter: str) -> None:
        rows = ["ref", "Tico", "SCLE"], ["PA1", f'"Eglise{delimiter} dite ""Saint"""', '"15e siècle ; 16e siècle"']
        text = "\r\n".join(delimiter.join(r) for r in rows) + "\r\n"
        [rec] = read(write(tmp_path, "x.csv", text))
        assert rec.fields == {"REF": ["PA1"], "TICO": [f'Eglise{delimiter} dite "Saint"'],
                              "SCLE": ["15e siècle", "16e siècle"]}

    def test_quoted_line_break_and_line_numbers(self, tmp_path: Path) -> None:
        text = 'REF;HIST\n\nPA1;"ligne 1\nligne 2"\nPA2;x\n'
        records = read(write(tmp_path, "x.csv", text))
        assert [(r.index, r.line, r.source_id) for r in records] == [(1, 3, "PA1"), (2, 5, "PA2")]
        assert records[0].first("HIST") == "ligne 1\nligne 2"

    def test_joconde_csv(self, tmp_path: Path) -> None:
        text = ('"REF";"MUSEO";"AUTR";"TITR";"REFIM"\n'
                '"01610014032";"M0017";"anonyme (artisan)";"Saint Jérôme#Dit aussi pénitent";"a.jpg,DS1,,a.jpg;b.jpg,DS1,,b.jpg"\n')
        [rec] = read(write(tmp_path, "x.csv", text))
        assert rec.kind == "joconde"
        assert rec.first("TITR") == "Saint Jérôme#Dit aussi pénitent"
        assert rec.all("REFIM") == ["a.jpg,DS1,,a.jpg", "b.jpg,DS1,,b.jpg"]

    def test_bom_with_explicit_utf8(self, tmp_path: Path) -> None:
        [rec] = read(write(tmp_path, "x.csv", "\ufeffREF;TICO\nPA1;Beffroi\n"), "utf-8")
        assert rec.fields == {"REF": ["PA1"], "TICO": ["Beffroi"]}


# ---------------------------------------------------------------------------
# CSV with open-data labels


class TestLabelHeaderCsv:
    def test_merimee_export_with_bom(self) -> None:
        records = read(POP / "constructed-hdf-merimee-opendata.csv")
        assert len(records) == 16
        assert all(r.kind == "merimee" and r.error is None for r in records)
        amiens = records[0]
        assert list(amiens.fields)[0] == "REF"  # BOM stripped
        assert amiens.source_id == "PA00116046" and amiens.line == 2
        assert amiens.first("INSEE") == "80021" and amiens.first("DPT") == "80"
        assert amiens.first("COM") == "Amiens" and amiens.first("WCOM") == "Amiens"
        assert amiens.first("WGS84") == "49.894722, 2.302222"
        assert len(amiens.all("AUTR")) == 3
        assert len(amiens.all("HIST")) == 1 and " ; " in amiens.first("HIST")
        soissons = by_ref(records)["PA99000109"]
        assert soissons.all("DPRO") == ["1840 : classé MH", "1926/05/21 : inscrit MH"]
        assert {r.first("DPT") for r in records} == {"02", "59", "60", "62", "80", "75", "10"}

    def test_palissy_lowercase_headers(self) -> None:
        records = read(POP / "constructed-hdf-palissy-opendata.csv")
        assert len(records) == 8 and {r.kind for r in records} == {"palissy"}
        merimee = {r.source_id for r in read(POP / "constructed-hdf-merimee-opendata.csv")}
        assert sum(1 for r in records if r.first("REFA") in merimee) == 8
        ange = by_ref(records)["PM99000002"]
        assert ange.all("AUTR") == ["Blasset Nicolas (sculpteur)"]
        assert ange.all("MATR") == ["marbre blanc : taillé, sculpté"]
        assert ange.all("DIMS") == ["h = 60", "la = 100"]
        assert ange.all("DATE") == ["1636"] and ange.all("SCLE") == ["2e quart 17e siècle"]

    def test_joconde_and_museo(self) -> None:
        joconde = read(POP / "constructed-hdf-joconde-opendata.csv")
        museo = read(POP / "constructed-hdf-museo-opendata.csv")
        assert {r.kind for r in joconde} == {"joconde"} and {r.kind for r in museo} == {"museo"}
        museums = {r.source_id: r for r in museo}
        assert {r.first("MUSEO") for r in joconde} <= set(museums)
        goya = by_ref(joconde)["M9802000001"]
        assert goya.first("TITR") == "Le Temps#dit aussi Les Vieilles"
        assert goya.all("TECH") == ["peinture à l'huile", "toile"]
        assert goya.all("MILL") == ["1808", "1812"]
        picardie = museums["M9801"]
        assert (picardie.first("NOMOFF"), picardie.first("VILLE_M"), picardie.first("INSEE")) == (
            "Musée de Picardie", "Amiens", "80021")

    def test_headers_matched_case_and_accent_insensitively(self, tmp_path: Path) -> None:
        text = ("RÉFÉRENCE|Titre éditorial de la notice|COMMUNE_FORME_INDEX|Colonne inconnue\n"
                "PA1|Beffroi|Arras|x\n")
        [rec] = read(write(tmp_path, "x.csv", text))
        assert rec.fields == {"REF": ["PA1"], "TICO": ["Beffroi"], "COM": ["Arras"], "Colonne inconnue": ["x"]}

    def test_no_ref_column(self) -> None:
        with pytest.raises(InputError, match=r"no-ref-column.csv, line 1: no REF column: is this a POP export\?"):
            read(BAD / "no-ref-column.csv")

    def test_records_the_pipeline_rejects_are_read(self) -> None:
        assert [r.source_id for r in read(BAD / "duplicate-ref.csv")] == ["PA99000401", "PA99000402", "PA99000401"]
        missing = read(BAD / "missing-ref.csv")[1]
        assert (missing.source_id, missing.line, missing.error, "REF" in missing.fields) == (None, 3, None, False)
        assert read(BAD / "bad-insee.csv")[1].all("INSEE") == ["8OO21"]


# ---------------------------------------------------------------------------
# Joconde tagged text


class TestJocondeTagged:
    def test_iso_and_utf8_give_identical_records(self) -> None:
        latin = read(POP / "joconde-valid-ISO-8859-1.txt")
        utf8 = read(POP / "joconde-valid-UTF-8.txt")
        assert [(r.index, r.line, r.source_id, r.kind, r.fields) for r in latin] == [
            (r.index, r.line, r.source_id, r.kind, r.fields) for r in utf8]

    def test_records(self) -> None:
        records = read(POP / "joconde-valid-UTF-8.txt")
        assert [(r.index, r.line, r.source_id, r.kind) for r in records] == [
            (1, 1, "01610014032", "joconde"), (2, 60, "01610014134", "joconde"), (3, 106, "01610014147", "joconde")]
        first = records[0]
        assert first.all("DOMN") == ["archéologie", "céramique", "gallo-romain"]
        assert first.first("LABEL") == "Musée de France#au sens de la loi n°2002-5 du 4 janvier 2002"
        assert first.all("REFIM") == ["M016183_0016630_P.JPG,DS1,,0016630.JPG", "M016183_0016631_P.JPG,DS1,,0016631.JPG"]

    def test_continuation_lines(self) -> None:
        first, second, third = read(POP / "joconde-valid-UTF-8.txt")
        assert first.first("BIBL") == (
            "Inventaire B. Archéo, fiches inventaire, Bulliot#Autun Augustodunum - Capitale des Eduens, "
            "musée Rolin - Hôtel de Ville - Autun, 16 mars- 27 octobre 1985 (p. 159-162)")
        assert first.first("DESC") == ("Fond de vaisselle en sigillée, type coupelle, à pied annulaire rapporté, "
                                       "estampille au centre dans cartouche cerclé : OFFRMO")
        assert second.all("DIMS") == ["Diamètre extérieur en cm 5.6", "Diamètre intérieur en cm 5",
                                      "Diamètre extérieur en cm 5.1", "Diamètre intérieur en cm 4.7"]
        assert third.first("DESC").startswith("Fragment de figurine en céramique commune blanche, dont subsiste")

    def test_dash_without_space_missing_terminator_and_stray_lines(self, tmp_path: Path) -> None:
        text = ("\r\nREF\r\n000PE1\r\nMUSEO\r\nM0297\r\nTITR\r\nLa Vierge-\r\nà l'Enfant\r\n//\r\n\r\n"
                "REF\r\n000PE2\r\nDESC\r\nune valeur\r\nsans tiret\r\nTECH\r\nhuile ; toile\r\n")
        first, second = read(write(tmp_path, "x.txt", text))
        assert (first.line, first.first("TITR"), first.kind) == (2, "La Vierge à l'Enfant", "joconde")
        assert (second.index, second.line, second.source_id) == (2, 11, "000PE2")
        assert second.first("DESC") == "une valeur sans tiret"
        assert second.all("TECH") == ["huile", "toile"]

    def test_text_that_is_not_tagged_costs_its_record(self, tmp_path: Path) -> None:
        first, second = read(write(tmp_path, "x.txt", "REF\nPA1\n//\nhello world\n"))
        assert (first.source_id, first.error) == ("PA1", None)
        assert (second.index, second.line, second.source_id) == (2, 4, None)
        assert second.error == "line 4: expected a field code (Joconde tagged text), found 'hello world'"


# ---------------------------------------------------------------------------
# Values, kinds, whole-file errors, streaming


class TestValuesAndKinds:
    def test_split_values(self) -> None:
        assert split_values("SCLE", ["15e siècle;16e siècle ; ", ""], "merimee") == ["15e siècle", "16e siècle"]
        assert split_values("TICO", ["Eglise ; chapelle"], "merimee") == ["Eglise", "chapelle"]
        assert split_values("TICO", ["Eglise;chapelle"], "merimee") == ["Eglise;chapelle"]
        assert split_values("HIST", ["Bâti en 1220 ; détruit en 1914"], "merimee") == ["Bâti en 1220 ; détruit en 1914"]
        assert split_values("REFIM", ["a,DS1,,a;b,DS1,,b"], "joconde") == ["a,DS1,,a", "b,DS1,,b"]
        assert split_values("TITR", ["Titre#sous-titre"], "joconde") == ["Titre#sous-titre"]
        assert split_values("DENO", ["église;chapelle"], None) == ["église", "chapelle"]

    @pytest.mark.parametrize("raw, kind", [
        ({"REF": ["PA00078014"]}, "merimee"),
        ({"REF": ["IA59000123"]}, "merimee"),
        ({"REF": ["EA00000001"]}, "merimee"),
        ({"REF": ["PM80000001"]}, "palissy"),
        ({"REF": ["IM52000044"]}, "palissy"),
        ({"REF": ["M0297"]}, "museo"),
        ({"REF": ["M0297000123"], "MUSEO": ["M0297"]}, "joconde"),
        ({"REF": ["01610014032"], "MUSEO": ["M0017"]}, "joconde"),
        ({"REF": ["X1"], "BASE": ["Collections des musées de France (Joconde)"]}, "joconde"),
        ({"REF": ["PA1"], "BASE": ["Patrimoine mobilier (Palissy)"]}, "palissy"),
        ({"REF": ["M0297"], "BASE": ["Répertoire des Musées de France (Muséofile)"]}, "museo"),
        ({"REF": ["AP15R004778"], "BASE": ["Photographies (Mémoire)"]}, "memoire"),
        ({"REF": ["12345"]}, None),
        ({}, None),
    ])
    def test_kinds(self, raw: dict[str, list[str]], kind: str | None) -> None:
        assert record_kind(raw) == kind

    def test_header_key(self) -> None:
        assert header_key("Titre éditorial de la notice") == header_key("TITRE_EDITORIAL_DE_LA_NOTICE")
        assert header_key("Auteur de l'œuvre") == "auteur_de_l_oeuvre"


class TestWholeFileErrors:
    def test_empty(self) -> None:
        with pytest.raises(InputError, match="empty.csv: the file is empty"):
            read(BAD / "empty.csv")

    def test_blank_lines_only(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="the file is empty"):
            read(write(tmp_path, "x.csv", "\r\n  \n"))

    def test_missing_and_directory(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="no such file"):
            read(tmp_path / "missing.csv")
        with pytest.raises(InputError, match="is a directory"):
            read(tmp_path)

    def test_wrong_encoding_given(self) -> None:
        with pytest.raises(InputError, match=r"invalid-utf8.csv: not valid utf-8 text at line 4; try --encoding cp1252"):
            read(BAD / "invalid-utf8.csv", "utf-8")
        assert [r.first("TICO") for r in read(BAD / "invalid-utf8.csv")][2] == "Hôtel de ville"

    def test_unknown_encoding(self) -> None:
        with pytest.raises(InputError, match="unknown encoding"):
            read(POP / "merimee-MH-10.csv", "no-such-codec")


def test_streams_with_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    row = 'PA{:08d};Eglise Saint-Martin de la commune;"église ; chapelle";80;Amiens;80021;"13e siècle ; 14e siècle"\n'
    with open(path, "w", encoding="utf-8") as f:
        f.write("REF;TICO;DENO;DPT;COM;INSEE;SCLE\n")
        for i in range(30_000):
            f.write(row.format(i))
    size = path.stat().st_size
    assert size > 3_000_000
    records = read_pop(path)
    tracemalloc.start()
    try:
        count = sum(1 for r in records if r.error is None and len(r.all("SCLE")) == 2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 30_000
    assert peak < size / 3, f"peak {peak} bytes for a {size}-byte file: not streamed"


def test_fields_json() -> None:
    data = json.loads(FIELDS.read_text(encoding="utf-8"))
    for base, count in (("merimee", 100), ("palissy", 100), ("joconde", 80), ("museo", 80), ("memoire", 100)):
        assert len(data[base]) > count
    assert data["merimee"]["SCLE"] == {"label": "Siècle de la campagne principale de construction",
                                       "multi": True, "opendata": False}
    assert data["joconde"]["AUTR"]["opendata"] is True
    expected = {
        "merimee": {"Reference": "REF", "Titre_editorial_de_la_notice": "TICO", "Denomination_de_l_edifice": "DENO",
                    "Region": "REG", "Departement_format_numerique": "DPT", "Commune_forme_index": "COM",
                    "Commune_forme_editoriale": "WCOM", "COG_Insee_lors_de_la_protection": "INSEE",
                    "Typologie_de_la_protection": "PROT", "Date_et_typologie_de_la_protection": "DPRO",
                    "Siecle_de_la_campagne_principale_de_construction": "SCLE",
                    "Statut_juridique_de_l_edifice": "STAT", "Historique": "HIST",
                    "coordonnees_au_format_WGS84": "WGS84"},
        "palissy": {"Auteur_de_l_oeuvre": "AUTR", "Materiaux_techniques": "MATR", "Dimensions": "DIMS",
                    "Inscriptions": "INSC", "Historique": "HIST", "Description": "DESC", "Siecle_de_creation": "SCLE",
                    "Datation": "DATE", "Reference_de_l_edifice_conservant_l_objet": "REFA"},
        "joconde": {"Code_Museofile": "MUSEO", "Mesures": "DIMS", "Materiaux_techniques": "TECH"},
        "museo": {"Identifiant": "REF", "Code_INSEE": "INSEE"},
    }
    for base, headers in expected.items():
        assert headers.items() <= data["opendata_headers"][base].items()


@pytest.mark.skipif(not SCHEMA_DIR.is_dir(), reason="POP field dictionaries not available")
def test_fields_json_is_up_to_date() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "pop_fields.py"), "--check",
                             "--schema-dir", str(SCHEMA_DIR)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
