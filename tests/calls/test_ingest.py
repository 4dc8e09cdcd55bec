"""Ingest: bad records rejected with line numbers, nothing valid lost, re-ingest is a no-op."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentctl.calls.simulate import simulate_calls
from agentctl.errors import BadInputError
from agentctl.ops.calls import ingest_calls
from tests.helpers import RepoDir


def good(i: int, **extra) -> dict:
    record = {"call_id": f"c{i}", "agent": "install-reminder", "bundle_version": 3, "environment": "production",
              "started_at": "2026-03-10T15:00:00Z", "ended_at": "2026-03-10T15:02:00Z", "outcome": "completed",
              "business": {"install_completed": True},
              "tool_calls": [{"tool": "sms-gateway", "http_status": 200,
                              "response": {"status": "failed", "error": "sender_id is required"}}]}
    record.update(extra)
    return record


def write_jsonl(path: Path, lines: list) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def rows(repo: RepoDir, sql: str) -> list[tuple]:
    con = duckdb.connect(str(repo.path / ".agentctl" / "calls.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_malformed_records_rejected_with_line_numbers(example_repo: RepoDir, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "calls.jsonl", [
        good(1),
        '{"call_id": "c2", "agent": ',  # bad JSON
        good(3, bundle_version="v3"),  # wrong type
        good(4, agent="refund-bot"),  # unknown agent
        "",
        good(6, started_at="yesterday"),
        good(7),
    ])
    rejects = tmp_path / "rejects.jsonl"
    report = ingest_calls(example_repo.path, [str(source)], rejects_path=rejects)
    assert (report.read, report.inserted, report.rejected) == (6, 2, 4)
    written = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["line"], r["reason"]) for r in written] == [
        (2, "bad JSON: Expecting value (column 29)"),
        (3, "'bundle_version' must be a whole number ≥ 1, got 'v3'"),
        (4, "unknown agent 'refund-bot' (agents: install-reminder)"),
        (6, "'started_at' is 'yesterday', not an ISO 8601 timestamp"),
    ]
    assert written[2]["record"]["agent"] == "refund-bot"
    assert rows(example_repo, "SELECT call_id FROM calls ORDER BY call_id") == [("c1",), ("c7",)]


def test_reingest_is_idempotent_and_within_file_duplicates_count_once(example_repo: RepoDir, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "calls.jsonl", [good(1), good(2), good(1)])
    first = ingest_calls(example_repo.path, [str(source)], batch_size=2)
    again = ingest_calls(example_repo.path, [str(source)])
    assert (first.inserted, first.duplicates) == (2, 1)
    assert (again.inserted, again.duplicates) == (0, 3)
    assert rows(example_repo, "SELECT count(*) FROM calls") == [(2,)]
    assert rows(example_repo, "SELECT count(*) FROM tool_calls") == [(2,)]


def test_tool_calls_judged_by_contract_at_ingest(example_repo: RepoDir, tmp_path: Path) -> None:
    ok = good(2, tool_calls=[{"tool": "send_install_link", "contract_version": "2.0.0", "http_status": 202,
                              "response_fields": {"message_id": "m1", "status": "queued"}}])
    unknown = good(3, tool_calls=[{"tool": "weather", "http_status": 200, "response": {}}])
    source = write_jsonl(tmp_path / "calls.jsonl", [good(1), ok, unknown])
    ingest_calls(example_repo.path, [str(source)])
    assert rows(example_repo, "SELECT call_id, tool, http_ok, contract_ok, judged_by, reasons FROM tool_calls ORDER BY call_id") == [
        ("c1", "sms-gateway", True, False, "2.0.0", "message_id is missing; status is 'failed', expected one of queued, sent"),
        ("c2", "sms-gateway", True, True, "2.0.0", None),
        ("c3", "weather", True, None, None, "no contract"),
    ]


def test_business_fields_become_columns_and_conflicting_types_are_rejected(example_repo: RepoDir, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "calls.jsonl", [good(1), good(2, business={"install_completed": "yes"})])
    report = ingest_calls(example_repo.path, [str(source)], rejects_path=tmp_path / "r.jsonl")
    assert report.first_rejects[0]["reason"] == "'business.install_completed' is str here but earlier calls stored it as BOOLEAN"
    assert rows(example_repo, "SELECT install_completed FROM calls") == [(True,)]


def test_csv_and_stdin(example_repo: RepoDir, tmp_path: Path) -> None:
    tools = json.dumps([{"tool": "sms-gateway", "http_status": 202, "response": {"message_id": "m", "status": "sent"}}])
    csv_text = ("call_id,agent,bundle_version,environment,started_at,ended_at,outcome,escalated,turn_latencies_ms,"
                "business.install_completed,tool_calls\n"
                f'k1,install-reminder,2,production,2026-03-10T15:00:00Z,2026-03-10T15:01:00Z,completed,false,700;900,true,"{tools.replace(chr(34), chr(34) * 2)}"\n'
                "k2,install-reminder,two,production,2026-03-10T15:00:00Z,2026-03-10T15:01:00Z,completed,false,,,\n")
    source = tmp_path / "calls.csv"
    source.write_text(csv_text)
    report = ingest_calls(example_repo.path, [str(source)], rejects_path=tmp_path / "r.jsonl")
    assert (report.inserted, report.rejected) == (1, 1)
    assert report.first_rejects[0]["line"] == 3
    stdin = io.StringIO(json.dumps(good(9)) + "\n")
    assert ingest_calls(example_repo.path, ["-"], stdin=stdin).inserted == 1
    assert rows(example_repo, "SELECT call_id, turn_latencies_ms, install_completed FROM calls ORDER BY call_id") == [
        ("c9", None, True), ("k1", [700.0, 900.0], True)]


def test_simulated_records_all_ingest(example_repo: RepoDir, tmp_path: Path) -> None:
    records = list(simulate_calls(days=2, calls_per_day=300, seed=4))
    report = ingest_calls(example_repo.path, [str(write_jsonl(tmp_path / "sim.jsonl", records))], batch_size=128)
    assert (report.inserted, report.rejected) == (600, 0)
    assert rows(example_repo, "SELECT count(*) FROM tool_calls") == [(sum(len(r["tool_calls"]) for r in records),)]


def test_missing_file_is_bad_input(example_repo: RepoDir) -> None:
    with pytest.raises(BadInputError, match="no such file: nope.jsonl"):
        ingest_calls(example_repo.path, ["nope.jsonl"])


def test_cli_exit_codes(example_repo: RepoDir, tmp_path: Path, cli) -> None:
    clean = write_jsonl(tmp_path / "a.jsonl", [good(1)])
    dirty = write_jsonl(tmp_path / "b.jsonl", [good(2), "not json"])
    ok = cli("calls", "ingest", str(clean), cwd=example_repo.path)
    assert ok.exit_code == 0 and ok.stdout.startswith("read 1, stored 1 new, 0 already stored, 0 rejected records")
    bad = cli("calls", "ingest", str(dirty), "--json", cwd=example_repo.path)
    assert bad.exit_code == 1
    data = json.loads(bad.stdout)
    assert (data["inserted"], data["rejected"], data["first_rejects"][0]["line"]) == (1, 1, 2)
    assert Path(data["rejects_file"]).is_file()


def test_later_events_of_a_call_merge_into_one_record_across_runs_and_within_a_file(example_repo: RepoDir,
                                                                                    tmp_path: Path) -> None:
    from tests.serve.payloads import retell_call_analyzed, retell_call_ended

    bundle = "install-reminder@v2"
    ended = retell_call_ended("r-1", "+15555550142", bundle)
    ended["call"]["metadata"]["agentctl_env"] = "production"
    analyzed = retell_call_analyzed("r-1", "+15555550142", bundle, installed=True)
    first = ingest_calls(example_repo.path, [str(write_jsonl(tmp_path / "a.jsonl", [ended]))])
    second = ingest_calls(example_repo.path, [str(write_jsonl(tmp_path / "b.jsonl", [analyzed]))])
    again = ingest_calls(example_repo.path, [str(tmp_path / "b.jsonl")])
    assert [(r.inserted, r.updated, r.duplicates) for r in (first, second, again)] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    both = write_jsonl(tmp_path / "both.jsonl", [retell_call_ended("r-2", "+1555", bundle),
                                                 retell_call_analyzed("r-2", "+1555", bundle, installed=False)])
    assert (lambda r: (r.inserted, r.updated))(ingest_calls(example_repo.path, [str(both)])) == (1, 1)
    assert rows(example_repo, "SELECT call_id, bundle_version, platform_agent_version, install_completed, tool_call_count "
                              "FROM calls ORDER BY 1") == [("r-1", 2, "4", True, 1), ("r-2", 2, "4", False, 1)]
    assert rows(example_repo, "SELECT count(*) FROM tool_calls") == [(2,)]


def test_a_later_event_without_tool_calls_keeps_the_stored_ones(example_repo: RepoDir, tmp_path: Path) -> None:
    later = {k: v for k, v in good(1).items() if k != "tool_calls"}
    later["business"] = {"install_completed": False}
    ingest_calls(example_repo.path, [str(write_jsonl(tmp_path / "a.jsonl", [good(1)]))])
    report = ingest_calls(example_repo.path, [str(write_jsonl(tmp_path / "b.jsonl", [later]))])
    assert (report.inserted, report.updated) == (0, 1)
    assert rows(example_repo, "SELECT install_completed, tool_call_count FROM calls") == [(False, 1)]
    assert rows(example_repo, "SELECT count(*) FROM tool_calls") == [(1,)]


def test_reingest_skips_stored_events_before_reading_them(example_repo: RepoDir, tmp_path: Path, monkeypatch) -> None:
    source = write_jsonl(tmp_path / "calls.jsonl", [good(1), good(2)])
    ingest_calls(example_repo.path, [str(source)])

    def no_per_record_work(*args, **kwargs):
        raise AssertionError("a stored event was parsed and judged again")

    monkeypatch.setattr("agentctl.calls.ingest.normalize", no_per_record_work)
    again = ingest_calls(example_repo.path, [str(source)])
    assert (again.read, again.inserted, again.duplicates, again.rejected) == (2, 0, 2, 0)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"")), max_size=40),
       st.booleans(), st.integers(1, 9), st.integers(1, 30))
def test_blocks_are_cut_at_line_breaks_whatever_the_read_size(lines: list[bytes], last_break: bool, size: int,
                                                              chunk: int) -> None:
    """A file read in chunks of any size comes out as blocks of `size` whole lines, the same lines in order."""
    import tempfile

    from agentctl.calls import ingest

    text = b"\n".join(lines) + (b"\n" if last_break and lines else b"")
    with tempfile.NamedTemporaryFile() as file:
        file.write(text)
        file.flush()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(ingest, "READ_CHUNK", chunk)
            blocks = list(ingest._byte_blocks(file.name, None, size))
    expected = ingest.split_lines(text)
    assert b"".join(block for _, block in blocks) == text
    assert [count for count, _ in blocks] == [len(expected[i:i + size]) for i in range(0, len(expected), size)]
    assert [ingest.split_lines(block) for _, block in blocks] == [expected[i:i + size] for i in range(0, len(expected), size)]


def test_stdin_lines_end_at_line_feeds_only_and_stdin_stays_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read from the process's stdin by the per-record path (as into PostgreSQL): a CR between a line's tokens is
    JSON whitespace, not a line break, so the next line keeps its number; stdin is not closed afterwards."""
    from agentctl.calls.ingest import ingest_files
    from agentctl.calls.record import IngestContext
    from agentctl.calls.store import DuckDBCallStore

    text = json.dumps(good(1)).replace(', "agent"', ',\r"agent"') + "\n" + '{"call_id": 5}\r\n'
    stdin = io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    store = DuckDBCallStore(None)
    monkeypatch.setattr(store, "bulk_ingest", None)
    try:
        stats = ingest_files(["-"], store, IngestContext(frozenset({"install-reminder"}), frozenset({"production"})))
        assert (stats.read, stats.inserted, stats.rejected) == (2, 1, 1)
        assert stats.first_rejects[0]["line"] == 2
    finally:
        store.close()
    assert not stdin.closed and not stdin.buffer.closed
