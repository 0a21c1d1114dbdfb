"""What the text of a SPARQL query or update says, read by a tokenizer rather than by searching words.

The endpoint must know a few things before handing a request to Oxigraph: the
query form (to negotiate the result format), whether it names its own dataset
(``FROM``), which remote endpoints it would call (``SERVICE``, ``LOAD``), and
where to put the protocol's ``using-graph-uri``. A keyword search would be
fooled by strings, comments, IRIs and prefixed names containing those words;
this tokenizer skips them the way the SPARQL grammar does. It never fails: text
it cannot read becomes single-character tokens, which only ever makes a check
stricter (an unreadable ``SERVICE`` target is refused), and Oxigraph's own
parser still rejects invalid syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

_PN_CHARS_BASE = "A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F" \
                 "\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"

_TOKEN = re.compile(
    "|".join([
        r"(?P<ws>\s+)",
        r"(?P<comment>#[^\r\n]*)",
        r"(?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''"
        r'|"""(?:(?:"|"")?(?:[^"\\]|\\.))*"""'
        r"|'(?:[^'\\\r\n]|\\.)*'"
        r'|"(?:[^"\\\r\n]|\\.)*")',
        rf"(?P<iri><(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)",
        rf"(?P<var>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*)",
        rf"(?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)",
        rf"(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)",
        r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
        r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
        r"(?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)",
        r"(?P<punct>\^\^|\|\||&&|!=|<=|>=|.)",
    ]),
    re.DOTALL,
)

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})


class Token(NamedTuple):
    kind: str  # iri, var, bnode, pname, lang, word, number, punct, string
    text: str
    start: int

    @property
    def keyword(self) -> str:
        """The upper-cased word for keywords, '' for anything else."""
        return self.text.upper() if self.kind == "word" else ""


def tokens(text: str) -> list[Token]:
    """The significant tokens of ``text`` (whitespace and comments dropped)."""
    return list(_significant(text))


def _significant(text: str) -> Iterator[Token]:
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind != "ws" and kind != "comment":
            yield Token(kind, m.group(), m.start())


def unescape_iri(token: str) -> str:
    """The IRI of an ``<...>`` token, with ``\\uXXXX`` escapes decoded as Oxigraph does."""
    body = token[1:-1]
    return re.sub(_UCHAR, lambda m: chr(int(m.group()[2:], 16)), body)


@dataclass
class Remote:
    """A call out of the store the text asks for: ``SERVICE`` or ``LOAD``, with its target IRI if known."""

    keyword: str
    iri: str | None  # None: a variable, or a name that cannot be resolved
    written: str

    def host(self) -> str | None:
        if self.iri is None:
            return None
        parts = urlsplit(self.iri)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        return parts.hostname.lower()

    def netloc(self) -> str | None:
        if self.host() is None:
            return None
        parts = urlsplit(self.iri)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{parts.hostname.lower()}:{port}"


@dataclass
class Analysis:
    """What the endpoint needs to know about a request's text before running it."""

    form: str | None  # SELECT, CONSTRUCT, DESCRIBE, ASK; None for an update or unreadable text
    is_update: bool
    has_dataset_clause: bool  # FROM / FROM NAMED in a query
    has_using: bool  # USING / USING NAMED / WITH in an update
    remotes: list[Remote] = field(default_factory=list)


def analyse(text: str) -> Analysis:
    lower = text.lower()
    # Reading stops at the query form unless the text may hold more that matters (the common case is cheap).
    read_all = any(word in lower for word in ("service", "load", "from", "using", "with"))
    toks = tokens(text) if read_all else _head_tokens(text)
    prefixes: dict[str, str] = {}
    base: str | None = None
    remotes: list[Remote] = []
    form = None
    is_update = False
    has_from = has_using = False
    for i, tok in enumerate(toks):
        kw = tok.keyword
        if not kw:
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if kw == "BASE" and nxt is not None and nxt.kind == "iri":
            base = _resolve(unescape_iri(nxt.text), base)
        elif kw == "PREFIX" and nxt is not None and nxt.kind == "pname" and i + 2 < len(toks) \
                and toks[i + 2].kind == "iri":
            prefixes[nxt.text[:-1]] = _resolve(unescape_iri(toks[i + 2].text), base)
        elif kw in QUERY_FORMS and form is None and not is_update:
            form = kw
        elif kw in UPDATE_KEYWORDS and form is None:
            is_update = True
        elif kw == "FROM":
            has_from = True
        if kw in ("USING", "WITH"):
            has_using = True
        if kw in ("SERVICE", "LOAD"):
            j = i + 1
            if j < len(toks) and toks[j].keyword == "SILENT":
                j += 1
            target = toks[j] if j < len(toks) else None
            remotes.append(Remote(kw, _target_iri(target, prefixes, base), target.text if target else ""))
    return Analysis(form=None if is_update else form, is_update=is_update, has_dataset_clause=has_from,
                    has_using=has_using, remotes=remotes)


def _head_tokens(text: str) -> list[Token]:
    """The tokens up to the first query-form or update keyword."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        tok = Token(kind, m.group(), m.start())
        out.append(tok)
        if tok.keyword in QUERY_FORMS or tok.keyword in UPDATE_KEYWORDS:
            break
    return out


def _target_iri(tok: Token | None, prefixes: dict[str, str], base: str | None) -> str | None:
    if tok is None:
        return None
    if tok.kind == "iri":
        return _resolve(unescape_iri(tok.text), base)
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def _resolve(iri: str, base: str | None) -> str:
    if base and not urlsplit(iri).scheme:
        return urljoin(base, iri)
    return iri


def add_using(update: str, using: list[str], using_named: list[str]) -> str:
    """The update with ``USING``/``USING NAMED`` clauses before the ``WHERE`` of each DELETE/INSERT operation.

    That is what the protocol's ``using-graph-uri``/``using-named-graph-uri`` mean
    (SPARQL 1.1 Protocol §2.2.3); ``DELETE WHERE`` and the ``DATA`` forms take no dataset.
    """
    clause = "".join(f" USING <{g}>" for g in using) + "".join(f" USING NAMED <{g}>" for g in using_named) + " "
    out, last = [], 0
    depth = 0
    prev: Token | None = None
    for tok in tokens(update):
        if tok.kind == "punct" and tok.text == "{":
            depth += 1
        elif tok.kind == "punct" and tok.text == "}":
            depth -= 1
        elif tok.keyword == "WHERE" and depth == 0 and prev is not None and prev.text == "}":
            out.append(update[last:tok.start])
            out.append(clause)
            last = tok.start
        prev = tok
    out.append(update[last:])
    return "".join(out)


@dataclass(frozen=True)
class Lookup:
    """A query that only reads triples of resources it names (see :func:`resource_lookup`)."""

    form: str  # SELECT, ASK or CONSTRUCT
    bound: int  # SELECT: the variables every row binds (projected and in the patterns); else 0


def resource_lookup(text: str) -> Lookup | None:
    """The query as a :class:`Lookup` if it only reads triples of resources it names, else None.

    That is a SELECT (variables or ``*``, optionally DISTINCT/REDUCED), ASK or
    CONSTRUCT whose WHERE clause is a plain list of triple patterns, each with an
    IRI as subject (``<iri> ?p ?o``, ``ex:x rdfs:label ?l ; a ?t``), and at most
    LIMIT and OFFSET after it: no FILTER, OPTIONAL, UNION, sub-query, property
    path, aggregate, ORDER BY, FROM or SERVICE. Its work is bounded by the
    out-degree of the named resources, so the endpoint may run it without a
    killable worker; and, with nothing optional, every row binds the same
    variables. Anything else, or anything this reading is unsure of, is None.
    """
    reader = _Lookup(_significant(text))
    try:
        form = reader.query()
    except IndexError:
        return None
    if form is None:
        return None
    projected = reader.variables if reader.projected is None else reader.projected & reader.variables
    return Lookup(form, len(projected) if form == "SELECT" else 0)


class _Lookup:
    """A recursive-descent reader of the few query shapes :func:`resource_lookup` accepts.

    It pulls tokens one at a time, so that a query that is no lookup (most
    analytical ones fail at their first parenthesis) is not tokenized to its end.
    """

    MAX_PATTERNS = 8

    def __init__(self, toks: Iterator[Token]) -> None:
        self._toks = toks
        self.current: Token | None = next(toks, None)
        self.patterns = 0
        self.projected: set[str] | None = None  # None: SELECT *
        self.variables: set[str] = set()  # those of the WHERE patterns
        self.in_where = False

    def at_end(self) -> bool:
        return self.current is None

    def peek(self) -> Token:
        if self.current is None:
            raise IndexError("end of the query")
        return self.current

    def take(self) -> Token:
        tok = self.peek()
        self.current = next(self._toks, None)
        return tok

    def punct(self, text: str) -> bool:
        tok = self.current
        if tok is not None and tok.kind == "punct" and tok.text == text:
            self.take()
            return True
        return False

    def keyword(self, word: str) -> bool:
        tok = self.current
        if tok is not None and tok.keyword == word:
            self.take()
            return True
        return False

    def query(self) -> str | None:
        """The query form if the whole text is a lookup, else None."""
        while self.keyword("PREFIX") or self.keyword("BASE"):
            if self.peek().kind == "pname":
                self.take()
            if self.take().kind != "iri":
                return None
        if self.keyword("SELECT"):
            form = "SELECT"
            self.keyword("DISTINCT") or self.keyword("REDUCED")
            if not self.punct("*"):
                if self.peek().kind != "var":
                    return None
                self.projected = set()
                while not self.at_end() and self.peek().kind == "var":
                    self.projected.add(self.take().text[1:])
            self.keyword("WHERE")
        elif self.keyword("ASK"):
            form = "ASK"
            self.keyword("WHERE")
        elif self.keyword("CONSTRUCT"):
            form = "CONSTRUCT"
            if not self.keyword("WHERE"):
                if not self.group(template=True):
                    return None
                self.keyword("WHERE")
        else:
            return None
        if not self.group(template=False):
            return None
        seen: set[str] = set()
        while not self.at_end():
            word = self.take().keyword
            if word not in ("LIMIT", "OFFSET") or word in seen or self.take().kind != "number":
                return None
            seen.add(word)
        return form if self.patterns > 0 else None

    def term(self) -> Token:
        tok = self.take()
        if self.in_where and tok.kind == "var":
            self.variables.add(tok.text[1:])
        return tok

    def group(self, template: bool) -> bool:
        """``{ triples }``; subjects must be IRIs outside a CONSTRUCT template."""
        if not self.punct("{"):
            return False
        self.in_where = not template
        while not self.punct("}"):
            subject = self.take()
            if subject.kind not in ("iri", "pname") and not (template and subject.kind in ("var", "bnode")):
                return False
            if not template:
                self.patterns += 1
            if not self.predicate_objects(template):
                return False
            if not self.punct("."):
                if self.punct("}"):
                    break
                return False
        return self.patterns <= self.MAX_PATTERNS

    def predicate_objects(self, template: bool) -> bool:
        while True:
            verb = self.term()
            if not (verb.kind in ("iri", "pname", "var") or verb.text == "a"):
                return False
            while True:
                if not self.object():
                    return False
                if not self.punct(","):
                    break
                if not template:
                    self.patterns += 1
            if not self.punct(";"):
                return True
            while self.punct(";"):
                pass
            tok = self.peek()
            if tok.kind == "punct" and tok.text in (".", "}"):
                return True
            if not template:
                self.patterns += 1

    def object(self) -> bool:
        tok = self.term()
        if tok.kind in ("iri", "pname", "var", "number", "bnode") or tok.keyword in ("TRUE", "FALSE"):
            return True
        if tok.kind != "string":
            return False
        if not self.at_end() and self.peek().kind == "lang":
            self.take()
        elif self.punct("^^"):
            return self.take().kind in ("iri", "pname")
        return True
