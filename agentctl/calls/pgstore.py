"""The call store in PostgreSQL (psycopg 3): one database shared by several `serve` replicas and every reader.

Selected by `metrics_source: {type: postgres, dsn_env: AGENTCTL_PG_DSN}` in agentctl.yaml; the DSN
itself is read from that environment variable, never from the repo. The tables are those of the
DuckDB store (agentctl/calls/store.py), created and upgraded by the versioned migrations in
agentctl/calls/migrations.py.

An append is one transaction: the batch is merged in Python exactly as DuckDBCallStore merges it
(several events of one call in arrival order, see `merge_rows`), COPied into a temporary staging
table, and upserted with `INSERT … ON CONFLICT (call_id) DO UPDATE`: what a later event states
wins (COALESCE(new, stored)), what it leaves out is kept, and its tool calls replace the stored
ones only when it has some. Rows are upserted in call_id order, so concurrent writers (replicas
that each got one of a call's two webhooks) lock rows in one order and cannot deadlock; the
row lock of the upsert also serializes the tool-call replacement of one call.

Queries are written with `?` placeholders as for DuckDB; `query` turns them into psycopg's `%s`.
`dialect = "postgres"` tells the metric SQL builder (agentctl/analysis/metrics.py) which variant to
write.
"""

from __future__ import annotations

import functools
import math
import os
import threading
from collections.abc import Sequence
from typing import Any

from agentctl.calls.record import CallRows, RecordError
from agentctl.calls.store import CALL_COLUMNS, TOOL_COLUMNS, BatchResult, merge_batch
from agentctl.errors import BadInputError

DEFAULT_DSN_ENV = "AGENTCTL_PG_DSN"
PG_TYPES = {"DOUBLE": "double precision", "BOOLEAN": "boolean", "VARCHAR": "text"}
FROM_PG = {"double precision": "DOUBLE", "boolean": "BOOLEAN", "text": "VARCHAR", "character varying": "VARCHAR",
           "integer": "INTEGER", "bigint": "BIGINT", "real": "FLOAT", "numeric": "DOUBLE"}
FIXED = [n for n, _ in CALL_COLUMNS if n not in ("source", "ingested_at")]
MERGED = [n for n in FIXED if n not in ("call_id", "tool_call_count")]
TOOL_NAMES = [n for n, _ in TOOL_COLUMNS]
FROM_CALL = ("call_id", "agent", "environment", "bundle_version", "day")  # tool-call columns copied from the call


class PostgresCallStore:
    """Calls in a PostgreSQL database (optionally in one schema of it)."""

    dialect = "postgres"

    def __init__(self, dsn: str, *, schema: str | None = None, read_only: bool = False, migrate: bool = True,
                 dsn_env: str = DEFAULT_DSN_ENV) -> None:
        self.path = describe(dsn, schema)  # what ingest and `calls migrate` print: never the password
        self.schema = schema
        self._key = (os.getpid(), dsn, schema, read_only)
        self._closed = False
        idle = _take_idle(self._key)
        if idle is not None:  # a connection this process opened, migrated and closed a moment ago
            self.conn, self.version, self.applied = idle[0], idle[1], []
            try:
                self._business = self._load_business()
                return
            except Exception:  # noqa: BLE001 - it went stale: open a fresh one below
                idle[0].close()
        self.conn = connect(dsn, schema, dsn_env)
        try:
            from agentctl.calls.migrations import LATEST, apply_migrations, current_version

            self.version = current_version(self.conn)
            if self.version > LATEST:
                raise BadInputError(f"the PostgreSQL call store is at schema version {self.version}, newer than this "
                                    f"agentctl knows ({LATEST})", "upgrade agentctl on this machine")
            if self.version < LATEST and migrate:
                self.applied = apply_migrations(self.conn)
                self.version = current_version(self.conn)
            else:
                self.applied = []
            if read_only:
                self.conn.execute("SET default_transaction_read_only = on")
            self._business = self._load_business()
        except BaseException:
            self.conn.close()
            raise

    # -- schema -------------------------------------------------------------------------------------
    def _load_business(self) -> dict[str, str]:
        fixed = {n for n, _ in CALL_COLUMNS}
        rows = self.conn.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_schema = current_schema() AND table_name = 'calls' "
                                 "ORDER BY ordinal_position").fetchall()
        return {name: FROM_PG.get(kind, kind.upper()) for name, kind in rows if name not in fixed}

    def business_columns(self) -> dict[str, str]:
        return dict(self._business)

    def add_business_column(self, name: str, sql_type: str) -> None:
        self.conn.execute(f'ALTER TABLE calls ADD COLUMN IF NOT EXISTS "{_ident(name)}" {PG_TYPES.get(sql_type, sql_type)}')
        self._business = self._load_business()
        have = self._business.get(name)
        if have is not None and have != sql_type:  # another replica added it first, with another type
            raise RecordError(f"'business.{name}' is {sql_type} here but earlier calls stored it as {have}")

    # -- writing ------------------------------------------------------------------------------------
    def append(self, rows: Sequence[CallRows], source: str, ingested_at: Any) -> BatchResult:
        batch, duplicates, updated = merge_batch(rows)
        if not batch:
            return BatchResult(0, duplicates, updated)
        business = [n for n in self._business if any(n in r.business for r in batch)]
        columns = FIXED + business
        quoted = ", ".join(f'"{n}"' for n in columns)
        merged = MERGED + business
        assign = ", ".join(f'"{n}" = COALESCE(EXCLUDED."{n}", calls."{n}")' for n in merged)
        changed = " OR ".join(f'COALESCE(EXCLUDED."{n}", calls."{n}") IS DISTINCT FROM calls."{n}"' for n in merged)
        has_tools = any(r.tools for r in batch)
        conn = self.conn
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE batch_calls (LIKE calls) ON COMMIT DROP")
            with cur.copy(f"COPY batch_calls ({quoted}) FROM STDIN") as copy:
                for r in batch:
                    copy.write_row([_clean(r.call.get(n), n) for n in FIXED] + [_clean(r.business.get(n)) for n in business])
            cur.execute("CREATE TEMP TABLE batch_done (call_id text, inserted boolean) ON COMMIT DROP")
            # ordered by call_id: concurrent writers lock rows in one order (no deadlock)
            cur.execute(
                f"WITH up AS (INSERT INTO calls ({quoted}, source, ingested_at) "
                f"SELECT {quoted}, %s, %s FROM batch_calls ORDER BY call_id "
                f"ON CONFLICT (call_id) DO UPDATE SET {assign}, "
                "tool_call_count = CASE WHEN EXCLUDED.tool_call_count = 0 THEN calls.tool_call_count "
                "ELSE EXCLUDED.tool_call_count END, source = EXCLUDED.source, ingested_at = EXCLUDED.ingested_at "
                "WHERE EXCLUDED.tool_call_count > 0 AND EXCLUDED.tool_call_count IS DISTINCT FROM calls.tool_call_count "
                f"OR {changed} "
                "RETURNING call_id, xmax = 0 AS inserted) "  # xmax = 0: a new row, else an updated one
                "INSERT INTO batch_done SELECT call_id, inserted FROM up", [source, ingested_at])
            row = cur.execute("SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
                              "FROM batch_done").fetchone()
            new, changed_existing = (int(row[0]), int(row[1])) if row else (0, 0)
            if has_tools and (new or changed_existing):
                cur.execute("CREATE TEMP TABLE batch_tools (LIKE tool_calls) ON COMMIT DROP")
                names = ", ".join(TOOL_NAMES)
                with cur.copy(f"COPY batch_tools ({names}) FROM STDIN") as copy:
                    for r in batch:
                        for tool in r.tools:
                            copy.write_row([_clean(r.call[n] if n in FROM_CALL else tool.get(n)) for n in TOOL_NAMES])
                if changed_existing:  # a later event with tool calls replaces the stored ones
                    cur.execute("DELETE FROM tool_calls t USING batch_done d WHERE t.call_id = d.call_id "
                                "AND NOT d.inserted AND d.call_id IN (SELECT call_id FROM batch_tools)")
                cur.execute(f"INSERT INTO tool_calls ({names}) SELECT {', '.join('t.' + n for n in TOOL_NAMES)} "
                            "FROM batch_tools t JOIN batch_done d ON d.call_id = t.call_id ORDER BY t.call_id, t.seq")
        unchanged = len(batch) - new - changed_existing
        return BatchResult(new, duplicates + unchanged, updated + changed_existing)

    def seen_events(self, fingerprints: list[int]) -> set[int]:
        """Which of these event fingerprints (see calls.ingest.fingerprint) are stored already."""
        rows = self.conn.execute("SELECT fingerprint FROM ingested_events WHERE fingerprint = ANY(%s::bigint[])",
                                 [fingerprints]).fetchall()
        return {row[0] for row in rows}

    def remember_events(self, fingerprints: list[int]) -> None:
        if fingerprints:
            self.conn.execute("INSERT INTO ingested_events SELECT unnest(%s::bigint[]) ON CONFLICT DO NOTHING",
                              [fingerprints])

    # -- reading ------------------------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self.conn.execute(placeholders(sql), list(params)).fetchall()
        return rows

    def close(self) -> None:
        """Give the connection back: kept idle for the next open in this process (serve's writer opens the
        store for every group commit), closed when enough are idle or it is not clean."""
        conn = self.conn
        if conn.closed or self._closed:
            return
        self._closed = True  # closing twice must not hand the connection out twice
        from psycopg import pq

        evicted = []
        if conn.info.transaction_status == pq.TransactionStatus.IDLE:
            with _IDLE_LOCK:
                _IDLE.append((self._key, conn, self.version))
                while len(_IDLE) > MAX_IDLE:
                    evicted.append(_IDLE.pop(0)[1])
        else:
            evicted.append(conn)
        for old in evicted:
            old.close()

    def __enter__(self) -> PostgresCallStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


MAX_IDLE = 4  # connections kept open for reuse, in all of this process
_IDLE: list[tuple[tuple[Any, ...], Any, int]] = []  # (key, connection, schema version), oldest first
_IDLE_LOCK = threading.Lock()


def _take_idle(key: tuple[Any, ...]) -> tuple[Any, int] | None:
    with _IDLE_LOCK:
        for i in range(len(_IDLE) - 1, -1, -1):
            if _IDLE[i][0] == key:
                _, conn, version = _IDLE.pop(i)
                if not conn.closed and not conn.broken:
                    return conn, version
                conn.close()
    return None


def close_idle() -> None:
    """Close the connections kept for reuse."""
    with _IDLE_LOCK:
        conns = [conn for _, conn, _ in _IDLE]
        _IDLE.clear()
    for conn in conns:
        conn.close()


def open_postgres(source: dict[str, Any], *, read_only: bool = False, migrate: bool = True) -> PostgresCallStore:
    """The store named by `metrics_source: {type: postgres, dsn_env: …, schema: …}`."""
    env = source.get("dsn_env") or DEFAULT_DSN_ENV
    dsn = os.environ.get(env, "").strip()
    if not dsn:
        raise BadInputError(f"metrics_source is PostgreSQL but ${env} is not set",
                            f"export {env}=postgresql://USER@HOST:5432/DBNAME (the DSN stays out of the repo; "
                            "a password goes in ~/.pgpass or PGPASSWORD)")
    return PostgresCallStore(dsn, schema=source.get("schema"), read_only=read_only, migrate=migrate, dsn_env=env)


def connect(dsn: str, schema: str | None = None, dsn_env: str = DEFAULT_DSN_ENV) -> Any:
    """An autocommit connection in UTC with ISO dates (and `schema` first on the search path); a refused
    connection is a BadInputError naming the server, never the password, and no traceback."""
    import psycopg
    from psycopg.types.numeric import FloatLoader

    where = describe(dsn, schema)
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10, application_name="agentctl")
    except psycopg.ProgrammingError:  # a malformed DSN: its text may hold the password, so it is not echoed
        raise BadInputError(f"${dsn_env} is not a valid PostgreSQL connection string",
                            "use postgresql://USER@HOST:5432/DBNAME or 'host=… dbname=… user=…'") from None
    except psycopg.Error as exc:
        raise BadInputError(f"cannot connect to the PostgreSQL call store at {where}: {_scrub(str(exc), dsn)}",
                            f"check that the server is up and that ${dsn_env} names it") from None
    try:
        conn.adapters.register_loader("numeric", FloatLoader)  # avg() of 0/1 is numeric: read it as DuckDB's DOUBLE
        conn.execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'")
        if schema:
            name = _ident(schema)
            if conn.execute("SELECT to_regnamespace(%s) IS NOT NULL", [name]).fetchone() != (True,):
                with conn.transaction():  # replicas starting at once: one creates it
                    conn.execute("SELECT pg_advisory_xact_lock(hashtext('agentctl.schema'))")
                    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
            conn.execute(f'SET search_path TO "{name}"')
    except psycopg.Error as exc:
        conn.close()
        raise BadInputError(f"the PostgreSQL call store at {where} refused the session: {_scrub(str(exc), dsn)}",
                            "check the role's rights on the database (and schema)") from None
    return conn


def describe(dsn: str, schema: str | None = None) -> str:
    """postgresql://user@host:port/db (schema) — the DSN without its password."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - a malformed DSN is reported by connect()
        return "postgresql://(unparsable DSN)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    host = str(parts.get("host") or "localhost")
    text = (f"postgresql://{user}{host}{port}/{parts.get('dbname') or ''}" if not host.startswith("/")
            else f"postgresql://{user}/{parts.get('dbname') or ''}?host={host}")
    return text + (f" (schema {schema})" if schema else "")


@functools.lru_cache(maxsize=512)
def placeholders(sql: str) -> str:
    """DuckDB-style `?` placeholders as psycopg's `%s` (and a literal % as %%), outside quoted text."""
    out: list[str] = []
    quote = ""
    for ch in sql:
        if ch == "%":
            out.append("%%")
            continue
        if quote:
            quote = "" if ch == quote else quote
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        out.append(ch)
    return "".join(out)


def _clean(value: Any, name: str = "") -> Any:
    """A value PostgreSQL accepts: text without NUL (replaced by U+FFFD), latency lists of floats."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, list) and name == "turn_latencies_ms":
        return [_float(v) for v in value]
    return value


def _float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _ident(name: str) -> str:
    return name.replace('"', "")


def _scrub(message: str, dsn: str) -> str:
    """The first line of a driver message, with any password of the DSN blanked out."""
    line = message.strip().splitlines()[0] if message.strip() else "connection refused"
    try:
        from psycopg.conninfo import conninfo_to_dict

        password = conninfo_to_dict(dsn).get("password")
    except Exception:  # noqa: BLE001
        password = None
    return line.replace(str(password), "***") if password else line
