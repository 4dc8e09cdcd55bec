"""The hand-written record checks agree with the published JSON Schema."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentctl.calls.record import IngestContext, RecordError, normalize
from agentctl.calls.simulate import simulate_calls
from agentctl.model.schema import load_schema

CTX = IngestContext(frozenset({"install-reminder"}), frozenset({"production", "staging"}))
BASE = {"call_id": "c1", "agent": "install-reminder", "bundle_version": 2, "environment": "production",
        "started_at": "2026-03-10T15:00:00Z", "ended_at": "2026-03-10T15:02:00+00:00", "outcome": "completed"}


def schema_ok(record: dict) -> bool:
    return not list(jsonschema.Draft202012Validator(load_schema("call-record")).iter_errors(record))


def test_simulated_records_satisfy_the_schema() -> None:
    for record in simulate_calls(days=1, calls_per_day=200, seed=3):
        assert schema_ok(record)
        normalize(record, CTX)


@pytest.mark.parametrize(("change", "reason"), [
    ({"bundle_version": 0}, "'bundle_version' must be a whole number ≥ 1, got 0"),
    ({"bundle_version": True}, "'bundle_version' must be a whole number ≥ 1, got true"),
    ({"outcome": "great"}, "'outcome' is 'great', not one of completed, escalated, no_answer, voicemail, abandoned, error"),
    ({"escalated": "no"}, "'escalated' must be true or false, got 'no'"),
    ({"transcription_confidence": 1.5}, "'transcription_confidence' must be a number between 0 and 1, got 1.5"),
    ({"turn_latencies_ms": [1, "x"]}, "'turn_latencies_ms' must be a list of numbers ≥ 0"),
    ({"tool_calls": [{"http_status": 200}]}, "'tool_calls[0]' is missing 'tool'"),
    ({"tool_calls": [{"tool": "sms-gateway", "http_status": "200"}]},
     "'tool_calls[0].http_status' must be an HTTP status code or null, got '200'"),
    ({"business": {"Install": True}}, "business field name 'Install' is not allowed (lowercase letters, digits, _; not a record field)"),
    ({"business": {"x": [1]}}, "'business.x' must be true/false, a number or a string, got a list"),
    ({"colour": "red"}, "unknown field 'colour'"),
    ({"ended_at": "2026-03-10T14:00:00Z"}, "'ended_at' is before 'started_at'"),
    ({"environment": "prod"}, "unknown environment 'prod' (environments: production, staging)"),
])
def test_bad_records_rejected_by_both(change: dict, reason: str) -> None:
    record = {**BASE, **change}
    with pytest.raises(RecordError) as caught:
        normalize(record, CTX)
    assert str(caught.value) == reason
    if not reason.startswith(("'ended_at' is before", "unknown environment")):  # repo knowledge, not schema
        assert not schema_ok(record)


def test_missing_required_field() -> None:
    record = {k: v for k, v in BASE.items() if k != "outcome"}
    with pytest.raises(RecordError, match="^missing required field 'outcome'$"):
        normalize(record, CTX)
    assert not schema_ok(record)


def test_day_is_counted_in_the_team_timezone() -> None:
    from zoneinfo import ZoneInfo

    ctx = IngestContext(CTX.agents, CTX.environments, timezone=ZoneInfo("America/Chicago"))
    late = normalize({**BASE, "started_at": "2026-03-11T03:00:00Z", "ended_at": "2026-03-11T03:01:00Z"}, ctx)
    assert str(late.call["day"]) == "2026-03-10"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=12)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(JSON_VALUES)
def test_minified_json_is_what_the_engine_writes(value: Any) -> None:
    """A response digest or an arguments text is the same whichever path stored it: the per-record path writes a
    value as DuckDB's JSON writer writes it after reading it (floats included: 1e+16 is 10000000000000000.0)."""
    import duckdb

    from agentctl.calls.record import minified

    text = json.dumps({"v": value})
    engine = duckdb.sql("SELECT json_transform(?, '{\"v\": \"JSON\"}').v::VARCHAR", params=[text]).fetchall()[0][0]
    assert minified(value) == ("null" if value is None else engine)
