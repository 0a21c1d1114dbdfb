"""Work cut into pieces of a bounded size: the terms of one ``VALUES`` list, the triples of one deletion."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), in order."""
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk
