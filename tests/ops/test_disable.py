"""disable/enable/approve: the escalation table — one agent alone, several need engineering, all need a director."""

from __future__ import annotations

import pytest

from agentctl.errors import BadInputError, PolicyRefused
from agentctl.ops.approve import approve, pending
from agentctl.ops.disable import disable, enable
from agentctl.ops.rollout import deploy
from agentctl.ops.status import deployment_log
from tests.deploy.builders import TUESDAY_10, act_as, add_agent, at, release


@pytest.fixture
def fleet(example_repo):
    """Three agents live in staging."""
    for name in ("reschedule", "welcome"):
        add_agent(example_repo, name)
    for name in ("install-reminder", "reschedule", "welcome"):
        release(example_repo, name)
        deploy(example_repo.path, f"{name}@v1")
    return example_repo


def _request_id(refused: pytest.ExceptionInfo[PolicyRefused]) -> str:
    return str(refused.value).split("request ")[1].split()[0]


def test_operations_disables_one_agent_alone(fleet, monkeypatch) -> None:
    act_as(monkeypatch, "tomas")
    done = disable(fleet.path, ["welcome"], reason="wrong greeting")
    assert done.summary == "disable welcome in staging"
    assert done.states["welcome"]["disabled"] == {"by": "tomas", "reason": "wrong greeting",
                                                  "since": done.record["at"]}
    assert disable(fleet.path, ["welcome"], reason="again").changed is False


def test_disable_needs_a_reason(fleet, monkeypatch) -> None:
    act_as(monkeypatch, "tomas")
    with pytest.raises(BadInputError, match="disable needs --reason"):
        disable(fleet.path, ["welcome"])


def test_several_agents_need_an_engineering_approval(fleet, monkeypatch) -> None:
    act_as(monkeypatch, "tomas")
    with pytest.raises(PolicyRefused) as refused:
        disable(fleet.path, ["welcome", "reschedule"], reason="SMS gateway down")
    assert str(refused.value) == (
        f"disable reschedule, welcome in staging needs approval (disable-many): request {_request_id(refused)} "
        f"opened — ask a person with role engineering (ines, wei) to run `agentctl approve {_request_id(refused)}`")
    assert [r["id"] for r in pending(fleet.path).requests] == [_request_id(refused)]
    act_as(monkeypatch, "rosa")
    with pytest.raises(PolicyRefused, match="may not approve .* ask a person with role engineering"):
        approve(fleet.path, _request_id(refused))
    act_as(monkeypatch, "ines")
    done = approve(fleet.path, _request_id(refused))
    assert sorted(done.states) == ["reschedule", "welcome"]
    assert all(s["disabled"]["by"] == "tomas" for s in done.states.values())
    assert pending(fleet.path).requests == []
    with pytest.raises(BadInputError, match="already executed"):
        approve(fleet.path, _request_id(refused))
    entry = deployment_log(fleet.path, "welcome", "staging")[0]
    assert entry.approvals[0]["by"] == "ines" and entry.record["requested_by"]["person"] == "tomas"


def test_shutdown_needs_a_director_and_not_the_requester(fleet, monkeypatch) -> None:
    act_as(monkeypatch, "ines")  # engineering is not enough for all agents
    with pytest.raises(PolicyRefused, match=r"disable shutdown \(all agents\) in staging needs approval \(shutdown\)"
                                            r".*ask a person with role director \(amara\)"):
        disable(fleet.path, [], all_agents=True, reason="carrier outage")
    request_id = pending(fleet.path).requests[0]["id"]
    with pytest.raises(PolicyRefused, match="may not approve"):
        approve(fleet.path, request_id)
    act_as(monkeypatch, "amara")
    done = approve(fleet.path, request_id, reason="agreed")
    assert sorted(done.states) == ["install-reminder", "reschedule", "welcome"]


def test_a_director_listing_every_agent_is_a_shutdown_done_at_once(fleet, monkeypatch) -> None:
    act_as(monkeypatch, "amara")
    done = disable(fleet.path, ["install-reminder", "reschedule", "welcome"], reason="carrier outage")
    assert done.record["evidence"]["escalation"] == "shutdown"


def test_enable_puts_an_agent_back_and_follows_the_window(fleet, monkeypatch) -> None:
    act_as(monkeypatch, "tomas")
    disable(fleet.path, ["welcome"], reason="wrong greeting")
    with at(TUESDAY_10):
        done = enable(fleet.path, ["welcome"], reason="fixed")
    assert done.states["welcome"]["disabled"] is None
    act_as(monkeypatch, "rosa")
    with pytest.raises(PolicyRefused, match="may not enable agents in staging"):
        enable(fleet.path, ["welcome"])
