"""HTML for people: templates in endpoint/templates/ filled with values escaped by default.

A template is an HTML file with ``$name`` placeholders (:class:`string.Template`).
Every value is escaped unless it is :class:`Markup`, which only the helpers
below produce (from escaped parts), so text from the data can never inject
markup: ``render("x.html", title="<b>")`` writes ``&lt;b&gt;``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Markup(str):
    """HTML that is already safe: inserted as is."""

    __slots__ = ()

    def __add__(self, other: object) -> "Markup":
        return Markup(str.__add__(self, escape(other)))

    def __radd__(self, other: object) -> "Markup":
        return Markup(str.__add__(escape(other), self))


def escape(value: object) -> Markup:
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


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
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    """The template ``name`` with every ``$placeholder`` filled (escaped unless Markup)."""
    return _template(name).substitute({k: escape(v) for k, v in values.items()})


def page(title: str, body: Markup, *, base: str = "/", head: Markup = Markup(""), main_class: str = "") -> str:
    """A complete page in the site's layout (templates/layout.html)."""
    return render("layout.html", title=title, body=body, root=base, head=head, main_class=main_class)
