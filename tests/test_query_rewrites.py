"""Example queries rewritten for a national graph (bench/scale.py times them) give the rows of the forms they
replace (tests/data/queries-before/), on every bundled sample.
"""

from __future__ import annotations

import sys
from pathlib import Path

from endpoint.ui import example_queries, full_query
from graph.store import KnowledgeGraph
from patrimoine.pipeline import LoadOptions, load

from conftest import SAMPLES
from samples import all_samples
from test_readme_links import table

ROOT = Path(__file__).resolve().parent.parent
BEFORE = Path(__file__).parent / "data" / "queries-before"
sys.path.append(str(ROOT / "bench"))  # last: its endpoint.py must not hide the package

from scale import readme_queries  # noqa: E402


def rows(kg: KnowledgeGraph, query: str) -> list[tuple[str, ...]]:
    return [tuple(str(t) for t in row) for row in kg.query(query)]


def now_and_before(kg: KnowledgeGraph, name: str) -> tuple[str, str]:
    now = next(e["query"] for e in example_queries(kg.minter.base) if e["id"] == name)
    return now, full_query((BEFORE / f"ui-{name}.rq").read_text(encoding="utf-8"), kg.minter.base)


def test_one_record_with_its_parts_gives_the_triples_it_gave():
    kg, _ = all_samples()
    now, before = now_and_before(kg, "describe-record")
    expected = set(rows(kg, before))
    assert len(expected) > 30
    assert set(rows(kg, now)) == expected


def test_protected_monuments_are_rows_of_the_query_they_come_from():
    kg, _ = all_samples()
    now, before = now_and_before(kg, "monuments-protections")
    every = set(rows(kg, before.replace("\nLIMIT 200", "")))
    shown = rows(kg, now)
    assert len(every) > 20
    assert set(shown) <= every and len(shown) == len(set(shown)) == min(200, len(every))
    assert set(rows(kg, now.replace("LIMIT 200", ""))) == every  # without its LIMITs: every row


def test_the_institutions_query_gives_the_readme_s_table(tmp_path: Path):
    """README, *Institutions*: the museum list and the Joconde import sample loaded, the objects of museums with
    their address (written from the museums, not from every group that resides somewhere)."""
    kg = KnowledgeGraph(tmp_path / "store")
    load(kg, [SAMPLES / "museums" / "liste-et-localisation-des-musees-de-france.csv", SAMPLES / "pop" / "joconde-valid-UTF-8.txt"],
         LoadOptions(region=None, progress=False))
    query = readme_queries("## Institutions", "institutions")["institutions-1"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme.split("## Institutions", 1)[1].split(query, 1)[1].split("\n## ", 1)[0]
    columns, expected = table(after[after.index("\n|"):].split("\n\n", 1)[0])
    found = [tuple(row[c].value for c in columns) for row in kg.query(query, prefixes=True)]
    assert len(expected) == 3 and sorted(found) == sorted(expected)
