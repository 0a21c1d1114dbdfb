"""The place gold set (tests/data/gold/places.csv): the right answers, and how place resolution is scored.

Each row is one place mention as a record gives it (``mention``), with the context the record gives
(``departments``: INSEE codes of the départements it is about; ``region``: the region of the load) and
the right answer, checked by hand (``expected``): ``commune:{INSEE}``, ``department:{code}``,
``region:{code}``, ``country:{ISO alpha-2}``, ``city:{GeoNames id}`` (a place abroad), ``unknown``
(the mention must stay text: ambiguous, or not in the reference data) or ``none`` (says no place).

Scoring, mention by mention: a resolved answer equal to the expected one is a true positive; a
resolved answer that differs (including one for a mention that must stay text) is a false positive;
an expected place not found (left as text or resolved wrongly) is a false negative.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from graph.places import PlaceContext, PlaceResolver

GOLD = Path(__file__).resolve().parent / "data" / "gold" / "places.csv"


@dataclass(frozen=True, slots=True)
class GoldPlace:
    source: str
    record: str
    field: str
    mention: str
    departments: tuple[str, ...]
    region: str | None
    expected: str
    note: str

    @property
    def context(self) -> PlaceContext:
        return PlaceContext(self.departments, self.region)


@dataclass(frozen=True, slots=True)
class Scores:
    true_positives: int
    false_positives: int
    false_negatives: int
    mentions: int

    @property
    def precision(self) -> float:
        resolved = self.true_positives + self.false_positives
        return self.true_positives / resolved if resolved else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_gold(path: Path = GOLD) -> list[GoldPlace]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [GoldPlace(r["source"], r["record"], r["field"], r["mention"], tuple(r["departments"].split()),
                          r["region"] or None, r["expected"], r["note"]) for r in csv.DictReader(fh)]


def predict(resolver: PlaceResolver, gold: GoldPlace) -> str:
    """The answer of place resolution for one gold mention, in the gold set's notation."""
    found = resolver.resolve(gold.mention, gold.context)
    if found is None:
        return "none"
    return "unknown" if not found.resolved else f"{found.kind}:{found.key}"


def score(pairs: list[tuple[GoldPlace, str]]) -> Scores:
    tp = fp = fn = 0
    for gold, predicted in pairs:
        expected_place = gold.expected not in ("unknown", "none")
        predicted_place = predicted not in ("unknown", "none")
        if predicted_place and predicted == gold.expected:
            tp += 1
            continue
        if predicted_place:
            fp += 1
        if expected_place:
            fn += 1
    return Scores(tp, fp, fn, len(pairs))
