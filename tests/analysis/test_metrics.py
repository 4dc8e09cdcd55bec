"""Metrics from agentctl.yaml computed in SQL; their definitions validated with file:line:col."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from agentctl.calls.simulate import SilentToolFailure, SlowTranscriber, simulate_calls
from agentctl.ops.calls import ingest_calls
from agentctl.ops.metrics import show_metrics
from agentctl.ops.validate import validate_repo
from tests.helpers import RepoDir


def fill(repo: RepoDir, tmp_path: Path, **kwargs) -> None:
    path = tmp_path / "calls.jsonl"
    with path.open("w") as out:
        for record in simulate_calls(**kwargs):
            out.write(json.dumps(record) + "\n")
    ingest_calls(repo.path, [str(path)])


def test_by_version_isolates_the_faulty_bundle(example_repo: RepoDir, tmp_path: Path) -> None:
    fill(example_repo, tmp_path, start="2026-03-10", days=2, calls_per_day=1500, seed=5, versions={1: 0.5, 2: 0.5},
         faults=[SilentToolFailure(tool="sms-gateway", share=0.5, versions=frozenset({2})),
                 SlowTranscriber(factor=2.0, versions=frozenset({2}))])
    report = show_metrics(example_repo.path, since="2026-03-01", by="version")
    value = {(r.metric, r.group): r.value for r in report.rows}
    assert value[("sms_success", "1")] > 0.97 and value[("sms_success", "2")] == pytest.approx(0.5, abs=0.05)
    assert value[("turn_latency_p95_ms", "2")] > 1.8 * value[("turn_latency_p95_ms", "1")]
    assert value[("sms_http_success", "2")] > 0.99


def test_by_day_and_custom_and_conversion_metrics_agree(example_repo: RepoDir, tmp_path: Path) -> None:
    example_repo.edit("agentctl.yaml", "metrics:\n", "metrics:\n  installs:\n    builtin: conversion_rate\n"
                      "    field: install_completed\n    direction: higher_is_better\n    owner: rosa\n")
    fill(example_repo, tmp_path, start="2026-03-10", days=3, calls_per_day=400, seed=2)
    report = show_metrics(example_repo.path, "install-reminder", since="2026-03-10", until="2026-03-11", by="day")
    by = {(r.metric, r.group): r for r in report.rows}
    assert {g for _, g in by} == {"2026-03-10", "2026-03-11"}
    for day in ("2026-03-10", "2026-03-11"):
        assert by[("installs", day)].value == pytest.approx(by[("install_rate", day)].value)
        assert by[("installs", day)].n == 400


def test_metrics_on_an_empty_store(example_repo: RepoDir, cli) -> None:
    result = cli("metrics", cwd=example_repo.path)
    assert result.exit_code == 0
    assert "no calls stored for this selection" in result.stdout


def test_unknown_builtin_and_broken_sql_point_at_the_line(example_repo: RepoDir) -> None:
    example_repo.edit("agentctl.yaml", "builtin: escalation_rate", "builtin: escalation_rat")
    example_repo.edit("agentctl.yaml", "sql: avg(CASE WHEN install_completed THEN 1.0 ELSE 0.0 END)",
                      "sql: avg(CASE WHEN install_completed THEN 1.0 ELSE 0.0 END) + handle_time_s")
    text = (example_repo.path / "agentctl.yaml").read_text().splitlines()
    builtin_line = next(i for i, line in enumerate(text, 1) if "escalation_rat\n" in line + "\n")
    sql_line = next(i for i, line in enumerate(text, 1) if "+ handle_time_s" in line)
    errors = [str(d) for d in validate_repo(example_repo.path).errors]
    assert errors[0] == (f"agentctl.yaml:{builtin_line}:14: unknown builtin metric 'escalation_rat' — "
                         "did you mean 'escalation_rate'?")
    col = text[sql_line - 1].index("handle_time_s") + 1
    assert errors[1].startswith(f"agentctl.yaml:{sql_line}:{col}: metric 'install_rate': SQL does not work: "
                                "Binder Error: column \"handle_time_s\" must appear in the GROUP BY clause")


def test_valid_example_metrics(example_repo: RepoDir) -> None:
    assert validate_repo(example_repo.path).errors == []


def test_since_accepts_spans(example_repo: RepoDir, tmp_path: Path, time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 13, 12, tzinfo=dt.timezone.utc))
    fill(example_repo, tmp_path, start="2026-03-01", days=12, calls_per_day=50, seed=1)
    report = show_metrics(example_repo.path, since="2d", by="day")
    assert report.since == "2026-03-11" and {r.group for r in report.rows} == {"2026-03-11", "2026-03-12"}


def test_the_dialect_layer_rewrites_only_what_postgres_spells_otherwise() -> None:
    from agentctl.analysis.metrics import render

    sql = ("quantile_cont(latency_ms, 0.95) + median(x) + len(turn_latencies_ms) "
           "+ ln(greatest(list_avg(turn_latencies_ms), 1)) + count(*) FILTER (WHERE tool = 'len(a)')")
    assert render(sql, "duckdb") == sql
    assert render(sql, "postgres") == (
        "percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) + percentile_cont(0.5) WITHIN GROUP (ORDER BY x) "
        "+ cardinality(turn_latencies_ms) + ln(greatest((SELECT avg(e) FROM unnest(turn_latencies_ms) AS e), 1)) "
        "+ count(*) FILTER (WHERE tool = 'len(a)')")


def test_turn_latency_percentiles_come_from_one_unnest_and_match_the_list_aggregate() -> None:
    import duckdb

    from agentctl.analysis.metrics import aggregate_query, compile_metric

    con = duckdb.connect()
    con.execute("CREATE TABLE calls AS SELECT 'production' AS environment, 'a' AS agent, (i % 3) AS bundle_version, "
                "CASE WHEN i % 7 = 0 THEN NULL ELSE [i * 1.0, i * 2.0, i * 0.5] END AS turn_latencies_ms, "
                "i % 5 = 0 AS is_error FROM range(400) t(i)")
    metrics = [compile_metric("p50", {"builtin": "turn_latency_p50"}), compile_metric("e", {"builtin": "error_rate"}),
               compile_metric("p95", {"builtin": "turn_latency_p95"})]
    sql, params = aggregate_query("calls", metrics, keys=["environment", "bundle_version"],
                                  where="environment = ?", params=["production"], order=True)
    assert params == ["production", "production"] and sql.count("unnest(turn_latencies_ms)") == 1
    got = con.execute(sql, params).fetchall()
    old = con.execute("SELECT environment, bundle_version, "
                      "list_aggregate(flatten(list(turn_latencies_ms)), 'quantile_cont', 0.5), "
                      "sum(len(turn_latencies_ms)), avg(CASE WHEN is_error THEN 1.0 ELSE 0.0 END), "
                      "list_aggregate(flatten(list(turn_latencies_ms)), 'quantile_cont', 0.95) "
                      "FROM calls GROUP BY ALL ORDER BY ALL").fetchall()
    assert [(r[0], r[1], r[2], r[3], r[5], r[8]) for r in got] == [tuple(r) for r in old]
