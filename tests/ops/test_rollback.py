"""rollback: one command to a known-good bundle, from git objects, exempt from windows, assessment policy."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from agentctl.errors import BadInputError, PolicyRefused
from agentctl.ops.approve import approve
from agentctl.ops.rollback import rollback
from agentctl.ops.rollout import deploy
from agentctl.ops.status import deployment_log
from tests.deploy.builders import FRIDAY_10, TUESDAY_10, act_as, at, release

AGENT = "install-reminder"


@pytest.fixture
def live(example_repo, monkeypatch):
    """Production: v1 then v2 stable, v3 canary at 10%; the actor is Ines (engineering, on-call)."""
    release(example_repo, count=3)
    act_as(monkeypatch, "ines")
    for version in (1, 2, 3):
        deploy(example_repo.path, f"{AGENT}@v{version}")
    with at(TUESDAY_10):
        deploy(example_repo.path, f"{AGENT}@v1", "production")
        deploy(example_repo.path, f"{AGENT}@v2", "production", canary=100)
        deploy(example_repo.path, f"{AGENT}@v3", "production", canary=10)
    return example_repo


def test_rollback_on_friday_makes_known_good_stable_and_ends_canary(live) -> None:
    with at(FRIDAY_10):
        done = rollback(live.path, f"{AGENT}@v1", "production", reason="v2 stopped sending SMS")
    assert done.summary == "rollback install-reminder in production: v2 → v1 stable at 100%, canary v3 ended (was 10%)"
    state = done.states[AGENT]
    assert state["stable"]["version"] == 1 and state["canary"] is None
    newest = deployment_log(live.path, AGENT, "production")[0]
    assert (newest.action, newest.reason, newest.author) == (
        "rollback", "v2 stopped sending SMS", "Ines Duarte <ines@roadwise.example>")


def test_rollback_without_version_ends_the_canary_then_goes_to_previous_stable(live) -> None:
    with at(FRIDAY_10):
        first = rollback(live.path, AGENT, "production")
        assert first.summary == ("rollback install-reminder in production: v2 stays stable at 100%, "
                                 "canary v3 ended (was 10%)")
        assert first.states[AGENT]["canary"] is None
        assert rollback(live.path, AGENT, "production").states[AGENT]["stable"]["version"] == 1


def test_rollback_during_the_first_canary_keeps_stable_and_ends_the_canary(example_repo, monkeypatch) -> None:
    """The first production canary has no earlier stable: rollback used to say "name one" and never mention abort."""
    release(example_repo, count=2)
    act_as(monkeypatch, "ines")
    for version in (1, 2):
        deploy(example_repo.path, f"{AGENT}@v{version}")
    with at(TUESDAY_10):
        deploy(example_repo.path, f"{AGENT}@v1", "production")
        deploy(example_repo.path, f"{AGENT}@v2", "production", canary=10)
    with at(FRIDAY_10):
        done = rollback(example_repo.path, AGENT, "production", reason="sms_success dropped")
    assert done.summary == ("rollback install-reminder in production: v1 stays stable at 100%, "
                            "canary v2 ended (was 10%)")
    state = done.states[AGENT]
    assert state["stable"]["version"] == 1 and state["canary"] is None
    [entry] = deployment_log(example_repo.path, AGENT, "production", limit=1)
    assert entry.action == "rollback" and entry.record["changes"][AGENT]["to"] == {
        "stable": 1, "canary": None, "weight": 0, "disabled": False}


def test_rollback_works_with_a_broken_working_tree(live) -> None:
    shutil.rmtree(live.path / "prompts")
    shutil.rmtree(live.path / "bundles")
    (live.path / "agentctl.yaml").write_text("version: [broken\n")
    with at(FRIDAY_10):
        done = rollback(live.path, f"{AGENT}@v1", "production", reason="incident")
    assert done.states[AGENT]["stable"]["version"] == 1


def test_rollback_refuses_a_version_never_stable_there(live) -> None:
    with at(FRIDAY_10), pytest.raises(BadInputError, match=r"install-reminder@v3 was never stable in production \(known good: v1, v2\)"):
        rollback(live.path, f"{AGENT}@v3", "production")


def test_without_role_a_rollback_waits_for_the_assessment_window(live, monkeypatch) -> None:
    act_as(monkeypatch, "rosa")  # business: no rollback role
    with at(FRIDAY_10), pytest.raises(PolicyRefused) as refused:
        rollback(live.path, f"{AGENT}@v1", "production", reason="installs fell")
    message = str(refused.value)
    assert message.startswith("rollback of install-reminder to v1 in production needs an approval or the "
                              "15-minute assessment: request R-")
    assert "ask a person with role engineering or oncall (ines, wei) to run `agentctl approve R-" in message
    with at(FRIDAY_10 + dt.timedelta(minutes=5)), pytest.raises(PolicyRefused, match="in its assessment window until"):
        rollback(live.path, f"{AGENT}@v1", "production")
    with at(FRIDAY_10 + dt.timedelta(minutes=15)):
        done = rollback(live.path, f"{AGENT}@v1", "production")
    assert done.states[AGENT]["stable"]["version"] == 1
    assert done.record["approvals"][0]["assessment_minutes"] == 15


def test_an_approver_can_cut_the_assessment_short(live, monkeypatch) -> None:
    act_as(monkeypatch, "rosa")
    with at(FRIDAY_10), pytest.raises(PolicyRefused) as refused:
        rollback(live.path, f"{AGENT}@v1", "production", reason="installs fell")
    request_id = str(refused.value).split("request ")[1].split()[0]
    act_as(monkeypatch, "wei")
    with at(FRIDAY_10 + dt.timedelta(minutes=2)):
        done = approve(live.path, request_id, reason="confirmed on dashboard")
    assert done.states[AGENT]["stable"]["version"] == 1
    assert done.record["approvals"][0]["by"] == "wei"
    assert done.record["requested_by"]["person"] == "rosa"


def _rosa_requests_a_rollback(live, monkeypatch) -> str:
    act_as(monkeypatch, "rosa")
    with at(FRIDAY_10), pytest.raises(PolicyRefused) as refused:
        rollback(live.path, f"{AGENT}@v1", "production", reason="installs fell")
    return str(refused.value).split("request ")[1].split()[0]


def test_approving_a_request_after_the_state_moved_on_refuses_and_says_why(live, monkeypatch) -> None:
    """A request opened against a canary must not end the next canary once the state has moved on."""
    from agentctl.ops.rollout import abort

    request_id = _rosa_requests_a_rollback(live, monkeypatch)
    act_as(monkeypatch, "ines")
    with at(FRIDAY_10 + dt.timedelta(minutes=3)):
        abort(live.path, AGENT, "production", reason="handled by on-call")
    act_as(monkeypatch, "wei")
    with at(FRIDAY_10 + dt.timedelta(minutes=5)), pytest.raises(PolicyRefused) as refused:
        approve(live.path, request_id)
    assert str(refused.value) == (
        f"request {request_id} is stale: install-reminder in production was stable v2, canary v3 at 10% when it "
        f"was opened (2026-11-27T16:00:00+00:00), now stable v2, canary v3 at 0%; nothing was done — check "
        f"`agentctl status --env production`; if it is still needed, the requester opens a new request: "
        f"`agentctl rollback install-reminder@v1 --env production`")
    assert deployment_log(live.path, AGENT, "production", limit=1)[0].action == "abort"  # nothing written


def test_approving_an_expired_request_refuses(live, monkeypatch) -> None:
    request_id = _rosa_requests_a_rollback(live, monkeypatch)
    act_as(monkeypatch, "wei")
    with at(FRIDAY_10 + dt.timedelta(days=1)), pytest.raises(PolicyRefused) as refused:
        approve(live.path, request_id)
    assert str(refused.value).startswith(
        f"request {request_id} expired at 2026-11-27T18:00:00+00:00 (opened 2026-11-27T16:00:00+00:00); nothing was done")
    # the requester's own re-run opens a fresh request instead of executing the expired one
    act_as(monkeypatch, "rosa")
    with at(FRIDAY_10 + dt.timedelta(days=1)), pytest.raises(PolicyRefused) as again:
        rollback(live.path, f"{AGENT}@v1", "production")
    assert "request R-" in str(again.value) and request_id not in str(again.value)


def test_the_requester_cannot_approve_under_any_identity_they_claim(live, monkeypatch) -> None:
    """Without signing: tomas (operations) opens a rollback request, then tries to approve it as ines by setting
    AGENTCTL_ACTOR, then also git's user.email — his OS account still gives him away. The real wei approves."""
    act_as(monkeypatch, "tomas")
    with at(FRIDAY_10), pytest.raises(PolicyRefused) as refused:
        rollback(live.path, f"{AGENT}@v1", "production", reason="installs fell")
    request_id = str(refused.value).split("request ")[1].split()[0]

    monkeypatch.setenv("AGENTCTL_ACTOR", "Ines Duarte <ines@roadwise.example>")  # tomas's machine, claiming ines
    with at(FRIDAY_10 + dt.timedelta(minutes=1)), pytest.raises(PolicyRefused) as claimed:
        approve(live.path, request_id)
    assert str(claimed.value).startswith(
        f"{request_id} was requested under an identity you also hold (email tomas@roadwise.example, OS account tomas@")
    assert ", person tomas); an approval must come from someone else; nothing was done — ask a person with role " \
           "engineering or oncall (ines, wei)" in str(claimed.value)

    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "ines@roadwise.example")  # and git's user.email too
    with at(FRIDAY_10 + dt.timedelta(minutes=1)), pytest.raises(PolicyRefused, match=r"an identity you also hold "
                                                                                     r"\(OS account tomas@"):
        approve(live.path, request_id)
    assert deployment_log(live.path, AGENT, "production", limit=1)[0].action == "request"  # nothing written since

    act_as(monkeypatch, "wei")
    with at(FRIDAY_10 + dt.timedelta(minutes=2)):
        done = approve(live.path, request_id)
    assert done.record["requested_by"]["person"] == "tomas" and done.record["approvals"][0]["by"] == "wei"
