"""Vapi/Retell payloads and CSV rows go through the engine as mapped record lines, and store exactly what the
per-record path stores.

Each test ingests one file twice into fresh stores of the example repo (calls.bulk on, then switched off:
`both_paths`), twice each (first ingest and re-ingest), and compares the counts, the stored tables and the
rejects — their line numbers, reasons and the payload they carry (the input's, not the mapped line).
Payload shapes come from tests/serve/payloads.py, which cites the Vapi and Retell API references
(https://docs.vapi.ai/server-url/end-of-call-report, https://docs.retellai.com/api-references/get-call,
https://docs.retellai.com/features/webhook).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.calls.test_bulk import both_paths, differences
from tests.calls.test_ingest import good, write_jsonl
from tests.helpers import RepoDir
from tests.serve.payloads import (
    retell_call,
    retell_call_analyzed,
    retell_call_ended,
    vapi_end_of_call_report,
)

BUNDLE = "install-reminder@v2"
SAME = {"calls": ([], []), "tool_calls": ([], [])}


def rejects(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def same_rejects(tmp_path: Path) -> list[dict[str, Any]]:
    """The rejects of both routes (line, reason and the payload carried), which must be identical."""
    engine, python = rejects(tmp_path / "engine-rejects.jsonl"), rejects(tmp_path / "python-rejects.jsonl")
    assert engine == python
    return engine


def vapi(i: int, **kw: Any) -> dict[str, Any]:
    return vapi_end_of_call_report(f"v-{i}", f"+1555555{i:04d}", BUNDLE, **kw)


def test_vapi_reports_through_the_engine_store_what_the_record_path_stores(
        example_repo: RepoDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_identity = vapi(90)
    no_identity["message"]["assistant"]["metadata"] = {}
    list_metadata = vapi(91)
    list_metadata["message"]["call"]["metadata"] = ["x"]
    unknown_agent = vapi(92)
    unknown_agent["message"]["assistant"]["metadata"]["agentctl_bundle"] = "refund-bot@v1"
    mixed_business = vapi(93)
    mixed_business["message"]["analysis"]["structuredData"] = {"install_completed": "yes"}
    accented = vapi(94)
    accented["message"]["artifact"]["transcript"] = "AI: Bonjour, ici Rémi.\nUser: D’accord ✓\n"
    lines: list[Any] = [
        *(vapi(i) for i in range(8)),
        vapi(8, sms_response={"status": "failed"}), vapi(9, ended_reason="assistant-forwarded-call", installed=None),
        vapi(10, ended_reason="customer-did-not-answer", installed=False),
        "not json", [1, 2], "", no_identity, list_metadata, unknown_agent, mixed_business, accented,
        vapi(3),  # the same event again: stored once
        *(vapi(i) for i in range(20, 30)),
    ]
    source = write_jsonl(tmp_path / "vapi.jsonl", lines)
    engine, python = both_paths(example_repo, tmp_path, source, monkeypatch, fmt="vapi", batch_size=10)
    assert engine["first"] == python["first"] == [len(lines) - 1, 22, 1, 0, 6]
    assert engine["again"] == python["again"] == [len(lines) - 1, 0, len(lines) - 7, 0, 6]
    assert differences(engine["db"], python["db"]) == SAME
    written = same_rejects(tmp_path)
    expected = [(12, "bad JSON: Expecting value (column 1)"), (13, "a vapi payload must be a JSON object"),
                (15, "cannot tell the agent, environment, bundle_version of this call"),
                (16, "'call.metadata' must be an object, got a list"), (17, "unknown agent 'refund-bot'"),
                (18, "'business.install_completed' is str here but earlier calls stored it as BOOLEAN")]
    assert len(written) == len(expected)
    assert [(r["line"], r["reason"][:len(reason)]) for r, (_, reason) in zip(written, expected, strict=True)] == expected
    assert written[3]["record"] == list_metadata  # the payload as it came, not a mapped record
    # the engine judged the mapped reports; Python saw only what it had to: the unknown agent, and the block where
    # install_completed is a string once (lines 11-20: its reports, in line order, decide which type comes first)
    assert python["checked_in_python"] == 24 and engine["checked_in_python"] == 4


def test_auto_detects_payloads_next_to_records(example_repo: RepoDir, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    ended = retell_call_ended("r-1", "+15555550142", BUNDLE)
    ended["call"]["metadata"]["agentctl_env"] = "production"
    anonymous = retell_call("r-3", "+1556", BUNDLE)
    del anonymous["metadata"]  # identity from --agent/--version/--env
    lines: list[Any] = [good(1), vapi(1), ended, retell_call("r-2", "+1555", BUNDLE), good(2, outcome="great"),
                        json.dumps(good(3)).replace('"call_id"', '"call_\\u0069d"'), vapi(2), anonymous]
    source = write_jsonl(tmp_path / "mixed.jsonl", lines)
    defaults = {"agent": "install-reminder", "environment": "production", "bundle_version": 7}
    engine, python = both_paths(example_repo, tmp_path, source, monkeypatch, defaults=defaults)
    assert engine["first"] == python["first"] == [8, 7, 0, 0, 1]
    assert engine["again"] == python["again"]
    assert differences(engine["db"], python["db"]) == SAME
    assert [(r["line"], r["reason"]) for r in same_rejects(tmp_path)] == [
        (5, "'outcome' is 'great', not one of completed, escalated, no_answer, voicemail, abandoned, error")]
    con = duckdb.connect(str(engine["db"]), read_only=True)
    assert con.execute("SELECT bundle_version FROM calls WHERE call_id = 'r-3'").fetchall() == [(7,)]
    con.close()


def test_retell_call_analyzed_merges_after_call_ended_in_line_order(
        example_repo: RepoDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def ended(i: int) -> dict[str, Any]:
        return retell_call_ended(f"r-{i}", f"+1555{i}", BUNDLE, reason="call_transfer" if i % 3 else "user_hangup")

    def analyzed(i: int, installed: bool) -> dict[str, Any]:
        return retell_call_analyzed(f"r-{i}", f"+1555{i}", BUNDLE, installed=installed)

    not_cents = copy.deepcopy(ended(40))
    not_cents["call"]["call_cost"] = {"combined_cost": "a lot"}
    bad_stamp = copy.deepcopy(ended(41))
    bad_stamp["call"]["end_timestamp"] = 10 ** 30
    lines: list[Any] = [
        ended(1), analyzed(1, True),  # in one block: merged in line order
        ended(2), ended(3), ended(4), analyzed(2, False),  # analyzed(2) in the next block (blocks of 4 lines)
        ended(5), analyzed(3, True), not_cents, bad_stamp, analyzed(5, False), ended(6),
        analyzed(4, True), analyzed(1, False),  # a later event of a call stored blocks ago
        {"event": "call_ended", "call": "r-7"},
    ]
    source = write_jsonl(tmp_path / "retell.jsonl", lines)
    engine, python = both_paths(example_repo, tmp_path, source, monkeypatch, fmt="retell", batch_size=4)
    assert engine["first"] == python["first"] == [15, 6, 0, 6, 3]  # each line counted once: 6 + 0 + 6 + 3 = 15
    assert engine["again"] == python["again"] == [15, 0, 12, 0, 3]
    assert differences(engine["db"], python["db"]) == SAME
    assert [(r["line"], r["reason"]) for r in same_rejects(tmp_path)] == [
        (9, "'cost_usd' must be a number ≥ 0, got 'a lot'"),
        (10, "timestamp 1000000000000000000000000000000 is not a time in milliseconds since 1970"),
        (15, "'call' must be an object, got 'r-7'")]
    con = duckdb.connect(str(engine["db"]), read_only=True)
    assert con.execute("SELECT call_id, install_completed FROM calls ORDER BY 1").fetchall() == [
        ("r-1", False), ("r-2", False), ("r-3", True), ("r-4", True), ("r-5", False), ("r-6", None)]
    con.close()


CSV_HEADER = ("call_id,agent,bundle_version,environment,started_at,ended_at,outcome,escalated,turn_latencies_ms,"
              "transcript,cost_usd,business.install_completed,business.channel,tool_calls\n")


def csv_row(i: int, *, version: str = "2", outcome: str = "completed", tools: Any = None, transcript: str = "hi",
            extra: str = "") -> str:
    tools = tools if tools is not None else [{"tool": "sms-gateway", "http_status": 202,
                                              "response": {"message_id": f"m{i}", "status": "sent" if i % 2 else "failed"}}]
    cell = '"' + (tools if isinstance(tools, str) else json.dumps(tools)).replace('"', '""') + '"'
    return (f"k{i},install-reminder,{version},production,2026-03-10T15:00:{i % 60:02d}Z,2026-03-10T15:01:00Z,{outcome},"
            f'false,700;{900 + i},"{transcript}",0.{i % 10}5,{"true" if i % 2 else "false"},sms,{cell}{extra}\n')


def test_csv_rows_through_the_engine_store_what_the_record_path_stores(
        example_repo: RepoDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = [csv_row(i) for i in range(1, 9)]
    body += [csv_row(9, version="two"), csv_row(10, outcome="great"), csv_row(11, tools="[not json"),
             csv_row(12, transcript="line one\nline two"),  # a quoted cell over two lines: the row ends on the next
             csv_row(13, extra=",surplus"), csv_row(14, transcript="Rémi ✓"),
             "k15,install-reminder,2,production,2026-03-10T15:00:00Z,2026-03-10T15:01:00Z,completed,false,,,,"
             "maybe,sms,\n",
             *(csv_row(i) for i in range(20, 26)),
             csv_row(2, transcript="a later event of call 2")]  # a stored call among new ones: merged, counted once
    source = tmp_path / "calls.csv"
    source.write_text(CSV_HEADER + "".join(body))
    engine, python = both_paths(example_repo, tmp_path, source, monkeypatch, batch_size=5)
    assert engine["first"] == python["first"] == [len(body), 16, 0, 1, 5]
    assert engine["again"] == python["again"] == [len(body), 0, len(body) - 5, 0, 5]
    assert differences(engine["db"], python["db"]) == SAME
    written = same_rejects(tmp_path)
    assert [(r["line"], r["reason"][:40]) for r in written] == [
        (10, "'bundle_version' must be a whole number "), (11, "'outcome' is 'great', not one of complet"),
        (12, "'tool_calls' is not valid JSON"), (15, "row has more cells than the header"),
        (17, "'business.install_completed' is str here")]
    assert written[0]["record"]["bundle_version"] == "two"  # the row as read, not a mapped line
    assert engine["checked_in_python"] <= 8


def test_reingest_skips_stored_payloads_before_mapping_them(example_repo: RepoDir, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from agentctl.calls import mappers
    from agentctl.ops.calls import ingest_calls

    source = write_jsonl(tmp_path / "vapi.jsonl", [vapi(1), vapi(2), "not json"])
    first = ingest_calls(example_repo.path, [str(source)], fmt="vapi", rejects_path=tmp_path / "r.jsonl")
    assert (first.inserted, first.rejected) == (2, 1)

    def no_mapping(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a stored payload was mapped again")

    monkeypatch.setitem(mappers.MAPPERS, "vapi", no_mapping)
    again = ingest_calls(example_repo.path, [str(source)], fmt="vapi", rejects_path=tmp_path / "r2.jsonl")
    assert (again.read, again.inserted, again.duplicates, again.rejected) == (3, 0, 2, 1)


def test_reingest_skips_stored_csv_rows_before_mapping_them(example_repo: RepoDir, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import agentctl.calls.ingest as ingest
    from agentctl.ops.calls import ingest_calls

    source = tmp_path / "calls.csv"
    source.write_text(CSV_HEADER + csv_row(1) + csv_row(2, outcome="great") + csv_row(3))
    first = ingest_calls(example_repo.path, [str(source)], rejects_path=tmp_path / "r.jsonl")
    assert (first.inserted, first.rejected) == (2, 1)

    read = ingest._csv_record

    def no_mapping(row: dict[str, Any]) -> Any:
        assert row["call_id"] == "k2", "a stored row was mapped again"  # the rejected row is read again
        return read(row)

    monkeypatch.setattr(ingest, "_csv_record", no_mapping)
    again = ingest_calls(example_repo.path, [str(source)], rejects_path=tmp_path / "r2.jsonl")
    assert (again.read, again.inserted, again.duplicates, again.rejected) == (3, 0, 2, 1)
