"""deploy, promote, abort: staging first, gates, canary steps with minimum time, windows, overrides."""

from __future__ import annotations

import datetime as dt

import pytest

from agentctl.errors import BadInputError, NotFoundError, PolicyRefused
from agentctl.ops.rollout import abort, deploy, promote
from agentctl.ops.status import deployment_log, status
from tests.deploy.builders import FRIDAY_10, TUESDAY_10, act_as, as_person, at, release

AGENT = "install-reminder"


@pytest.fixture
def repo(example_repo):
    release(example_repo, count=3)
    return example_repo


def test_first_staging_deploy_is_stable_and_staging_has_no_canary(repo) -> None:
    first = deploy(repo.path, f"{AGENT}@v1")
    assert first.summary == "deploy install-reminder@v1 to staging: stable at 100%"
    second = deploy(repo.path, f"{AGENT}@v2", "staging")  # staging's only step is 100
    assert second.states[AGENT]["stable"]["version"] == 2
    assert second.states[AGENT]["stable_history"] == [1]
    assert deploy(repo.path, f"{AGENT}@v2").changed is False


def test_latest_bundle_is_the_default(repo) -> None:
    assert deploy(repo.path, AGENT).states[AGENT]["stable"]["version"] == 3


def test_unknown_environment_and_bundle_are_bad_input(repo) -> None:
    with pytest.raises(BadInputError, match="unknown environment 'prod' \\(agentctl.yaml declares: production, staging\\)"):
        deploy(repo.path, f"{AGENT}@v1", "prod")
    with pytest.raises(NotFoundError, match=r"install-reminder@v9 does not exist \(versions: v1, v2, v3\)"):
        deploy(repo.path, f"{AGENT}@v9")


def test_production_refuses_a_bundle_not_on_staging(repo, monkeypatch) -> None:
    act_as(monkeypatch, "tomas")
    with at(TUESDAY_10), pytest.raises(PolicyRefused) as refused:
        deploy(repo.path, f"{AGENT}@v1", "production")
    assert str(refused.value) == (
        "deploy refused: install-reminder@v1 cannot go to production: it was not deployed to staging — "
        "deploy it to staging first, or a person with role engineering (ines, wei) "
        "may pass --override --reason \"…\"")


def test_environments_refuse_failed_or_missing_suites(example_repo) -> None:
    [failed] = release(example_repo, suites="failed")
    [untested] = release(example_repo, suites=None)
    with pytest.raises(PolicyRefused) as refused:
        deploy(example_repo.path, f"{AGENT}@v{failed}")
    assert "cannot go to staging: suite unit failed (result " in str(refused.value)
    assert "get suite unit and boundary passing for install-reminder@v1, or a person" in str(refused.value)
    with pytest.raises(PolicyRefused, match="suite unit has no result; suite boundary has no result"):
        deploy(example_repo.path, f"{AGENT}@v{untested}")


def test_gate_override_needs_role_and_reason_and_is_recorded(repo, monkeypatch) -> None:
    with at(TUESDAY_10):
        act_as(monkeypatch, "tomas")
        with pytest.raises(PolicyRefused, match="override refused: Tomás Berg <tomas@roadwise.example> has no role engineering"):
            deploy(repo.path, f"{AGENT}@v1", "production", override=True, reason="hotfix")
        act_as(monkeypatch, "ines")
        with pytest.raises(BadInputError, match="--override needs --reason"):
            deploy(repo.path, f"{AGENT}@v1", "production", override=True)
        done = deploy(repo.path, f"{AGENT}@v1", "production", override=True, reason="hotfix for SMS outage")
    assert done.record["override"] == [{"rule": "gate", "by": "ines", "reason": "hotfix for SMS outage",
                                        "missing": ["it was not deployed to staging"]}]
    [entry] = deployment_log(repo.path, AGENT, "production")
    assert entry.override[0]["by"] == "ines" and entry.reason == "hotfix for SMS outage"


def _production_canary(repo, weight: int = 10):
    deploy(repo.path, f"{AGENT}@v1")
    deploy(repo.path, f"{AGENT}@v2")
    with at(TUESDAY_10), as_person("ines"):
        deploy(repo.path, f"{AGENT}@v1", "production")
        return deploy(repo.path, f"{AGENT}@v2", "production", canary=weight)


NO_CALLS = 'the canary judge says inconclusive: no canary calls yet; no traffic is never read as success'
FORCED = {"force": True, "reason": "judged by hand: the test store has no calls"}


def test_canary_walks_the_steps_after_each_minimum_time(repo, monkeypatch) -> None:
    started = _production_canary(repo)
    act_as(monkeypatch, "ines")  # the judge has no calls here: each promotion is forced by a person who may
    assert started.summary == "deploy install-reminder@v2 to production: canary 10%, stable v1 90%"
    with at(TUESDAY_10 + dt.timedelta(minutes=12)), pytest.raises(PolicyRefused) as early:
        promote(repo.path, AGENT, "production", **FORCED)
    assert str(early.value) == (
        "promote refused: install-reminder@v2 has been at 10% in production for 12 min; each step needs 60 min — "
        "promote after Tuesday 2026-11-24 11:00 America/Chicago, or a person with role engineering (ines, wei) "
        "may pass --override --reason")
    with at(TUESDAY_10 + dt.timedelta(minutes=60)):
        assert promote(repo.path, AGENT, "production", **FORCED).summary == \
            "promote install-reminder@v2 in production: canary 10% → 50%"
    with at(TUESDAY_10 + dt.timedelta(minutes=120)):
        report = status(repo.path, AGENT, "production")
        assert (report.agents[0].weight, report.agents[0].step, report.agents[0].minutes_in_step) == (50, "2/3 (50%)", 60)
        done = promote(repo.path, AGENT, "production", **FORCED)
    assert done.summary == "promote install-reminder@v2 in production: stable at 100% (canary was 50%)"
    assert done.states[AGENT]["canary"] is None and done.states[AGENT]["stable"]["version"] == 2


def test_promote_to_and_full(repo, monkeypatch) -> None:
    _production_canary(repo)
    act_as(monkeypatch, "ines")
    with at(TUESDAY_10 + dt.timedelta(hours=1)):
        assert promote(repo.path, AGENT, "production", to=25, **FORCED).states[AGENT]["canary"]["weight"] == 25
    with at(TUESDAY_10 + dt.timedelta(hours=2)):
        with pytest.raises(BadInputError, match="the canary is already at 25%"):
            promote(repo.path, AGENT, "production", to=20, **FORCED)
        assert promote(repo.path, AGENT, "production", full=True, **FORCED).states[AGENT]["stable"]["version"] == 2


def test_a_second_canary_waits_for_the_first(repo, monkeypatch) -> None:
    _production_canary(repo)
    act_as(monkeypatch, "wei")
    deploy(repo.path, f"{AGENT}@v3")
    with at(TUESDAY_10), pytest.raises(BadInputError, match="a canary of install-reminder@v2 is at 10% in production"):
        deploy(repo.path, f"{AGENT}@v3", "production")


def test_abort_zeroes_the_canary_keeps_stable_even_on_friday(repo, monkeypatch) -> None:
    _production_canary(repo)
    act_as(monkeypatch, "tomas")
    with at(FRIDAY_10):
        done = abort(repo.path, AGENT, "production", reason="SMS success dropped")
    assert done.summary == "abort install-reminder@v2 canary in production: 10% → 0%, stable v1 back to 100%"
    state = done.states[AGENT]
    assert state["stable"]["version"] == 1 and state["canary"]["weight"] == 0
    assert state["canary"]["aborted"]["reason"] == "SMS success dropped"
    with at(TUESDAY_10 + dt.timedelta(days=7)), pytest.raises(BadInputError, match="no canary in progress"):
        promote(repo.path, AGENT, "production")


def test_friday_deploy_refused_with_next_window(repo) -> None:
    deploy(repo.path, f"{AGENT}@v1")
    with at(FRIDAY_10), pytest.raises(PolicyRefused) as refused:
        deploy(repo.path, f"{AGENT}@v1", "production")
    assert str(refused.value) == (
        "change window closed for production: Friday 10:00 America/Chicago is outside Tue–Thu 09:00–17:00 — "
        "next window opens Tuesday 2026-12-01 09:00 America/Chicago; rollback, abort and disable are exempt; "
        "a person with role engineering (ines, wei) may pass --override --reason \"…\"")


def test_promote_refuses_an_inconclusive_judge_unless_forced_by_the_override_role(repo, monkeypatch) -> None:
    _production_canary(repo)
    with at(TUESDAY_10 + dt.timedelta(hours=1)):
        with pytest.raises(PolicyRefused) as refused:
            promote(repo.path, AGENT, "production")
        assert str(refused.value) == (
            f"promote refused: install-reminder@v2 in production: {NO_CALLS} — wait for more calls and check "
            "`agentctl canary evaluate install-reminder --env production`, or a person with role engineering "
            "(ines, wei) may pass --force --reason \"…\"")
        act_as(monkeypatch, "tomas")
        with pytest.raises(PolicyRefused, match="Tomás Berg <tomas@roadwise.example> has no role engineering"):
            promote(repo.path, AGENT, "production", **FORCED)
        act_as(monkeypatch, "ines")
        with pytest.raises(BadInputError, match="--force needs --reason"):
            promote(repo.path, AGENT, "production", force=True)
        done = promote(repo.path, AGENT, "production", **FORCED)
    assert done.summary == "promote install-reminder@v2 in production: canary 10% → 50%"
    [entry] = deployment_log(repo.path, AGENT, "production", limit=1)
    assert entry.override == [{"rule": "canary-judge", "by": "ines", "reason": FORCED["reason"],
                               "verdict": "inconclusive",
                               "judge_reason": "no canary calls yet; no traffic is never read as success"}]
    assert entry.record["evidence"]["canary_judge"]["overall"] == "inconclusive"


def test_production_actions_need_a_person_from_the_committed_config(repo, monkeypatch) -> None:
    """A stranger, a name without the person's email, and an uncommitted grant are all refused."""
    deploy(repo.path, f"{AGENT}@v1")
    fix = ("act as yourself: `git config user.email` must be your address under people: in agentctl.yaml; "
           "a new person is added by a reviewed commit to agentctl.yaml")
    with at(TUESDAY_10):
        with pytest.raises(PolicyRefused) as stranger:  # the test identity is listed nowhere
            deploy(repo.path, f"{AGENT}@v1", "production")
        assert str(stranger.value) == (
            "deploy refused in production: Test Operator <operator@roadwise.example> is not a person in the "
            f"committed agentctl.yaml (people are matched by email) — {fix}")
        monkeypatch.setenv("AGENTCTL_ACTOR", "ines")  # a name is not an identity
        with pytest.raises(PolicyRefused, match="deploy refused in production: ines is not a person"):
            deploy(repo.path, f"{AGENT}@v1", "production")
        monkeypatch.setenv("AGENTCTL_ACTOR", "Amara Lindqvist <stranger@elsewhere.example>")
        with pytest.raises(PolicyRefused, match="is not a person in the committed agentctl.yaml"):
            deploy(repo.path, f"{AGENT}@v1", "production")
        # an uncommitted edit granting a stranger the engineering role grants nothing
        config = repo.read("agentctl.yaml").replace(
            "people:\n", "people:\n  mallory:\n    name: Mallory\n    email: stranger@elsewhere.example\n"
                         "    roles: [engineering, director]\n", 1)
        (repo.path / "agentctl.yaml").write_text(config)
        with pytest.raises(PolicyRefused, match="is not a person in the committed agentctl.yaml"):
            deploy(repo.path, f"{AGENT}@v1", "production", override=True, reason="trust me")
        act_as(monkeypatch, "ines")
        assert deploy(repo.path, f"{AGENT}@v1", "production").changed
