"""The CallStore contract, run on both backends (DuckDB and PostgreSQL): the same tests, the same answers.

Upsert by call_id with merge: a later event's non-null values win, what it leaves out is kept, its
tool calls replace the stored ones only when it has some; an event that changes nothing is a duplicate;
a batch is stored whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from agentctl.calls.ingest import check_business_types
from agentctl.calls.record import CallRows, IngestContext, RecordError, normalize

CTX = IngestContext(frozenset({"install-reminder"}), frozenset({"production", "staging"}))
WHEN = dt.datetime(2026, 3, 11, 8, 0)


def record(i: int | str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "call_id": f"c{i}", "agent": "install-reminder", "bundle_version": 3, "environment": "production",
        "started_at": "2026-03-10T15:00:00Z", "ended_at": "2026-03-10T15:02:00Z", "outcome": "completed",
        "turn_latencies_ms": [700, 900.5], "cost_usd": 0.1,
        "tool_calls": [{"tool": "sms-gateway", "http_status": 200, "latency_ms": 120, "response": {"ok": True}}]}
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def rows(*records: dict[str, Any]) -> list[CallRows]:
    return [normalize(r, CTX) for r in records]


def stored(store: Any, columns: str = "call_id, outcome, cost_usd, tool_call_count, source") -> list[tuple]:
    return [tuple(r) for r in store.query(f"SELECT {columns} FROM calls ORDER BY call_id")]


def tools(store: Any) -> list[tuple]:
    return [tuple(r) for r in store.query("SELECT call_id, seq, tool, http_status FROM tool_calls "
                                          "ORDER BY call_id, seq")]


def counts(result: Any) -> tuple[int, int, int]:
    return result.inserted, result.updated, result.duplicates


def add(store: Any, *records: dict[str, Any], source: str = "test") -> Any:
    batch = rows(*records)
    for row in batch:
        check_business_types(row, store)
    return store.append(batch, source, WHEN)


def test_new_calls_are_stored_with_their_tool_calls(call_store) -> None:
    assert counts(add(call_store, record(1), record(2, tool_calls=[]))) == (2, 0, 0)
    assert stored(call_store) == [("c1", "completed", 0.1, 1, "test"), ("c2", "completed", 0.1, 0, "test")]
    assert tools(call_store) == [("c1", 0, "sms-gateway", 200)]
    day, started, latencies = call_store.query("SELECT day, started_at, turn_latencies_ms FROM calls "
                                               "WHERE call_id = ?", ["c1"])[0]
    assert (day, started, list(latencies)) == (dt.date(2026, 3, 10), dt.datetime(2026, 3, 10, 15), [700.0, 900.5])


def test_reappending_is_a_duplicate_and_changes_nothing(call_store) -> None:
    add(call_store, record(1), record(2))
    assert counts(add(call_store, record(1), record(2), record(1), source="again")) == (0, 0, 3)
    assert [r[4] for r in stored(call_store)] == ["test", "test"]
    assert len(tools(call_store)) == 2


def test_within_a_batch_events_merge_in_arrival_order(call_store) -> None:
    result = add(call_store, record(1, cost_usd=None), record(1, cost_usd=0.4, tool_calls=[]),
                 record(1, outcome="escalated", cost_usd=None))
    assert counts(result) == (1, 2, 0)
    assert stored(call_store, "call_id, outcome, escalated, cost_usd, tool_call_count") == [
        ("c1", "escalated", True, 0.4, 1)]
    assert tools(call_store) == [("c1", 0, "sms-gateway", 200)]


def test_a_later_event_wins_where_it_states_and_keeps_what_it_leaves_out(call_store) -> None:
    add(call_store, record(1, transcript="AI: hi"))
    later = record(1, cost_usd=0.25, transcript=None, recording_url="https://r/1.wav", tool_calls=[])
    assert counts(add(call_store, later, source="analyzed")) == (0, 1, 0)
    assert stored(call_store, "call_id, cost_usd, transcript, recording_url, tool_call_count, source") == [
        ("c1", 0.25, "AI: hi", "https://r/1.wav", 1, "analyzed")]
    assert tools(call_store) == [("c1", 0, "sms-gateway", 200)]  # kept: the later event had no tool calls


def test_tool_calls_are_replaced_only_by_an_event_that_has_some(call_store) -> None:
    add(call_store, record(1))
    two = [{"tool": "crm", "http_status": 500}, {"tool": "sms-gateway", "http_status": 202, "response": {}}]
    assert counts(add(call_store, record(1, tool_calls=two))) == (0, 1, 0)
    assert tools(call_store) == [("c1", 0, "crm", 500), ("c1", 1, "sms-gateway", 202)]
    assert stored(call_store, "tool_call_count") == [(2,)]


def test_a_later_event_may_move_a_call_to_another_day(call_store) -> None:
    add(call_store, record(1))
    add(call_store, record(1, started_at="2026-03-11T01:00:00Z", ended_at="2026-03-11T01:05:00Z", tool_calls=[]))
    assert call_store.query("SELECT day, handle_time_s FROM calls") == [(dt.date(2026, 3, 11), 300.0)]


def test_business_fields_become_typed_columns(call_store) -> None:
    add(call_store, record(1, business={"install_completed": True, "score": 3, "plan": "pro"}))
    assert call_store.business_columns() == {"install_completed": "BOOLEAN", "score": "DOUBLE", "plan": "VARCHAR"}
    add(call_store, record(1, business={"install_completed": False}, tool_calls=[]))
    assert stored(call_store, "install_completed, score, plan") == [(False, 3.0, "pro")]
    with pytest.raises(RecordError, match="'business.score' is str here but earlier calls stored it as DOUBLE"):
        add(call_store, record(2, business={"score": "high"}))


def test_a_failing_batch_stores_nothing(call_store) -> None:
    add(call_store, record(1))
    bad = rows(record(2), record(3))
    bad[1].call["agent"] = None  # NOT NULL: the store refuses the batch
    with pytest.raises(Exception):  # noqa: B017 - duckdb.ConstraintException or psycopg.errors.NotNullViolation
        call_store.append(bad, "bad", WHEN)
    assert [r[0] for r in stored(call_store)] == ["c1"]
    assert counts(add(call_store, record(2))) == (1, 0, 0)  # the store is usable after the rollback


def test_event_fingerprints_are_remembered(call_store) -> None:
    assert call_store.seen_events([1, 2**62]) == set()
    call_store.remember_events([1, 2**62, 7])
    assert call_store.seen_events([1, 2, 2**62]) == {1, 2**62}


def test_query_placeholders_literals_and_aggregates(call_store) -> None:
    add(call_store, record(1), record(2, environment="staging"), record(3, outcome="error", cost_usd=0.5))
    assert call_store.query("SELECT count(*), avg(cost_usd), count(*) FILTER (WHERE is_error) FROM calls "
                            "WHERE environment IN (?, ?) AND call_id <> '?%' AND day BETWEEN ? AND ?",
                            ["production", "nowhere", dt.date(2026, 3, 1), dt.date(2026, 3, 31)]) == [(2, 0.3, 1)]
    avg = call_store.query("SELECT avg(CASE WHEN is_error THEN 1.0 ELSE 0.0 END) FROM calls")[0][0]
    assert isinstance(avg, float) and avg == pytest.approx(1 / 3)  # numeric on PostgreSQL reads as a float


def test_a_record_with_nul_characters_is_stored(call_store) -> None:
    add(call_store, record(1, transcript="AI: hi\u0000there"))
    text = call_store.query("SELECT transcript FROM calls")[0][0]
    assert text in ("AI: hi\u0000there", "AI: hi\ufffdthere")  # PostgreSQL text cannot hold NUL


def test_many_calls_in_one_append(call_store) -> None:
    batch = [record(i, cost_usd=i / 100) for i in range(3000)]
    assert counts(add(call_store, *batch)) == (3000, 0, 0)
    assert counts(add(call_store, *batch[:1000], *[record(i, cost_usd=99.0) for i in range(1000, 1500)])) == (0, 500, 1000)
    assert call_store.query("SELECT count(*), count(*) FILTER (WHERE cost_usd = 99.0) FROM calls") == [(3000, 500)]
    assert call_store.query("SELECT count(*) FROM tool_calls") == [(3000,)]


# -- DuckDB: the filter of stored call ids (call_keys) ------------------------------------------------------------

def _duck(tmp_path: Any) -> Any:
    from agentctl.calls.store import DuckDBCallStore

    return DuckDBCallStore(tmp_path / "calls.duckdb")


def test_the_filter_of_stored_call_ids_keeps_step_with_the_calls(tmp_path) -> None:
    store = _duck(tmp_path)
    add(store, record(1), record(2))
    add(store, record(2, outcome="escalated"), record(3))
    assert store.query("SELECT count(*) FROM call_keys") == [(3,)]
    assert store.query("SELECT count(*) FROM call_keys WHERE call_key NOT IN "
                       "(SELECT (hash(call_id) >> 1)::BIGINT FROM calls)") == [(0,)]
    assert store.query("SELECT split_part(value, ' ', 2) FROM store_meta WHERE key = 'call_keys'") == [("3",)]


@pytest.mark.parametrize("damage", ["a store made before the filter", "a call stored without its key",
                                    "keys from another hash()"])
def test_a_stale_filter_is_rebuilt_when_the_store_opens_and_later_events_still_merge(tmp_path, damage) -> None:
    store = _duck(tmp_path)
    add(store, record(1))
    if damage == "a store made before the filter":
        store.con.execute("DROP TABLE call_keys")
        store.con.execute("DELETE FROM store_meta WHERE key = 'call_keys'")
    elif damage == "a call stored without its key":  # as an agentctl that did not keep the filter would
        store.con.execute("INSERT INTO calls SELECT * REPLACE ('c2' AS call_id) FROM calls")
    else:  # keys another hash() made match nothing; the store remembers what that hash() gave
        store.con.execute("DELETE FROM call_keys")
        store.con.execute("UPDATE store_meta SET value = '1 ' || split_part(value, ' ', 2) WHERE key = 'call_keys'")
    store.close()
    store = _duck(tmp_path)
    result = add(store, record(1, outcome="escalated"), record(2, outcome="escalated"))
    again = damage == "a call stored without its key"
    assert counts(result) == (1 - again, 1 + again, 0)
    assert stored(store, "call_id, outcome") == [("c1", "escalated"), ("c2", "escalated")]
