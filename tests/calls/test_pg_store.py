"""What only the PostgreSQL store has: versioned migrations under an advisory lock, and clear errors for a
missing DSN or a refusing server (exit 2, no traceback, never the password)."""

from __future__ import annotations

import threading

import psycopg
import pytest

from agentctl.calls import migrations
from agentctl.calls.pgstore import PostgresCallStore, close_idle, describe, placeholders
from agentctl.calls.store import CALL_COLUMNS, TOOL_COLUMNS
from agentctl.errors import BadInputError
from tests.calls.conftest import use_postgres

PG_SPELLING = {"VARCHAR": "text", "DOUBLE": "double precision", "INTEGER": "integer", "BOOLEAN": "boolean",
               "DATE": "date", "TIMESTAMP": "timestamp without time zone", "DOUBLE[]": "ARRAY"}


def columns(store: PostgresCallStore, table: str) -> list[tuple[str, str, str]]:
    return store.query("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                       "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position", [table])


def test_the_migrated_schema_mirrors_the_duckdb_columns(pg_dsn: str, pg_schema: str) -> None:
    with PostgresCallStore(pg_dsn, schema=pg_schema) as store:
        assert store.version == migrations.LATEST
        for table, spec in (("calls", CALL_COLUMNS), ("tool_calls", TOOL_COLUMNS)):
            want = [(n, PG_SPELLING[t.replace(" NOT NULL", "")], "NO" if "NOT NULL" in t else "YES") for n, t in spec]
            if table == "calls":
                want[0] = ("call_id", "text", "NO")
            assert columns(store, table) == want


def test_replicas_starting_at_once_migrate_exactly_once(pg_dsn: str, pg_schema: str) -> None:
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            PostgresCallStore(pg_dsn, schema=pg_schema).close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with PostgresCallStore(pg_dsn, schema=pg_schema) as store:
        assert store.query("SELECT version FROM schema_migrations ORDER BY version") == [
            (m.version,) for m in migrations.MIGRATIONS]
        assert store.applied == []


def test_a_new_migration_is_applied_once_and_a_newer_store_is_refused(pg_dsn: str, pg_schema: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    PostgresCallStore(pg_dsn, schema=pg_schema).close()
    close_idle()  # a kept connection is known to be migrated: open a new one
    extra = migrations.Migration(migrations.LATEST + 1, "a later column", ("ALTER TABLE calls ADD COLUMN later text",))
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, extra))
    monkeypatch.setattr(migrations, "LATEST", extra.version)
    monkeypatch.setattr(migrations.apply_migrations, "__defaults__", ((*migrations.MIGRATIONS,),))
    with PostgresCallStore(pg_dsn, schema=pg_schema) as store:
        assert [m.version for m in store.applied] == [extra.version]
        assert store.business_columns() == {"later": "VARCHAR"}
    monkeypatch.undo()
    close_idle()
    with pytest.raises(BadInputError, match=f"schema version {extra.version}, newer than this agentctl knows"):
        PostgresCallStore(pg_dsn, schema=pg_schema)


def test_a_missing_dsn_variable_is_a_clear_exit_2(example_repo, cli, pg_dsn: str, pg_schema: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    use_postgres(example_repo, pg_dsn, pg_schema, monkeypatch)
    monkeypatch.delenv("AGENTCTL_PG_DSN")
    result = cli("metrics", cwd=example_repo.path)
    assert result.exit_code == 2
    assert "metrics_source is PostgreSQL but $AGENTCTL_PG_DSN is not set" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_refusing_server_is_a_clear_exit_2_without_the_password(example_repo, cli, pg_dsn: str, pg_schema: str,
                                                                  monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    use_postgres(example_repo, pg_dsn, pg_schema, monkeypatch)
    monkeypatch.setenv("AGENTCTL_PG_DSN", f"postgresql://agentctl:s3cret-pw@/postgres?host={tmp_path}&port=1")
    result = cli("check", "daily", "--no-post", cwd=example_repo.path)
    out = result.stdout + result.stderr
    assert result.exit_code == 2, out
    assert "cannot connect to the PostgreSQL call store at postgresql://agentctl@/postgres" in out
    assert "s3cret-pw" not in out and "Traceback" not in out
    monkeypatch.setenv("AGENTCTL_PG_DSN", "host=x password=s3cret-pw dbname")
    result = cli("metrics", cwd=example_repo.path)
    assert result.exit_code == 2 and "$AGENTCTL_PG_DSN is not a valid PostgreSQL connection string" in result.stderr
    assert "s3cret-pw" not in result.stdout + result.stderr


def test_placeholders_and_descriptions() -> None:
    assert placeholders("SELECT '?', \"a?\", x FROM t WHERE a = ? AND b LIKE 'x%'") == (
        "SELECT '?', \"a?\", x FROM t WHERE a = %s AND b LIKE 'x%%'")
    assert describe("postgresql://u:pw@db.internal:6432/calls") == "postgresql://u@db.internal:6432/calls"
    assert describe("host=/run/pg dbname=calls user=u password=pw", "team") == (
        "postgresql://u@/calls?host=/run/pg (schema team)")


def test_a_read_only_store_refuses_writes(pg_dsn: str, pg_schema: str) -> None:
    PostgresCallStore(pg_dsn, schema=pg_schema).close()
    with PostgresCallStore(pg_dsn, schema=pg_schema, read_only=True) as store, \
            pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        store.query("INSERT INTO store_meta VALUES ('x', 'y')")


def test_a_store_closed_twice_hands_its_connection_out_once(pg_dsn: str, pg_schema: str) -> None:
    store = PostgresCallStore(pg_dsn, schema=pg_schema)
    store.close()
    store.close()
    first, second = PostgresCallStore(pg_dsn, schema=pg_schema), PostgresCallStore(pg_dsn, schema=pg_schema)
    assert first.conn is not second.conn
    first.close()
    second.close()
