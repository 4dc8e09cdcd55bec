"""Ingest never crashes on bad input: every bad line is a reject with its line number, good lines around it are stored.

A seeded hypothesis harness mutates valid JSONL records, CSV rows and Vapi/Retell payloads (shapes from
tests/calls/test_mappers.py, which cites the platforms' API references) — wrong types in every field, deep
nesting, huge numbers, non-objects — and asserts the run finishes with one row per good line and one
reject per bad line.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from agentctl.calls.ingest import ingest_files
from agentctl.calls.record import IngestContext
from agentctl.calls.store import DuckDBCallStore
from tests.calls.test_ingest import good
from tests.calls.test_mappers import RETELL, VAPI

CTX = IngestContext(frozenset({"install-reminder"}), frozenset({"production"}))
DEFAULTS = {"agent": "install-reminder", "environment": "production", "bundle_version": 1}
WEIRD = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True),
    st.text(max_size=20), st.just(10**400), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3), st.just("2026-13-45T99:00:00Z"),
    st.just("\ud800"), st.just({"a": [{"b": None}]}),
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for key, value in obj.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            out += _paths(value, (*prefix, i))
    return out


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    obj = json.loads(json.dumps(obj))
    node = obj
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return obj


@st.composite
def mutated(draw: Any, base: dict[str, Any]) -> str:
    """One JSONL line: `base` with one field (anywhere in it) replaced by a value of any type, or raw junk."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.sampled_from(["[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, "nul\x00l",
                                     "1e999999", "[1, 2]", '"text"', "null", "{", "\xff\xfe", "-" * 70000]))
    path = draw(st.sampled_from(_paths(base)))
    value = draw(WEIRD) if choice < 8 else "[" * 2000 + "]" * 2000
    line = json.dumps(_set(base, path, value), ensure_ascii=True, allow_nan=True)
    return line.replace('"' + "[" * 2000 + "]" * 2000 + '"', "[" * 2000 + "]" * 2000)


def _ingest(text: str, fmt: str = "auto") -> tuple[Any, Any]:
    store = DuckDBCallStore(None)
    rejects = io.StringIO()
    try:
        stats = ingest_files(["-"], store, CTX, fmt=fmt, rejects=rejects, defaults=DEFAULTS, stdin=io.StringIO(text))
        stored = {r[0] for r in store.query("SELECT call_id FROM calls")}
    finally:
        store.close()
    return stats, stored


def _check_sandwiches(bad_lines: list[str], fmt: str = "auto") -> None:
    """good, bad, good, bad, …, good: every good call is stored; each bad line refused is a reject at its own line."""
    lines = [json.dumps(good(1000))]
    for i, bad in enumerate(bad_lines, 1):
        lines += [bad, json.dumps(good(1000 + i))]
    stats, stored = _ingest("\n".join(lines) + "\n", fmt)
    assert {f"c{1000 + i}" for i in range(len(bad_lines) + 1)} <= stored
    assert stats.read == len(lines)
    assert stats.rejected <= len(bad_lines)
    assert all(r["line"] % 2 == 0 and r["reason"] for r in stats.first_rejects)


# 50 seeded examples × 20 mutated lines = 1,000 cases per payload kind
FUZZ = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
BATCH = 20


@pytest.mark.slow
@seed(18)
@FUZZ
@given(st.lists(mutated(good(7)), min_size=BATCH, max_size=BATCH))
def test_fuzzed_call_records_never_crash(bad: list[str]) -> None:
    _check_sandwiches(bad)


@pytest.mark.slow
@seed(18)
@FUZZ
@given(st.lists(st.one_of(mutated(VAPI), mutated({"message": VAPI["message"]["call"] | {"type": "end-of-call-report"}})),
                min_size=BATCH, max_size=BATCH))
def test_fuzzed_vapi_reports_never_crash(bad: list[str]) -> None:
    _check_sandwiches(bad)


@pytest.mark.slow
@seed(18)
@FUZZ
@given(st.lists(st.one_of(mutated(RETELL), mutated({"event": "call_ended", "call": RETELL})),
                min_size=BATCH, max_size=BATCH))
def test_fuzzed_retell_calls_never_crash(bad: list[str]) -> None:
    _check_sandwiches(bad)


CSV_HEADER = ("call_id,agent,bundle_version,environment,started_at,ended_at,outcome,escalated,turn_latencies_ms,"
              "transcription_confidence,business.install_completed,tool_calls")
CSV_GOOD = ["{id}", "install-reminder", "2", "production", "2026-03-10T15:00:00Z", "2026-03-10T15:01:00Z",
            "completed", "false", "700;900", "0.9", "true", '"[{""tool"": ""sms-gateway"", ""http_status"": 200}]"']
CELL = st.one_of(st.text(max_size=30), st.sampled_from(["", "2" * 40, "1e999", "nan", "-1", '"', '"""', "x" * 200_000,
                                                         "[" * 3000, "true", "\x00", "\r", ","]))


@pytest.mark.slow
@seed(18)
@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(CSV_GOOD) - 1), CELL, st.booleans()), min_size=BATCH, max_size=BATCH))
def test_fuzzed_csv_rows_never_crash(mutations: list[tuple[int, str, bool]]) -> None:
    lines = [CSV_HEADER, ",".join(c.replace("{id}", "c0") for c in CSV_GOOD)]
    for i, (column, cell, quote) in enumerate(mutations, 1):
        cells = [c.replace("{id}", f"b{i}") for c in CSV_GOOD]
        cells[column] = '"' + cell.replace('"', '""') + '"' if quote else cell
        lines += [",".join(cells), ",".join(c.replace("{id}", f"c{i}") for c in CSV_GOOD)]
    store = DuckDBCallStore(None)
    try:
        stats = ingest_files(["-"], store, CTX, fmt="csv", defaults=DEFAULTS, stdin=io.StringIO("\n".join(lines) + "\n"))
        stored = {r[0] for r in store.query("SELECT call_id FROM calls")}
    finally:
        store.close()
    # a cell with a raw newline or quote may swallow its neighbour row; every other good row is stored
    unquoted_breaks = sum(1 for _, cell, quote in mutations if not quote and any(c in cell for c in '"\r\n'))
    assert len({f"c{i}" for i in range(BATCH + 1)} - stored) <= unquoted_breaks
    assert stats.rejected <= BATCH
    assert all(r["line"] >= 2 and r["reason"] for r in stats.first_rejects)


def test_good_bad_good_stores_both_good_lines() -> None:
    stats, stored = _ingest("\n".join([json.dumps(good(1)), json.dumps(good(2, bundle_version=2**40)),
                                       json.dumps(good(3))]) + "\n")
    assert stored == {"c1", "c3"}
    assert [(r["line"], r["reason"]) for r in stats.first_rejects] == [
        (2, "'bundle_version' must be a whole number ≥ 1, got 1099511627776")]


def test_deep_json_is_a_reject_not_a_crash() -> None:
    stats, stored = _ingest(json.dumps(good(1)) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    assert stored == {"c1"}
    assert stats.first_rejects[0]["line"] == 2 and "nested" in stats.first_rejects[0]["reason"]


def test_same_call_on_another_day_is_stored_once() -> None:
    store = DuckDBCallStore(None)
    try:
        later = good(1, started_at="2026-03-11T15:00:00Z", ended_at="2026-03-11T15:02:00Z")
        for line in (good(1), later):
            ingest_files(["-"], store, CTX, stdin=io.StringIO(json.dumps(line) + "\n"))
        assert store.query("SELECT call_id, day::VARCHAR FROM calls") == [("c1", "2026-03-11")]
        assert store.query("SELECT count(*) FROM tool_calls") == [(1,)]
    finally:
        store.close()
