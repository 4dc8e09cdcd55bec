"""Alerts carry the runbook to open: from the daily check (tests/ops/test_check.py) and the canary judge."""

from __future__ import annotations

from agentctl import clock
from agentctl.alerts import runbook_lines
from agentctl.calls.simulate import SilentToolFailure
from agentctl.ops.canary import watch
from tests.canary.builders import AGENT, TUESDAY_10, send_calls, start_canary
from tests.helpers import RepoDir


def test_runbook_lines_name_owner_and_first_steps(example_repo: RepoDir) -> None:
    lines = runbook_lines(example_repo.path, ["sms_success", "error_rate", "install_rate"],
                          {"agent": AGENT})
    assert [line.split(":")[0] for line in lines] == ["↳ runbook *tool-failure* (owner @wei)",
                                                      "↳ runbook *quality-degradation* (owner @tomas)"]
    assert "1. Test the tool against production exactly as the agent calls it: " \
           "`agentctl contracts verify sms-gateway --env production`" in lines[0]
    assert "2. See what was deployed recently and by whom: `agentctl log install-reminder`." in lines[1]
    assert runbook_lines(example_repo.path, ["no_such_metric"]) == []


def test_canary_rollback_alert_links_the_runbook(example_repo: RepoDir, httpserver, monkeypatch) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setenv("AGENTCTL_WEBHOOK_URL", httpserver.url_for("/hook"))
    with clock.simulated(TUESDAY_10) as sim:
        start_canary(example_repo)
        send_calls(example_repo, sim, minutes=30, calls=800, seed=5,
                   faults=[SilentToolFailure(versions=frozenset({2}), share=0.3)])
        report = watch(example_repo.path, AGENT, "production", once=True)
    assert report.rolled_back
    [(request, _response)] = httpserver.log
    text = request.get_json()["text"]
    assert ("↳ runbook *tool-failure* (owner @wei): 1. Test the tool against production exactly as the agent calls it: "
            "`agentctl contracts verify sms-gateway --env production`") in text
