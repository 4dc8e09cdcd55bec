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


def test_a_pending_conversion_outcome_is_neither_success_nor_failure(example_repo: RepoDir, tmp_path: Path) -> None:
    """An install outcome arrives after the call: until then (NULL) the call is left out of the conversion
    rate and its n; once the outcome event arrives (the store merges it into the call) it counts."""
    example_repo.edit("agentctl.yaml", "metrics:\n", "metrics:\n  installs:\n    builtin: conversion_rate\n"
                      "    field: install_completed\n    direction: higher_is_better\n    owner: rosa\n")
    records = list(simulate_calls(start="2026-03-10", days=1, calls_per_day=300, seed=4))
    pending = records[::3]
    path = tmp_path / "calls.jsonl"
    with path.open("w") as out:
        for record in records:
            business = {**record["business"], "install_completed": None} if record in pending else record["business"]
            out.write(json.dumps({**record, "business": business}) + "\n")
    ingest_calls(example_repo.path, [str(path)])
    known = [r for r in records if r not in pending]
    [row] = [r for r in show_metrics(example_repo.path, since="2026-03-01").rows if r.metric == "installs"]
    assert row.n == len(known) == 200
    assert row.value == pytest.approx(sum(r["business"]["install_completed"] for r in known) / len(known))

    later = tmp_path / "outcomes.jsonl"  # the outcomes arrive: the same calls, now with the business field set
    later.write_text("".join(json.dumps(r) + "\n" for r in pending))
    ingest_calls(example_repo.path, [str(later)])
    [row] = [r for r in show_metrics(example_repo.path, since="2026-03-01").rows if r.metric == "installs"]
    assert row.n == 300
    assert row.value == pytest.approx(sum(r["business"]["install_completed"] for r in records) / 300)


CUSTOM_MEANS = ("metrics:\n"
                "  talk_time:\n    sql: avg(handle_time_s - 5)\n    kind: mean\n    direction: lower_is_better\n    owner: rosa\n"
                "  cost_per_minute:\n    sql: sum(cost_usd) / sum(handle_time_s / 60)\n    kind: mean\n"
                "    variance_sql: var_samp(cost_usd / (handle_time_s / 60))\n    direction: lower_is_better\n    owner: rosa\n"
                "  spread:\n    sql: max(handle_time_s) - min(handle_time_s)\n    kind: mean\n"
                "    direction: lower_is_better\n    owner: rosa\n")


def test_custom_sql_means_carry_a_per_call_variance(example_repo: RepoDir, tmp_path: Path) -> None:
    """avg(x) is judged with var_samp(x) over count(x); variance_sql says it for any other expression; a mean
    without either stays a value (the judge cannot compare it)."""
    import statistics

    from agentctl.analysis.metrics import MEAN, VALUE, compile_metric

    example_repo.edit("agentctl.yaml", "metrics:\n", CUSTOM_MEANS)
    records = list(simulate_calls(start="2026-03-10", days=1, calls_per_day=300, seed=8))
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    ingest_calls(example_repo.path, [str(path)])
    from agentctl.analysis.metrics import compute, metric_defs
    from agentctl.calls.store import open_store
    from agentctl.deploy.context import load_config

    config = load_config(example_repo.path).data
    with open_store(example_repo.path, config, read_only=True) as store:
        rows = {r.metric: r for r in compute(store, metric_defs(config), ["production"], None, None)}
    seconds = [(dt.datetime.fromisoformat(r["ended_at"]) - dt.datetime.fromisoformat(r["started_at"])).total_seconds()
               for r in records]
    talk = [t - 5 for t in seconds]
    assert rows["talk_time"].n == len(talk)
    assert rows["talk_time"].value == pytest.approx(statistics.fmean(talk))
    assert rows["talk_time"].variance == pytest.approx(statistics.variance(talk))
    per_minute = [r["cost_usd"] / (t / 60) for r, t in zip(records, seconds, strict=True)]
    assert rows["cost_per_minute"].variance == pytest.approx(statistics.variance(per_minute))
    assert rows["spread"].variance is None
    spec = {"sql": "avg(handle_time_s) + avg(cost_usd)", "kind": "mean"}  # not one avg(...): no variance known
    assert compile_metric("two", spec).kind == VALUE
    assert compile_metric("two", {**spec, "variance_sql": "var_samp(handle_time_s)"}).kind == MEAN
    assert compile_metric("distinct", {"sql": "avg(DISTINCT handle_time_s)", "kind": "mean"}).kind == VALUE


def test_a_broken_variance_sql_points_at_its_line(example_repo: RepoDir) -> None:
    example_repo.edit("agentctl.yaml", "metrics:\n", CUSTOM_MEANS.replace("var_samp(cost_usd /", "var_samp(cost_usd +/"))
    text = (example_repo.path / "agentctl.yaml").read_text().splitlines()
    line = next(i for i, ln in enumerate(text, 1) if "variance_sql:" in ln)
    errors = [str(d) for d in validate_repo(example_repo.path).errors]
    assert any(e.startswith(f"agentctl.yaml:{line}:") and "metric 'cost_per_minute': SQL does not work" in e
               for e in errors), errors


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
