"""Where call records live: a `CallStore` protocol and its embedded DuckDB implementation.

The protocol is small on purpose — append batches idempotently, run an aggregate query —
so a server-backed warehouse can stand in later. Aggregation happens in SQL inside the
store; Python only ever sees one row per (agent, day, …) group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agentctl.calls.record import CallRows

SCHEMA_VERSION = 1
CALL_COLUMNS: list[tuple[str, str]] = [
    ("call_id", "VARCHAR NOT NULL"), ("agent", "VARCHAR NOT NULL"), ("bundle_version", "INTEGER NOT NULL"),
    ("environment", "VARCHAR NOT NULL"), ("caller_key", "VARCHAR"), ("started_at", "TIMESTAMP NOT NULL"),
    ("ended_at", "TIMESTAMP NOT NULL"), ("day", "DATE NOT NULL"), ("handle_time_s", "DOUBLE"),
    ("outcome", "VARCHAR NOT NULL"), ("ended_reason", "VARCHAR"), ("escalated", "BOOLEAN NOT NULL"),
    ("is_error", "BOOLEAN NOT NULL"), ("turn_latencies_ms", "DOUBLE[]"), ("transcription_confidence", "DOUBLE"),
    ("cost_usd", "DOUBLE"), ("tool_call_count", "INTEGER"), ("source", "VARCHAR"), ("ingested_at", "TIMESTAMP"),
]
TOOL_COLUMNS: list[tuple[str, str]] = [
    ("call_id", "VARCHAR NOT NULL"), ("seq", "INTEGER NOT NULL"), ("agent", "VARCHAR NOT NULL"),
    ("environment", "VARCHAR NOT NULL"), ("bundle_version", "INTEGER NOT NULL"), ("day", "DATE NOT NULL"),
    ("tool", "VARCHAR NOT NULL"), ("contract_version", "VARCHAR"), ("judged_by", "VARCHAR"),
    ("http_status", "INTEGER"), ("http_ok", "BOOLEAN NOT NULL"), ("contract_ok", "BOOLEAN"), ("latency_ms", "DOUBLE"),
    ("reasons", "VARCHAR"), ("arguments", "VARCHAR"), ("response_digest", "VARCHAR"), ("error", "VARCHAR"),
]
SQL_TYPES = {bool: "BOOLEAN", int: "DOUBLE", float: "DOUBLE", str: "VARCHAR"}


@dataclass
class BatchResult:
    inserted: int
    duplicates: int


class CallStore(Protocol):
    """What ingest, metrics and checks need from a call store."""

    def business_columns(self) -> dict[str, str]:
        """Business outcome columns and their SQL types (BOOLEAN, DOUBLE, VARCHAR)."""
        ...

    def add_business_column(self, name: str, sql_type: str) -> None: ...

    def append(self, rows: Sequence[CallRows], source: str, ingested_at: Any) -> BatchResult:
        """Store calls whose call_id is new (with their tool calls); count the rest as duplicates."""
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


class DuckDBCallStore:
    """Calls in one DuckDB file (default .agentctl/calls.duckdb), or in memory when path is None."""

    def __init__(self, path: Path | None, *, read_only: bool = False, memory_limit: str | None = None) -> None:
        import duckdb

        self.path = path
        if path is not None and not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(path) if path is not None else ":memory:", read_only=read_only,
                                  config={"memory_limit": memory_limit} if memory_limit else {})
        if not read_only:
            self._create()
        self._business = self._load_business()

    def _create(self) -> None:
        cols = ", ".join(f"{n} {t}" for n, t in CALL_COLUMNS)
        tcols = ", ".join(f"{n} {t}" for n, t in TOOL_COLUMNS)
        self.con.execute(f"CREATE TABLE IF NOT EXISTS calls ({cols})")
        self.con.execute(f"CREATE TABLE IF NOT EXISTS tool_calls ({tcols})")
        self.con.execute("CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR, value VARCHAR)")
        if not self.con.execute("SELECT 1 FROM store_meta WHERE key = 'schema_version'").fetchall():
            self.con.execute("INSERT INTO store_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])

    def _load_business(self) -> dict[str, str]:
        fixed = {n for n, _ in CALL_COLUMNS}
        try:
            rows = self.con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                    "WHERE table_name = 'calls' ORDER BY ordinal_position").fetchall()
        except Exception:  # noqa: BLE001 - a store without tables has no business columns
            return {}
        return {name: kind for name, kind in rows if name not in fixed}

    def business_columns(self) -> dict[str, str]:
        return dict(self._business)

    def add_business_column(self, name: str, sql_type: str) -> None:
        self.con.execute(f'ALTER TABLE calls ADD COLUMN IF NOT EXISTS "{name}" {sql_type}')
        self._business[name] = sql_type

    def append(self, rows: Sequence[CallRows], source: str, ingested_at: Any) -> BatchResult:
        unique: dict[str, CallRows] = {}
        for row in rows:
            unique.setdefault(row.call["call_id"], row)
        batch = list(unique.values())
        if not batch:
            return BatchResult(0, len(rows))
        call_names = [n for n, _ in CALL_COLUMNS]
        calls = {n: [r.call.get(n) for r in batch] for n in call_names if n not in ("source", "ingested_at")}
        for name in self._business:
            calls[name] = [r.business.get(name) for r in batch]
        tool_rows = [(r.call, t) for r in batch for t in r.tools]
        tools = {n: [(c[n] if n in ("call_id", "agent", "environment", "bundle_version", "day") else t[n])
                     for c, t in tool_rows] for n, _ in TOOL_COLUMNS}
        types = {**{n: t for n, t in CALL_COLUMNS}, **self._business, **{f"tool.{n}": t for n, t in TOOL_COLUMNS}}
        con = self.con
        _stage(con, "batch_calls", calls, {n: types[n] for n in calls})
        con.begin()
        try:
            # only calls whose id is new; the day filter lets zone maps skip most of a large table
            con.execute("CREATE OR REPLACE TEMP TABLE new_ids AS SELECT b.call_id FROM batch_calls b "
                        "WHERE NOT EXISTS (SELECT 1 FROM calls c WHERE c.call_id = b.call_id "
                        "AND c.day BETWEEN (SELECT min(day) FROM batch_calls) AND (SELECT max(day) FROM batch_calls))")
            business = "".join(f', "{n}"' for n in self._business)
            fixed = ", ".join(n for n in call_names if n not in ("source", "ingested_at"))
            inserted = con.execute(
                f"INSERT INTO calls ({fixed}, source, ingested_at{business}) SELECT {fixed}, ?, ?{business} "
                "FROM batch_calls WHERE call_id IN (SELECT call_id FROM new_ids)", [source, ingested_at]).fetchall()[0][0]
            if tool_rows:
                _stage(con, "batch_tools", tools, {n: types[f"tool.{n}"] for n in tools})
                con.execute("INSERT INTO tool_calls SELECT * FROM batch_tools WHERE call_id IN (SELECT call_id FROM new_ids)")
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            _unstage(con, "batch_calls")
            if tool_rows:
                _unstage(con, "batch_tools")
        return BatchResult(int(inserted), len(rows) - int(inserted))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> DuckDBCallStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _native_scan() -> bool:
    """DuckDB 2 scans a dict of numpy object arrays directly; 1.x (the newest on Python 3.10) cannot."""
    import duckdb

    return int(duckdb.__version__.split(".")[0]) >= 2


def _stage(con: Any, name: str, columns: dict[str, list[Any]], types: dict[str, str]) -> None:
    """Make a batch queryable as table `name`: zero-copy numpy scan on DuckDB 2; on 1.x, a typed temp
    table bulk-loaded from newline-delimited JSON (row-by-row inserts are far too slow there)."""
    if _native_scan():
        con.register(name, {column: _column(values) for column, values in columns.items()})
        return
    import json
    import tempfile

    names = list(columns)
    spec = ", ".join(f"'{column}': '{types[column].replace(' NOT NULL', '')}'" for column in names)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as fh:
        for row in zip(*columns.values(), strict=True):
            fh.write(json.dumps(dict(zip(names, row, strict=True)), default=str) + "\n")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM "
                    f"read_json(?, format = 'newline_delimited', columns = {{{spec}}})", [fh.name])
    finally:
        Path(fh.name).unlink(missing_ok=True)


def _unstage(con: Any, name: str) -> None:
    if _native_scan():
        con.unregister(name)
    else:
        con.execute(f"DROP TABLE IF EXISTS {name}")


def _column(values: list[Any]) -> Any:
    import numpy as np

    array = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):  # element-wise, so list values stay lists instead of becoming dimensions
        array[i] = value
    return array


def sql_type_of(value: Any) -> str | None:
    """The column type a business value needs (None for null, which fits any)."""
    return None if value is None else SQL_TYPES[type(value)]


def open_store(root: Path, config: dict[str, Any], *, read_only: bool = False,
               memory_limit: str | None = None) -> DuckDBCallStore:
    """The store named by `metrics_source` in agentctl.yaml; read-only opens of a missing file give an empty store."""
    path = store_path(root, config)
    if read_only and not path.exists():
        return DuckDBCallStore(None)
    return DuckDBCallStore(path, read_only=read_only, memory_limit=memory_limit)


def store_path(root: Path, config: dict[str, Any]) -> Path:
    from agentctl.errors import BadInputError
    from agentctl.model.layout import STATE_DIR
    from agentctl.model.paths import escape_reason

    raw = (config.get("metrics_source") or {}).get("path") or f"{STATE_DIR}/calls.duckdb"
    escape = escape_reason(root, str(raw))
    if escape:  # `validate` reports it at agentctl.yaml:line:col; this stops every other command
        raise BadInputError(f"agentctl.yaml: metrics_source.path '{str(raw)[:80]}' {escape}",
                            "keep the call store inside the repo, e.g. .agentctl/calls.duckdb")
    return root / raw
