"""The ``patrimoine`` command: load sources, query the graph, list datasets, serve the endpoint."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from graph import __version__
from graph.iri import DEFAULT_BASE_IRI, check_base_iri
from graph.output import plural
from graph.records import PatrimoineError
from graph.settings import Settings

QUERY_FORMATS = ("table", "csv", "tsv", "json")
# A bug of ours: not 1, which `validate` and `edm` return for records that fail their checks.
INTERNAL_ERROR = 3
WRITE_WAIT = 600.0  # seconds a command that writes waits for another one writing the same store

provider_option = click.option(
    "--provider", default=Settings.provider, show_default=True, envvar="PATRIMOINE_PROVIDER",
    help="The organisation that aggregates the records for Europeana (edm:provider of the EDM view).")


def _store_location(value: str | Path) -> str | Path:
    """A server's URL as written, a directory as a path."""
    from graph.store import is_remote

    return value if is_remote(str(value)) else Path(value)


class State:
    def __init__(self, store: Path | str, base_iri: str) -> None:
        self.store_path = store
        self.base_iri = base_iri

    def open(self, read_only: bool = False):
        """The store; a writer waits up to :data:`WRITE_WAIT` seconds for another one to finish."""
        from graph.store import KnowledgeGraph

        if read_only:
            return KnowledgeGraph(self.store_path, self.base_iri, read_only=True)
        return KnowledgeGraph(self.store_path, self.base_iri, wait=WRITE_WAIT,
                              on_wait=lambda message: click.echo(message, err=True))

    def exists(self) -> bool:
        """Whether there is a store to read (a server is taken to be there)."""
        return isinstance(self.store_path, str) or self.store_path.exists()


def fail(message: str) -> None:
    """One line on stderr, exit status 2."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


class Group(click.Group):
    """Turns our own errors into one line and exit status 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PatrimoineError as e:
            fail(str(e))
        except KeyboardInterrupt:
            fail("interrupted; the store was left as it was before this command")
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as e:  # a bug of ours: one line for the user, the traceback on request
            if os.environ.get("PATRIMOINE_DEBUG"):
                raise
            click.echo(f"Internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''} "
                       "(set PATRIMOINE_DEBUG=1 to see the traceback, and please report it)", err=True)
            sys.exit(INTERNAL_ERROR)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", callback=lambda ctx, param, value: _store_location(value), envvar="PATRIMOINE_STORE",
              default=Settings.store, show_default=True,
              help="Directory of the on-disk Oxigraph store, or the URL of a SPARQL 1.1 server (graph/remote.py).")
@click.option("--base-iri", envvar="PATRIMOINE_BASE_IRI", default=DEFAULT_BASE_IRI, show_default=True,
              help="Base of every IRI the graph mints (changing it needs a reload).")
@click.version_option(__version__, prog_name="patrimoine")
@click.pass_context
def main(ctx: click.Context, store: Path, base_iri: str) -> None:
    """patrimoine-kg: the linked-open-data knowledge graph of the cultural heritage of Hauts-de-France.

    Load institutional records (POP exports...) into CIDOC-CRM and EDM, query
    them with SPARQL, and serve them over HTTP.
    """
    try:
        check_base_iri(base_iri)
    except PatrimoineError as e:
        raise click.BadParameter(str(e), param_hint="--base-iri") from None
    ctx.obj = State(store, base_iri)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", help="Source format (detected from the content when omitted).")
@click.option("--dataset", help="Dataset name (default: one dataset per file, named after it).")
@click.option("--region", default="32", show_default=True, envvar="PATRIMOINE_REGION",
              help="Keep records of this INSEE region only; 'all' keeps every record.")
@click.option("--encoding", help="Text encoding of the files (detected when omitted: UTF-8, Windows-1252, ISO-8859-1).")
@click.option("--rejects", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report of records not loaded here (JSON Lines; default: next to the store).")
@click.option("--validate", "check", is_flag=True,
              help="Check the loaded records against the SHACL shapes; those breaking a rule of severity "
                   "Violation are listed in the summary and the report.")
@click.option("--quarantine", is_flag=True,
              help="With --validate: keep the records with violations out of the public graph, in the "
                   "dataset's quarantine graph (hidden from queries).")
@click.option("--shapes", "shapes_dir", type=click.Path(path_type=Path, exists=True),
              help="Shapes for --validate (default: the project's shapes/).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None,
              help="Language of the summary and of the report's messages (default: from the locale).")
@provider_option
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, envvar="PATRIMOINE_JOBS",
              help="Map each file's records in this many processes, each a part of the file (for big files "
                   "on a machine with CPUs to spare); the graph and the reports are those of one process.")
@click.option("--link", "then_link", is_flag=True,
              help="Then link persons across datasets, as `patrimoine link` does (with links/overrides.csv if present).")
@click.pass_obj
def load(state: State, paths: tuple[Path, ...], fmt: str | None, dataset: str | None, region: str,
         encoding: str | None, rejects: Path | None, check: bool, quarantine: bool, shapes_dir: Path | None,
         lang: str | None, provider: str, jobs: int, then_link: bool) -> None:
    """Load source files into the graph; a dataset loaded again is replaced atomically.

    Every record ends up in the graph or in the rejection report (file, line,
    record, identifier, reason); with --validate --quarantine, records with
    violations end up in the dataset's quarantine graph, listed in the report.
    """
    from loaders import FORMATS
    from .loadtext import default_lang, load_summary
    from .pipeline import LoadOptions, load as run_load

    if fmt is not None and fmt not in FORMATS:
        raise click.BadParameter(f"unknown format {fmt!r}; known formats: {', '.join(FORMATS)}",
                                 param_hint="--format")
    if encoding is not None:
        import codecs
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise click.BadParameter(f"unknown encoding {encoding!r}", param_hint="--encoding") from None
    region_code = None if region.lower() == "all" else region
    if region_code is not None and not (region_code.isdigit() and len(region_code) == 2):
        raise click.BadParameter(f"{region!r} is not an INSEE region code (e.g. 32) or 'all'", param_hint="--region")
    if rejects is not None and len(paths) > 1 and dataset is None:
        raise click.BadParameter("with several files and no --dataset, each file is its own dataset: "
                                 "give --dataset to use one --rejects file", param_hint="--rejects")
    if quarantine and not check:
        raise click.BadParameter("--quarantine keeps out the records --validate finds: give both", param_hint="--quarantine")
    lang = lang or default_lang()
    options = LoadOptions(format=fmt, dataset=dataset, region=region_code, encoding=encoding, rejects=rejects,
                          validate=check, quarantine=quarantine, shapes=shapes_dir, lang=lang,
                          provider=_provider(provider), jobs=jobs)
    kg = state.open()
    for r in run_load(kg, list(paths), options):
        for text in load_summary(r, lang, kg.minter.graph(r.dataset)[1:-1]):
            click.echo(text)
    if then_link:
        from .link import DEFAULT_OVERRIDES

        _link(kg, DEFAULT_OVERRIDES, required=False, full=False)
    if kg.unsettled and sys.stderr.isatty():
        click.echo("merging the store's files (readers already see the new data)...", err=True)
    kg.close()


@main.command("link")
@click.option("--overrides", type=click.Path(path_type=Path, dir_okay=False), envvar="PATRIMOINE_OVERRIDES",
              help="Librarians' decisions, 'mention,other,decision,note' rows (same / not same); "
                   "default: links/overrides.csv when it exists.")
@click.option("--full", is_flag=True, help="Link again even if no dataset, override or rule changed.")
@click.pass_obj
def link_command(state: State, overrides: Path | None, full: bool) -> None:
    """Link the persons that records of different datasets name, with the evidence of each link.

    Mentions pointing to one authority record (IdRef, BnF, VIAF, Wikidata...), the same name in
    one dataset, or compatible names with enough evidence (life dates, places, works, persons
    named with them) become one person, in the graph <{base}graph/links> with its provenance
    in the catalogue. A name alone never merges two datasets; conflicting dates never merge.
    Reloading or dropping a dataset never loses the links of the others; run it again after.
    """
    from .link import DEFAULT_OVERRIDES

    kg = state.open()
    try:
        _link(kg, overrides or DEFAULT_OVERRIDES, required=overrides is not None, full=full)
    finally:
        kg.close()


def _link(kg, overrides: Path, required: bool, full: bool) -> None:
    from .link import run

    r = run(kg, overrides, required=required, full=full)
    if r.unchanged:
        click.echo("links: nothing changed since the last run (datasets, overrides, rules); --full links again")
        return
    rules = ", ".join(f"{n} {rule}" for rule, n in sorted(r.merges.items())) or "none"
    click.echo(f"links: {r.mentions} person {plural(r.mentions, 'mention', 'mentions')} → {r.persons} "
               f"{plural(r.persons, 'person', 'persons')}; links by rule: {rules}; {r.rejections} close "
               f"{plural(r.rejections, 'candidate', 'candidates')} kept apart; {r.institutions} "
               f"{plural(r.institutions, 'group found to be a reference institution', 'groups found to be reference institutions')}; "
               f"{r.alignments} {plural(r.alignments, 'term', 'terms')} aligned to published vocabularies; "
               f"{r.added} {plural(r.added, 'triple', 'triples')} added, {r.removed} removed "
               f"({r.seconds:.1f} s: {', '.join(f'{step} {t:.1f}' for step, t in r.steps.items())})")
    for o in r.unknown_overrides:
        click.echo(f"  override not applied, no such mention: {o.a if o.a else ''} / {o.b}", err=True)


@main.command()
@click.argument("sparql")
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="table", show_default=True,
              help="Output of SELECT/ASK results; CONSTRUCT/DESCRIBE print N-Triples (or Turtle for table).")
@click.pass_obj
def query(state: State, sparql: str, fmt: str) -> None:
    """Run a SPARQL query (text, or a file holding it) on the union of all datasets."""
    from graph.output import write_results

    if _names_a_file(sparql):
        sparql = Path(sparql).read_text(encoding="utf-8")
    kg = state.open(read_only=state.exists())
    try:
        results = kg.query(sparql, prefixes=True)
    except SyntaxError as e:
        fail(f"SPARQL syntax error: {str(e).splitlines()[0]}")
    except OSError as e:
        fail(f"query failed: {str(e).splitlines()[0]}")
    write_results(results, fmt, sys.stdout.buffer)


def _names_a_file(text: str) -> bool:
    """Whether ``text`` is the name of an existing file rather than a query (a long text is no file name)."""
    if "\n" in text:
        return False
    try:
        return Path(text).is_file()
    except OSError:  # too long for a file name (ENAMETOOLONG), and the like
        return False


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def datasets(state: State, fmt: str) -> None:
    """List every dataset with its provenance and counts."""
    from graph.output import table

    if not state.exists():
        rows = []
    else:
        rows = [d.as_dict() for d in state.open(read_only=True).datasets()]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no datasets yet: load some with `patrimoine load`")
        return
    cols = ["name", "status", "records_read", "records_loaded", "records_rejected", "records_skipped",
            "triples", "format", "region", "source", "sha256", "loaded_at"]
    shown = [{**r, "sha256": ", ".join(h[:12] for h in str(r["sha256"]).split(", "))} for r in rows]
    click.echo(table(cols, [[str(r[c]) for c in cols] for r in shown]))


@main.command()
@click.argument("name")
@click.pass_obj
def drop(state: State, name: str) -> None:
    """Remove a dataset (its named graph and its catalogue record)."""
    if not state.open().drop_dataset(name):
        fail(f"no dataset named {name!r}")
    click.echo(f"dataset {name} removed")


@main.command()
@click.option("--dataset", help="Check this dataset only (default: every dataset).")
@click.option("--shapes", "shapes_dir", type=click.Path(path_type=Path, exists=True),
              help="Directory (or file) of SHACL shapes in Turtle (default: the project's shapes/).")
@click.option("--format", "fmt", type=click.Choice(["html", "csv", "json", "ttl"]), default="html", show_default=True,
              help="html: the page for librarians; csv: one line per result; json: for programs; "
                   "ttl: the standard SHACL validation report.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the messages and of the page.")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the report here (default: standard output).")
@click.pass_obj
def validate(state: State, dataset: str | None, shapes_dir: Path | None, fmt: str, lang: str,
             output: Path | None) -> None:
    """Check the loaded records against the SHACL shapes and write the quality report.

    Exit status: 1 when a record breaks a rule of severity Violation, 0 otherwise
    (warnings and information do not fail), 2 on usage errors, 3 on an internal error.
    """
    from graph.store import require_store
    from graph.validation.html import number

    from .validate import run

    require_store(state.store_path)
    if output is not None and not output.parent.is_dir():
        raise click.BadParameter(f"{output.parent} is not a directory", param_hint="--output")
    report = run(state.open(read_only=True), shapes_dir, dataset, fmt, lang, output)
    c = report.counts()
    words = ((("violation", "violations"), ("avertissement", "avertissements"), ("information", "informations"),
              ("contrôle", "contrôles")) if lang == "fr" else
             (("violation", "violations"), ("warning", "warnings"), ("info", "infos"), ("check", "checks")))
    summary = ", ".join(f"{number(c[k], lang)} {plural(c[k], *w, lang=lang)}"
                        for k, w in zip(("violation", "warning", "info"), words))
    where = f"; {'rapport' if lang == 'fr' else 'report'}: {output}" if output else ""
    checks = report.validation.checks
    click.echo(f"{summary} ({checks} {plural(checks, *words[3], lang=lang)}, "
               f"{report.validation.seconds:.1f} s){where}", err=True)
    if report.validation.fallback:
        click.echo(("règles contrôlées par pySHACL : " if lang == "fr" else "rules checked by pySHACL: ")
                   + ", ".join(report.validation.fallback), err=True)
    sys.exit(1 if c["violation"] else 0)


@main.command("edm")
@click.argument("dataset")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The ZIP of EDM RDF/XML files to write (one file per record), as Europeana ingests it.")
@click.option("--report", type=click.Path(path_type=Path, dir_okay=False),
              help="CSV of every record with its status and reasons (default: the ZIP's name with .csv).")
@click.option("--include-invalid", is_flag=True,
              help="Also write the records that fail Europeana's schema or mandatory rules (marked in the report).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the report.")
@click.pass_obj
def edm(state: State, dataset: str, output: Path, report: Path | None, include_invalid: bool, lang: str) -> None:
    """Export DATASET's records as EDM RDF/XML for Europeana: a ZIP of one file per record.

    Each record is checked against Europeana's XML Schema and mandatory rules; the
    records that fail are left out (unless --include-invalid) and listed with their
    reasons in the report, beside the ZIP. Exit status 0 when every record passes,
    1 when some fail, 2 on usage errors.
    """
    from graph.store import require_store

    from .edmexport import export

    require_store(state.store_path)
    for path, hint in ((output, "--output"), (report, "--report")):
        if path is not None and not path.parent.is_dir():
            raise click.BadParameter(f"{path.parent} is not a directory", param_hint=hint)
    report = report or output.with_suffix(".csv")
    s = export(state.open(read_only=True), dataset, output, report, include_invalid=include_invalid, lang=lang)
    if lang == "fr":
        click.echo(f"{s.records} {plural(s.records, 'notice', 'notices', 'fr')}, {s.failing} en échec "
                   f"({s.failing_schema} au schéma XML, {s.failing_rules} aux règles obligatoires), {s.written} "
                   f"{plural(s.written, 'écrite', 'écrites', 'fr')} dans {output} ; rapport : {report}", err=True)
    else:
        click.echo(f"{s.records} {plural(s.records, 'record', 'records')}, {s.failing} failing ({s.failing_schema} the XML Schema, "
                   f"{s.failing_rules} the mandatory rules), {s.written} written to {output}; "
                   f"report: {report}", err=True)
    sys.exit(1 if s.failing else 0)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.pass_obj
def backup(state: State, directory: Path) -> None:
    """Back the store up into DIRECTORY, a new directory.

    Oxigraph's own online backup of the store's current generation (hard links
    when DIRECTORY is on the same disk, so it is quick and small), with the
    datasets' record indexes and a backup.json saying what it holds. The store
    may be served and loaded meanwhile. `patrimoine restore DIRECTORY` brings it back.
    """
    from graph.provenance import now
    from graph.store import require_store

    require_store(state.store_path)
    kg = state.open(read_only=True)
    datasets = kg.datasets()
    manifest = {"backup": "patrimoine-kg", "version": 1, "software": __version__, "made": now(),
                "store": str(state.store_path), "generation": kg.generation, "base_iri": state.base_iri,
                "datasets": {d.name: {"triples": d.triples, "records_loaded": d.records_loaded,
                                      "loaded_at": d.loaded_at} for d in datasets}}
    kg.backup(directory, manifest)
    kg.close()
    click.echo(f"backup of {state.store_path} (generation {kg.generation}, {_datasets_and_triples(datasets)}) "
               f"in {directory}")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.pass_obj
def restore(state: State, directory: Path) -> None:
    """Make the store what a backup made by `patrimoine backup` holds.

    The backup becomes the store's next generation: servers on the store answer
    from it within seconds, and the generation before stays whole until then.
    """
    try:
        manifest = json.loads((directory / "backup.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        fail(f"{directory} is not a backup made by `patrimoine backup` (no readable backup.json)")
    if manifest.get("base_iri", state.base_iri) != state.base_iri:
        fail(f"the backup's base IRI is {manifest['base_iri']}, the store's {state.base_iri}: "
             "give --base-iri to restore it")
    kg = state.open()
    try:
        kg.restore(directory)
        datasets = kg.datasets()
    finally:
        kg.close()
    click.echo(f"{state.store_path} restored from {directory} (made {manifest.get('made', '?')}): "
               f"{_datasets_and_triples(datasets)}")


def _datasets_and_triples(datasets: list) -> str:
    triples = sum(d.triples for d in datasets)
    return (f"{len(datasets)} {plural(len(datasets), 'dataset', 'datasets')}, "
            f"{triples:,} {plural(triples, 'triple', 'triples')}")


from endpoint.settings import click_options as _endpoint_options  # noqa: E402 (serve's options: one per setting)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port (0: any free port, printed at start).")
@_endpoint_options
@click.pass_obj
def serve(state: State, host: str, port: int, **options) -> None:
    """Serve the graph over HTTP: SPARQL 1.1 Protocol on /sparql, Graph Store on /store, docs on /docs.

    Queries run in worker processes stopped at --query-timeout. Writes (SPARQL
    Update, Graph Store PUT/POST/DELETE) are enabled only when the environment
    variable PATRIMOINE_TOKEN holds a bearer token; the store is then opened
    read-write for each write, read-only otherwise.
    """
    import socket

    from endpoint.app import create_app
    from endpoint.httpserver import serve as serve_http
    from endpoint.settings import from_click

    try:
        settings = from_click(options)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None
    processes = settings.http_process_count
    if processes == 1:
        kg = state.open(read_only=True)
    else:
        # RocksDB leaves threads behind even once closed, and a process must not fork with threads
        # running: each server process opens the store itself, after the fork.
        from graph.store import require_store

        require_store(state.store_path)
        kg = None
    from endpoint.processes import listening_sockets, serve_processes

    try:
        socks = listening_sockets(host, port, processes)
    except OSError as e:
        fail(f"cannot listen on {host}:{port}: {e.strerror}")
    port = socks[0].getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    mode = "writes enabled (token set)" if settings.writes_enabled else "read-only"
    click.echo(f"patrimoine-kg: serving {state.store_path} on http://{shown}:{port}/sparql "
               f"({mode}, {processes} server process{'es' if processes > 1 else ''}, "
               f"{settings.process_share(processes).worker_count * processes} query workers, "
               f"query timeout {settings.query_timeout:g} s)", err=True)

    def run(sock: socket.socket, metrics_dir: Path | None = None) -> None:
        store = kg if kg is not None else state.open(read_only=True)
        serve_http(create_app(store, settings, processes=processes, metrics_dir=metrics_dir), sock, settings)

    if processes == 1:
        run(socks[0])
    else:
        sys.exit(serve_processes(socks, run))


def _provider(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise click.BadParameter("the provider must name an organisation", param_hint="--provider")
    return name


def _region_option(region: str) -> str | None:
    code = None if region.lower() == "all" else region
    if code is not None and not (code.isdigit() and len(code) == 2):
        raise click.BadParameter(f"{region!r} is not an INSEE region code (e.g. 32) or 'all'", param_hint="--region")
    return code


@main.command()
@click.argument("url")
@click.option("--metadata-prefix", "prefix", type=click.Choice(["oai_dc", "ead", "lido"]), default="oai_dc",
              show_default=True, help="Metadata format to harvest.")
@click.option("--set", "set_spec", help="Harvest this OAI-PMH set only.")
@click.option("--from", "from_date", help="Records changed since this date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ); "
              "default: since the last complete harvest of this dataset.")
@click.option("--until", help="Records changed until this date.")
@click.option("--dataset", help="Dataset name (default: the repository's host and set, e.g. archives-meuse-fr-frad055-ec).")
@click.option("--region", default="32", show_default=True, envvar="PATRIMOINE_REGION",
              help="Keep records of this INSEE region only; 'all' keeps every record.")
@click.option("--full", is_flag=True, help="Harvest everything again: ignore the last harvest date and any unfinished harvest.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--retries", type=click.IntRange(0, 20), default=4, show_default=True,
              help="Retries of a request after a timeout, a connection failure or an HTTP 5xx/429.")
@click.option("--backoff", type=click.FloatRange(min=0), default=2.0, show_default=True,
              help="Seconds before the first retry, doubled at each one.")
@click.option("--rejects", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report of records not loaded here (JSON Lines; default: next to the store).")
@provider_option
@click.pass_obj
def harvest(state: State, url: str, prefix: str, set_spec: str | None, from_date: str | None, until: str | None,
            dataset: str | None, region: str, full: bool, timeout: float, retries: int, backoff: float,
            rejects: Path | None, provider: str) -> None:
    """Harvest an OAI-PMH repository (ListRecords) into a dataset.

    Incremental (records changed since the last complete harvest), resumable
    (an interrupted harvest goes on where it stopped), records deleted at the
    source are removed; every record is loaded or in the rejection report.
    """
    from .harvest import HarvestOptions, harvest as run_harvest, valid_date

    for value, name in ((from_date, "--from"), (until, "--until")):
        if value is not None and not valid_date(value):
            raise click.BadParameter(f"{value!r}: write YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", param_hint=name)
    options = HarvestOptions(url=url, metadata_prefix=prefix, set_spec=set_spec, from_date=from_date, until=until,
                             dataset=dataset, region=_region_option(region), full=full, timeout=timeout,
                             retries=retries, backoff=backoff, rejects=rejects, provider=_provider(provider))
    kg = state.open()
    try:
        r = run_harvest(kg, options)
    except KeyboardInterrupt:
        fail("interrupted; the pages harvested so far are kept: run the same command again to resume")
    finally:
        kg.close()
    c = r.counts
    click.echo(
        f"{r.dataset}: {'resumed, ' if r.resumed else ''}{r.pages} {plural(r.pages, 'page', 'pages')}, "
        f"{c.records_read} {plural(c.records_read, 'record', 'records')} read, "
        f"{c.records_loaded} loaded, {r.deleted} deleted at the source, {c.records_rejected} rejected, "
        f"{c.records_skipped - r.deleted} skipped by the region filter; {r.triples} "
        f"{plural(r.triples, 'triple', 'triples')} in the dataset "
        f"({r.seconds:.1f} s)"
    )
    if r.from_date:
        click.echo(f"  records changed since {r.from_date}")
    if (c.records_rejected or c.records_skipped) and r.rejects_path:
        click.echo(f"  report of records not loaded: {r.rejects_path}")


@main.command("iiif")
@click.argument("urls", nargs=-1, required=True)
@click.option("--dataset", help="Dataset name (default: 'iiif-' and the host of the first URL).")
@click.option("--region", default="32", show_default=True, envvar="PATRIMOINE_REGION",
              help="Keep records of this INSEE region only; 'all' keeps every record.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds to wait for each manifest.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=20 * 1024 * 1024, show_default=True,
              help="Largest manifest accepted.")
@provider_option
@click.pass_obj
def iiif(state: State, urls: tuple[str, ...], dataset: str | None, region: str, timeout: float,
         max_bytes: int, provider: str) -> None:
    """Fetch IIIF Presentation manifests by URL and load them into one dataset.

    Manifests saved to files load with `patrimoine load` (format iiif).
    """
    from urllib.parse import urlsplit

    from graph.iri import check_dataset_name, slug

    from .fetch import load_manifests

    name = check_dataset_name(dataset or slug(f"iiif {urlsplit(urls[0]).hostname or ''}")[:100])
    kg = state.open()
    try:
        r = load_manifests(kg, name, urls, _region_option(region), timeout, max_bytes,
                           provider=_provider(provider))
    finally:
        kg.close()
    c = r.counts
    click.echo(f"{r.dataset}: {c.records_read} {plural(c.records_read, 'manifest', 'manifests')} read, "
               f"{c.records_loaded} loaded, {c.records_rejected} rejected, {c.records_skipped} skipped by the region "
               f"filter; {r.triples} {plural(r.triples, 'triple', 'triples')}")


@main.command()
@click.argument("names", nargs=-1)
@click.option("--list", "show", is_flag=True, help="List the sources (bundled and --sources) and exit.")
@click.option("--region", default="32", show_default=True, envvar="PATRIMOINE_REGION",
              help="Fetch and keep this INSEE region only (filtered by the portal where it can); 'all' for France.")
@click.option("--sources", "files", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              envvar="PATRIMOINE_SOURCES", help="A sources file (TOML, as patrimoine/sources.toml) whose sources "
              "add to or replace the bundled ones; may be repeated.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds to wait for the server at each step.")
@click.option("--max-seconds", type=click.FloatRange(min=1), default=7200.0, show_default=True,
              help="Longest time one download may take.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help="Largest download accepted (default: the source's max_bytes, else 4 GiB).")
@click.option("--force", is_flag=True, help="Download and load again even when the source has not changed.")
@click.option("--rejects", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report of records not loaded here (with one source; default: next to the store).")
@click.pass_obj
def fetch(state: State, names: tuple[str, ...], show: bool, region: str, files: tuple[Path, ...], timeout: float,
          max_seconds: float, max_bytes: int | None, force: bool, rejects: Path | None) -> None:
    """Download the official open-data exports (POP, Musées de France...) and load those that changed.

    Where each source is, its publisher, licence and format are in
    patrimoine/sources.toml (and the --sources files). A source unchanged since
    its last load (HTTP 304, or the same SHA-256) is not loaded again; an
    interrupted download resumes where it stopped at the next run.
    """
    from graph.output import table

    from .fetch import FetchOptions, fetch as run_fetch, load_sources

    sources = load_sources(files)
    if show:
        rows = [[s.name, s.kind, s.format or s.metadata_prefix if s.kind != "iiif" else "iiif",
                 "portal" if s.region else "loader", s.publisher, s.licence, s.url or f"{len(s.urls)} manifests"]
                for s in sources.values()]
        click.echo(table(["name", "kind", "format", "region filter", "publisher", "licence", "url"], rows))
        return
    if not names:
        raise click.UsageError("name the sources to fetch (see `patrimoine fetch --list`)")
    unknown = [n for n in names if n not in sources]
    if unknown:
        raise click.BadParameter(f"unknown source {unknown[0]!r}; known sources: {', '.join(sources)}",
                                 param_hint="NAMES")
    if rejects is not None and len(names) > 1:
        raise click.BadParameter("give --rejects with one source only", param_hint="--rejects")
    options = FetchOptions(region=_region_option(region), timeout=timeout, max_seconds=max_seconds,
                           max_bytes=max_bytes, force=force, rejects=rejects)
    kg = state.open()
    failed = 0
    try:
        for name in dict.fromkeys(names):
            try:
                r = run_fetch(kg, sources[name], options)
            except PatrimoineError as e:
                click.echo(f"Error: {name}: {e}", err=True)
                failed += 1
                continue
            click.echo(_fetched(r))
    finally:
        kg.close()
    if failed:
        sys.exit(2)


def _fetched(r) -> str:
    if r.status == "not-modified":
        return f"{r.source}: unchanged at the source (HTTP 304 Not Modified); nothing reloaded"
    if r.status == "same-content":
        return f"{r.source}: {_bytes(r.bytes)} downloaded, the same as at the last load; nothing reloaded"
    c = r.report.counts
    got = f"{_bytes(r.bytes)} downloaded" + (f" (resumed at {r.resumed_at:,})" if r.resumed_at else "") + ", " \
        if r.bytes else ""
    return (f"{r.source}: {got}{c.records_read} {plural(c.records_read, 'record', 'records')} read, "
            f"{c.records_loaded} loaded, {c.records_rejected} rejected, {c.records_skipped} skipped by the region "
            f"filter; {r.report.triples} {plural(r.report.triples, 'triple', 'triples')} in dataset {r.dataset}")


def _bytes(n: int) -> str:
    return f"{n:,} {plural(n, 'byte', 'bytes')}"
