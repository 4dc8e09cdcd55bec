from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from agentctl.cli.options import json_option, repo_option, root_from
from agentctl.cli.render import emit_json, plural, table


@click.group()
def calls() -> None:
    """Load production call records into the call store.

    \b
    Examples:
      agentctl calls ingest calls.jsonl
      agentctl calls ingest --format vapi vapi-reports.jsonl --json
    """


@calls.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["auto", "record", "vapi", "retell", "csv"]), default="auto",
              show_default=True, help="Input shape; auto detects CSV by extension and Vapi/Retell payloads per line.")
@click.option("--rejects", "rejects", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to append rejected lines (default .agentctl/rejects/<time>.jsonl).")
@click.option("--agent", default=None, help="Agent for platform payloads whose metadata does not name one.")
@click.option("--env", "env", default=None, help="Environment for platform payloads whose metadata does not name one.")
@click.option("--version", "version", type=int, default=None, help="Bundle version for platform payloads without one.")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Lines per store transaction (default 122880 into a DuckDB store, 20000 into PostgreSQL).")
@click.option("--memory-limit", default="512MB", show_default=True, help="Cap on the store's memory while ingesting.")
@repo_option
@json_option
def ingest(files: tuple[str, ...], fmt: str, rejects: Path | None, agent: str | None, env: str | None,
           version: int | None, batch_size: int | None, memory_limit: str, repo: Path | None, as_json: bool) -> int:
    """Ingest call records from FILES (JSONL or CSV; - reads stdin).

    Tool calls are judged against the tool contracts' success criteria. Bad records are
    rejected with their line number and reason. Records are upserted by call_id: a later
    event of the same call (Retell call_analyzed after call_ended) merges into the stored
    record; re-ingesting a file adds nothing twice. Exits 1 when any record was rejected.

    \b
    Examples:
      agentctl calls ingest calls.jsonl
      agentctl calls ingest --format retell retell-webhooks.jsonl --json
      cat vapi-reports.jsonl | agentctl calls ingest - --env production
    """
    from agentctl.ops.calls import ingest_calls

    defaults = {"agent": agent, "environment": env, "bundle_version": version}
    with _progress(enabled=not as_json and sys.stderr.isatty()) as progress:
        report = ingest_calls(root_from(repo), list(files), fmt=fmt, rejects_path=rejects, defaults=defaults,
                              batch_size=batch_size, memory_limit=memory_limit, progress=progress)
    for note in report.notes:
        click.echo(note, err=True)
    if as_json:
        emit_json(report.to_dict())
        return 1 if report.rejected else 0
    merged = f"merged {report.updated:,} into stored calls, " if report.updated else ""
    click.echo(f"read {report.read:,}, stored {report.inserted:,} new, {merged}{report.duplicates:,} already stored, "
               f"{plural(report.rejected, 'rejected record')} → {report.store}")
    if report.rejected:
        table(["source", "line", "reason"], [(r["source"], r["line"], r["reason"]) for r in report.first_rejects],
              title=f"rejected (all {report.rejected:,} in {report.rejects_file})")
        return 1
    return 0


@calls.command()
@repo_option
@json_option
def migrate(repo: Path | None, as_json: bool) -> int:
    """Create the call store's tables or upgrade them to this agentctl's schema.

    On PostgreSQL (`metrics_source: {type: postgres}`) this applies the pending versioned
    migrations, each in one transaction under an advisory lock, so replicas starting at once
    are safe; writes apply them too, this runs them ahead (e.g. in a deploy step). On DuckDB
    the file and its tables are created as on the first ingest.

    \b
    Examples:
      agentctl calls migrate
      AGENTCTL_PG_DSN=postgresql://agentctl@db.internal/calls agentctl calls migrate --json
    """
    from agentctl.ops.calls_store import migrate_store

    report = migrate_store(root_from(repo))
    if as_json:
        emit_json(report.to_dict())
        return 0
    applied = ", ".join(f"{m['version']} ({m['name']})" for m in report.applied)
    click.echo(f"{report.store}: schema version {report.version}" + (f"; applied {applied}" if applied
                                                                        else "; up to date"))
    return 0


@calls.command()
@click.option("--to", "to", type=click.Choice(["postgres", "duckdb"]), required=True, help="The store to copy into.")
@click.option("--from", "source", type=click.Choice(["duckdb", "postgres"]), default=None,
              help="The store to copy from (default: the one metrics_source names).")
@click.option("--dsn-env", default=None, help="PostgreSQL side: variable holding the DSN (default: metrics_source.dsn_env "
                                              "or AGENTCTL_PG_DSN).")
@click.option("--schema", default=None, help="PostgreSQL side: the schema (default: metrics_source.schema, else the "
                                             "search path).")
@click.option("--path", default=None, help="DuckDB side: the store file (default: metrics_source.path or "
                                           ".agentctl/calls.duckdb).")
@click.option("--batch-size", type=click.IntRange(min=1), default=50_000, show_default=True,
              help="Rows per transaction.")
@repo_option
@json_option
def export(to: str, source: str | None, dsn_env: str | None, schema: str | None, path: str | None, batch_size: int,
           repo: Path | None, as_json: bool) -> int:
    """Copy every stored call from one call store into another (DuckDB ⇄ PostgreSQL).

    Calls keep their business columns, original source and ingest time, tool calls and the
    fingerprints of ingested events. A call already in the target is left as it is, so an
    interrupted export finishes when run again. Switch `metrics_source` afterwards.

    \b
    Examples:
      agentctl calls export --to postgres
      agentctl calls export --to postgres --from duckdb --schema voice --json
      agentctl calls export --to duckdb --from postgres --path .agentctl/calls.duckdb
    """
    from agentctl.ops.calls_store import export_store

    report = export_store(root_from(repo), to=to, source=source, dsn_env=dsn_env, schema=schema, path=path,
                          batch_size=batch_size)
    if as_json:
        emit_json(report.to_dict())
        return 0
    skipped = f", {report.skipped:,} already there" if report.skipped else ""
    click.echo(f"copied {report.calls:,} calls ({report.tool_calls:,} tool calls, {report.events:,} event "
               f"fingerprints){skipped}: {report.source} → {report.target} in {report.seconds:.1f} s")
    return 0


@contextlib.contextmanager
def _progress(*, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A live count of records read on a terminal's stderr; nothing when piped."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("ingesting: {task.completed:,.0f} records read"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("ingest", total=None)
        yield lambda read: bar.update(task, completed=read)
