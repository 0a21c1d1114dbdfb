"""``patrimoine validate``: the quality report of the store written to a file or standard output."""

from __future__ import annotations

import sys
from pathlib import Path

from graph.store import KnowledgeGraph
from graph.validation.report import Report
from graph.validation.run import quality_report

FORMATS = ("html", "csv", "json", "ttl")


def run(kg: KnowledgeGraph, shapes: Path | None, dataset: str | None, fmt: str, lang: str,
        output: Path | None, progress: bool = True) -> Report:
    """Validate, write the report in ``fmt`` to ``output`` (standard output when None), return it."""
    with _progress(progress) as bar:
        report = quality_report(kg, shapes, dataset, bar)
    text = report.render(fmt, lang)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        tmp = output.with_name(f".{output.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
    return report


class _progress:
    """A tqdm bar on stderr (on a terminal only) counting the checks run."""

    def __init__(self, enabled: bool) -> None:
        from tqdm import tqdm

        self.bar = tqdm(desc="checks", unit=" checks", disable=None if enabled else True, leave=False)

    def __enter__(self):
        def update(done: int, total: int) -> None:
            self.bar.total = total
            self.bar.update(done - self.bar.n)
        return update

    def __exit__(self, *exc) -> None:
        self.bar.close()
