"""The engine's ingest path (calls.bulk) stores exactly what the per-record path stores.

Each test ingests one file twice into fresh stores of the example repo — through DuckDB's set-based
path, then with that path switched off — and compares the stored tables, the counts and the rejects.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from agentctl.calls.simulate import SilentToolFailure, simulate_lines
from agentctl.calls.store import DuckDBCallStore
from agentctl.ops.calls import ingest_calls
from tests.calls.test_ingest import good, write_jsonl
from tests.helpers import RepoDir
from tests.serve.payloads import vapi_end_of_call_report

COUNTS = ("read", "inserted", "duplicates", "updated", "rejected")


def both_paths(repo: RepoDir, tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch,
               **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ingest `source` twice (engine, then per record); return each run's report, rejects and tables."""
    import agentctl.calls.ingest as ingest

    normalize, seen = ingest.normalize, []
    monkeypatch.setattr(ingest, "normalize", lambda record, ctx: seen.append(1) or normalize(record, ctx))
    store = repo.path / ".agentctl" / "calls.duckdb"
    results = []
    for name in ("engine", "python"):
        if name == "python":
            monkeypatch.setattr(DuckDBCallStore, "bulk_ingest", None)
        store.unlink(missing_ok=True)
        rejects = tmp_path / f"{name}-rejects.jsonl"
        seen.clear()
        first = ingest_calls(repo.path, [str(source)], rejects_path=rejects, **kwargs)
        checked_in_python = len(seen)
        again = ingest_calls(repo.path, [str(source)], rejects_path=tmp_path / f"{name}-again.jsonl", **kwargs)
        written = [(r["line"], r["reason"]) for r in map(json.loads, rejects.read_text().splitlines())] \
            if rejects.exists() else []
        shutil.copy(store, tmp_path / f"{name}.duckdb")
        results.append({"first": [getattr(first, c) for c in COUNTS], "again": [getattr(again, c) for c in COUNTS],
                        "rejects": written, "notes": first.notes, "db": tmp_path / f"{name}.duckdb",
                        "checked_in_python": checked_in_python})
    return results[0], results[1]


def differences(engine: Path, python: Path) -> dict[str, tuple[list[Any], list[Any]]]:
    """Rows only one of the two stores holds, per table (ingested_at aside); columns must match too."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{engine}' AS e (READ_ONLY)")
    con.execute(f"ATTACH '{python}' AS p (READ_ONLY)")
    out = {}
    for table in ("calls", "tool_calls"):
        columns = [[c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? AND table_name = ? "
            "ORDER BY column_name", [db, table]).fetchall() if c != "ingested_at"] for db in ("e", "p")]
        assert columns[0] == columns[1]
        cols = ", ".join(f'"{c}"' for c in columns[0])
        only = [con.execute(f"SELECT {cols} FROM {a}.{table} EXCEPT ALL SELECT {cols} FROM {b}.{table}").fetchall()
                for a, b in (("e", "p"), ("p", "e"))]
        out[table] = (only[0], only[1])
    con.close()
    return out


@pytest.mark.slow
def test_the_engine_stores_what_the_record_path_stores(example_repo: RepoDir, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    simulated = list(simulate_lines(days=1, calls_per_day=300, seed=7, versions={1: 0.5, 2: 0.5},
                                    faults=[SilentToolFailure(share=0.3, versions=frozenset({2}))]))
    odd_tools = [{"tool": "sms-gateway", "http_status": None, "error": "timeout"},
                 {"tool": "send_install_link", "response_fields": {"message_id": "m", "status": "sent"}},
                 {"tool": "driver-lookup", "http_status": 200},
                 {"tool": "weather", "http_status": 500, "response": None, "arguments": {"city": "Oslo"}, "latency_ms": 12},
                 {"tool": "sms-gateway", "http_status": 202, "response": {"message_id": "", "status": "sent"}}]
    duplicate_key = json.dumps(good(40)).replace('"call_id": "c40"', '"call_id": "c40", "call_id": "c41"')
    lines: list[Any] = [
        *simulated[:150],
        good(1, started_at="2026-03-10T10:00:00-05:00", ended_at="2026-03-10T15:02:00.250Z", caller_key=None,
             transcript="é\n", platform_agent_version=7, escalated=False, turn_latencies_ms=[],
             transcription_confidence=1, cost_usd=0),
        good(2, tool_calls=odd_tools, business={"install_completed": True, "score": 3, "channel": "sms"}),
        good(3, started_at="2026-03-10T04:30:00Z", ended_at="2026-03-10T04:31:00.123456+00:00"),  # the 9th in Chicago
        good(4, **{"x-trace": "abc"}),
        good(5), good(5, business={"install_completed": False, "channel": "web"}, tool_calls=[]),
        good(6, business={"score": "high"}),  # score was stored as DOUBLE
        vapi_end_of_call_report("vapi-1", "+15555550142", "install-reminder@v2"),
        "not json", "[1, 2]", "", good(9, outcome="great"), good(10, tool_calls=[{"tool": "x", "bogus": 1}]),
        json.dumps(good(11))[:-1] + ', "cost_usd": NaN}', duplicate_key,
        good(12, bundle_version=True), good(13, started_at="2026-02-30T10:00:00Z"), good(14, business={"Bad": 1}),
        json.dumps(good(15)) + "\r", "  \t ",  # a CRLF line (its block takes the line-by-line scratch file), a blank one
        *simulated[150:],
    ]
    source = write_jsonl(tmp_path / "calls.jsonl", lines)
    engine, python = both_paths(example_repo, tmp_path, source, monkeypatch, batch_size=100)
    assert engine["first"] == python["first"] and engine["again"] == python["again"]
    assert engine["rejects"] == python["rejects"] and len(engine["rejects"]) == 9
    assert differences(engine["db"], python["db"]) == {"calls": ([], []), "tool_calls": ([], [])}
    assert python["checked_in_python"] == len(lines) - 3  # every line but the blank ones and the one not JSON
    assert engine["checked_in_python"] <= 20  # the engine took the simulated records itself


@pytest.mark.slow
def test_contracts_whose_criteria_do_not_compile_are_judged_in_python_and_said_once(
        example_repo: RepoDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    contract = example_repo.path / "tool-contracts" / "driver-lookup.yaml"
    contract.write_text(contract.read_text().replace("    - path: driver_id\n      not_empty: true\n",
                                                     "    - path: driver_id\n      matches: '^drv_\\d+$'\n"))
    lookups = [good(i, tool_calls=[{"tool": "driver-lookup", "http_status": 200, "response": {"driver_id": d}}])
               for i, d in enumerate(["drv_12", "x", "drv_7"])]
    source = write_jsonl(tmp_path / "calls.jsonl", lookups)
    engine, python = both_paths(example_repo, tmp_path, source, monkeypatch)
    assert engine["notes"] == ["judged in Python (criteria not expressible in SQL): driver-lookup"]
    assert python["notes"] == []
    assert differences(engine["db"], python["db"]) == {"calls": ([], []), "tool_calls": ([], [])}
    con = duckdb.connect(str(engine["db"]), read_only=True)
    assert con.execute("SELECT call_id, contract_ok, reasons FROM tool_calls ORDER BY call_id").fetchall() == [
        ("c0", True, None), ("c1", False, "driver_id is 'x', expected it to match /^drv_\\d+$/"), ("c2", True, None)]
    con.close()


@pytest.mark.slow
def test_blank_and_broken_lines_keep_their_numbers_when_the_engine_numbers_the_lines(
        example_repo: RepoDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # no CR, NUL or \x01 anywhere: the engine numbers the block's lines itself, and a line that is not JSON
    # makes it read the block again with each line checked first
    simulated = list(simulate_lines(days=1, calls_per_day=120, seed=3))
    lines: list[Any] = [*simulated[:50], "", "{not json", "   ", good(9, outcome="great"), "[1, 2]", *simulated[50:]]
    source = write_jsonl(tmp_path / "calls.jsonl", lines)
    engine, python = both_paths(example_repo, tmp_path, source, monkeypatch)
    assert engine["first"] == python["first"] and engine["again"] == python["again"]
    assert engine["rejects"] == python["rejects"]
    assert [line for line, _ in engine["rejects"]] == [52, 54, 55]
    assert differences(engine["db"], python["db"]) == {"calls": ([], []), "tool_calls": ([], [])}
    assert engine["checked_in_python"] <= 3


def test_a_block_of_new_and_stored_calls_counts_each_once(example_repo: RepoDir, tmp_path: Path) -> None:
    """A later event of a stored call beside new calls: the new ones are inserted, the stored one merged, and
    none of the new ones is counted again as an unchanged duplicate."""
    ingest_calls(example_repo.path, [str(write_jsonl(tmp_path / "first.jsonl", [good(3)]))])
    later = write_jsonl(tmp_path / "later.jsonl", [good(12), good(14), good(3, business={"channel": "sms"})])
    report = ingest_calls(example_repo.path, [str(later)])
    assert [getattr(report, c) for c in COUNTS] == [3, 2, 0, 1, 0]
    unchanged = write_jsonl(tmp_path / "unchanged.jsonl", [good(20), json.dumps(good(3, outcome="completed"))])
    report = ingest_calls(example_repo.path, [str(unchanged)])
    assert [getattr(report, c) for c in COUNTS] == [2, 1, 1, 0, 0]


def test_the_engine_knows_the_keys_the_record_path_knows() -> None:
    """The engine's shapes name every key record.normalize reads, and require the ones it requires (a key known
    to one side only would send every line holding it to the per-record path, or store it unchecked)."""
    from agentctl.calls.bulk import RECORD, TOOL
    from agentctl.calls.record import KNOWN_KEYS, REQUIRED, TOOL_KEYS

    assert set(RECORD.types) == KNOWN_KEYS and set(TOOL.types) == TOOL_KEYS
    assert {key for key, types in RECORD.types.items() if None not in types} == set(REQUIRED)
    assert {key for key, types in TOOL.types.items() if None not in types} == {"tool"}
