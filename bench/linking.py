"""Linking benchmark: quality of the links against the gold sets in tests/data/gold/.

    python bench/linking.py [--part places|all]

One function per kind of entity linked, each printing its figures (persons and institutions are added
by their own parts):

* places: precision, recall and F1 of place resolution (graph/places.py) on tests/data/gold/places.csv
  (how it was built: places-README.md; scoring: tests/place_gold.py), for the whole set, the mentions of
  the bundled samples, those written for the purpose and those held out; and the resolution rate of
  distinct mentions (the resolver caches repeated ones). Goal: precision >= 0.99, recall >= 0.95.

Figures are printed, not asserted: tests/test_places.py asserts the goals.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from graph.places import PlaceResolver  # noqa: E402
from place_gold import predict, read_gold, score  # noqa: E402

GOALS = {"places": (0.99, 0.95)}


def places() -> None:
    print("places")
    gold = read_gold()
    resolver = PlaceResolver()
    started = time.perf_counter()
    resolver.geo.find_commune("Amiens"), resolver.geo.communes_with_postcode("80000")
    assert resolver.world.cities
    print(f"  reference data read in {time.perf_counter() - started:.2f} s (communes of France and their names, places abroad)")
    started = time.perf_counter()
    pairs = [(g, predict(resolver, g)) for g in gold]
    seconds = time.perf_counter() - started
    parts = {
        "all": pairs,
        "bundled samples": [p for p in pairs if not p[0].source.startswith("constructed")],
        "written for it": [p for p in pairs if p[0].source == "constructed"],
        "held out": [p for p in pairs if p[0].source == "constructed (held out)"],
    }
    for label, chosen in parts.items():
        s = score(chosen)
        print(f"  {label:16} {s.mentions:4} mentions  precision {s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f}"
              f"  ({s.true_positives} right, {s.false_positives} wrong, {s.false_negatives} missed)")
    for g, predicted in pairs:
        if predicted != g.expected:
            print(f"    {g.mention!r}: expected {g.expected}, got {predicted}  ({g.note})")
    goal_p, goal_r = GOALS["places"]
    s = score(pairs)
    print(f"  goal precision >= {goal_p}, recall >= {goal_r}: {'met' if s.precision >= goal_p and s.recall >= goal_r else 'NOT met'}")
    print(f"  {len(gold) / seconds:,.0f} distinct mentions resolved per second (first resolution of each, "
          f"reference data loaded beforehand)")


PARTS = {"places": places}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all")
    args = parser.parse_args()
    for name, part in PARTS.items():
        if args.part in (name, "all"):
            part()


if __name__ == "__main__":
    main()
