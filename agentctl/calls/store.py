"""Where call records live: a `CallStore` protocol and its embedded DuckDB implementation.

The protocol is small on purpose — upsert batches by call id, run an aggregate query — so a
server-backed warehouse can stand in later. An upsert merges: a later event of a stored call
(Retell's call_analyzed after call_ended) fills in and overrides what it states, keeps what it
leaves out, and an event that changes nothing counts as a duplicate. Aggregation happens in SQL inside the
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
    ("transcript", "VARCHAR"), ("recording_url", "VARCHAR"), ("platform_agent_version", "VARCHAR"),
]
ADDED_COLUMNS = ("transcript", "recording_url", "platform_agent_version")  # added to stores made before them
TOOL_COLUMNS: list[tuple[str, str]] = [
    ("call_id", "VARCHAR NOT NULL"), ("seq", "INTEGER NOT NULL"), ("agent", "VARCHAR NOT NULL"),
    ("environment", "VARCHAR NOT NULL"), ("bundle_version", "INTEGER NOT NULL"), ("day", "DATE NOT NULL"),
    ("tool", "VARCHAR NOT NULL"), ("contract_version", "VARCHAR"), ("judged_by", "VARCHAR"),
    ("http_status", "INTEGER"), ("http_ok", "BOOLEAN NOT NULL"), ("contract_ok", "BOOLEAN"), ("latency_ms", "DOUBLE"),
    ("reasons", "VARCHAR"), ("arguments", "VARCHAR"), ("response_digest", "VARCHAR"), ("error", "VARCHAR"),
]
SQL_TYPES = {bool: "BOOLEAN", int: "DOUBLE", float: "DOUBLE", str: "VARCHAR"}
CALL_KEY = "(hash({}) >> 1)::BIGINT"  # a call id's key in call_keys (see DuckDBCallStore._sync_call_keys)


@dataclass
class BatchResult:
    inserted: int  # calls new to the store
    duplicates: int  # events that changed nothing
    updated: int = 0  # events merged into a call already stored (or earlier in the batch)


class CallStore(Protocol):
    """What ingest, metrics and checks need from a call store: DuckDBCallStore here, PostgresCallStore in
    agentctl/calls/pgstore.py. A store may say which SQL it speaks with a `dialect` attribute ("postgres");
    without one it is DuckDB (see agentctl.analysis.metrics.dialect_of)."""

    path: Any  # where it lives, as shown to a user (a file, or a DSN without its password)

    def business_columns(self) -> dict[str, str]:
        """Business outcome columns and their SQL types (BOOLEAN, DOUBLE, VARCHAR)."""
        ...

    def add_business_column(self, name: str, sql_type: str) -> None: ...

    def append(self, rows: Sequence[CallRows], source: str, ingested_at: Any) -> BatchResult:
        """Upsert by call_id: new calls are stored, later events merge into stored ones (see merge_rows)."""
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of `sql`, written with `?` placeholders in SQL both backends run (see docs/postgres.md)."""
        ...

    def seen_events(self, fingerprints: list[int]) -> set[int]:
        """Which event fingerprints are stored already (ingest skips those lines unparsed)."""
        ...

    def remember_events(self, fingerprints: list[int]) -> None: ...

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
        # fingerprints of the events ingested from files: a re-ingested line is skipped before it is even parsed
        self.con.execute("CREATE TABLE IF NOT EXISTS ingested_events (fingerprint BIGINT)")
        if not self.con.execute("SELECT 1 FROM store_meta WHERE key = 'schema_version'").fetchall():
            self.con.execute("INSERT INTO store_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        types = dict(CALL_COLUMNS)
        for name in ADDED_COLUMNS:
            self.con.execute(f"ALTER TABLE calls ADD COLUMN IF NOT EXISTS {name} {types[name]}")
        self._sync_call_keys()

    def _sync_call_keys(self) -> None:
        """call_keys holds a 64-bit key of every stored call id, so finding which calls of a batch are stored scans
        8 bytes per stored call, not its call id (0.13 s instead of 0.85 s of CPU per 122,880 calls against 10M
        stored). It is a filter: a key found is confirmed on call_id. store_meta remembers how many calls it
        covers and what hash() gives for a fixed text; when either differs (a store made before call_keys, one
        written by an agentctl that did not keep it, or a DuckDB whose hash() changed) it is rebuilt, atomically."""
        con = self.con
        con.execute("CREATE TABLE IF NOT EXISTS call_keys (call_key BIGINT)")
        kept = con.execute("SELECT value FROM store_meta WHERE key = 'call_keys'").fetchall()
        if kept and kept[0][0] == self._call_keys_meta():
            return
        con.begin()
        try:
            con.execute("DELETE FROM call_keys")
            con.execute(f"INSERT INTO call_keys SELECT {CALL_KEY.format('call_id')} FROM calls")
            self._note_call_keys(0)
            con.commit()
        except BaseException:
            con.rollback()
            raise

    def _call_keys_meta(self, added: int = 0) -> str:
        """What store_meta says of call_keys once `added` more calls are stored: what hash() gives for a fixed text,
        and how many calls it covers (`count(*)` comes from the table's metadata)."""
        probe, calls = self.con.execute(f"SELECT {CALL_KEY.format(repr('agentctl call key'))}, "
                                        "(SELECT count(*) FROM calls)").fetchall()[0]
        return f"{probe} {calls + added}"

    def _note_call_keys(self, added: int) -> None:
        self.con.execute("DELETE FROM store_meta WHERE key = 'call_keys'")
        self.con.execute("INSERT INTO store_meta VALUES ('call_keys', ?)", [self._call_keys_meta(added)])

    def add_call_keys(self, new_calls: str) -> None:
        """Inside the caller's transaction, just before the calls of the query `new_calls` (call ids not stored yet,
        each once) are stored: their keys go into call_keys, and store_meta counts them."""
        added = self.con.execute(f"INSERT INTO call_keys SELECT {CALL_KEY.format('call_id')} FROM ({new_calls})"
                                 ).fetchall()[0][0]
        self._note_call_keys(int(added))

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
        batch, duplicates, updated = merge_batch(rows)  # several events of one call merge in arrival order
        if not batch:
            return BatchResult(0, duplicates, updated)
        fixed = [n for n, _ in CALL_COLUMNS if n not in ("source", "ingested_at")]
        calls = {n: [r.call.get(n) for r in batch] for n in fixed}
        for name in self._business:
            calls[name] = [r.business.get(name) for r in batch]
        tool_rows = [(r.call, t) for r in batch for t in r.tools]
        tools = {n: [(c[n] if n in ("call_id", "agent", "environment", "bundle_version", "day") else t[n])
                     for c, t in tool_rows] for n, _ in TOOL_COLUMNS}
        types = {**{n: t for n, t in CALL_COLUMNS}, **self._business, **{f"tool.{n}": t for n, t in TOOL_COLUMNS}}
        con = self.con
        _stage(con, "batch_calls", calls, {n: types[n] for n in calls})
        if tool_rows:
            _stage(con, "batch_tools", tools, {n: types[f"tool.{n}"] for n in tools})
        try:
            result = self.merge_staged(bool(tool_rows), source, ingested_at)
        finally:
            _unstage(con, "batch_calls")
            if tool_rows:
                _unstage(con, "batch_tools")
        return BatchResult(result.inserted, duplicates + result.duplicates, updated + result.updated)

    def merge_staged(self, has_tools: bool, source: str, ingested_at: Any) -> BatchResult:
        """Upsert the staged tables `batch_calls` (one row per call id, every call and business column but
        source/ingested_at) and `batch_tools` (rows of tool_calls) in one transaction, with merge_rows' semantics:
        what a later event states wins, what it leaves out is kept, its tool calls replace the stored ones only
        when it has some."""
        con = self.con
        fixed = [n for n, _ in CALL_COLUMNS if n not in ("source", "ingested_at")]
        merged_cols = [n for n in fixed if n not in ("call_id", "tool_call_count")] + [f'"{n}"' for n in self._business]
        pick = ", ".join(f"COALESCE(b.{n}, c.{n}) AS {n}" for n in merged_cols)
        changed = " OR ".join(f"COALESCE(b.{n}, c.{n}) IS DISTINCT FROM c.{n}" for n in merged_cols)
        names = ["call_id", "tool_call_count", *merged_cols]
        columns = ", ".join(names)
        con.begin()
        try:
            # calls new to the store go straight in (an anti-join); only the stored ones are merged.
            # Joined on call_id alone: a later event may move a call to another day (a corrected started_at).
            # The call ids whose key is in call_keys are looked up; usually there are none, and calls is not read
            con.execute("CREATE OR REPLACE TEMP TABLE batch_known AS SELECT call_id FROM batch_calls "
                        f"WHERE {CALL_KEY.format('call_id')} IN (SELECT call_key FROM call_keys)")
            known = con.execute("SELECT count(*) FROM batch_known").fetchall()[0][0]
            con.execute("CREATE OR REPLACE TEMP TABLE batch_existing AS SELECT call_id FROM calls "
                        + ("WHERE call_id IN (SELECT call_id FROM batch_known)" if known else "WHERE FALSE"))
            con.execute("DROP TABLE batch_known")
            self.add_call_keys("SELECT call_id FROM batch_calls WHERE call_id NOT IN (SELECT call_id FROM batch_existing)")
            new = con.execute(f"INSERT INTO calls ({columns}, source, ingested_at) SELECT {columns}, ?, ? "
                              "FROM batch_calls WHERE call_id NOT IN (SELECT call_id FROM batch_existing)",
                              [source, ingested_at]).fetchall()[0][0]
            if has_tools:
                con.execute("INSERT INTO tool_calls SELECT * FROM batch_tools "
                            "WHERE call_id NOT IN (SELECT call_id FROM batch_existing)")
            changed_existing = unchanged = 0
            if con.execute("SELECT count(*) FROM batch_existing").fetchall()[0][0]:
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE batch_merged AS SELECT b.call_id, b.tool_call_count > 0 AS has_tools, "
                    "CASE WHEN b.tool_call_count = 0 THEN c.tool_call_count ELSE b.tool_call_count END AS tool_call_count, "
                    f"{pick}, b.tool_call_count > 0 AND b.tool_call_count IS DISTINCT FROM c.tool_call_count "
                    f"OR {changed} AS changed "
                    "FROM batch_calls b JOIN calls c ON c.call_id = b.call_id "
                    "WHERE b.call_id IN (SELECT call_id FROM batch_existing)")  # (not the calls just inserted)
                changed_existing, unchanged = con.execute(
                    "SELECT count(*) FILTER (WHERE changed), count(*) FILTER (WHERE NOT changed) FROM batch_merged"
                ).fetchall()[0]
                if changed_existing:
                    con.execute("DELETE FROM calls WHERE call_id IN (SELECT call_id FROM batch_merged WHERE changed)")
                    con.execute("DELETE FROM tool_calls WHERE call_id IN "
                                "(SELECT call_id FROM batch_merged WHERE changed AND has_tools)")
                    con.execute(f"INSERT INTO calls ({columns}, source, ingested_at) SELECT {columns}, ?, ? "
                                "FROM batch_merged WHERE changed", [source, ingested_at])
                    if has_tools:
                        con.execute("INSERT INTO tool_calls SELECT * FROM batch_tools WHERE call_id IN "
                                    "(SELECT call_id FROM batch_merged WHERE changed AND has_tools)")
                con.execute("DROP TABLE batch_merged")
            con.execute("DROP TABLE batch_existing")
            con.commit()
        except BaseException:
            con.rollback()
            raise
        return BatchResult(int(new), int(unchanged), int(changed_existing))

    def bulk_ingest(self, ctx: Any, salt: str) -> Any:
        """The set-based JSONL path for this store (see calls.bulk)."""
        from agentctl.calls.bulk import BulkIngest

        return BulkIngest(self, ctx, salt)

    def seen_events(self, fingerprints: list[int]) -> set[int]:
        """Which of these event fingerprints (see calls.ingest.fingerprint) are stored already: one semi-join."""
        rows = self.con.execute("SELECT fingerprint FROM ingested_events WHERE fingerprint IN "
                                "(SELECT unnest(?::BIGINT[]))", [fingerprints]).fetchall()
        return {row[0] for row in rows}

    def remember_events(self, fingerprints: list[int]) -> None:
        if fingerprints:
            self.con.execute("INSERT INTO ingested_events SELECT unnest(?::BIGINT[])", [fingerprints])

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
    if any(isinstance(value, list) for value in values):
        for i, value in enumerate(values):  # element-wise, so list values stay lists instead of becoming dimensions
            array[i] = value
    else:
        array[:] = values
    return array


def merge_batch(rows: Sequence[CallRows]) -> tuple[list[CallRows], int, int]:
    """(one merged row per call in arrival order, duplicates, merges): the first step of every store's append."""
    unique: dict[str, CallRows] = {}
    duplicates = updated = 0
    for row in rows:
        call_id = row.call["call_id"]
        earlier = unique.get(call_id)
        if earlier is None:
            unique[call_id] = row
            continue
        merged = merge_rows(earlier, row)
        if merged == earlier:
            duplicates += 1
        else:
            unique[call_id], updated = merged, updated + 1
    return list(unique.values()), duplicates, updated


def merge_rows(earlier: CallRows, later: CallRows) -> CallRows:
    """One call from two events: what the later one states wins, what it leaves out (null) is kept,
    and its tool calls replace the earlier ones only when it has any."""
    call = {**earlier.call, **{k: v for k, v in later.call.items() if v is not None}}
    tools = later.tools or earlier.tools
    call["tool_call_count"] = len(tools)
    business = {**earlier.business, **{k: v for k, v in later.business.items() if v is not None}}
    return CallRows(call, business, tools)


def sql_type_of(value: Any) -> str | None:
    """The column type a business value needs (None for null, which fits any)."""
    return None if value is None else SQL_TYPES[type(value)]


def open_store(root: Path, config: dict[str, Any], *, read_only: bool = False,
               memory_limit: str | None = None) -> CallStore:
    """The store named by `metrics_source` in agentctl.yaml: DuckDB (default; read-only opens of a missing
    file give an empty store) or PostgreSQL (`type: postgres`, DSN from the `dsn_env` variable)."""
    source = config.get("metrics_source") or {}
    if isinstance(source, dict) and source.get("type") == "postgres":
        from agentctl.calls.pgstore import open_postgres

        return open_postgres(source, read_only=read_only)
    path = store_path(root, config)
    if read_only and not path.exists():
        return DuckDBCallStore(None)
    import duckdb

    try:
        return DuckDBCallStore(path, read_only=read_only, memory_limit=memory_limit)
    except duckdb.Error as exc:  # never DuckDB's own words: say which file and what to do
        raise unusable_store(path.relative_to(root) if path.is_relative_to(root) else path, exc, memory_limit) from None


def unusable_store(path: Path, exc: Exception, memory_limit: str | None = None) -> Exception:
    """Why the call store at `path` cannot be opened, as an AgentctlError that says what to do."""
    from agentctl.errors import BadInputError, ConflictError

    text = str(exc)
    if "Conflicting lock" in text or "Could not set lock" in text:
        holder = text.partition("lock is held in ")[2].partition(". See")[0]
        return ConflictError(f"the call store {path} is in use by another process" + (f": {holder}" if holder else ""),
                             "wait for it to finish (or stop it), then run the command again")
    if memory_limit and "memory" in text.lower():
        return BadInputError(f"memory limit '{memory_limit}' is not a size", "write it like 512MB or 2GB")
    return BadInputError(f"the call store {path} is damaged or not a DuckDB database, so it cannot be read",
                         f"move it aside (mv {path} {path}.broken) and re-ingest the call records with "
                         "`agentctl calls ingest FILE…`; the config repo itself is unaffected")


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
