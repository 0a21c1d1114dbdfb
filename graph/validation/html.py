"""The librarians' HTML report: one self-contained page (styles inline, no script, no CDN).

Rendered by Jinja2 with autoescape from templates/report.html; the words are in
labels.json (French and English). Severity filters are checkboxes styled in
CSS, so they work without JavaScript and under a strict Content-Security-Policy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape

if TYPE_CHECKING:
    from .report import Report

HERE = Path(__file__).resolve().parent
LANGS = ("fr", "en")


@cache
def labels() -> dict[str, dict[str, str]]:
    return json.loads((HERE / "labels.json").read_text(encoding="utf-8"))


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["href"] = safe_href
    env.filters["number"] = number
    env.filters["when"] = when
    return env


def safe_href(url: str | None) -> str | None:
    """A link target only for http(s) IRIs and local paths (never ``javascript:`` and the like)."""
    if not url:
        return None
    if url.startswith(("http://", "https://")) or (url.startswith("/") and not url.startswith("//")):
        return url
    return None


def number(n: int, lang: str = "fr") -> str:
    """``12345`` → ``12 345`` in French, ``12,345`` in English."""
    text = f"{n:,}"
    return text.replace(",", "\u202f") if lang == "fr" else text


MONTHS = {"fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                  "novembre", "décembre"),
          "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                 "November", "December")}


def when(stamp: str, lang: str = "fr") -> str:
    """``2026-11-30T14:20:06Z`` → ``30 novembre 2026 à 14:20 UTC`` (``30 November 2026, 14:20 UTC``)."""
    try:
        t = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return stamp
    day = f"{t.day} {MONTHS[lang][t.month - 1]} {t.year}"
    return f"{day} à {t:%H:%M} UTC" if lang == "fr" else f"{day}, {t:%H:%M} UTC"


def render_html(report: "Report", lang: str = "fr", link: Callable[[str], str] | None = None,
                switch: str | None = None, formats: dict[str, str] | None = None,
                dataset_link: Callable[[str], str] | None = None) -> str:
    """The page; ``link(iri)`` gives a record's page (default: its IRI), ``switch`` the URL of the
    page in the other language, ``formats`` the URLs of the other formats and ``dataset_link(name)``
    a dataset's own report (when served)."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: choose one of {', '.join(LANGS)}")
    template = environment().get_template("report.html")
    return template.render(
        r=report, t=labels()[lang], lang=lang, counts=report.counts(), holders=report.holders(),
        groups=report.groups(), link=link or (lambda iri: iri), switch=switch, formats=formats or {},
        readiness=report.readiness, dataset_link=dataset_link or (lambda name: None),
    )
