"""canary evaluate / watch on a real call store and real deployment state: the seeded scenarios."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from agentctl import clock
from agentctl.calls.simulate import SilentToolFailure, StableDegradation
from agentctl.deploy.state import read_state, store
from agentctl.errors import BadInputError
from agentctl.ops.canary import evaluate, parse_duration, watch, watch_once
from agentctl.ops.status import deployment_log
from tests.canary.builders import AGENT, TUESDAY_10, send_calls, start_canary, use_policy

SILENT_SMS = SilentToolFailure(versions=frozenset({2}), share=0.3)


def _state(repo):
    return read_state(store(repo.path).snapshot(), "production", AGENT)


def _verdicts(evaluation) -> dict[str, str]:
    return {m.name: m.verdict for m in evaluation.decision.metrics}


def test_silent_sms_failures_roll_the_canary_back_naming_the_metric(example_repo) -> None:
    with clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        steps = []
        for batch in range(8):
            send_calls(example_repo, sim, minutes=5, calls=200, seed=batch, faults=[SILENT_SMS])
            steps.append(watch_once(example_repo.path, AGENT, "production"))
            if steps[-1].action != "wait":
                break
    step = steps[-1]
    assert step.action == "rollback"
    assert step.message == "abort install-reminder@v2 canary in production: 10% → 0%, stable v1 back to 100%"
    failing = [m for m in step.evaluation.decision.metrics if m.verdict == "fail"]
    assert [m.name for m in failing] == ["sms_success"]
    assert failing[0].canary["n"] <= 80  # a 30% failure is caught within tens of canary SMS sends
    assert step.evaluation.decision.reason.startswith("sms_success (critical) failed. sms_success: canary ")
    assert _state(example_repo).weight == 0 and _state(example_repo).stable["version"] == 1
    [record] = deployment_log(example_repo.path, AGENT, "production", limit=1)
    assert record.action == "abort" and record.author == "agentctl-judge <agentctl-judge@localhost>"
    assert record.record["actor"] == "agentctl-judge <agentctl-judge@localhost>"
    assert record.reason.startswith("canary judge: sms_success (critical) failed.")
    evidence = record.record["evidence"]["canary_judge"]
    assert evidence["overall"] == "rollback" and evidence["canary_version"] == 2
    sms = next(m for m in evidence["metrics"] if m["name"] == "sms_success")
    assert sms["verdict"] == "fail" and sms["interval"]["upper"] < -0.02 and sms["threshold"].startswith("canary ≥")
    # the canary is over: watch says so and does nothing more; evaluate still explains the rolled-back canary
    assert watch_once(example_repo.path, AGENT, "production").action == "done"
    assert evaluate(example_repo.path, AGENT, "production").overall == "rollback"


def test_rollback_does_not_wait_for_the_change_window(example_repo) -> None:
    with clock.simulated(TUESDAY_10.replace(hour=16, minute=55)) as sim:
        start_canary(example_repo)
        send_calls(example_repo, sim, minutes=30, calls=800, seed=3, faults=[SILENT_SMS])  # now 17:25: closed
        step = watch_once(example_repo.path, AGENT, "production")
    assert step.action == "rollback" and step.outcome.record["override"] is None


def test_healthy_canary_is_promoted_through_every_step(example_repo) -> None:
    use_policy(example_repo)
    actions = []
    with clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        for batch in range(20):
            send_calls(example_repo, sim, minutes=15, calls=1000, seed=100 + batch)
            step = watch_once(example_repo.path, AGENT, "production")
            actions.append((step.action, _state(example_repo).weight))
            if step.action == "promote" and _state(example_repo).stable["version"] == 2:
                break
    promotions = [weight for action, weight in actions if action == "promote"]
    assert promotions == [50, 0]  # 10% → 50% → stable at 100%
    assert _state(example_repo).stable["version"] == 2
    assert all(action in ("wait", "promote") for action, _ in actions)
    log = deployment_log(example_repo.path, AGENT, "production", limit=2)
    assert [r.summary for r in log] == [
        "promote install-reminder@v2 in production: stable at 100% (canary was 50%)",
        "promote install-reminder@v2 in production: canary 10% → 50%"]
    assert {r.record["actor"] for r in log} == {"agentctl-judge <agentctl-judge@localhost>"}
    assert log[0].record["evidence"]["canary_judge"]["overall"] == "promote"
    assert log[0].record["evidence"]["minutes_in_step"] >= 60


def test_promotion_waits_for_the_step_minimum_and_the_change_window(example_repo) -> None:
    use_policy(example_repo)
    with clock.simulated(TUESDAY_10.replace(hour=15, minute=0)) as sim:
        start_canary(example_repo)
        send_calls(example_repo, sim, minutes=30, calls=3000, seed=7)
        early = watch_once(example_repo.path, AGENT, "production")
        send_calls(example_repo, sim, minutes=150, calls=3000, seed=8)  # 18:00: the window has closed
        late = watch_once(example_repo.path, AGENT, "production")
    assert early.action == "wait" and early.evaluation.overall in ("continue", "promote")
    assert late.evaluation.overall == "promote" and late.action == "wait"
    assert late.message.startswith("metrics pass; promotion waits for the change window (Tuesday 18:00")
    assert "next window opens Wednesday 2026-03-04 09:00 America/Chicago" in late.message
    assert _state(example_repo).weight == 10


def test_no_canary_traffic_is_inconclusive_and_never_promoted(example_repo) -> None:
    with clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        send_calls(example_repo, sim, minutes=30, calls=500, seed=1, canary_traffic_on=False)
        early = watch_once(example_repo.path, AGENT, "production")
        send_calls(example_repo, sim, minutes=60, calls=500, seed=2, canary_traffic_on=False)
        late = watch_once(example_repo.path, AGENT, "production")
    assert early.evaluation.overall == "inconclusive" and early.action == "wait"
    assert early.evaluation.decision.reason == "no canary calls yet; no traffic is never read as success"
    assert set(_verdicts(early.evaluation).values()) == {"no-data"}
    assert late.action == "pause"
    assert late.message.startswith("paused: the judge is still inconclusive after 90 min at 10%")
    assert _state(example_repo).weight == 10  # nothing promoted, nothing rolled back


def test_a_degraded_stable_version_is_not_blamed_on_the_canary(example_repo) -> None:
    stable_faults = [StableDegradation(versions=frozenset({1}), kind="escalation", delta=0.15),
                     SilentToolFailure(versions=frozenset({1}), share=0.3)]
    with clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        for batch in range(4):
            send_calls(example_repo, sim, minutes=15, calls=800, seed=40 + batch, faults=stable_faults)
            step = watch_once(example_repo.path, AGENT, "production")
            assert step.action in ("wait", "promote"), step.message
    verdicts = _verdicts(step.evaluation)
    assert "fail" not in verdicts.values()
    sms = next(m for m in step.evaluation.decision.metrics if m.name == "sms_success")
    assert sms.canary["rate"] > sms.stable["rate"] + 0.15  # stable is the one failing


def test_evaluate_without_a_canary_says_how_to_start_one(example_repo) -> None:
    with clock.simulated(TUESDAY_10):
        start_canary(example_repo)
        watch_once(example_repo.path, AGENT, "production")
    with pytest.raises(BadInputError) as err:
        evaluate(example_repo.path, AGENT, "staging")
    assert str(err.value) == ("no canary of install-reminder in staging to evaluate (stable is v2) — "
                              "start one: `agentctl deploy install-reminder@vN --env staging --canary 100`")


def test_evaluate_finds_the_environment_with_the_canary(example_repo) -> None:
    with clock.simulated(TUESDAY_10):
        start_canary(example_repo)
        evaluation = evaluate(example_repo.path, AGENT)
    assert evaluation.env == "production" and evaluation.step == "1/3 (10%)"
    assert json.loads(json.dumps(evaluation.to_dict()))["overall"] == "inconclusive"


def test_watch_posts_each_action_to_the_webhook(example_repo, httpserver, monkeypatch) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setenv("AGENTCTL_WEBHOOK_URL", httpserver.url_for("/hook"))
    with clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        send_calls(example_repo, sim, minutes=30, calls=800, seed=5, faults=[SILENT_SMS])
        report = watch(example_repo.path, AGENT, "production", once=True)
    assert report.rolled_back and report.steps[0].webhook == {"ok": True, "status": 200, "error": None}
    [(request, _response)] = httpserver.log
    payload = request.get_json()
    assert payload["blocks"][0]["text"]["text"] == "Canary rolled back: install-reminder@v2 in production"
    assert "• sms_success: fail — canary " in payload["text"]
    assert "(owner @ines)" in payload["text"]


def test_watch_loops_until_done_and_stops_on_rollback(example_repo) -> None:
    seen = []
    with clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)

        def sleep(seconds: float) -> None:
            send_calls(example_repo, sim, minutes=int(seconds // 60), calls=200, seed=len(seen), faults=[SILENT_SMS])

        report = watch(example_repo.path, AGENT, "production", interval="5m", on_step=seen.append, sleep=sleep)
    assert [s.action for s in report.steps][-1] == "rollback" and seen == report.steps
    assert report.steps[0].action == "wait"


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("60s", 60), ("15m", 900), ("2h", 7200)])
def test_durations(text, seconds) -> None:
    assert parse_duration(text) == seconds


def test_bad_duration_is_bad_input() -> None:
    with pytest.raises(BadInputError, match="cannot read duration 'soon'"):
        parse_duration("soon")


def test_simulated_clock_is_scoped() -> None:
    start = dt.datetime(2026, 3, 3, 16, 0, tzinfo=dt.timezone.utc)
    with clock.simulated(start) as sim:
        assert clock.now() == start
        sim.advance(dt.timedelta(minutes=5))
        assert clock.now() == start + dt.timedelta(minutes=5)
    assert clock.now().year >= 2024 and clock.now() != start + dt.timedelta(minutes=5)


def test_evaluate_on_an_empty_store_says_there_are_no_calls_yet(example_repo, cli) -> None:
    from tests.deploy.builders import TUESDAY_10 as DEPLOY_DAY
    from tests.deploy.builders import at, production_canary

    production_canary(example_repo)
    with at(DEPLOY_DAY):
        result = cli("canary", "evaluate", AGENT, "--repo", str(example_repo.path), "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert {m["verdict"] for m in payload["metrics"]} == {"no-data"}
    assert payload["reason"] == "no canary calls yet; no traffic is never read as success"
    # install_rate names a business field no call has carried yet: no data, not a database error
    assert payload["errors"] == {"install_rate": "no stored call has the field 'install_completed' yet "
                                                 "(it appears once calls carrying it are ingested)"}
    assert "Error" not in result.stdout
