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
# The most nesting (see nesting()) a request may have. Oxigraph's parser and evaluator recurse once per level
# of the syntax tree, and a tree too deep overflows the stack of the process running it (a segmentation fault,
# measured with pyoxigraph 0.5 on an 8 MiB stack: 936 nested function calls, 2,238 nested groups, 2,703
# BINDs in a row, 6,886 terms added in a row, all of them a measure of 1,878 or more).
MAX_NESTING = 1000
_NESTING_PUNCT = frozenset({"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|", "^", "!"})
_NESTING_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS", "BIND", "FILTER", "EXISTS", "NOT", "GRAPH", "SERVICE",
                            "VALUES", "IN"})
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
    nesting: int = 0  # see nesting(); 0 for a text too short to reach MAX_NESTING, which is not measured


def analyse(text: str) -> Analysis:
    lower = text.lower()
    # Reading stops at the query form unless the text may hold more that matters (the common case is cheap);
    # a text of n characters nests at most 2n deep.
    read_all = 2 * len(text) > MAX_NESTING or any(word in lower for word in ("service", "load", "from", "using",
                                                                             "with"))
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
                    has_using=has_using, remotes=remotes, nesting=_nesting(toks) if read_all else 0)


def nesting(text: str) -> int:
    """How deep the syntax tree of ``text`` may be, an upper bound read from its tokens.

    Brackets nest; and operators, ``UNION``, ``OPTIONAL``, ``BIND``... in a row
    nest too (Oxigraph builds ``a + b + c`` as ``(a + b) + c``). So the measure
    is, at the deepest point, the number of open brackets plus everything that
    was chained at each of their levels (a bracket counts as an element of the
    level it opens in). Lists (commas, triple patterns) do not nest.
    """
    return _nesting(tokens(text))


def _nesting(toks: list[Token]) -> int:
    levels = [0]  # the elements chained at each open level
    depth = deepest = 0
    for tok in toks:
        if tok.kind == "punct":
            text = tok.text
            if text in ("(", "[", "{"):
                levels[-1] += 1
                levels.append(0)
                depth += 2
            elif text in (")", "]", "}"):
                if len(levels) > 1:
                    depth -= levels.pop() + 1
                continue
            elif text in _NESTING_PUNCT:
                levels[-1] += 1
                depth += 1
            else:
                continue
        elif tok.keyword in _NESTING_WORDS:
            levels[-1] += 1
            depth += 1
        else:
            continue
        deepest = max(deepest, depth)
    return deepest


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


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class Lookup:
    """A query that only reads triples of resources it names (see :func:`resource_lookup`)."""

    form: str  # SELECT, ASK or CONSTRUCT
    bound: int  # SELECT: the variables every row binds (projected and in the patterns); else 0
    # (subject IRI, predicate IRI or None for a variable) of every triple pattern of the WHERE clause
    patterns: tuple[tuple[str, str | None], ...] = ()
    # one pattern, each of its matches a row as it is found (SELECT without DISTINCT, REDUCED nor OFFSET; ASK):
    # its work is bounded by the rows it returns, whatever the store holds
    streams: bool = False


def resource_lookup(text: str) -> Lookup | None:
    """The query as a :class:`Lookup` if it only reads triples of resources it names, else None.

    That is a SELECT (variables or ``*``, optionally DISTINCT/REDUCED), ASK or
    CONSTRUCT whose WHERE clause is a plain list of at most eight triple
    patterns, each with an IRI as subject (``<iri> ?p ?o``, ``ex:x rdfs:label
    ?l ; a ?t``), and at most LIMIT and OFFSET after it: no FILTER, OPTIONAL,
    UNION, sub-query, property path, aggregate, ORDER BY, FROM or SERVICE. Its
    work is bounded by the triples of the named resources: at most the product,
    over its patterns, of the triples matching each (patterns that share no
    variable join as a cross product), which the endpoint estimates from the
    store before it runs such a query without a killable worker
    (:attr:`Lookup.patterns`). With nothing optional, every row binds the same
    variables. Subjects and predicates must be absolute IRIs or prefixed names
    declared in the query, without escapes, so that they are read exactly as
    Oxigraph reads them. Anything else, or anything this reading is unsure of,
    is None.
    """
    reader = _Lookup(_significant(text))
    try:
        form = reader.query()
    except IndexError:
        return None
    if form is None:
        return None
    projected = reader.variables if reader.projected is None else reader.projected & reader.variables
    streams = len(reader.patterns) == 1 and form in ("SELECT", "ASK") and not reader.distinct and not reader.offset
    return Lookup(form, len(projected) if form == "SELECT" else 0, tuple(reader.patterns), streams)


class _Lookup:
    """A recursive-descent reader of the few query shapes :func:`resource_lookup` accepts.

    It pulls tokens one at a time, so that a query that is no lookup (most
    analytical ones fail at their first parenthesis) is not tokenized to its end.
    """

    MAX_PATTERNS = 8

    def __init__(self, toks: Iterator[Token]) -> None:
        self._toks = toks
        self.current: Token | None = next(toks, None)
        self.patterns: list[tuple[str, str | None]] = []  # those of the WHERE clause
        self.projected: set[str] | None = None  # None: SELECT *
        self.variables: set[str] = set()  # those of the WHERE patterns
        self.in_where = False
        self.prefixes: dict[str, str] = {}
        self.distinct = False  # DISTINCT or REDUCED
        self.offset = False

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
        while True:
            if self.keyword("PREFIX"):
                name = self.take()
                iri = self.take()
                if name.kind != "pname" or not name.text.endswith(":") or iri.kind != "iri":
                    return None
                self.prefixes[name.text[:-1]] = self.absolute(iri.text[1:-1])
            elif self.keyword("BASE"):
                if self.take().kind != "iri":
                    return None
            else:
                break
        if self.keyword("SELECT"):
            form = "SELECT"
            self.distinct = self.keyword("DISTINCT") or self.keyword("REDUCED")
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
        self.offset = "OFFSET" in seen
        return form if self.patterns else None

    @staticmethod
    def absolute(iri: str) -> str:
        """``iri`` if it is absolute and has no escapes (read as Oxigraph reads it); else ''."""
        return iri if "\\" not in iri and urlsplit(iri).scheme else ""

    def name(self, tok: Token) -> str:
        """The IRI an IRI, prefixed name or ``a`` stands for; '' when it is anything else or unsure."""
        if tok.kind == "iri":
            return self.absolute(tok.text[1:-1])
        if tok.kind == "pname":
            prefix, _, local = tok.text.partition(":")
            base = self.prefixes.get(prefix)
            return base + local if base and "\\" not in local else ""
        return RDF_TYPE if tok.text == "a" else ""

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
            if template:
                if subject.kind not in ("iri", "pname", "var", "bnode"):
                    return False
                iri = ""
            else:
                iri = self.name(subject)
                if not iri or subject.text == "a":
                    return False
            if not self.predicate_objects(iri):
                return False
            if not self.punct("."):
                if self.punct("}"):
                    break
                return False
        return len(self.patterns) <= self.MAX_PATTERNS

    def predicate_objects(self, subject: str) -> bool:
        """The predicate-object lists of ``subject`` ('' in a CONSTRUCT template, where patterns do not count)."""
        while True:
            verb = self.term()
            if verb.kind == "var":
                predicate = None
            else:
                predicate = self.name(verb)
                if not predicate:
                    return False
            while True:
                if not self.object():
                    return False
                if subject:
                    self.patterns.append((subject, predicate))
                if not self.punct(","):
                    break
            if not self.punct(";"):
                return True
            while self.punct(";"):
                pass
            tok = self.peek()
            if tok.kind == "punct" and tok.text in (".", "}"):
                return True

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
