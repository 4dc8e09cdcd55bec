"""Trend detection: a slow 22% → 16% install drift is flagged by day 3; healthy days raise nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from agentctl.analysis.daily import DayPoint, trend_stat, trend_verdict
from agentctl.analysis.metrics import compile_metric
from agentctl.calls.simulate import ConversionDrift, simulate_calls
from agentctl.ops.calls import ingest_calls
from agentctl.ops.check import check_daily
from tests.helpers import RepoDir

INSTALL_RATE = compile_metric("install_rate", {"sql": "avg(x)", "kind": "rate", "direction": "higher_is_better",
                                               "trend": {"window_days": 14, "max_relative_drop": 0.12}})
FIRST = dt.date(2026, 3, 1)
DRIFT_START = 17  # 17 healthy days: a full 14-day baseline before the 3-day recent window
TESTS_PER_RUN = 7  # the example config's metrics for one agent (Bonferroni)


def daily_rates(seed: int, calls_per_day: int, rates: list[float]) -> dict[dt.date, DayPoint]:
    """Binomial daily install counts, as the store would aggregate them."""
    rng = np.random.default_rng(seed)
    return {FIRST + dt.timedelta(days=i): DayPoint(rng.binomial(calls_per_day, r) / calls_per_day, calls_per_day, None)
            for i, r in enumerate(rates)}


def drift_rates() -> list[float]:
    drift = ConversionDrift(start_day=DRIFT_START, days=14, from_rate=0.22, to_rate=0.16)
    return [drift.rate(day) or 0.22 for day in range(DRIFT_START + 14)]


def first_flagged_drift_day(series: dict[dt.date, DayPoint]) -> int | None:
    for k in range(14):
        day = FIRST + dt.timedelta(days=DRIFT_START + k)
        if trend_verdict(INSTALL_RATE, trend_stat(INSTALL_RATE, series, day), TESTS_PER_RUN) != "ok":
            return k + 1
    return None


def test_drift_rates_never_cross_the_fixed_threshold_by_day_3() -> None:
    rates = drift_rates()
    assert rates[DRIFT_START - 1] == 0.22 and rates[DRIFT_START + 2] == pytest.approx(0.22 - 3 * 0.06 / 14)
    assert min(rates[: DRIFT_START + 3]) > 0.18  # install_rate's threshold: the trend must catch it alone


@pytest.mark.parametrize("seed", range(10))
def test_slow_drift_flagged_by_day_3(seed: int) -> None:
    series = daily_rates(seed, 25_000, drift_rates())
    flagged = first_flagged_drift_day(series)
    assert flagged is not None and flagged <= 3
    stat = trend_stat(INSTALL_RATE, series, FIRST + dt.timedelta(days=DRIFT_START + flagged - 1))
    assert stat is not None and stat.relative_change > 0.02 and stat.baseline == pytest.approx(0.22, abs=0.003)


def test_at_low_volume_the_same_drift_is_flagged_later_not_never() -> None:
    days = [first_flagged_drift_day(daily_rates(seed, 2_000, drift_rates())) for seed in range(10)]
    assert all(d is not None and d <= 9 for d in days)


def test_healthy_30_days_false_alarms_counted() -> None:
    """20 seeds × 13 daily checks at each of four volumes; nominal rate per check is alpha / m = 0.14%."""
    false_alarms = {}
    for calls_per_day in (500, 2_000, 25_000, 300_000):
        false_alarms[calls_per_day] = 0
        for seed in range(20):
            series = daily_rates(100 + seed, calls_per_day, [0.22] * 30)
            for day in range(DRIFT_START, 30):
                stat = trend_stat(INSTALL_RATE, series, FIRST + dt.timedelta(days=day))
                false_alarms[calls_per_day] += trend_verdict(INSTALL_RATE, stat, TESTS_PER_RUN) != "ok"
    assert sum(false_alarms.values()) <= 2  # of 1,040 checks (measured: 1, at 500 calls/day)
    assert false_alarms[25_000] == false_alarms[300_000] == 0


def test_step_drop_beyond_max_relative_drop_is_a_drop() -> None:
    series = daily_rates(3, 2_000, [0.22] * 17 + [0.18] * 3)
    stat = trend_stat(INSTALL_RATE, series, FIRST + dt.timedelta(days=19))
    assert trend_verdict(INSTALL_RATE, stat, TESTS_PER_RUN) == "drop"


def test_short_history_is_not_judged() -> None:
    series = daily_rates(1, 1_000, [0.22] * 6)
    assert trend_stat(INSTALL_RATE, series, FIRST + dt.timedelta(days=5)) is None
    assert trend_verdict(INSTALL_RATE, None, 7) == "short-history"


def test_lower_is_better_metrics_flag_increases() -> None:
    errors = compile_metric("error_rate", {"builtin": "error_rate", "direction": "lower_is_better"})
    series = daily_rates(2, 20_000, [0.01] * 17 + [0.02] * 3)
    assert trend_verdict(errors, trend_stat(errors, series, FIRST + dt.timedelta(days=19)), 7) == "drift"
    better = daily_rates(2, 20_000, [0.02] * 17 + [0.01] * 3)
    assert trend_verdict(errors, trend_stat(errors, better, FIRST + dt.timedelta(days=19)), 7) == "ok"


def test_healthy_month_end_to_end_raises_nothing(example_repo: RepoDir, tmp_path: Path) -> None:
    path = tmp_path / "month.jsonl"
    with path.open("w") as out:
        for record in simulate_calls(start="2026-03-01", days=30, calls_per_day=1500, seed=11):
            out.write(json.dumps(record) + "\n")
    ingest_calls(example_repo.path, [str(path)])
    raised = []
    for day in range(17, 30, 2):
        report = check_daily(example_repo.path, date=(FIRST + dt.timedelta(days=day)).isoformat(), post=False)
        raised += [(report.date, f.metric, f.status, f.detail) for f in report.breached]
        assert all(f.trend in ("ok", "—") for f in report.findings)  # "—": checks without a trend (gap, versions)
    assert raised == []


ERROR_RATE = compile_metric("error_rate", {"builtin": "error_rate", "direction": "lower_is_better"})


def test_one_error_after_an_error_free_fortnight_is_not_drift() -> None:
    """0 errors in 14 × 300 calls, then 1 in 300: Fisher's exact test gives p ≈ 0.18 — no news."""
    series = {FIRST + dt.timedelta(days=i): DayPoint(0.0, 300, 0.0) for i in range(16)}
    day = FIRST + dt.timedelta(days=16)
    series[day] = DayPoint(1 / 300, 300, (1 / 300) * (299 / 300))
    stat = trend_stat(ERROR_RATE, series, day)
    assert stat is not None and stat.z < 3 and stat.p > 0.005  # before: z = inf, p = 0
    assert trend_verdict(ERROR_RATE, stat, TESTS_PER_RUN) == "ok"


def test_ten_errors_after_an_error_free_fortnight_still_are() -> None:
    series = {FIRST + dt.timedelta(days=i): DayPoint(0.0, 300, 0.0) for i in range(16)}
    day = FIRST + dt.timedelta(days=16)
    series[day] = DayPoint(10 / 300, 300, None)
    assert trend_verdict(ERROR_RATE, trend_stat(ERROR_RATE, series, day), TESTS_PER_RUN) == "drift"


@pytest.mark.parametrize(("t", "df"), [(0.0, 5), (1.3, 3), (2.5, 13), (-1.7, 8), (6.0, 40), (0.4, 1)])
def test_t_tail_matches_scipy(t: float, df: int) -> None:
    from scipy import stats

    from agentctl.analysis.daily import t_upper_tail

    assert t_upper_tail(t, df) == pytest.approx(stats.t.sf(t, df), rel=1e-9, abs=1e-15)
