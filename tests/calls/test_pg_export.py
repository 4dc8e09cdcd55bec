"""`agentctl calls migrate` and `agentctl calls export`: a store moves DuckDB → PostgreSQL → DuckDB unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentctl.calls.simulate import simulate_calls
from agentctl.ops.calls import ingest_calls
from tests.calls.conftest import use_postgres
from tests.helpers import RepoDir

CALLS = "SELECT * EXCLUDE (turn_latencies_ms), turn_latencies_ms::VARCHAR FROM calls ORDER BY call_id"
TOOLS = "SELECT * FROM tool_calls ORDER BY call_id, seq"
EVENTS = "SELECT fingerprint FROM ingested_events ORDER BY 1"


def duck_rows(path: Path, sql: str) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_migrate_reports_what_it_applied(example_repo: RepoDir, cli, pg_dsn: str, pg_schema: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    use_postgres(example_repo, pg_dsn, pg_schema, monkeypatch)
    first = cli("calls", "migrate", "--json", cwd=example_repo.path)
    assert first.exit_code == 0, first.stderr
    data = json.loads(first.stdout)
    assert (data["backend"], data["version"], [m["version"] for m in data["applied"]]) == ("postgres", 2, [1, 2])
    assert f"(schema {pg_schema})" in data["store"] and "@" in data["store"]
    again = cli("calls", "migrate", cwd=example_repo.path)
    assert again.exit_code == 0 and again.stdout.strip().endswith("schema version 2; up to date")


def test_export_to_postgres_and_back_keeps_every_call(example_repo: RepoDir, cli, tmp_path: Path, pg_dsn: str,
                                                      pg_schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "calls.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in simulate_calls(days=2, calls_per_day=400, seed=3)))
    assert ingest_calls(example_repo.path, [str(source)]).inserted == 800
    monkeypatch.setenv("AGENTCTL_PG_DSN", pg_dsn)
    out = cli("calls", "export", "--to", "postgres", "--schema", pg_schema, "--batch-size", "300", "--json",
              cwd=example_repo.path)
    assert out.exit_code == 0, out.stderr
    report = json.loads(out.stdout)
    assert (report["calls"], report["skipped"], report["events"]) == (800, 0, 800)
    assert report["tool_calls"] > 800 and report["business_columns"] == {"install_completed": "BOOLEAN"}
    again = cli("calls", "export", "--to", "postgres", "--schema", pg_schema, cwd=example_repo.path)
    assert again.exit_code == 0 and again.stdout.startswith("copied 0 calls (0 tool calls, 0 event fingerprints), "
                                                            "800 already there")
    use_postgres(example_repo, pg_dsn, pg_schema, monkeypatch)  # now the repo reads PostgreSQL
    back = cli("calls", "export", "--to", "duckdb", "--path", ".agentctl/back.duckdb", "--json",
               cwd=example_repo.path)
    assert back.exit_code == 0, back.stderr
    original, copy = example_repo.path / ".agentctl/calls.duckdb", example_repo.path / ".agentctl/back.duckdb"
    assert duck_rows(copy, CALLS) == duck_rows(original, CALLS)
    assert duck_rows(copy, TOOLS) == duck_rows(original, TOOLS)
    assert duck_rows(copy, EVENTS) == duck_rows(original, EVENTS)
    # the copy's filter of stored call ids covers every call it was given, as the store that ingested them does
    keys = "SELECT count(*), (SELECT split_part(value, ' ', 2) FROM store_meta WHERE key = 'call_keys') FROM call_keys"
    assert duck_rows(copy, keys) == duck_rows(original, keys) == [(800, "800")]


def test_export_refuses_a_move_to_itself(example_repo: RepoDir, cli) -> None:
    result = cli("calls", "export", "--to", "duckdb", cwd=example_repo.path)
    assert result.exit_code == 2 and "--from and --to are both duckdb" in result.stderr
