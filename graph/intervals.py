"""Positions with an optional interval of integers (years), found by overlap without looking at the others.

:class:`IntervalIndex` answers "which positions have an interval that overlaps ``[lo, hi]``, or none at
all?" in position order, at the cost of a few binary searches and of what it returns. Intervals are kept
in sorted lists by their start, one list per class of width (0, 1, 2–3, 4–7, …): an interval that
overlaps ``[lo, hi]`` starts at most at ``hi`` and, in a class whose widths are below ``w``, at least at
``lo - w``, so each class is searched in one slice, and a century among single years does not widen the
search of the years. Positions without an interval overlap everything: they are returned too.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator
from heapq import merge

Span = tuple[int, int]  # inclusive bounds; an interval with hi < lo overlaps nothing narrower than it


def _width_class(span: Span) -> int:
    return max(span[1] - span[0], 0).bit_length()


class IntervalIndex:
    """Positions (integers) with an interval each, or none."""

    __slots__ = ("_spans", "_classes", "_without", "_without_sorted")

    def __init__(self) -> None:
        self._spans: dict[int, Span | None] = {}
        self._classes: dict[int, list[tuple[int, int]]] = {}  # width class → sorted (start, position)
        self._without: dict[int, None] = {}  # positions without an interval, in the order they came
        self._without_sorted = True

    def __len__(self) -> int:
        return len(self._spans)

    def span(self, position: int) -> Span | None:
        return self._spans[position]

    def put(self, position: int, span: Span | None) -> None:
        """Give ``position`` its interval (``None``: it has none), replacing the one it had."""
        if position in self._spans:
            if self._spans[position] == span:
                return
            self.remove(position)
        self._spans[position] = span
        if span is None:
            if self._without and position < next(reversed(self._without)):
                self._without_sorted = False
            self._without[position] = None
        else:
            insort(self._classes.setdefault(_width_class(span), []), (span[0], position))

    def remove(self, position: int) -> None:
        span = self._spans.pop(position)
        if span is None:
            del self._without[position]
            return
        entries = self._classes[_width_class(span)]
        del entries[bisect_left(entries, (span[0], position))]

    def count(self, lo: int, hi: int) -> int:
        """At least as many positions as :meth:`overlapping` returns, found in a few binary searches."""
        return len(self._without) + sum(b - a for a, b in self._slices(lo, hi))

    def overlapping(self, lo: int, hi: int) -> Iterator[int]:
        """The positions whose interval overlaps ``[lo, hi]`` (both bounds included) or that have none, in
        increasing order."""
        spans = self._spans
        found = sorted(p for entries, (a, b) in zip(self._classes.values(), self._slices(lo, hi))
                       for _, p in entries[a:b] if spans[p][1] >= lo)  # type: ignore[index]
        without = self._without if self._without_sorted else sorted(self._without)
        return merge(found, without) if without else iter(found)

    def _slices(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """For each class of width, in the order of ``_classes``: the slice of entries that may overlap."""
        out = []
        for width_class, entries in self._classes.items():
            widest = (1 << width_class) - 1 if width_class else 0
            first = bisect_left(entries, (lo - widest,))
            out.append((first, max(first, bisect_right(entries, (hi, float("inf"))))))
        return out
