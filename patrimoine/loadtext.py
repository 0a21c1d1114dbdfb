"""The load summary and the rejection report's messages in French or English.

The words are in load_messages.json; reasons that loaders write in English are
translated by the patterns listed there (a reason not listed stays as written).
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from graph.output import Count, number

if TYPE_CHECKING:
    from .pipeline import LoadReport

LANGS = ("fr", "en")
SHOWN = 20  # unread values and flagged records listed in the summary; all are in the report


@cache
def _messages() -> dict:
    return json.loads((Path(__file__).with_name("load_messages.json")).read_text(encoding="utf-8"))


@cache
def _reasons() -> list[tuple[re.Pattern, str]]:
    return [(re.compile(p), fr) for p, fr in _messages()["reasons"]]


def default_lang() -> str:
    """French when the locale says so (LC_ALL, LC_MESSAGES, LANG), English otherwise."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def status(name: str, lang: str) -> str:
    return _messages()["statuses"][lang].get(name, name)


def reason(text: str, lang: str) -> str:
    if lang == "en":
        return text
    for pattern, french in _reasons():
        m = pattern.match(text)
        if m:
            return m.expand(french)
    return text


def line(key: str, lang: str, **values: object) -> str:
    """A message of the summary; integers in ``values`` are counts (see :class:`Count`)."""
    counts = {k: Count(v, lang) if isinstance(v, int) else v for k, v in values.items()}
    return _messages()["summary"][lang][key].format(**counts)


def load_summary(r: "LoadReport", lang: str, graph: str) -> list[str]:
    """What a load did: counts, unread periods with their records, the quality check, where the report is."""
    c = r.counts
    out = [line("counts", lang, dataset=r.dataset, read=c.records_read,
                loaded=c.records_loaded, rejected=c.records_rejected,
                skipped=c.records_skipped, triples=r.triples,
                seconds=number(r.seconds, lang, 1), rate=number(r.records_per_second, lang))]
    if r.compared:  # a reload that followed the records: what it cost
        out.append(line(f"changed_{r.write}", lang, n=r.changed))
    if c.periods_unread:
        out.append(line("periods", lang, n=c.periods_unread))
        unread = [e for e in r.unread if e["reason"].startswith("period kept as text: ")][:SHOWN]
        for e in unread:
            where = " ".join(x for x in (f"{e['file']}:{e['line']}" if e["line"] else e["file"], e["source_id"]) if x)
            out.append(line("unread_item", lang, where=where, value=e["reason"].split(": ", 1)[-1]))
        if c.periods_unread > len(unread):
            out.append(line("more", lang, n=c.periods_unread - len(unread)))
    if c.places_unread:
        out.append(line("places", lang, n=c.places_unread))
    if c.dimensions_unread:
        out.append(line("dimensions", lang, n=c.dimensions_unread))
    if c.values_dropped:
        out.append(line("dropped", lang, n=c.values_dropped))
    if r.check is not None:
        from .loadcheck import group_messages

        out.append(line("checked", lang, violations=r.check.violations,
                        warnings=r.check.warnings, records=len(r.check.flagged)))
        for message, n in list(group_messages(r.check.flagged, lang).items())[:SHOWN]:
            out.append(line("rule", lang, n=n, message=message))
        elsewhere = r.check.elsewhere.get(lang)
        if elsewhere:
            out.append(line("elsewhere", lang, n=elsewhere.total()))
            for message, n in elsewhere.most_common(SHOWN):
                out.append(line("rule", lang, n=n, message=message))
        if r.check.quarantined:
            out.append(line("quarantined", lang, n=r.check.quarantined, graph=f"<{graph}/_quarantine>"))
    listed = c.records_rejected or c.records_skipped or c.values_dropped or (r.check is not None and r.check.flagged)
    if listed and r.rejects_path:
        out.append(line("report", lang, path=r.rejects_path))
    if r.unread and r.unread_path:
        out.append(line("unread_report", lang, path=r.unread_path))
    return out
