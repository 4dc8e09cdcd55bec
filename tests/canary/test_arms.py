"""Per-arm aggregates from SQL agree with counting the ingested records by hand."""

from __future__ import annotations

import datetime as dt

from agentctl import clock
from agentctl.analysis.metrics import compile_metric
from agentctl.calls.simulate import SilentToolFailure
from agentctl.calls.store import open_store
from agentctl.canary.arms import arm_stats
from agentctl.deploy.context import load_config
from tests.canary.builders import AGENT, TUESDAY_10, send_calls, start_canary

NAMES = ("sms_success", "escalation_rate", "install_rate", "transcription_confidence")


def _by_hand(records: list[dict], version: int) -> dict[str, tuple]:
    mine = [r for r in records if r["bundle_version"] == version]
    sms = [t for r in mine for t in r["tool_calls"] if t["tool"] == "sms-gateway"]
    sms_ok = sum(1 for t in sms if t["http_status"] in (200, 202) and t["response"].get("message_id")
                 and t["response"].get("status") in ("queued", "sent"))
    conf = [r["transcription_confidence"] for r in mine]
    return {"sms_success": (len(sms), sms_ok), "escalation_rate": (len(mine), sum(r["escalated"] for r in mine)),
            "install_rate": (len(mine), sum(r["business"]["install_completed"] for r in mine)),
            "transcription_confidence": (len(conf), sum(conf), sum(c * c for c in conf))}


def test_arm_stats_match_the_records_and_respect_the_window(example_repo) -> None:
    with clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo, weight=50)
        before = sim.now()
        records = send_calls(example_repo, sim, minutes=30, calls=400, seed=11,
                             faults=[SilentToolFailure(versions=frozenset({2}), share=0.3)])
        after = sim.now()
        send_calls(example_repo, sim, minutes=30, calls=100, seed=12)  # outside the window asked for below
    config = load_config(example_repo.path).data
    defs = [compile_metric(n, config["metrics"][n]) for n in NAMES]
    with open_store(example_repo.path, config, read_only=True) as store:
        stats, errors = arm_stats(store, defs, agent=AGENT, env="production", versions=[1, 2], since=before,
                                  until=after)
        empty, _ = arm_stats(store, defs, agent=AGENT, env="production", versions=[1, 2],
                             since=before - dt.timedelta(hours=2), until=before)
    assert errors == {} and empty == {1: {}, 2: {}}
    for version in (1, 2):
        expected = _by_hand(records, version)
        got = stats[version]
        for name in ("sms_success", "escalation_rate", "install_rate"):
            assert (got[name].n, got[name].successes) == expected[name], name
        n, total, total_sq = expected["transcription_confidence"]
        conf = got["transcription_confidence"]
        assert conf.n == n and abs(conf.total - total) < 1e-6 and abs(conf.total_sq - total_sq) < 1e-6
    assert stats[2]["sms_success"].successes / stats[2]["sms_success"].n < 0.8  # the canary's silent failures


def test_arm_slices_split_the_window_by_call_time_and_add_up_to_the_window(example_repo) -> None:
    from agentctl.canary.arms import arm_slices

    with clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo, weight=50)
        before = sim.now()
        first = send_calls(example_repo, sim, minutes=30, calls=300, seed=13)
        second = send_calls(example_repo, sim, minutes=30, calls=300, seed=14,
                            faults=[SilentToolFailure(versions=frozenset({1, 2}), share=0.3)])
        after = sim.now()
    config = load_config(example_repo.path).data
    defs = [compile_metric(n, config["metrics"][n]) for n in NAMES]
    with open_store(example_repo.path, config, read_only=True) as store:
        slices, errors = arm_slices(store, defs, agent=AGENT, env="production", versions=[1, 2], since=before,
                                    until=after, seconds=30 * 60)
        whole, _ = arm_stats(store, defs, agent=AGENT, env="production", versions=[1, 2], since=before,
                             until=after)
    assert errors == {} and len(slices) == 2
    for records, piece in zip((first, second), slices, strict=True):
        for version in (1, 2):
            expected = _by_hand(records, version)
            for name in ("sms_success", "escalation_rate", "install_rate"):  # tool calls fall in their call's slice
                assert (piece[version][name].n, piece[version][name].successes) == expected[name], name
    for version in (1, 2):
        assert sum(piece[version]["sms_success"].n for piece in slices) == whole[version]["sms_success"].n
