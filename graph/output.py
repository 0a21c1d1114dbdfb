"""Writing query results for people (aligned tables with prefixed names) and for tools (CSV, TSV, JSON)."""

from __future__ import annotations

from typing import IO

import pyoxigraph as ox

from .namespaces import PREFIXES

_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV, "json": ox.QueryResultsFormat.JSON}


def short(term: object) -> str:
    """A term as a person reads it: ``crm:E22_Human-Made_Object``, ``"Amiens"@fr`` → ``Amiens``."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        value = term.value
        for prefix, uri in PREFIXES.items():
            if value.startswith(uri) and "/" not in value[len(uri):]:
                return f"{prefix}:{value[len(uri):]}"
        return value
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def plural(n: int, one: str, many: str, lang: str = "en") -> str:
    """The word that agrees with a count: ``one`` for 1 (and for 0 in French), ``many`` otherwise."""
    return one if (n == 1 if lang == "en" else 0 <= n < 2) else many


def number(n: int | float, lang: str = "en", digits: int = 0) -> str:
    """``12,345.6`` in English, ``12 345,6`` in French (a narrow no-break space between thousands)."""
    text = f"{n:,.{digits}f}"
    if lang == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


class Count:
    """A count in a message: ``{n}`` (or ``str``) writes it as the language does, ``{n:notice|notices}`` the
    words that agree with it."""

    def __init__(self, n: int, lang: str) -> None:
        self.n, self.lang = n, lang

    def __format__(self, spec: str) -> str:
        if "|" in spec:
            return plural(self.n, *spec.split("|", 1), lang=self.lang)
        return number(self.n, self.lang)

    def __str__(self) -> str:
        return number(self.n, self.lang)


def table(columns: list[str], rows: list[list[str]]) -> str:
    widths = [len(c) for c in columns]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths)).rstrip()
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), sep, *(line(r) for r in rows)])


def write_results(results: object, fmt: str, out: IO[bytes]) -> None:
    if isinstance(results, (bool, ox.QueryBoolean)):
        if fmt in _FORMATS and not isinstance(results, bool):
            out.write(results.serialize(format=_FORMATS[fmt]))
        else:
            out.write((("true" if bool(results) else "false") + "\n").encode())
        return
    if isinstance(results, ox.QueryTriples):
        if fmt == "table":
            out.write(ox.serialize(results, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES))
        else:
            out.write(results.serialize(format=ox.RdfFormat.N_TRIPLES))
        return
    if fmt in _FORMATS:
        out.write(results.serialize(format=_FORMATS[fmt]))
        return
    columns = [v.value for v in results.variables]
    rows = [[short(sol[c]) for c in columns] for sol in results]
    out.write((table(columns, rows) + f"\n({len(rows)} {plural(len(rows), 'row', 'rows')})\n").encode())
