"""The same calls in DuckDB and in PostgreSQL give the same answers: metrics, the daily check, the report's
queries, the review sample and the canary judge's decision."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest

from agentctl import clock
from agentctl.calls.simulate import SilentToolFailure, SlowTranscriber, simulate_calls
from agentctl.ops.calls import ingest_calls
from tests.calls.conftest import use_postgres
from tests.helpers import RepoDir

EXTRA_METRICS = """  median_handle_time_s:
    sql: median(handle_time_s)
    direction: lower_is_better
    owner: ines
  turn_latency_p50_ms:
    builtin: turn_latency_p50
    direction: lower_is_better
    owner: ines
  sms_latency_p95_ms:
    builtin: tool_latency_p95
    tool: sms-gateway
    direction: lower_is_better
    owner: wei
  installs:
    builtin: conversion_rate
    field: install_completed
    direction: higher_is_better
    owner: rosa
"""


def _twin(tmp_path: Path) -> RepoDir:
    from agentctl.ops.init import init_repo

    init_repo(tmp_path / "pg-config")
    return RepoDir(tmp_path / "pg-config")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.fixture
def both(example_repo: RepoDir, tmp_path: Path, pg_dsn: str, pg_schema: str,
         monkeypatch: pytest.MonkeyPatch) -> tuple[RepoDir, RepoDir]:
    """Two config repos with the same simulated calls: one on DuckDB, one on PostgreSQL."""
    twin = _twin(tmp_path)
    for repo in (example_repo, twin):
        repo.edit("agentctl.yaml", "metrics:\n", "metrics:\n" + EXTRA_METRICS, commit="more metrics")
    use_postgres(twin, pg_dsn, pg_schema, monkeypatch)
    path = tmp_path / "calls.jsonl"
    faults = [SilentToolFailure(tool="sms-gateway", share=0.4, versions=frozenset({2}), start_day=5),
              SlowTranscriber(factor=1.8, versions=frozenset({2}), start_day=5)]
    with path.open("w") as out:
        for r in simulate_calls(start="2026-03-01", days=8, calls_per_day=300, seed=11, versions={1: 0.8, 2: 0.2},
                                faults=faults):
            out.write(json.dumps(r) + "\n")
    for repo in (example_repo, twin):
        report = ingest_calls(repo.path, [str(path)], batch_size=700)
        assert (report.inserted, report.rejected) == (2400, 0)
    return example_repo, twin


def test_metrics_agree_by_agent_day_and_version(both) -> None:
    from agentctl.ops.metrics import show_metrics

    duck, pg = both
    for by in ("agent", "day", "version"):
        a = [r.to_dict() for r in show_metrics(duck.path, since="2026-03-01", until="2026-03-08", by=by).rows]
        b = [r.to_dict() for r in show_metrics(pg.path, since="2026-03-01", until="2026-03-08", by=by).rows]
        assert len(a) == len(b) > 10 and _same(a, b), by
        assert not [r for r in b if r.get("error")]


def test_the_daily_check_agrees(both) -> None:
    from agentctl.ops.check import check_daily

    duck, pg = both
    a = check_daily(duck.path, date="2026-03-07", post=False).to_dict()
    b = check_daily(pg.path, date="2026-03-07", post=False).to_dict()
    assert a["findings"] and _same(a, b)
    assert any(f["status"] != "ok" for f in b["findings"])  # the injected sms failure is found on both


def test_report_queries_and_the_review_sample_agree(both) -> None:
    from agentctl.analysis.metrics import compile_metric, dialect_of, render
    from agentctl.repo import ConfigRepo
    from agentctl.report import queries
    from agentctl.review.sample import draw_sample

    results = []
    for repo in both:
        handle = ConfigRepo(repo.path)
        try:
            store = handle.calls()
            metric = compile_metric("installs", {"builtin": "conversion_rate", "field": "install_completed"})
            value = render(metric.value_sql, dialect_of(store))
            scope = queries.Scope(("production",), "install-reminder", dt.date(2026, 3, 1), dt.date(2026, 3, 31))
            results.append((queries.outcome_by_day(store, scope, value),
                            queries.cost_by_month(store, scope, value, {}),
                            queries.tool_success_by_week(store, scope),
                            queries.agents_with_calls(store, ["production"], dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
                            draw_sample(store, "install-reminder", "production", "2026-W10", 7).calls))
        finally:
            handle.close()
    assert results[0][0] and results[0][2] and results[0][4]
    assert _same([[getattr(x, "__dict__", x) for x in part] for part in results[0]],
                 [[getattr(x, "__dict__", x) for x in part] for part in results[1]])


def test_the_canary_decision_is_identical(example_repo: RepoDir, pg_dsn: str, pg_schema: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """One canary scenario judged on DuckDB, then the same calls ingested into PostgreSQL and judged again."""
    from agentctl.ops.canary import evaluate
    from tests.canary.builders import AGENT, TUESDAY_10, send_calls, start_canary, use_policy
    from tests.deploy.builders import as_person

    use_policy(example_repo, "analysis:\n  alpha: 0.05\n  metrics:\n"
                             "    - {metric: sms_success, tolerance: 0.02, critical: true}\n"
                             "    - {metric: transcription_confidence, tolerance: 0.02}\n"
                             "    - {metric: turn_latency_p95_ms, tolerance: 0.2}\n"
                             "    - {metric: install_rate, tolerance: 0.25}\n"
                             "    - {metric: escalation_rate, tolerance: 0.05}\n")
    with as_person("ines"), clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        records = send_calls(example_repo, sim, minutes=60, calls=1500, seed=21,
                             faults=[SilentToolFailure(versions=frozenset({2}), share=0.15),
                                     SlowTranscriber(factor=1.5, versions=frozenset({2}))])
        on_duckdb = evaluate(example_repo.path, AGENT, "production").to_dict()
        use_postgres(example_repo, pg_dsn, pg_schema, monkeypatch)
        path = example_repo.path / "same-calls.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
        assert ingest_calls(example_repo.path, [str(path)]).inserted == len(records)
        on_postgres = evaluate(example_repo.path, AGENT, "production").to_dict()
    assert on_duckdb["overall"] == on_postgres["overall"] == "rollback"
    assert len(on_postgres["metrics"]) == 5 and not on_postgres["errors"]
    assert all(m["canary"]["n"] > 0 and m["stable"]["n"] > 0 for m in on_postgres["metrics"])
    assert _same(on_duckdb, on_postgres), (on_duckdb, on_postgres)
