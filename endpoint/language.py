"""Which language a page speaks: French to browsers that ask for it, English otherwise, with a switch.

The choice, in order: ``?lang=fr|en`` (the switch's links; remembered in a
cookie), the ``lang`` cookie, the ``Accept-Language`` header (the supported
language with the highest weight), else English.
"""

from __future__ import annotations

from starlette.requests import Request

SUPPORTED = ("fr", "en")
DEFAULT = "en"
COOKIE = "lang"


def preferred(accept_language: str | None, supported: tuple[str, ...] = SUPPORTED, default: str = DEFAULT) -> str:
    """The supported language an ``Accept-Language`` header prefers (``fr-FR,fr;q=0.9,en;q=0.8`` → ``fr``)."""
    best, best_q = default, 0.0
    for order, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-", 1)[0]
        if primary in supported and q > best_q:  # ties: the first listed wins
            best, best_q = primary, q
    return best


def language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in SUPPORTED:
        return asked
    cookie = request.cookies.get(COOKIE)
    if cookie in SUPPORTED:
        return cookie
    return preferred(request.headers.get("accept-language"))


def remember(response, request: Request) -> None:
    """Keep an explicit choice (``?lang=``) for the next pages; say what the answer varies on."""
    asked = request.query_params.get("lang")
    if asked in SUPPORTED:
        response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    vary = response.headers.get("vary")
    response.headers["vary"] = ", ".join(x for x in (vary, "Accept-Language, Cookie") if x)


def switch_url(request: Request, lang: str) -> str:
    """This page's URL in the other language."""
    other = "en" if lang == "fr" else "fr"
    return f"{request.url.path}?{request.url.include_query_params(lang=other).query}"
