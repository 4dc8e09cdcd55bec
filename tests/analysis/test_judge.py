"""Canary verdicts: the scenarios an operator relies on, with the numbers in the reasons."""

from __future__ import annotations

import json
import math
import random
import statistics

import pytest

from agentctl.analysis.judge import Decision, MetricPolicy, judge, judge_metric
from agentctl.analysis.sequential import ArmStats, rate_difference_cs

SMS = MetricPolicy("sms_success", "rate", "higher_is_better", tolerance=0.05, critical=True)
CONVERSION = MetricPolicy("conversion", "rate", "higher_is_better", tolerance=0.1)
ESCALATION = MetricPolicy("escalation", "rate", "lower_is_better", tolerance=0.2)
LATENCY = MetricPolicy("turn_latency_ms", "mean", "lower_is_better", tolerance=0.1)
STABLE_CALLS_PER_CANARY_CALL = 9  # a 10% canary


def _latency(n: int, mean: float, sd: float) -> ArmStats:
    return ArmStats(n, total=n * mean, total_sq=n * (mean * mean + sd * sd))


def _judge_sms(
    canary: ArmStats, stable: ArmStats, elapsed_s: float = 600, min_duration_s: float = 1800
) -> Decision:
    return judge(
        [SMS],
        {"sms_success": canary},
        {"sms_success": stable},
        elapsed_s=elapsed_s,
        min_duration_s=min_duration_s,
    )


def _calls_until(
    decision: str, p_canary: float, p_stable: float, rng: random.Random, cap: int = 2000, look_every: int = 1
) -> int:
    """Canary calls until the judge, asked every ``look_every`` canary calls, first says ``decision``."""
    canary = stable = 0
    for n in range(1, cap + 1):
        canary += rng.random() < p_canary
        stable += sum(rng.random() < p_stable for _ in range(STABLE_CALLS_PER_CANARY_CALL))
        if n % look_every:
            continue
        verdict = _judge_sms(ArmStats(n, canary), ArmStats(n * STABLE_CALLS_PER_CANARY_CALL, stable), 1e9, 0)
        if verdict.overall == decision:
            return n
    return cap + 1


# --- silent tool failure ------------------------------------------------------------------------


def test_silent_sms_failure_rolls_back_naming_the_metric_with_the_numbers():
    decision = _judge_sms(ArmStats(42, 29), ArmStats(380, 376))
    metric = decision.metrics[0]
    assert decision.overall == "rollback"
    assert metric.verdict == "fail"
    assert metric.reason == (
        "canary 69.0% (n=42) vs stable 98.9% (n=380); exact test: canary worse than stable "
        "(e-value 5.19e+07 ≥ 1/0.001); 99.9% CS of difference [-0.672, -0.0469]"
    )
    assert metric.threshold == "canary ≥ stable × 0.95 (≥ 0.94)"
    assert decision.reason == (
        f"sms_success (critical) failed. sms_success: {metric.reason}. "
        "(false-rollback budget: α = 0.01 for the metric)"
    )


def test_silent_sms_failure_is_caught_within_40_canary_calls_on_median():
    rng = random.Random(20240601)
    calls = [_calls_until("rollback", 0.69, 0.99, rng) for _ in range(101)]
    assert statistics.median(calls) <= 40
    assert max(calls) <= 200  # every run is caught, none drifts on


# --- healthy, no traffic, degraded stable -------------------------------------------------------


def test_healthy_canary_continues_before_the_minimum_duration_and_promotes_after():
    canary, stable = ArmStats(400, 396), ArmStats(3600, 3564)
    early = _judge_sms(canary, stable, elapsed_s=1200, min_duration_s=1800)
    late = _judge_sms(canary, stable, elapsed_s=1800, min_duration_s=1800)
    assert early.metrics[0].verdict == late.metrics[0].verdict == "pass"
    assert (early.overall, early.reason) == (
        "continue",
        "all metrics pass (1); waiting for the minimum duration (1200 of 1800 s)",
    )
    assert (late.overall, late.reason) == (
        "promote",
        "all metrics pass (1) and the canary ran 1800 s (minimum 1800 s)",
    )


def test_healthy_canary_is_pending_while_evidence_is_thin():
    decision = _judge_sms(ArmStats(60, 59), ArmStats(540, 535), elapsed_s=1e6)
    assert decision.metrics[0].verdict == "pending"
    assert decision.overall == "continue"
    assert decision.reason == "pending: sms_success"


@pytest.mark.parametrize("canary", [{}, {"sms_success": ArmStats(0)}])
def test_no_canary_traffic_is_inconclusive_never_success(canary):
    decision = judge([SMS], canary, {"sms_success": ArmStats(5000, 4950)}, elapsed_s=1e6, min_duration_s=0)
    assert decision.overall == "inconclusive"
    assert decision.metrics[0].verdict == "no-data"


def test_every_metric_below_min_calls_is_inconclusive():
    decision = _judge_sms(ArmStats(12, 12), ArmStats(110, 109))
    assert decision.overall == "inconclusive"
    assert decision.metrics[0].reason == "needs ≥ 20 calls per arm, has canary 12, stable 110"


@pytest.mark.parametrize("n_canary", [20, 42, 200, 2000])
def test_degradation_in_both_arms_does_not_blame_the_canary(n_canary):
    n_stable = n_canary * STABLE_CALLS_PER_CANARY_CALL
    decision = _judge_sms(
        ArmStats(n_canary, round(0.69 * n_canary)), ArmStats(n_stable, round(0.69 * n_stable))
    )
    assert decision.overall != "rollback"


def test_degradation_in_both_arms_never_rolls_back_under_repeated_looks():
    rng = random.Random(7)
    assert all(_calls_until("rollback", 0.69, 0.69, rng, cap=300, look_every=3) > 300 for _ in range(40))


def test_an_absolute_floor_still_catches_a_degradation_shared_by_both_arms():
    policy = MetricPolicy("sms_success", "rate", "higher_is_better", tolerance=0.05, absolute_min=0.95)
    verdict = judge_metric(policy, ArmStats(200, 138), ArmStats(1800, 1242))
    assert verdict.verdict == "fail"
    assert verdict.reason.endswith("lies entirely below the floor 0.95")
    assert verdict.threshold == "canary ≥ stable × 0.95 (≥ 0.655) and canary ≥ 0.95"


def test_an_absolute_floor_alone_fails_but_never_passes_without_stable_traffic():
    policy = MetricPolicy("sms_success", "rate", "higher_is_better", tolerance=0.05, absolute_min=0.95)
    assert judge_metric(policy, ArmStats(200, 138), ArmStats(0)).verdict == "fail"
    assert judge_metric(policy, ArmStats(2000, 2000), ArmStats(0)).verdict == "no-data"


# --- several metrics, directions, means ---------------------------------------------------------


def test_a_non_critical_failure_rolls_back_too_and_critical_ones_are_named_first():
    canary = {"conversion": ArmStats(5000, 800), "sms_success": ArmStats(5000, 3450)}
    stable = {"conversion": ArmStats(45000, 9900), "sms_success": ArmStats(45000, 44550)}
    alone = judge([CONVERSION], canary, stable, elapsed_s=0, min_duration_s=0)
    both = judge([CONVERSION, SMS], canary, stable, elapsed_s=0, min_duration_s=0)
    assert alone.overall == "rollback"
    assert both.reason.startswith("sms_success (critical), conversion failed. sms_success: canary 69.0%")


def test_a_rise_of_a_lower_is_better_rate_fails():
    verdict = judge_metric(ESCALATION, ArmStats(1000, 120), ArmStats(9000, 450))
    assert verdict.verdict == "fail"
    assert verdict.reason.endswith("sequential CS of difference [0.0382, 0.102]: canary worse than stable "
                                   "within the same time slices (e-value 5.45e+09 ≥ 1/0.009)")
    assert verdict.alpha == {"metric": 0.01, "exact": 0.001, "absolute": 0.0, "sequential": pytest.approx(0.009),
                             "promote": 0.01}


def test_slower_turns_fail_and_faster_turns_pass():
    stable = _latency(4000, 900.0, 250.0)
    slower = judge_metric(LATENCY, _latency(400, 1200.0, 300.0), stable)
    faster = judge_metric(LATENCY, _latency(400, 800.0, 250.0), stable)
    assert (slower.verdict, faster.verdict) == ("fail", "pass")
    assert slower.canary == {"n": 400, "mean": 1200.0}
    assert slower.reason.startswith("canary 1200 (n=400) vs stable 900 (n=4000); sequential CS of difference [")
    assert slower.interval["method"].startswith("one-sided SPRT-mixture CS stratified by rollout step")


def test_mixed_states_continue_and_say_which_metric_is_where():
    canary = {
        "sms_success": ArmStats(400, 396),
        "conversion": ArmStats(400, 88),
        "escalation": ArmStats(5, 0),
    }
    stable = {
        "sms_success": ArmStats(3600, 3564),
        "conversion": ArmStats(3600, 792),
        "escalation": ArmStats(45, 2),
    }
    decision = judge([SMS, CONVERSION, ESCALATION], canary, stable, elapsed_s=1e6, min_duration_s=0)
    assert decision.overall == "continue"
    assert decision.reason == "pending: conversion; no-data: escalation; pass: sms_success"


def test_a_watched_aa_canary_is_not_rolled_back():
    rng = random.Random(99)
    false_alarms = sum(
        _calls_until("rollback", 0.9, 0.9, rng, cap=400, look_every=4) <= 400 for _ in range(60)
    )
    assert false_alarms == 0


# --- output and validation ----------------------------------------------------------------------


def test_decision_is_json_serialisable():
    decision = judge(
        [SMS, LATENCY],
        {"sms_success": ArmStats(42, 29), "turn_latency_ms": _latency(1, 900.0, 0.0)},
        {"sms_success": ArmStats(380, 376)},
        elapsed_s=60,
        min_duration_s=1800,
    )
    payload = json.loads(json.dumps(decision.to_dict(), allow_nan=False))
    assert payload["overall"] == "rollback"
    assert [m["verdict"] for m in payload["metrics"]] == ["fail", "no-data"]
    assert payload["metrics"][0]["interval"]["alpha"] == 0.0005  # the exact test's share of 0.01 / 2 metrics
    assert payload["alpha"] == {"family": 0.01, "metrics": 2, "text": "α = 0.01 family-wise, 0.005 for each of 2 metrics"}
    assert payload["reason"].endswith("(false-rollback budget: α = 0.01 family-wise, 0.005 for each of 2 metrics)")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "ratio"}, "kind must be one of"),
        ({"direction": "up"}, "direction must be one of"),
        ({"tolerance": -0.1}, "tolerance must be >= 0"),
        ({"min_calls": 0}, "min_calls must be >= 1"),
    ],
)
def test_invalid_policies_are_rejected(kwargs, message):
    fields = {"name": "m", "kind": "rate", "direction": "higher_is_better", "tolerance": 0.05} | kwargs
    with pytest.raises(ValueError, match=message):
        MetricPolicy(**fields)


# --- defects: per-step judgment, zero rates, latency, early promotion, delayed outcomes ------------


def _steps(*pairs: tuple[ArmStats, ArmStats], name: str = "sms_success") -> list:
    return [({name: canary}, {name: stable}) for canary, stable in pairs]


def test_a_shared_outage_after_promotion_is_not_blamed_on_the_canary():
    # 60 min at 10% (99% for both), then at 50% an SMS outage hits both versions alike (85%).
    before = (ArmStats(600, 594), ArmStats(5400, 5346))
    outage = (ArmStats(1000, 850), ArmStats(1000, 850))
    per_step = judge([SMS], steps=_steps(before, outage), elapsed_s=1e4, min_duration_s=0)
    pooled = judge([SMS], {"sms_success": ArmStats(1600, 1444)}, {"sms_success": ArmStats(6400, 6196)},
                   elapsed_s=1e4, min_duration_s=0)
    assert pooled.overall == "rollback"  # pooled, the canary holds more outage calls: 90.3% vs 96.8%
    assert per_step.overall != "rollback"
    assert per_step.metrics[0].steps == 2 and per_step.metrics[0].canary == {"n": 1600, "rate": 1444 / 1600}


def test_a_canary_worse_within_its_step_still_rolls_back_after_promotion():
    before = (ArmStats(600, 594), ArmStats(5400, 5346))
    worse = (ArmStats(300, 240), ArmStats(300, 297))
    decision = judge([SMS], steps=_steps(before, worse), elapsed_s=1e4, min_duration_s=0)
    assert decision.overall == "rollback"


@pytest.mark.parametrize("n_canary", [2000, 10_000])
def test_zero_errors_against_zero_errors_passes(n_canary):
    # Before the absolute minimum margin (tolerance x 0 = 0), 0 vs 0 stayed pending forever.
    errors = MetricPolicy("error_rate", "rate", "lower_is_better", tolerance=1.0)
    verdict = judge_metric(errors, ArmStats(n_canary, 0), ArmStats(9 * n_canary, 0))
    assert verdict.verdict == "pass"
    assert verdict.threshold == "canary ≤ stable + 0.01 (minimum margin) (≤ 0.01)"
    assert "lies entirely below the tolerated +0.01" in verdict.reason


def test_zero_against_zero_is_still_pending_on_thin_evidence_and_the_margin_can_be_set():
    errors = MetricPolicy("error_rate", "rate", "lower_is_better", tolerance=1.0)
    assert judge_metric(errors, ArmStats(100, 0), ArmStats(900, 0)).verdict == "pending"
    assert judge_metric(errors, ArmStats(1000, 0), ArmStats(9000, 0)).verdict == "pending"  # passes from ~1,400
    strict = MetricPolicy("error_rate", "rate", "lower_is_better", tolerance=1.0, min_margin=0.001)
    assert judge_metric(strict, ArmStats(2000, 0), ArmStats(18000, 0)).verdict == "pending"


def _log_latency(n: int, geometric_mean: float, log_sd: float = 0.3) -> ArmStats:
    mu = math.log(geometric_mean)
    return ArmStats(n, total=n * mu, total_sq=n * (mu * mu + log_sd * log_sd))


LOG_LATENCY = MetricPolicy("turn_latency_p95_ms", "mean", "lower_is_better", tolerance=0.2, transform="log")


def test_latency_is_judged_on_the_mean_of_log_latency():
    slower = judge_metric(LOG_LATENCY, _log_latency(60, 960.0), _log_latency(540, 800.0))
    same = judge_metric(LOG_LATENCY, _log_latency(400, 800.0), _log_latency(3600, 800.0))
    assert (slower.verdict, same.verdict) == ("fail", "pass")
    assert slower.canary == {"n": 60, "geometric_mean": pytest.approx(960.0)}
    assert slower.reason.startswith("canary 960 (geometric mean) (n=60) vs stable 800 (geometric mean) (n=540)")
    assert same.threshold == "canary ≤ stable × 1.2 (geometric mean) (≤ 960)"


def test_a_latency_policy_must_say_a_sane_ratio():
    with pytest.raises(ValueError, match="transform must be one of"):
        MetricPolicy("m", "mean", "lower_is_better", 0.2, transform="sqrt")
    with pytest.raises(ValueError, match="a log-scale tolerance must be < 1"):
        MetricPolicy("m", "mean", "higher_is_better", 1.0, transform="log")


def test_a_healthy_canary_promotes_early_on_the_non_inferiority_test():
    install = MetricPolicy("install_rate", "rate", "higher_is_better", tolerance=0.25)
    canary, stable = ArmStats(800, 176), ArmStats(7200, 1584)  # 22% both
    verdict = judge_metric(install, canary, stable)
    exact_alone = rate_difference_cs(canary, stable, 0.01)
    assert exact_alone.lower < -0.055  # the exact CS alone would still straddle the margin
    assert verdict.verdict == "pass"
    assert "rules out a change beyond the tolerated -0.055" in verdict.reason


def test_a_delayed_metric_says_how_many_calls_matured_and_does_not_hold_a_step():
    install = MetricPolicy("install_rate", "rate", "higher_is_better", tolerance=0.25, min_calls=50,
                           matures_after_s=48 * 3600)
    canary = {"sms_success": ArmStats(400, 396), "install_rate": ArmStats(12, 3)}
    stable = {"sms_success": ArmStats(3600, 3564), "install_rate": ArmStats(108, 24)}
    decision = judge([SMS, install], canary, stable, elapsed_s=7200, min_duration_s=3600,
                     matured={"install_rate": (12, 2140)})
    verdict = decision.metrics[1]
    assert verdict.verdict == "no-data" and verdict.matured == {"matured": 12, "calls": 2140}
    assert verdict.reason.startswith("12 of 2,140 canary calls matured; needs ≥ 50 calls per arm")
    assert decision.overall == "promote"
    assert decision.reason.startswith("all leading metrics pass (1; delayed, judged as calls mature: install_rate)")


def test_a_matured_delayed_metric_rolls_back():
    install = MetricPolicy("install_rate", "rate", "higher_is_better", tolerance=0.25, matures_after_s=48 * 3600)
    decision = judge([install], {"install_rate": ArmStats(3000, 480)}, {"install_rate": ArmStats(27000, 5940)},
                     elapsed_s=1e6, min_duration_s=0, matured={"install_rate": (3000, 3400)})
    assert decision.overall == "rollback"
    assert decision.reason.startswith("install_rate failed. install_rate: 3,000 of 3,400 canary calls matured; ")


HOLDOUT = MetricPolicy("install_rate", "rate", "higher_is_better", tolerance=0.25, min_calls=50,
                       matures_after_s=48 * 3600, holdout_s=7 * 86400)
HEALTHY_SMS = ({"sms_success": ArmStats(400, 396), "install_rate": ArmStats(812, 160)},
               {"sms_success": ArmStats(3600, 3564), "install_rate": ArmStats(7308, 1608)})


def test_a_holdout_metric_holds_only_the_last_step_and_says_what_it_is_judged_over():
    day = 86400
    leading = judge([SMS, HOLDOUT], *HEALTHY_SMS, elapsed_s=2 * day, min_duration_s=3600,
                    matured={"install_rate": (812, 2140)})
    assert leading.overall == "promote"  # 10% -> 50%: SMS success gates the step, installs do not
    install = leading.metrics[1]
    assert install.verdict == "pending"
    assert install.reason.startswith("judged over the holdout (7 d), 812 of 2,140 canary calls matured; canary ")
    last = judge([SMS, HOLDOUT], *HEALTHY_SMS, elapsed_s=2.5 * day, min_duration_s=3600,
                 matured={"install_rate": (812, 2140)}, final_step=True)
    assert last.overall == "continue"
    assert last.reason.endswith("the last step (to 100%) waits for the business outcome: "
                                "install_rate (2.5 d of its 7 d holdout)")
    over = judge([SMS, HOLDOUT], *HEALTHY_SMS, elapsed_s=7 * day, min_duration_s=3600,
                 matured={"install_rate": (812, 2140)}, final_step=True)
    assert over.overall == "promote"
    assert "holdout over without a regression: install_rate" in over.reason


def test_a_holdout_metric_that_regresses_rolls_back_at_any_step():
    canary = {"sms_success": ArmStats(400, 396), "install_rate": ArmStats(3000, 480)}
    stable = {"sms_success": ArmStats(3600, 3564), "install_rate": ArmStats(27000, 5940)}
    decision = judge([SMS, HOLDOUT], canary, stable, elapsed_s=3 * 86400, min_duration_s=0,
                     matured={"install_rate": (3000, 3400)})
    assert decision.overall == "rollback"
    assert "install_rate: judged over the holdout (7 d), 3,000 of 3,400 canary calls matured; " in decision.reason


def test_the_false_rollback_budget_is_split_across_the_metrics():
    decision = judge([SMS, CONVERSION, ESCALATION, LATENCY], {"sms_success": ArmStats(42, 29)},
                     {"sms_success": ArmStats(380, 376)}, elapsed_s=0, min_duration_s=0)
    assert decision.overall == "rollback"
    assert decision.reason.endswith("(false-rollback budget: α = 0.01 family-wise, 0.0025 for each of 4 metrics)")
    assert decision.metrics[0].alpha == {"metric": 0.0025, "exact": 0.00025, "absolute": 0.0,
                                         "sequential": pytest.approx(0.00225), "promote": 0.01}
