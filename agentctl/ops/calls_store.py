"""`agentctl calls migrate` and `agentctl calls export`: create or upgrade the call store, move calls between backends.

`migrate` applies the PostgreSQL store's pending versioned migrations (agentctl/calls/migrations.py)
under an advisory lock; on DuckDB it creates or extends the tables as any write does.

`export --to postgres` copies the repo's DuckDB store into PostgreSQL (and `--to duckdb --from
postgres` back): every call with its business columns, its original `source` and `ingested_at`,
its tool calls and the fingerprints of ingested events, in batches. A call already in the target is
left as it is (and its tool calls too), so an interrupted export is finished by running it again.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.errors import BadInputError

BACKENDS = ("duckdb", "postgres")
DEFAULT_BATCH = 50_000


@dataclass
class MigrateReport:
    backend: str
    store: str
    version: int
    applied: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ExportReport:
    source: str
    target: str
    calls: int
    skipped: int
    tool_calls: int
    events: int
    business_columns: dict[str, str]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def migrate_store(root: Path) -> MigrateReport:
    """Create the configured call store's tables or bring them to this agentctl's schema version."""
    from agentctl.calls.store import SCHEMA_VERSION, open_store
    from agentctl.repo import ConfigRepo

    config = ConfigRepo(root).config.data
    source = config.get("metrics_source") or {}
    if source.get("type") == "postgres":
        from agentctl.calls.pgstore import open_postgres

        with open_postgres(source) as store:
            return MigrateReport("postgres", str(store.path), store.version,
                                 [{"version": m.version, "name": m.name} for m in store.applied])
    duck = open_store(root, config)
    try:
        return MigrateReport("duckdb", str(duck.path), SCHEMA_VERSION)
    finally:
        duck.close()


def export_store(root: Path, *, to: str, source: str | None = None, dsn_env: str | None = None,
                 schema: str | None = None, path: str | None = None,
                 batch_size: int = DEFAULT_BATCH) -> ExportReport:
    """Copy every call of one backend's store into the other's (see the module docstring)."""
    from agentctl.repo import ConfigRepo

    config = ConfigRepo(root).config.data
    configured = dict(config.get("metrics_source") or {})
    source = source or str(configured.get("type") or "duckdb")
    if to not in BACKENDS or source not in BACKENDS:
        raise BadInputError(f"unknown store type '{to if to not in BACKENDS else source}'",
                            f"use one of: {', '.join(BACKENDS)}")
    if source == to:
        raise BadInputError(f"--from and --to are both {to}", "export moves calls between DuckDB and PostgreSQL")
    pg = {"type": "postgres", "dsn_env": dsn_env or configured.get("dsn_env") or "AGENTCTL_PG_DSN",
          "schema": schema if schema is not None else configured.get("schema")}
    duck_config = {**config, "metrics_source": {"type": "duckdb", "path": path or configured.get("path")
                                                or ".agentctl/calls.duckdb"}}
    started = time.perf_counter()
    from agentctl.calls.pgstore import open_postgres
    from agentctl.calls.store import DuckDBCallStore, store_path

    duck_path = store_path(root, duck_config)
    if source == "duckdb" and not duck_path.exists():
        raise BadInputError(f"no DuckDB call store at {duck_path}", "ingest calls first, or pass --path")
    openers: dict[str, Callable[[bool], Any]] = {
        "duckdb": lambda read_only: DuckDBCallStore(duck_path, read_only=read_only),
        "postgres": lambda read_only: open_postgres(pg, read_only=read_only)}
    reader: Any = openers[source](True)
    writer: Any = None
    try:
        writer = openers[to](False)
        counts = _copy(reader, writer, batch_size)
    finally:
        reader.close()
        if writer is not None:
            writer.close()
    return ExportReport(str(reader.path), str(writer.path), *counts, round(time.perf_counter() - started, 3))


def _copy(reader: Any, writer: Any, batch_size: int) -> tuple[int, int, int, int, dict[str, str]]:
    from agentctl.calls.store import CALL_COLUMNS, TOOL_COLUMNS

    business = reader.business_columns()
    have = writer.business_columns()
    for name, kind in business.items():
        if name not in have:
            writer.add_business_column(name, kind)
        elif have[name] != kind:
            raise BadInputError(f"business column '{name}' is {kind} in the source but {have[name]} in the target",
                                "export into an empty store, or fix the column's type in one of them")
    columns = [n for n, _ in CALL_COLUMNS] + list(business)
    types = {**dict(CALL_COLUMNS), **business}
    copied: set[str] = set()
    calls = skipped = 0
    for chunk in _read(reader, f"SELECT {', '.join(_q(c) for c in columns)} FROM calls ORDER BY call_id", batch_size):
        new = _write(writer, "calls", columns, types, chunk, key="call_id")
        copied.update(new)
        calls += len(new)
        skipped += len(chunk) - len(new)
    tool_names = [n for n, _ in TOOL_COLUMNS]
    tools = 0
    for chunk in _read(reader, f"SELECT {', '.join(tool_names)} FROM tool_calls ORDER BY call_id, seq", batch_size):
        rows = [r for r in chunk if r[0] in copied]
        if rows:
            _write(writer, "tool_calls", tool_names, dict(TOOL_COLUMNS), rows, key=None)
            tools += len(rows)
    events = 0
    for chunk in _read(reader, "SELECT fingerprint FROM ingested_events", batch_size):
        fingerprints = [int(r[0]) for r in chunk]
        fresh = sorted(set(fingerprints) - writer.seen_events(fingerprints))
        writer.remember_events(fresh)
        events += len(fresh)
    return calls, skipped, tools, events, business


def _read(store: Any, sql: str, size: int) -> Any:
    """Rows of `sql` in chunks of `size`, without holding the whole table."""
    if getattr(store, "dialect", "duckdb") == "postgres":
        with store.conn.transaction(), store.conn.cursor(name="agentctl_export") as cur:
            cur.execute(sql)
            while rows := cur.fetchmany(size):
                yield rows
        return
    cursor = store.con.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


def _write(store: Any, table: str, columns: list[str], types: dict[str, str], rows: list[tuple[Any, ...]],
           key: str | None) -> list[str]:
    """Insert `rows`, skipping those whose `key` the table has already; returns the keys inserted."""
    names = ", ".join(_q(c) for c in columns)
    if getattr(store, "dialect", "duckdb") == "postgres":
        from agentctl.calls.pgstore import _clean

        conn = store.conn
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE export_rows (LIKE {table}) ON COMMIT DROP")
            with cur.copy(f"COPY export_rows ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([_clean(v, c) for v, c in zip(row, columns, strict=True)])
            if key is None:
                cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM export_rows")
                return []
            cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM export_rows ORDER BY {key} "
                        f"ON CONFLICT ({key}) DO NOTHING RETURNING {key}")
            return [r[0] for r in cur.fetchall()]
    con = store.con
    spec = ", ".join(f"'{c}': '{types[c].replace(' NOT NULL', '')}'" for c in columns)
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as fh:
        for row in rows:
            fh.write(json.dumps(dict(zip(columns, row, strict=True)), default=_json_value) + "\n")
    try:
        con.begin()
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE export_rows AS SELECT * FROM "
                        f"read_json(?, format = 'newline_delimited', columns = {{{spec}}})", [fh.name])
            inserted: list[str] = []
            if key is not None:
                inserted = [r[0] for r in con.execute(f"SELECT {key} FROM export_rows WHERE {key} NOT IN "
                                                      f"(SELECT {key} FROM {table})").fetchall()]
                if table == "calls":  # the store's filter of stored call ids covers these too
                    store.add_call_keys("SELECT call_id FROM export_rows WHERE call_id NOT IN (SELECT call_id FROM calls)")
                con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM export_rows WHERE {key} NOT IN "
                            f"(SELECT {key} FROM {table})")
            else:
                con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM export_rows")
            con.execute("DROP TABLE export_rows")
            con.commit()
        except BaseException:
            con.rollback()
            raise
    finally:
        Path(fh.name).unlink(missing_ok=True)
    return inserted


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _q(name: str) -> str:
    return '"' + name.replace('"', "") + '"'
