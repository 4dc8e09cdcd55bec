"""The judge's inputs from a real call store and real deployment history: per step, log latency, matured calls."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from agentctl import clock
from agentctl.calls.simulate import SilentToolFailure
from agentctl.ops.canary import evaluate, watch_once
from agentctl.ops.rollout import promote
from tests.canary.builders import AGENT, TUESDAY_10, send_calls, start_canary, use_policy
from tests.deploy.builders import as_person

SMS_ONLY = "analysis:\n  alpha: 0.01\n  metrics:\n    - {metric: sms_success, tolerance: 0.02, critical: true}\n"


def test_a_shared_sms_outage_after_promotion_does_not_roll_the_canary_back(example_repo) -> None:
    outage = SilentToolFailure(versions=frozenset({1, 2}), share=0.3)  # the gateway fails for everyone
    use_policy(example_repo, SMS_ONLY)
    with as_person("ines"), clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        send_calls(example_repo, sim, minutes=60, calls=2000, seed=1)
        promote(example_repo.path, AGENT, "production", force=True, reason="the 10% step looked healthy")  # 10% → 50%
        send_calls(example_repo, sim, minutes=30, calls=2000, seed=2, faults=[outage])
        step = watch_once(example_repo.path, AGENT, "production")
    sms = step.evaluation.decision.metrics[0]
    assert sms.steps == 2
    # Pooled over both steps the canary holds far more outage calls than stable and looks worse ...
    assert sms.canary["rate"] < sms.stable["rate"] - 0.05
    # ... but within each step both versions failed alike: nothing is blamed on the canary.
    assert step.action == "wait" and step.evaluation.overall != "rollback"


def test_a_canary_that_breaks_after_promotion_is_still_rolled_back(example_repo) -> None:
    use_policy(example_repo, SMS_ONLY)
    with as_person("ines"), clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        send_calls(example_repo, sim, minutes=60, calls=2000, seed=1)
        promote(example_repo.path, AGENT, "production", force=True, reason="the 10% step looked healthy")
        send_calls(example_repo, sim, minutes=30, calls=1000, seed=3,
                   faults=[SilentToolFailure(versions=frozenset({2}), share=0.3)])
        step = watch_once(example_repo.path, AGENT, "production")
    assert step.action == "rollback"
    assert step.evaluation.decision.metrics[0].steps == 2


def test_turn_latency_is_judged_on_the_mean_of_log_latency_per_call(example_repo) -> None:
    use_policy(example_repo, "analysis:\n  metrics:\n    - {metric: turn_latency_p95_ms, tolerance: 0.2}\n")
    with as_person("ines"), clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        records = send_calls(example_repo, sim, minutes=30, calls=600, seed=5)
        evaluation = evaluate(example_repo.path, AGENT, "production")
    [latency] = evaluation.decision.metrics
    logs = [math.log(max(1.0, sum(r["turn_latencies_ms"]) / len(r["turn_latencies_ms"])))
            for r in records if r["bundle_version"] == 2 and r.get("turn_latencies_ms")]
    assert latency.canary["n"] == len(logs)
    assert latency.canary["geometric_mean"] == pytest.approx(math.exp(sum(logs) / len(logs)), rel=1e-6)
    assert latency.threshold.startswith("canary ≤ stable × 1.2 (geometric mean)")
    assert latency.verdict in ("pass", "pending")


def test_a_delayed_outcome_counts_only_matured_calls_and_says_how_many(example_repo) -> None:
    use_policy(example_repo, SMS_ONLY + "    - {metric: install_rate, tolerance: 0.25, matures_after_hours: 48}\n")
    with as_person("ines"), clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        old = send_calls(example_repo, sim, minutes=60, calls=1500, seed=6)
        sim.advance(dt.timedelta(hours=48))
        new = send_calls(example_repo, sim, minutes=30, calls=1500, seed=7)
        evaluation = evaluate(example_repo.path, AGENT, "production")
    install = next(m for m in evaluation.decision.metrics if m.name == "install_rate")
    matured = sum(r["bundle_version"] == 2 for r in old)
    everything = matured + sum(r["bundle_version"] == 2 for r in new)
    assert install.canary["n"] == matured
    assert install.matured == {"matured": matured, "calls": everything}
    assert install.reason.startswith(f"{matured:,} of {everything:,} canary calls matured; ")

