"""OAI-PMH harvesting: ``ListRecords`` page by page into one dataset; incremental, resumable, nothing lost.

Each page is mapped like a file's records (loaders/oai.py: ``oai_dc`` by
loaders/dc.py, ``ead``/``lido`` by their loaders), its EDM view derived, and
applied with :meth:`graph.store.KnowledgeGraph.replace_records`: the page's
records replace their previous versions (deterministic IRIs: a record seen
twice is one record), ``deleted`` headers remove theirs, and the dataset's
catalogue record (counts, harvest state) is rewritten, all in one transaction.

The harvest state is kept in the catalogue graph, on the node
``{dataset}#harvest`` (repository URL, metadata prefix, set, date of the last
complete harvest, and for an unfinished one its resumption token, ``from``/
``until``, pages and deletions so far), rather than in a JSON file next to the
store, because it is then written in the same transaction as the page it
follows: the store and the state cannot disagree, whatever the moment a
harvest is interrupted; it works for an in-memory store too; and dropping or
reloading the dataset clears its state with it.

- **Incremental**: without ``--from``, a harvest asks for the records changed
  since the ``responseDate`` of the first page of the last complete harvest
  (the repository's clock, cut to its ``Identify`` granularity).
- **Resumable**: a harvest that stopped (error, interruption) keeps the token of
  its next page; the next run with the same repository, prefix and set goes on
  from there. A token the repository no longer accepts is dropped, and the run
  after starts over (re-applying a page is harmless).
- **Retries**: timeouts, connection failures, HTTP 5xx and 429 are retried
  with exponential backoff (``Retry-After`` honoured up to a limit); then the
  harvest stops with one clear line, as it does at once on an OAI-PMH error
  (``noRecordsMatch`` is no error: zero records) or an answer that is not
  OAI-PMH XML (an HTML page, a JSON error body...).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from graph import jsonstream
from graph.alignment import Alignment, context as rules_context
from .http import error_reason as _reason, read_capped
from graph.iri import Minter, check_dataset_name, slug
from graph.mapping import MappingContext
from graph.namespaces import PKG, XSD
from graph.ntriples import iri, literal, typed
from graph.output import plural
from .pipeline import RejectionReport, default_provider, derive_batch, map_one, take_shared
from graph.provenance import Counts, Provenance, now
from graph.records import InputError, PatrimoineError, SourceRecord
from graph.store import KnowledgeGraph

USER_AGENT = "patrimoine-kg OAI-PMH harvester (+https://w3id.org/patrimoine-kg/)"
MAX_PAGE_BYTES = 256 * 1024 * 1024
MAX_RETRY_AFTER = 120.0
DAY = "YYYY-MM-DD"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$")


class HarvestError(PatrimoineError):
    """The repository could not be harvested (unreachable, error answer, refused token...)."""


def valid_date(value: str) -> bool:
    """An OAI-PMH ``from``/``until`` value: ``YYYY-MM-DD`` or ``YYYY-MM-DDThh:mm:ssZ``."""
    return bool(_DATE.match(value))


def default_dataset_name(url: str, set_spec: str | None) -> str:
    """``http://archives.meuse.fr/oai`` + set ``FRAD055_EC`` → ``archives-meuse-fr-frad055-ec``."""
    host = urlsplit(url).hostname or ""
    return check_dataset_name(slug(" ".join(p for p in (host, set_spec) if p))[:100])


# ---------------------------------------------------------------------------
# Options, report, state


@dataclass
class HarvestOptions:
    url: str
    metadata_prefix: str = "oai_dc"
    set_spec: str | None = None
    from_date: str | None = None  # overrides the state's last harvest date
    until: str | None = None
    dataset: str | None = None
    region: str | None = "32"  # None: no filter
    full: bool = False  # ignore the last harvest date and any unfinished harvest
    timeout: float = 60.0
    retries: int = 4
    backoff: float = 2.0  # seconds before the first retry, doubled at each
    rejects: Path | None = None
    progress: bool = True
    provider: str = field(default_factory=default_provider)  # edm:provider of the EDM view


@dataclass
class HarvestReport:
    dataset: str
    counts: Counts
    deleted: int
    pages: int  # pages applied by this run
    from_date: str | None
    resumed: bool
    triples: int
    seconds: float
    rejects_path: Path | None


_STATE_TERMS = {
    "endpoint": PKG.oaiEndpoint, "prefix": PKG.oaiMetadataPrefix, "set_spec": PKG.oaiSet,
    "last_harvest": PKG.oaiLastHarvest, "token": PKG.oaiResumptionToken, "run_from": PKG.oaiRunFrom,
    "run_until": PKG.oaiRunUntil, "run_started": PKG.oaiRunStarted, "pages": PKG.oaiPages,
    "deleted": PKG.oaiDeleted,
}


_RUN_KEYS = frozenset({"run_from", "run_until", "run_started", "pages", "deleted"})


@dataclass
class HarvestState:
    """What the catalogue keeps about a harvested dataset (node ``{dataset}#harvest``)."""

    endpoint: str
    prefix: str
    set_spec: str | None = None
    last_harvest: str | None = None  # responseDate of the first page of the last complete harvest
    token: str | None = None  # the next page of an unfinished harvest
    run_from: str | None = None
    run_until: str | None = None
    run_started: str | None = None  # responseDate of the unfinished harvest's first page
    pages: int = 0
    deleted: int = 0

    def lines(self, dataset: str) -> list[str]:
        """The catalogue's lines; those of the unfinished harvest only while there is one."""
        node = Minter.part(dataset, "harvest")
        out = [f"{dataset} {PKG.harvest} {node} .\n"]
        for key, term in _STATE_TERMS.items():
            value = getattr(self, key)
            if value is None or (self.token is None and key in _RUN_KEYS):
                continue
            if key == "endpoint":
                obj = iri(value)
            elif isinstance(value, int):
                obj = typed(str(value), XSD.integer)
            else:
                obj = literal(value)
            out.append(f"{node} {term} {obj} .\n")
        return out

    @classmethod
    def read(cls, kg: KnowledgeGraph, name: str) -> HarvestState | None:
        node = Minter.part(kg.minter.dataset(name), "harvest")
        values: dict[str, str] = {}
        by_term = {Minter.plain(t): k for k, t in _STATE_TERMS.items()}
        for row in kg.store.query(f"SELECT ?p ?o WHERE {{ GRAPH {kg.catalogue} {{ {node} ?p ?o }} }}"):
            if (key := by_term.get(row["p"].value)) is not None:
                values[key] = row["o"].value
        if "endpoint" not in values or "prefix" not in values:
            return None
        return cls(**{k: int(v) if k in ("pages", "deleted") else v for k, v in values.items()})


class _Rejects(RejectionReport):
    """The rejection report, continued (not truncated) when a harvest resumes."""

    def __init__(self, path: Path | None, dataset: str, append: bool) -> None:
        self.path, self.dataset, self.kept, self._file = path, dataset, [], None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "a" if append else "w", encoding="utf-8")


# ---------------------------------------------------------------------------
# The OAI-PMH client


class OaiClient:
    """``GET`` requests to one repository, retried, answers read as OAI-PMH pages."""

    def __init__(self, url: str, timeout: float = 60.0, retries: int = 4, backoff: float = 2.0) -> None:
        import requests

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"{url}: not an http(s) URL of an OAI-PMH repository")
        self.url, self.timeout, self.retries, self.backoff = url, timeout, retries, backoff
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "text/xml, application/xml;q=0.9, */*;q=0.1"})

    def close(self) -> None:
        self.session.close()

    def page(self, **params: str):
        """The answer to one request, as a :class:`loaders.oai.Page`; OAI-PMH errors raised, but noRecordsMatch."""
        from loaders.oai import OaiError, Page

        body = self._get(params)
        page = self._parse(body)
        codes = [code for code, _ in page.errors]
        if codes and all(c == "noRecordsMatch" for c in codes):
            return Page(verb=params.get("verb"), request_url=page.request_url, response_date=page.response_date)
        if page.errors:
            code, message = page.errors[0]
            raise OaiError(code, message, self.url)
        return page

    def granularity(self) -> str:
        """The repository's datestamp granularity (``Identify``); day granularity when it does not say."""
        from loaders.oai import namespace_of, q

        from graph.xml import parse_bytes, text

        try:
            body = self._get({"verb": "Identify"})
            root = parse_bytes(body, self.url) if _looks_like_xml(body) else None
        except (InputError, HarvestError):
            return DAY
        ns = namespace_of(root) if root is not None else ""
        found = text(root.find(f"{q('Identify', ns)}/{q('granularity', ns)}")) if root is not None else None
        return found if found in (DAY, "YYYY-MM-DDThh:mm:ssZ") else DAY

    def _get(self, params: dict[str, str]) -> bytes:
        import requests

        problem = "no attempt"
        for attempt in range(self.retries + 1):
            wait = self.backoff * (2 ** attempt)
            try:
                with self.session.get(self.url, params=params, timeout=self.timeout, stream=True) as r:
                    body = read_capped(r, MAX_PAGE_BYTES)
                    if body is None:
                        raise HarvestError(f"{r.url}: answer larger than {MAX_PAGE_BYTES:,} bytes")
                    status, headers = r.status_code, r.headers
            except requests.Timeout:
                problem = f"no answer within {self.timeout:g} s"
            except requests.ConnectionError as e:
                problem = f"cannot connect ({_reason(e)})"
            except requests.RequestException as e:
                raise HarvestError(f"{self.url}: request failed ({_reason(e)})") from None
            else:
                if status == 200:
                    return body
                if status < 500 and status != 429:
                    if _looks_like_xml(body):
                        return body  # an OAI-PMH error sent with a 4xx status: read its code
                    raise HarvestError(f"{self.url}: HTTP {status}: {describe_body(body, headers)}")
                problem = f"HTTP {status}: {describe_body(body, headers)}"
                retry_after = headers.get("Retry-After", "")
                if retry_after.isdigit():
                    wait = min(float(retry_after), MAX_RETRY_AFTER)
            if attempt < self.retries:
                time.sleep(wait)
        attempts = self.retries + 1
        raise HarvestError(f"{self.url}: {problem} (after {attempts} attempt{'s' if attempts > 1 else ''})")

    def _parse(self, body: bytes):
        from loaders.oai import parse_page

        if not _looks_like_xml(body):
            raise HarvestError(f"{self.url}: the answer is not OAI-PMH XML: {describe_body(body, {})}")
        return parse_page(body, self.url)


def _looks_like_xml(body: bytes) -> bool:
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and b"<html" not in body[:512].lower()


def describe_body(body: bytes, headers) -> str:
    """One line saying what an error answer says: a JSON error's message, an OAI-PMH error code, or its start."""
    stripped = body.strip()
    if not stripped:
        return "empty answer"
    content_type = (headers.get("Content-Type") or "").lower() if headers else ""
    if "json" in content_type or stripped[:1] in (b"{", b"["):
        try:
            message = _json_message(jsonstream.loads(stripped))
        except (ValueError, RecursionError):  # not JSON, or nested too deep to say anything useful
            message = None
        if message:
            return f"JSON error: {message}"
    if _looks_like_xml(stripped):
        m = re.search(rb'<(?:\w+:)?error[^>]*code="([^"]+)"[^>]*>([^<]*)', stripped)
        if m:
            return f"OAI-PMH error {m[1].decode(errors='replace')} {m[2].decode(errors='replace').strip()}".strip()
    start = " ".join(stripped[:120].decode("utf-8", "replace").split())
    printable = "".join(c if c.isprintable() else "?" for c in start)
    return f"unexpected answer starting {printable!r}"


def _json_message(doc) -> str | None:
    """The message of a JSON error body (``{"error": {"code": 500, "message": "..."}}``...)."""
    if isinstance(doc, (str, int, float)) and not isinstance(doc, bool):
        return str(doc).strip() or None
    if isinstance(doc, list):
        return next((m for d in doc if (m := _json_message(d))), None)
    if isinstance(doc, dict):
        keys = ("code", "status", "error", "message", "detail", "title", "description", "errors")
        parts = [m for key in keys if key in doc and (m := _json_message(doc[key]))]
        return ": ".join(dict.fromkeys(parts)) or None
    return None


# ---------------------------------------------------------------------------
# The harvest


@dataclass
class _Run:
    name: str
    repository: str
    state: HarvestState
    counts: Counts
    triples: int
    resumed: bool
    provider: str
    pages_now: int = 0
    started: str = field(default_factory=now)


def harvest(kg: KnowledgeGraph, options: HarvestOptions) -> HarvestReport:
    """Harvest ``options.url`` into a dataset; see the module docstring."""
    from loaders.oai import repository_slug

    started = time.perf_counter()
    name = check_dataset_name(options.dataset) if options.dataset else default_dataset_name(options.url, options.set_spec)
    for value, what in ((options.from_date, "from"), (options.until, "until")):
        if value is not None and not valid_date(value):
            raise InputError(f"--{what} {value!r}: write YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ")
    client = OaiClient(options.url, options.timeout, options.retries, options.backoff)
    repository = repository_slug(options.url) or ""
    run = _start(kg, name, repository, options, client)
    rejects_path = options.rejects
    if rejects_path is None and kg.rejects_dir() is not None:
        rejects_path = kg.rejects_dir() / f"{name}.jsonl"
    report = _Rejects(rejects_path, name, append=run.resumed)
    try:
        _pages(kg, run, options, client, report)
    finally:
        report.close()
        client.close()
    run.triples = kg.count(kg.minter.graph(name))
    kg.replace_records(name, [], b"", _catalogue(kg, run, options))
    return HarvestReport(name, run.counts, run.state.deleted, run.pages_now, run.state.run_from, run.resumed,
                         run.triples, time.perf_counter() - started, rejects_path)


def _start(kg: KnowledgeGraph, name: str, repository: str, options: HarvestOptions, client: OaiClient) -> _Run:
    """The run to do: the unfinished one of the state, or a new one (incremental when a harvest completed)."""
    state = HarvestState.read(kg, name)
    known = {d.name: d for d in kg.datasets()}.get(name)
    if known is not None and state is None:
        raise HarvestError(f"dataset {name!r} was loaded from files, not harvested: give another --dataset")
    wanted = (options.url, options.metadata_prefix, options.set_spec)
    if state is not None and (state.endpoint, state.prefix, state.set_spec) != wanted:
        raise HarvestError(
            f"dataset {name!r} is harvested from {state.endpoint} (prefix {state.prefix}"
            + (f", set {state.set_spec}" if state.set_spec else "") + "): give another --dataset")
    provider = urlsplit(options.url).hostname or options.url
    if state is not None and state.token and not options.full:
        counts = Counts(known.records_read, known.records_loaded, known.records_rejected, known.records_skipped)
        return _Run(name, repository, state, counts, known.triples, True, provider)
    from_date = options.from_date
    if from_date is None and state is not None and state.last_harvest and not options.full:
        from_date = _cut(state.last_harvest, client.granularity())
    new = HarvestState(options.url, options.metadata_prefix, options.set_spec,
                       last_harvest=state.last_harvest if state else None,
                       run_from=from_date, run_until=options.until)
    return _Run(name, repository, new, Counts(), known.triples if known else 0, False, provider)


def _cut(stamp: str, granularity: str) -> str:
    """A responseDate as a ``from`` of the repository's granularity, in UTC."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp[:10]
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    if granularity == DAY:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _pages(kg: KnowledgeGraph, run: _Run, options: HarvestOptions, client: OaiClient, report: _Rejects) -> None:
    from loaders.oai import OaiError
    from tqdm import tqdm

    state = run.state
    ctx = MappingContext(kg.minter, run.name, options.region)
    alignment = Alignment()
    context = rules_context(ctx.dataset, run.provider, options.provider)
    with tqdm(desc=run.name, unit=" records", disable=None if options.progress else True, leave=False) as bar:
        bar.update(run.counts.records_read)
        while True:
            params = {"verb": "ListRecords"}
            if state.token:
                params["resumptionToken"] = state.token
            else:
                params["metadataPrefix"] = state.prefix
                for key, value in (("set", state.set_spec), ("from", state.run_from), ("until", state.run_until)):
                    if value:
                        params[key] = value
            try:
                page = client.page(**params)
            except OaiError as e:
                if e.code == "badResumptionToken":
                    state.token = None
                    kg.replace_records(run.name, [], b"", _catalogue(kg, run, options))
                    raise HarvestError(f"{e}; the harvest will start over at the next run") from None
                raise _stopped(e, run) from None
            except PatrimoineError as e:
                raise _stopped(e, run) from None
            if page.token and page.token == params.get("resumptionToken"):
                raise _stopped(HarvestError(f"{client.url}: the repository answered resumption token "
                                            f"{page.token!r} with the same token (a loop)"), run)
            if page.complete_size and bar.total is None:
                bar.total = page.complete_size
            state.run_started = state.run_started or page.response_date or now()
            targets, data, shared = _map_page(kg, page, run, ctx, alignment, context, report)
            state.pages += 1
            run.pages_now += 1
            state.token = page.token or None
            if state.token is None:
                state.last_harvest = state.run_started
            kg.replace_records(run.name, targets, data, lambda change: _counted(kg, run, options, change), shared)
            bar.update(run.counts.records_read - bar.n)
            if state.token is None:
                return


def _stopped(error: PatrimoineError, run: _Run) -> PatrimoineError:
    if run.state.token:
        pages, records = run.state.pages, run.counts.records_read
        return HarvestError(f"{error}; harvest interrupted after {pages} {plural(pages, 'page', 'pages')} "
                            f"({records} {plural(records, 'record', 'records')}): run the same command again to resume")
    return error


def _map_page(kg: KnowledgeGraph, page, run: _Run, ctx: MappingContext, alignment: Alignment, context: bytes,
              report: _Rejects) -> tuple[list[str], bytes, bytes]:
    """Map one page: the IRIs of the records it replaces or deletes, its N-Triples (CRM and EDM) and
    its shared entities' declarations."""
    from loaders.oai import map_record, record_iri, source_records

    b, counts = ctx.b, run.counts
    b.declared.clear()  # a record seen again must be written whole, its parts included
    where = Path(f"page-{run.state.pages + 1}")
    lines: list[str] = []
    targets: list[str] = []
    seen: set[str] = set()
    for index, oai in enumerate(page.records, 1):
        head = SourceRecord(index=index, line=oai.line, source_id=oai.identifier)
        if not oai.identifier or oai.identifier in seen:
            counts.records_read += 1
            counts.records_rejected += 1
            report.add("rejected", where, head, "OAI-PMH header without an identifier" if not oai.identifier
                       else f"duplicate identifier {oai.identifier} in the page")
            continue
        seen.add(oai.identifier)
        targets.append(record_iri(kg.minter, run.repository, oai.identifier))
        if oai.deleted:
            counts.records_read += 1
            counts.records_skipped += 1
            run.state.deleted += 1
            report.add("deleted", where, head, "deleted at source")
            continue
        for record in source_records(oai, run.repository, index):
            if map_one(record, lambda r: map_record(r, ctx, repository=run.repository), b, counts, report, where):
                lines.extend(b.take())
    targets += _members(kg, run.name, targets)
    records, shared = derive_batch(alignment, lines, take_shared(b, report, where, counts), context)
    return targets, records, shared


def _members(kg: KnowledgeGraph, name: str, records: list[str]) -> list[str]:
    """The entities a delegated payload (EAD, LIDO) wrote for these OAI records (``pkg:oaiRecord``)."""
    if not records:
        return []
    graph = kg.minter.graph(name)
    g = ox.NamedNode(Minter.plain(graph))
    link = ox.NamedNode(PKG.iri("oaiRecord"))
    return [f"<{q.subject.value}>" for r in records
            for q in kg.store.quads_for_pattern(None, link, ox.NamedNode(Minter.plain(r)), g)
            if isinstance(q.subject, ox.NamedNode)]


def _counted(kg: KnowledgeGraph, run: _Run, options: HarvestOptions, change: int) -> list[str]:
    """The catalogue once a page changed the dataset by ``change`` triples: it counts them at every page, so a
    harvest interrupted between two pages leaves a catalogue that agrees with the graph."""
    run.triples += change
    return _catalogue(kg, run, options)


def _catalogue(kg: KnowledgeGraph, run: _Run, options: HarvestOptions) -> list[str]:
    state = run.state
    query = {"verb": "ListRecords", "metadataPrefix": state.prefix}
    if state.set_spec:
        query["set"] = state.set_spec
    prov = Provenance(name=run.name, format=f"oai-pmh/{state.prefix}", region=options.region or "all",
                      sources=[(f"{state.endpoint}?{urlencode(query)}", "")], counts=run.counts, started=run.started)
    dataset = kg.minter.dataset(run.name)
    return prov.lines(kg.minter, "loaded", run.triples) + state.lines(dataset)
