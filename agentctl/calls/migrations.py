"""Versioned schema migrations of the PostgreSQL call store (agentctl/calls/pgstore.py).

Each migration is frozen once released: a later schema change is a new entry with the next
version, never an edit of an old one. `apply_migrations` runs the pending ones in order, each in
its own transaction together with its row in `schema_migrations`, under a transaction-level
advisory lock — so four `serve` replicas starting at once against an empty database migrate it
exactly once, and a reader never sees half a migration.

The columns mirror `agentctl.calls.store.CALL_COLUMNS` / `TOOL_COLUMNS` (DuckDB's types in their
PostgreSQL spelling: DOUBLE → double precision, VARCHAR → text); tests/calls/test_pg_store.py keeps
them in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "calls, tool_calls, ingested_events and store_meta", (
        """CREATE TABLE calls (
            call_id text PRIMARY KEY, agent text NOT NULL, bundle_version integer NOT NULL,
            environment text NOT NULL, caller_key text, started_at timestamp NOT NULL, ended_at timestamp NOT NULL,
            day date NOT NULL, handle_time_s double precision, outcome text NOT NULL, ended_reason text,
            escalated boolean NOT NULL, is_error boolean NOT NULL, turn_latencies_ms double precision[],
            transcription_confidence double precision, cost_usd double precision, tool_call_count integer,
            source text, ingested_at timestamp, transcript text, recording_url text, platform_agent_version text)""",
        """CREATE TABLE tool_calls (
            call_id text NOT NULL, seq integer NOT NULL, agent text NOT NULL, environment text NOT NULL,
            bundle_version integer NOT NULL, day date NOT NULL, tool text NOT NULL, contract_version text,
            judged_by text, http_status integer, http_ok boolean NOT NULL, contract_ok boolean,
            latency_ms double precision, reasons text, arguments text, response_digest text, error text)""",
        "CREATE TABLE ingested_events (fingerprint bigint PRIMARY KEY)",
        "CREATE TABLE store_meta (key text PRIMARY KEY, value text)",
        "INSERT INTO store_meta VALUES ('schema_version', '1')",
    )),
    Migration(2, "indexes for day-range reads and tool-call replacement", (
        # every reader filters by environment (and agent) and a day range; canary arms by started_at
        "CREATE INDEX calls_env_agent_day ON calls (environment, agent, day)",
        "CREATE INDEX calls_agent_started ON calls (agent, environment, started_at)",
        "CREATE INDEX tool_calls_call ON tool_calls (call_id)",
        "CREATE INDEX tool_calls_env_day ON tool_calls (environment, day, agent)",
    )),
)
LATEST = MIGRATIONS[-1].version
LOCK_KEY = 0x61676374_6C6D6967  # "agctlmig": the advisory lock every migrating process takes


def current_version(conn: Any) -> int:
    """The store's schema version: 0 for an empty database (no schema_migrations table)."""
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def apply_migrations(conn: Any, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[Migration]:
    """Apply the pending migrations (autocommit connection); returns those this call applied.

    Safe against other processes migrating at the same moment: each step takes the advisory lock,
    re-reads the version under it, and commits the migration with its `schema_migrations` row.
    """
    applied: list[Migration] = []
    for migration in migrations:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(conn)])
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                         "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
            done = conn.execute("SELECT 1 FROM schema_migrations WHERE version = %s", [migration.version]).fetchone()
            if done:
                continue
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                         [migration.version, migration.name])
            if migration.version > 1:
                conn.execute("UPDATE store_meta SET value = %s WHERE key = 'schema_version'", [str(migration.version)])
            applied.append(migration)
    return applied


def _lock_key(conn: Any) -> int:
    """One lock per schema: stores in different schemas of one database migrate independently."""
    row = conn.execute("SELECT hashtextextended(current_schema(), %s)", [LOCK_KEY]).fetchone()
    return int(row[0])
