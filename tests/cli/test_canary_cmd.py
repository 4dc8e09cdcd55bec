"""agentctl canary evaluate / watch and agentctl demo, as a user runs them."""

from __future__ import annotations

import json

from agentctl import clock
from agentctl.calls.simulate import SilentToolFailure
from tests.canary.builders import TUESDAY_10, send_calls, start_canary

SILENT_SMS = SilentToolFailure(versions=frozenset({2}), share=0.3)


def test_evaluate_prints_the_numbers_behind_each_verdict(example_repo, cli) -> None:
    with clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        send_calls(example_repo, sim, minutes=30, calls=600, seed=2, faults=[SILENT_SMS])
        result = cli("canary", "evaluate", "install-reminder", "--env", "production", cwd=example_repo.path)
        as_json = cli("canary", "evaluate", "install-reminder", "--json", cwd=example_repo.path)
    assert result.exit_code == 1, result.stderr  # a rollback verdict fails the check (cron, CI)
    assert as_json.exit_code == 1
    out = result.stdout
    assert "install-reminder in production: canary v2 at step 1/3 (10%) vs stable v1" in out
    assert "99% CS of difference" in out and "sms_success (critical)" in out and "✗ fail" in out
    assert "canary ≥ stable × 0.98" in out
    assert "decision: rollback — sms_success (critical) failed. sms_success: canary " in out
    data = json.loads(as_json.stdout)
    assert data["overall"] == "rollback" and data["env"] == "production"
    assert {m["name"]: m["verdict"] for m in data["metrics"]}["sms_success"] == "fail"


def test_watch_once_exits_1_when_it_rolled_back_and_0_otherwise(example_repo, cli) -> None:
    with clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        waiting = cli("canary", "watch", "install-reminder", "--once", cwd=example_repo.path)
        send_calls(example_repo, sim, minutes=30, calls=600, seed=4, faults=[SILENT_SMS])
        rolled = cli("canary", "watch", "install-reminder", "--env", "production", "--once", cwd=example_repo.path)
    assert waiting.exit_code == 0
    assert ("wait [canary n=0, stable n=0 on sms_success]: inconclusive: no canary calls yet; "
            "no traffic is never read as success") in waiting.stdout
    assert rolled.exit_code == 1
    assert "rollback [canary n=" in rolled.stdout
    assert "abort install-reminder@v2 canary in production: 10% → 0%, stable v1 back to 100%" in rolled.stdout
    assert "decision: rollback" in rolled.stdout


def test_bad_interval_and_unknown_agent_are_exit_2(example_repo, cli) -> None:
    bad = cli("canary", "watch", "install-reminder", "--interval", "soon", cwd=example_repo.path)
    assert bad.exit_code == 2 and "cannot read duration 'soon'" in bad.stderr
    unknown = cli("canary", "evaluate", "nobody", "--env", "production", cwd=example_repo.path)
    assert unknown.exit_code == 2


def test_evaluate_says_the_business_outcome_is_judged_over_its_holdout(example_repo, cli) -> None:
    import datetime as dt

    from tests.canary.builders import use_policy

    use_policy(example_repo, "analysis:\n  metrics:\n    - {metric: sms_success, tolerance: 0.02, critical: true}\n"
                             "    - {metric: install_rate, tolerance: 0.25, matures_after_hours: 48, holdout_days: 7}\n")
    with clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        old = send_calls(example_repo, sim, minutes=60, calls=1500, seed=6)
        sim.advance(dt.timedelta(hours=48))
        new = send_calls(example_repo, sim, minutes=30, calls=1500, seed=7)
        text = cli("canary", "evaluate", "install-reminder", "--env", "production", cwd=example_repo.path)
        as_json = cli("canary", "evaluate", "install-reminder", "--json", cwd=example_repo.path)
    matured = sum(r["bundle_version"] == 2 for r in old)
    everything = matured + sum(r["bundle_version"] == 2 for r in new)
    install = next(m for m in json.loads(as_json.stdout)["metrics"] if m["name"] == "install_rate")
    assert install["reason"].startswith(f"judged over the holdout (7 d), {matured:,} of {everything:,} canary calls "
                                        "matured; ")
    assert "judged over the holdout (7 d)" in " ".join(text.stdout.split())
