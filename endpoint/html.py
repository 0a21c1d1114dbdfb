"""HTML for people: Jinja2 templates in endpoint/templates/, autoescaped, in French or English.

Every value a template writes is escaped unless it is :class:`Markup`
(MarkupSafe's), which only the helpers below produce (from escaped parts), so
text from the data can never inject markup: ``render("x.html", title="<b>")``
writes ``&lt;b&gt;``. The words of the pages are in words.json, per language
(:mod:`endpoint.language` chooses it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from markupsafe import escape as _escape

TEMPLATES = Path(__file__).resolve().parent / "templates"
WORDS = Path(__file__).resolve().parent / "words.json"


def escape(value: object) -> Markup:
    return _escape("" if value is None else value)


def join(parts: Iterable[object], sep: str = "") -> Markup:
    return Markup(escape(sep).join(escape(p) for p in parts))


SAFE_SCHEMES = ("http", "https", "mailto")
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "poster", "cite", "data"})


def safe_url(url: str) -> bool:
    """Whether ``url`` may be a link or an image source: an http(s) or mailto URL, or a reference on this site.

    An IRI from the data can be anything (``javascript:``, ``data:``...); a
    browser drops spaces and control characters around and inside a scheme,
    so only a plain allowed scheme, or no scheme at all, passes.
    """
    head = url.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if ":" not in head:
        return not url[:1].isspace() and not any(ord(c) < 32 for c in head)
    scheme = head.split(":", 1)[0]
    return scheme.isalpha() and scheme.lower() in SAFE_SCHEMES


def tag(name: str, content: object = "", /, **attrs: object) -> Markup:
    """``tag("a", "Amiens", href=url, class_="place")``; ``None``/``False`` attributes are left out, and so is
    a URL attribute whose scheme is not safe (:func:`safe_url`): a ``javascript:`` IRI is text, never a link."""
    written = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        if key in URL_ATTRIBUTES and not safe_url(str(value)):
            continue
        key = key.rstrip("_").replace("_", "-")
        written.append(f" {key}" if value is True else f' {key}="{escape(value)}"')
    return Markup(f"<{name}{''.join(written)}>{escape(content)}</{name}>")


def link(href: str, text: object, **attrs: object) -> Markup:
    """A link; plain text (with the address as its title) when ``href`` is not a safe URL."""
    if not safe_url(href):
        return tag("span", text, title=attrs.get("title") or href)
    return tag("a", text, href=href, **attrs)


@cache
def words() -> dict[str, dict[str, str]]:
    return json.loads(WORDS.read_text(encoding="utf-8"))


def word(key: str, lang: str = "en") -> str:
    return words()[lang][key]


@cache
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                       trim_blocks=True, lstrip_blocks=True)


def render(name: str, lang: str = "en", **values: object) -> str:
    """The template ``name`` with ``values`` (escaped unless Markup) and the words of ``lang`` as ``w``."""
    return environment().get_template(name).render(w=words()[lang], lang=lang, **values)


def page(title: str, body: Markup, *, base: str = "/", head: Markup = Markup(""), main_class: str = "",
         lang: str = "en", switch: str | None = None) -> str:
    """A complete page in the site's layout (templates/layout.html); ``switch``: this page in the other language."""
    return render("layout.html", lang, title=title, body=body, root=base, head=head, main_class=main_class,
                  switch=switch)
