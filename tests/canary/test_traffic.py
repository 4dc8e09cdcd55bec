"""Simulated canary traffic: sticky routing by caller, a split that matches the weight, faults stay per version."""

from __future__ import annotations

import datetime as dt

from agentctl.calls.simulate import SilentToolFailure
from agentctl.canary.traffic import canary_traffic
from agentctl.deploy.routing import bucket, on_canary

START = dt.datetime(2026, 3, 3, 16, 0, tzinfo=dt.timezone.utc)


def _calls(weight: int, **kw) -> list[dict]:
    return canary_traffic(agent="install-reminder", env="production", salt="roadwise-2026", stable=1, canary=2,
                          weight=weight, start=START, end=START + dt.timedelta(hours=1), calls=4000, seed=3, **kw)


def test_callers_are_routed_like_the_runtime_and_the_split_matches_the_weight() -> None:
    calls = _calls(10)
    for call in calls:
        assert (call["bundle_version"] == 2) == on_canary(bucket("install-reminder", "roadwise-2026",
                                                                 call["caller_key"]), 10)
    share = sum(c["bundle_version"] == 2 for c in calls) / len(calls)
    assert 0.07 < share < 0.13
    times = [c["started_at"] for c in calls]
    assert times == sorted(times) and times[0] >= START.isoformat() and len({c["call_id"] for c in calls}) == len(calls)


def test_faults_hit_only_their_version() -> None:
    calls = _calls(50, faults=[SilentToolFailure(versions=frozenset({2}), share=0.3)])
    failed = {1: 0, 2: 0}
    for call in calls:
        failed[call["bundle_version"]] += sum(t["response"].get("status") == "failed" for t in call["tool_calls"])
    assert failed[1] == 0 and failed[2] > 100
