"""The ``patrimoine`` command: load sources, query the graph, list datasets, serve the endpoint."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .iri import DEFAULT_BASE_IRI, check_base_iri
from .records import PatrimoineError
from .settings import Settings

QUERY_FORMATS = ("table", "csv", "tsv", "json")


class State:
    def __init__(self, store: Path, base_iri: str) -> None:
        self.store_path = store
        self.base_iri = base_iri

    def open(self, read_only: bool = False):
        from .store import KnowledgeGraph

        return KnowledgeGraph(self.store_path, self.base_iri, read_only=read_only)


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


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", type=click.Path(path_type=Path), envvar="PATRIMOINE_STORE",
              default=Settings.store, show_default=True, help="Directory of the on-disk Oxigraph store.")
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
@click.pass_obj
def load(state: State, paths: tuple[Path, ...], fmt: str | None, dataset: str | None, region: str,
         encoding: str | None, rejects: Path | None) -> None:
    """Load source files into the graph; a dataset loaded again is replaced atomically.

    Every record ends up in the graph or in the rejection report (file, line,
    record, identifier, reason).
    """
    from loaders import FORMATS
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
    options = LoadOptions(format=fmt, dataset=dataset, region=region_code, encoding=encoding, rejects=rejects)
    kg = state.open()
    for r in run_load(kg, list(paths), options):
        c = r.counts
        click.echo(
            f"{r.dataset}: {c.records_read} records read, {c.records_loaded} loaded, "
            f"{c.records_rejected} rejected, {c.records_skipped} skipped by the region filter; "
            f"{r.triples} triples in {r.seconds:.1f} s ({r.records_per_second:,.0f} records/s)"
        )
        if c.periods_unread:
            click.echo(f"  {c.periods_unread} period expressions could not be read; kept as text")
        if (c.records_rejected or c.records_skipped) and r.rejects_path:
            click.echo(f"  report of records not loaded: {r.rejects_path}")
    kg.close()


@main.command()
@click.argument("sparql")
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="table", show_default=True,
              help="Output of SELECT/ASK results; CONSTRUCT/DESCRIBE print N-Triples (or Turtle for table).")
@click.pass_obj
def query(state: State, sparql: str, fmt: str) -> None:
    """Run a SPARQL query (text, or a file holding it) on the union of all datasets."""
    from .output import write_results

    path = Path(sparql)
    if len(sparql) < 4096 and "\n" not in sparql and path.is_file():
        sparql = path.read_text(encoding="utf-8")
    kg = state.open(read_only=state.store_path.exists())
    try:
        results = kg.query(sparql, prefixes=True)
    except SyntaxError as e:
        fail(f"SPARQL syntax error: {str(e).splitlines()[0]}")
    except OSError as e:
        fail(f"query failed: {str(e).splitlines()[0]}")
    write_results(results, fmt, sys.stdout.buffer)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def datasets(state: State, fmt: str) -> None:
    """List every dataset with its provenance and counts."""
    from .output import table

    if not state.store_path.exists():
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
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.pass_obj
def serve(state: State, host: str, port: int) -> None:
    """Serve the graph over HTTP: SPARQL 1.1 protocol on /sparql (read-only)."""
    import uvicorn

    from endpoint.app import create_app

    kg = state.open(read_only=True)
    click.echo(f"serving {state.store_path} on http://{host}:{port}/sparql", err=True)
    uvicorn.run(create_app(kg), host=host, port=port, log_level="warning")
