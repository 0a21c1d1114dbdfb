"""graph/intervals.py: positions found by the overlap of their intervals, checked against looking at each."""

from __future__ import annotations

import random

from graph.intervals import IntervalIndex


def _span(rng: random.Random) -> tuple[int, int] | None:
    kind = rng.random()
    start = rng.randrange(1400, 2000)
    if kind < 0.15:
        return None
    if kind < 0.5:
        return (start, start)
    if kind < 0.9:
        return (start, start + rng.choice([1, 2, 5, 30, 100, 400]))
    return (start, start - rng.randrange(1, 50))  # inverted: overlaps only what covers both ends


def _overlap(span: tuple[int, int] | None, lo: int, hi: int) -> bool:
    return span is None or (span[0] <= hi and lo <= span[1])


def test_overlapping_is_what_looking_at_each_finds_in_order() -> None:
    rng = random.Random(7)
    for _ in range(40):
        index, spans = IntervalIndex(), {}
        for _ in range(300):
            action, p = rng.random(), rng.randrange(200)
            if action < 0.2 and p in spans:
                index.remove(p)
                del spans[p]
            else:
                spans[p] = _span(rng)
                index.put(p, spans[p])
            assert len(index) == len(spans) and (p not in spans or index.span(p) == spans[p])
        for _ in range(30):
            lo = rng.randrange(1350, 2050)
            hi = lo + rng.choice([-20, 0, 0, 1, 10, 200]) if rng.random() < 0.9 else 1 << 40
            found = list(index.overlapping(lo, hi))
            assert found == sorted(p for p, s in spans.items() if _overlap(s, lo, hi))
            assert index.count(lo, hi) >= len(found)


def test_count_is_close_for_single_years_among_centuries() -> None:
    index = IntervalIndex()
    for p in range(1000):
        index.put(p, (1000 + p, 1000 + p))
    index.put(1000, (1500, 1599))
    assert list(index.overlapping(1200, 1201)) == [200, 201]
    assert index.count(1200, 1201) <= 3  # the century is searched in its own list, single years in theirs
