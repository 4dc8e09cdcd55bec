"""The SQL judge agrees with the Python reference judge (agentctl.contracts.success) on every input."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from agentctl.calls.judge_sql import compile_success, fallback_note, latency_p95_sql
from agentctl.contracts.success import judge_response

SMS = {"status": [200, 202], "criteria": [{"path": "message_id", "exists": True, "not_empty": True},
                                          {"path": "status", "in": ["queued", "sent"]}]}
KEYS = st.sampled_from(["status", "id", "data", "items", "0", "1", "-1", "a.b", "message_id"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.integers(-(2**60), 2**60),
                    st.floats(allow_nan=False, allow_infinity=False, width=32), st.sampled_from(["", "queued", "sent", "a\n", "é"]))
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(KEYS, inner, max_size=4)), max_leaves=8)
PATHS = st.lists(KEYS, min_size=1, max_size=3).map(".".join)
PATTERN = st.lists(st.sampled_from(["a", "q", "ue", ".", "*", "+", "?", "^", "|", "[a-c]", "(", ")", "$", "\\d", "é"]),
                   max_size=5).map("".join)
CRITERION = st.fixed_dictionaries({"path": PATHS}, optional={
    "exists": st.booleans(), "equals": SCALARS, "in": st.lists(SCALARS, min_size=1, max_size=3),
    "matches": PATTERN, "not_empty": st.booleans()})
SUCCESS = st.fixed_dictionaries({"criteria": st.lists(CRITERION, max_size=3)},
                                optional={"status": st.lists(st.sampled_from([200, 201, 202, 204, 404]), min_size=1, max_size=2)})


@pytest.fixture(scope="module")
def con() -> Any:
    connection = duckdb.connect()
    yield connection
    connection.close()


def sql_verdict(con: Any, success: dict[str, Any], status: int | None, body: Any) -> bool | None:
    expression = compile_success(success)
    if expression is None:
        return None
    return con.execute(f"SELECT {expression} FROM (SELECT ?::INTEGER AS status, ?::JSON AS body)",
                       [status, json.dumps(body)]).fetchone()[0]


@seed(18)
@settings(max_examples=600, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(success=SUCCESS, status=st.one_of(st.none(), st.sampled_from([200, 202, 204, 404, 500])), body=JSON)
def test_sql_judge_agrees_with_the_python_judge(con: Any, success: dict[str, Any], status: int | None, body: Any) -> None:
    verdict = sql_verdict(con, success, status, body)
    if verdict is not None:  # None: not compiled, this contract is judged in Python
        assert verdict == judge_response(success, status, body).ok


def test_the_sms_contract_compiles_and_catches_the_silent_failure(con: Any) -> None:
    assert sql_verdict(con, SMS, 200, {"message_id": "m1", "status": "queued"}) is True
    assert sql_verdict(con, SMS, 200, {"status": "failed", "error": "sender_id is required"}) is False
    assert sql_verdict(con, SMS, 500, {"message_id": "m1", "status": "queued"}) is False
    assert sql_verdict(con, SMS, None, None) is False


def test_what_cannot_compile_falls_back_and_is_named_once() -> None:
    assert compile_success({"criteria": [{"path": "x", "equals": [1, 2]}]}) is None
    assert compile_success({"criteria": [{"path": "x", "matches": r"^\d+$"}]}) is None
    assert fallback_note(["sms-gateway", "crm"]) == "judged in Python (criteria not expressible in SQL): crm, sms-gateway"


def test_p95_by_unnest_matches_the_list_aggregate(con: Any) -> None:
    con.execute("CREATE OR REPLACE TABLE calls AS SELECT 'a' AS agent, DATE '2026-03-01' + (i % 3)::INTEGER AS day, "
                "[i * 1.0, i * 2.0, i * 0.5] AS turn_latencies_ms FROM range(300) t(i)")
    new = con.execute(latency_p95_sql() + " ORDER BY day").fetchall()
    old = con.execute("SELECT agent, day, list_aggregate(flatten(list(turn_latencies_ms)), 'quantile_cont', 0.95) "
                      "FROM calls GROUP BY agent, day ORDER BY day").fetchall()
    assert new == old
