"""Fetching the official sources: download the current open-data exports and load them, when they changed.

Where the sources are is data: ``patrimoine/sources.toml`` (name, publisher,
licence, URL, format, the query parameters that filter a region on the
portal's side), extended or overridden by the user's own files
(``--sources FILE``). Three kinds of source:

- ``download``: an export file (the data.culture.gouv.fr / Opendatasoft CSV
  exports of Mérimée, Palissy, Joconde, Muséofile, the list of Musées de
  France). The download is
  **conditional** (``If-None-Match``/``If-Modified-Since`` with the ETag and
  Last-Modified of the last load: an unchanged source costs one request and
  no reload), **resumable** (an interrupted download stays in the store's own
  ``downloads/NAME.part`` with the validators of its answer; the next run asks
  for the rest with ``Range``/``If-Range``), **bounded** in size (declared
  ``Content-Length`` and bytes read) and in time (every wait, and the whole
  download), with a progress bar; its content is checked by the loader of its
  format before anything is loaded, and a file whose SHA-256 is the one of the
  last load is not reloaded either. Then it is loaded by
  :func:`patrimoine.pipeline.load_dataset`, and the catalogue records the URL,
  ETag, Last-Modified, SHA-256, time of retrieval, publisher and licence of
  the dataset's source (PROV/DCAT).
- ``oai-pmh``: delegated to :func:`patrimoine.harvest.harvest` (incremental itself).
- ``iiif``: manifests fetched by URL and loaded as one dataset (:func:`load_manifests`).

Whatever fails (HTTP error, timeout, cut download, size limit, wrong
content) fails with one line and leaves the store as it was.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from graph.iri import check_dataset_name
from graph.namespaces import DCAT, PKG, XSD
from graph.ntriples import literal, typed
from graph.provenance import Origin, now, sha256_of
from graph.records import InputError, PatrimoineError
from graph.store import KnowledgeGraph

from .harvest import describe_body
from .http import error_reason

SOURCES_FILE = Path(__file__).with_name("sources.toml")
KINDS = ("download", "oai-pmh", "iiif")
OAI_PREFIXES = ("oai_dc", "ead", "lido")  # what the harvester maps
USER_AGENT = "patrimoine-kg fetch (+https://w3id.org/patrimoine-kg/)"
CHUNK = 1 << 16
DEFAULT_MAX_BYTES = 4 << 30
_KEYS = {
    "common": {"title", "publisher", "licence", "licence_url", "page", "kind", "dataset", "description"},
    "download": {"url", "format", "region", "max_bytes", "extension"},
    "oai-pmh": {"url", "metadata_prefix", "set"},
    "iiif": {"urls"},
}
_URL = re.compile(r"^https?://[^\s<>\"]+$", re.I)


class FetchError(InputError):
    """A source could not be fetched (HTTP error, timeout, cut download, size limit, wrong content)."""


# ---------------------------------------------------------------------------
# Sources (sources.toml)


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    title: str
    publisher: str = ""
    licence: str = ""
    licence_url: str = ""
    page: str = ""
    url: str = ""
    format: str | None = None
    region: dict[str, str] = field(default_factory=dict)  # query parameters filtering a region at the source
    max_bytes: int | None = None
    extension: str = "csv"
    metadata_prefix: str = "oai_dc"
    set: str | None = None
    urls: tuple[str, ...] = ()
    dataset: str = ""
    file: str = ""  # the sources file it comes from

    @property
    def dataset_name(self) -> str:
        return self.dataset or self.name

    def url_for(self, region: str | None, region_name: str | None, departments: Sequence[str]) -> str:
        """The download URL, with the portal's region filter added when a region is asked and the source has one."""
        if region is None or not self.region:
            return self.url
        values = {"region": region, "region_name": region_name or region,
                  "departments": ",".join(f'"{d}"' for d in departments)}
        extra = [(k, v.format(**values)) for k, v in self.region.items()]
        parts = urlsplit(self.url)
        query = "&".join(q for q in (parts.query, urlencode(extra)) if q)
        return urlunsplit(parts._replace(query=query))


def load_sources(extra: Iterable[Path] = ()) -> dict[str, Source]:
    """The bundled sources, then each user file's (a source of the same name replaces the bundled one)."""
    sources: dict[str, Source] = {}
    for path in (SOURCES_FILE, *extra):
        sources.update(_read_sources(Path(path)))
    return sources


def _read_sources(path: Path) -> dict[str, Source]:
    from loaders import FORMATS

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such sources file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot be read ({error_reason(e)})") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{path}: not valid TOML ({e})") from None
    out: dict[str, Source] = {}
    for name, spec in data.items():
        where = f"{path.name}: source [{name}]"
        if not isinstance(spec, dict):
            raise InputError(f"{where}: must be a table of keys")
        kind = spec.get("kind", "download")
        if kind not in KINDS:
            raise InputError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        unknown = set(spec) - _KEYS["common"] - _KEYS[kind]
        if unknown:
            raise InputError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        if "title" not in spec:
            raise InputError(f"{where}: no title")
        urls = [spec["url"]] if kind != "iiif" and "url" in spec else list(spec.get("urls", []))
        if not urls:
            raise InputError(f"{where}: no {'urls' if kind == 'iiif' else 'url'}")
        for url in urls:
            if not isinstance(url, str) or not _URL.match(url):
                raise InputError(f"{where}: {url!r} is not an http(s) URL")
        if kind == "download" and spec.get("format") not in FORMATS:
            raise InputError(f"{where}: format {spec.get('format')!r} is not one of {', '.join(FORMATS)}")
        if kind == "oai-pmh" and spec.get("metadata_prefix", "oai_dc") not in OAI_PREFIXES:
            raise InputError(f"{where}: metadata_prefix {spec['metadata_prefix']!r} is not one of "
                             f"{', '.join(OAI_PREFIXES)}")
        region = spec.get("region", {})
        if not isinstance(region, dict) or not all(isinstance(v, str) for v in region.values()):
            raise InputError(f"{where}: region must be a table of query parameters (strings)")
        try:
            check_dataset_name(spec.get("dataset") or name)
        except PatrimoineError as e:
            raise InputError(f"{where}: {e}") from None
        out[name] = Source(
            name=name, kind=kind, title=spec["title"], publisher=spec.get("publisher", ""),
            licence=spec.get("licence", ""), licence_url=spec.get("licence_url", ""), page=spec.get("page", ""),
            url=urls[0] if kind != "iiif" else "", format=spec.get("format"), region=region,
            max_bytes=spec.get("max_bytes"), extension=spec.get("extension", "csv"),
            metadata_prefix=spec.get("metadata_prefix", "oai_dc"), set=spec.get("set"),
            urls=tuple(urls) if kind == "iiif" else (), dataset=spec.get("dataset", ""), file=str(path))
    return out


# ---------------------------------------------------------------------------
# Options and results


@dataclass
class FetchOptions:
    region: str | None = "32"  # None: every record, no filter at the source
    timeout: float = 60.0  # seconds of every wait for the server
    max_seconds: float = 7200.0  # the whole of one download
    max_bytes: int | None = None  # default: the source's max_bytes, else DEFAULT_MAX_BYTES
    force: bool = False  # download and reload even when unchanged
    downloads: Path | None = None  # where downloads go (default: the store's own, see downloads_dir)
    rejects: Path | None = None
    progress: bool = True


@dataclass
class FetchResult:
    source: str
    dataset: str
    status: str  # "loaded", "not-modified" (HTTP 304), "same-content" (same SHA-256 as the last load)
    url: str
    bytes: int = 0
    resumed_at: int = 0  # bytes already there from an interrupted download
    report: object | None = None  # the LoadReport / HarvestReport of a load


@dataclass
class Download:
    path: Path
    url: str
    etag: str | None
    last_modified: str | None
    size: int
    resumed_at: int
    sha256: str


# ---------------------------------------------------------------------------
# The catalogue: what the last load of a dataset was fetched from


def previous_origin(kg: KnowledgeGraph, dataset: str) -> Origin | None:
    """The origin recorded at the dataset's last load, if it was fetched by URL."""
    ds = kg.minter.dataset(dataset)
    q = f"""SELECT ?url ?etag ?lm ?sha WHERE {{ GRAPH {kg.catalogue} {{
        {ds} <http://purl.org/dc/terms/source> ?src . ?src {DCAT.downloadURL} ?url ; {PKG.sha256} ?sha .
        OPTIONAL {{ ?src {PKG.httpETag} ?etag }} OPTIONAL {{ ?src {PKG.httpLastModified} ?lm }} }} }}"""
    for row in kg.store.query(q):
        def v(key: str) -> str | None:
            return row[key].value if row[key] is not None else None
        return Origin(url=v("url") or "", etag=v("etag"), last_modified=v("lm"), sha256=v("sha"))
    return None


def note_check(kg: KnowledgeGraph, dataset: str, etag: str | None, last_modified: str | None) -> None:
    """Record on the dataset's source that it was checked now (and its current validators): no reload."""
    ds = kg.minter.dataset(dataset)
    new = [f"?src {PKG.lastChecked} {typed(now(), XSD.dateTime)} ."]
    if etag:
        new.append(f"?src {PKG.httpETag} {literal(etag)} .")
    if last_modified:
        new.append(f"?src {PKG.httpLastModified} {literal(last_modified)} .")
    g = kg.catalogue
    kg.store.update(
        f"DELETE {{ GRAPH {g} {{ ?src {PKG.lastChecked} ?c . ?src {PKG.httpETag} ?e . ?src {PKG.httpLastModified} ?l }} }}"
        f" WHERE {{ GRAPH {g} {{ {ds} <http://purl.org/dc/terms/source> ?src . ?src {DCAT.downloadURL} ?u ."
        f" OPTIONAL {{ ?src {PKG.lastChecked} ?c }} OPTIONAL {{ ?src {PKG.httpETag} ?e }}"
        f" OPTIONAL {{ ?src {PKG.httpLastModified} ?l }} }} }} ;\n"
        f"INSERT {{ GRAPH {g} {{ {' '.join(new)} }} }}"
        f" WHERE {{ GRAPH {g} {{ {ds} <http://purl.org/dc/terms/source> ?src . ?src {DCAT.downloadURL} ?u }} }}")
    kg.commit()


# ---------------------------------------------------------------------------
# Downloading


class Downloader:
    """Conditional, resumable, size- and time-bounded downloads over one HTTP session."""

    def __init__(self, timeout: float, max_seconds: float, progress: bool) -> None:
        import requests

        self.timeout, self.max_seconds, self.progress = timeout, max_seconds, progress
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})

    def close(self) -> None:
        self.session.close()

    def get(self, url: str, part: Path, max_bytes: int, previous: Origin | None) -> Download | None:
        """Download ``url`` into ``part`` (resuming it); None when the server says it has not changed (304)."""
        import requests
        import urllib3

        meta_path = part.with_name(part.name + ".json")
        partial = _partial(part, meta_path, url)
        headers: dict[str, str] = {}
        if partial is not None:
            validator = partial.get("etag") or partial.get("last_modified")
            headers.update({"Range": f"bytes={part.stat().st_size}-", "If-Range": validator})
        elif previous is not None and previous.url == url:
            if previous.etag:
                headers["If-None-Match"] = previous.etag
            if previous.last_modified:
                headers["If-Modified-Since"] = previous.last_modified
        try:
            with self.session.get(url, headers=headers, timeout=self.timeout, stream=True) as r:
                if r.status_code == 304:
                    return None
                if r.status_code == 416 and partial is not None and _complete(r, part):
                    meta = partial
                elif r.status_code in (200, 206):
                    meta = self._receive(r, url, part, meta_path, max_bytes, partial is not None)
                else:
                    body = r.raw.read(4096, decode_content=True) if r.raw is not None else b""
                    raise FetchError(f"{url}: HTTP {r.status_code} {r.reason or ''}: {describe_body(body, r.headers)}")
        except (requests.Timeout, urllib3.exceptions.ReadTimeoutError):
            raise FetchError(_cut_message(url, part, f"no answer within {self.timeout:g} s")) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, urllib3.exceptions.HTTPError) as e:
            raise FetchError(_cut_message(url, part, f"connection lost ({error_reason(e)})")) from None
        except requests.RequestException as e:
            raise FetchError(f"{url}: cannot be fetched ({error_reason(e)})") from None
        size = part.stat().st_size
        return Download(part, url, meta.get("etag"), meta.get("last_modified"), size,
                        meta.get("resumed_at", 0), sha256_of(part))

    def _receive(self, r, url: str, part: Path, meta_path: Path, max_bytes: int, resuming: bool) -> dict:
        """Write the answer's body to ``part`` (appended for a 206); the validators of the download."""
        start = 0
        if r.status_code == 206:
            m = re.match(r"bytes (\d+)-\d+/(\d+|\*)", r.headers.get("Content-Range", ""))
            if not resuming or m is None or int(m[1]) != part.stat().st_size:
                raise FetchError(f"{url}: the server sent a part that does not continue the download")
            start = int(m[1])
            total = int(m[2]) if m[2] != "*" else None
        else:
            length = r.headers.get("Content-Length", "")
            total = int(length) if length.isdigit() else None
        if total is not None and total > max_bytes:
            part.unlink(missing_ok=True)
            meta_path.unlink(missing_ok=True)
            raise FetchError(f"{url}: {total:,} bytes, more than the {max_bytes:,} allowed (--max-bytes)")
        meta = {"url": url, "etag": r.headers.get("ETag"), "last_modified": r.headers.get("Last-Modified"),
                "total": total, "resumed_at": start}
        meta_path.write_text(json.dumps(meta), encoding="utf-8")  # before the body: what a resume needs
        deadline = time.monotonic() + self.max_seconds
        size = start
        from tqdm import tqdm

        with open(part, "ab" if start else "wb") as out, tqdm(
                desc=part.stem, total=total, initial=start, unit="B", unit_scale=True, unit_divisor=1024,
                disable=None if self.progress else True, leave=False) as bar:
            for chunk in _pieces(r):
                size += len(chunk)
                if size > max_bytes:
                    out.close()
                    part.unlink(missing_ok=True)
                    meta_path.unlink(missing_ok=True)
                    raise FetchError(f"{url}: more than the {max_bytes:,} bytes allowed (--max-bytes)")
                out.write(chunk)
                bar.update(len(chunk))
                if time.monotonic() > deadline:
                    out.flush()
                    raise FetchError(_cut_message(url, part, f"not done within {self.max_seconds:g} s (--max-seconds)"))
        if total is not None and size < total:
            raise FetchError(_cut_message(url, part, f"download cut after {size:,} of {total:,} bytes"))
        return meta


def _pieces(r) -> Iterator[bytes]:
    """The body as it arrives (``read1``: what is there, at most CHUNK), so a slow answer still meets the deadline."""
    while chunk := r.raw.read1(CHUNK, decode_content=True):
        yield chunk


def _partial(part: Path, meta_path: Path, url: str) -> dict | None:
    """The metadata of an interrupted download of ``url`` that can be resumed, else None (and it is removed)."""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    usable = (meta is not None and part.exists() and part.stat().st_size > 0 and meta.get("url") == url
              and (meta.get("etag") or meta.get("last_modified")))
    if not usable:
        part.unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)
        return None
    return meta


def _complete(r, part: Path) -> bool:
    """A 416 to a resume: the part already holds the whole file when the server's length is its size."""
    m = re.match(r"bytes \*/(\d+)", r.headers.get("Content-Range", ""))
    return m is not None and int(m[1]) == part.stat().st_size


def _cut_message(url: str, part: Path, what: str) -> str:
    kept = part.stat().st_size if part.exists() else 0
    if kept:
        return f"{url}: {what}; the {kept:,} bytes received are kept: run the same command again to resume"
    return f"{url}: {what}"


def check_content(path: Path, fmt: str, url: str) -> None:
    """The downloaded file is an export of ``fmt`` (its loader recognises it), else :class:`FetchError`."""
    from loaders import SNIFF_BYTES, get_loader

    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if not head.strip():
        raise FetchError(f"{url}: the answer is empty")
    if not get_loader(fmt).sniff(path, head):
        raise FetchError(f"{url}: not a {fmt} export: {describe_body(head[:4096], {})}")


# ---------------------------------------------------------------------------
# Fetching a source


def fetch(kg: KnowledgeGraph, source: Source, options: FetchOptions) -> FetchResult:
    """Fetch one source and load it when it changed."""
    if source.kind == "oai-pmh":
        return _harvest(kg, source, options)
    if source.kind == "iiif":
        return _iiif(kg, source, options)
    return _download(kg, source, options)


def _region_values(region: str | None) -> tuple[str | None, list[str]]:
    from graph.geo import Geography

    if region is None:
        return None, []
    geo = Geography.default()
    found = geo.region(region)
    if found is None:
        raise InputError(f"unknown INSEE region {region!r}")
    return found[1], sorted(d.code for d in geo.departments() if d.region == region)


def _download(kg: KnowledgeGraph, source: Source, options: FetchOptions) -> FetchResult:
    from .pipeline import LoadOptions, load_dataset

    name = source.dataset_name
    region_name, departments = _region_values(options.region)
    url = source.url_for(options.region, region_name, departments)
    directory = options.downloads or downloads_dir(kg)
    directory.mkdir(parents=True, exist_ok=True)
    part = directory / f"{name}.{source.extension}.part"
    previous = None if options.force else previous_origin(kg, name)
    max_bytes = options.max_bytes or source.max_bytes or DEFAULT_MAX_BYTES
    downloader = Downloader(options.timeout, options.max_seconds, options.progress)
    try:
        got = downloader.get(url, part, max_bytes, previous)
    finally:
        downloader.close()
    if got is None:
        note_check(kg, name, previous.etag if previous else None, previous.last_modified if previous else None)
        return FetchResult(source.name, name, "not-modified", url)
    meta_path = part.with_name(part.name + ".json")
    try:
        check_content(part, source.format or "", url)
    except FetchError:
        part.unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)
        raise
    if previous is not None and previous.url == url and previous.sha256 == got.sha256:
        note_check(kg, name, got.etag, got.last_modified)
        _remove(part, meta_path)
        return FetchResult(source.name, name, "same-content", url, got.size, got.resumed_at)
    final = directory / f"{name}.{source.extension}"
    part.replace(final)
    origin = Origin(url=url, etag=got.etag, last_modified=got.last_modified, sha256=got.sha256, retrieved=now(),
                    publisher=source.publisher, licence=source.licence_url or source.licence, page=source.page,
                    title=source.title)
    load_options = LoadOptions(format=source.format, dataset=name, region=options.region, rejects=options.rejects,
                               progress=options.progress, origins={final.name: origin})
    try:
        report = load_dataset(kg, name, [final], load_options)
    finally:
        _remove(final, meta_path)
    return FetchResult(source.name, name, "loaded", url, got.size, got.resumed_at, report)


def downloads_dir(kg: KnowledgeGraph) -> Path:
    """Where a store's downloads go: inside it (``STORE/downloads``), so two stores never share a
    download, and beside its reports for a SPARQL server's store. A writer's cleanup leaves it alone:
    an interrupted download resumes at the next run."""
    if kg.path is not None:
        return kg.path / "downloads"
    rejects = kg.rejects_dir()
    if rejects is None:
        raise InputError("an in-memory store needs a downloads directory")
    return rejects.parent / "downloads"


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def _harvest(kg: KnowledgeGraph, source: Source, options: FetchOptions) -> FetchResult:
    from .harvest import HarvestOptions, harvest

    report = harvest(kg, HarvestOptions(url=source.url, metadata_prefix=source.metadata_prefix, set_spec=source.set,
                                        dataset=source.dataset_name, region=options.region, full=options.force,
                                        timeout=options.timeout, rejects=options.rejects, progress=options.progress))
    return FetchResult(source.name, report.dataset, "loaded", source.url, report=report)


def _iiif(kg: KnowledgeGraph, source: Source, options: FetchOptions) -> FetchResult:
    report = load_manifests(kg, source.dataset_name, list(source.urls), options.region, options.timeout,
                            options.max_bytes or source.max_bytes or 20 * 1024 * 1024, publisher=source.publisher,
                            licence=source.licence_url or source.licence)
    return FetchResult(source.name, report.dataset, "loaded", source.urls[0], report=report)


def load_manifests(kg: KnowledgeGraph, name: str, urls: Sequence[str], region: str | None, timeout: float,
                   max_bytes: int, publisher: str = "", licence: str = "", provider: str | None = None):
    """Fetch IIIF manifests by URL and load them as one dataset (each manifest's URL recorded as its origin)."""
    import tempfile

    from .http import fetch_manifest
    from .pipeline import LoadOptions, default_provider, load_dataset

    with tempfile.TemporaryDirectory(prefix="patrimoine-iiif-") as tmp:
        paths = [fetch_manifest(url, Path(tmp), timeout, max_bytes) for url in urls]
        origins = {p.name: Origin(url=url, sha256=sha256_of(p), retrieved=now(), publisher=publisher, licence=licence)
                   for p, url in zip(paths, urls)}
        return load_dataset(kg, name, paths, LoadOptions(format="iiif", dataset=name, region=region, origins=origins,
                                                         progress=False, provider=provider or default_provider()))
