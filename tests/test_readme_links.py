"""The README's cross-source queries give the answers it prints, on what ``make load`` loads.

The store is built by the very commands of the Makefile's ``load`` target (read with ``make -n``, run
in-process), so the README's main command and its examples cannot drift apart. Among them is the
researcher's question of issue 9: works by artists born in Hauts-de-France held in museums of the
region, with the monuments that house them (0 rows before persons were linked).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.store import KnowledgeGraph
from patrimoine.cli import main
from server import ROOT

SECTION = "### Cross-source queries on the bundled data"
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make_load_commands(store: Path) -> list[list[str]]:
    """The ``patrimoine`` command lines of ``make load`` (without the program), for ``store``."""
    done = subprocess.run(["make", "-n", "load", f"STORE={store}"], capture_output=True, text=True, cwd=ROOT, check=True)
    lines = done.stdout.replace("\\\n", " ").splitlines()  # a recipe's continued lines are one command
    commands = [shlex.split(line)[1:] for line in lines if re.search(r"/patrimoine --store ", line)]
    assert commands and all(c[:2] == ["--store", str(store)] for c in commands)
    return commands


def readme_examples() -> list[tuple[str, str]]:
    """(query, what follows it until the next query) for each query of the README's cross-source section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    parts = re.split(r"```sparql\n(.*?)```", section, flags=re.S)
    return list(zip(parts[1::2], parts[2::2]))


def table(text: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """The first Markdown table of ``text``: its header and its rows."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    cells = [tuple(c.strip() for c in line.strip("|").split("|")) for line in lines]
    return (list(cells[0]), cells[2:]) if cells else ([], [])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    path = tmp_path_factory.mktemp("make-load") / "store"
    runner = CliRunner()
    for args in make_load_commands(path):
        result = runner.invoke(main, args, env={"PATRIMOINE_BASE_IRI": None, "PATRIMOINE_REGION": None})
        assert result.exit_code == 0, (args, result.output)
    return KnowledgeGraph(path, read_only=True)


def answers(kg: KnowledgeGraph, query: str, columns: list[str]) -> list[tuple[str, ...]]:
    return [tuple(row[c].value if row[c] is not None else "" for c in columns) for row in kg.query(query, prefixes=True)]


def test_the_readme_has_the_four_cross_source_queries() -> None:
    examples = readme_examples()
    assert len(examples) == 4  # one person's works; one commune; one person's institutions; the researcher's question
    assert sum(1 for _, after in examples if table(after)[1]) >= 3


def test_every_cross_source_query_gives_the_readme_s_answer(store: KnowledgeGraph) -> None:
    for query, after in readme_examples():
        columns, expected = table(after)
        if expected:
            assert sorted(answers(store, query, columns)) == sorted(expected), query
        elif counted := re.search(r"(\d+) sources, (\d+) records", after):
            rows = answers(store, query, ["source", "records"])
            assert (len(rows), sum(int(n) for _, n in rows)) == (int(counted[1]), int(counted[2])), query


def test_the_researchers_question_has_answers(store: KnowledgeGraph) -> None:
    """Works by artists born in the region, held in its museums, with the monuments that house them."""
    query, after = next((q, a) for q, a in readme_examples() if "P98i_was_born" in q and "housedIn" in q)
    rows = answers(store, query, ["artist", "born", "title", "museum", "building"])
    assert len(rows) >= 5 and len({r[0] for r in rows}) >= 3 and len({r[3] for r in rows}) >= 2
    region = {row["l"].value for row in store.query("""SELECT ?l WHERE { ?c crm:P89_falls_within+ <https://w3id.org/patrimoine-kg/place/region/32> ;
        rdfs:label ?l }""", prefixes=True)}
    assert {r[1] for r in rows} <= region
