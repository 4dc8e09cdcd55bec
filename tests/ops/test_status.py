"""status and log: what runs where, the window, and a helm-history-like record of every action."""

from __future__ import annotations

import datetime as dt

import pytest

from agentctl.errors import NotFoundError
from agentctl.ops.rollout import abort, deploy
from agentctl.ops.status import deployment_log, status
from agentctl.ops.window import window_status
from tests.deploy.builders import FRIDAY_10, TUESDAY_10, act_as, at, production_canary, release

AGENT = "install-reminder"


def test_status_shows_canary_step_time_and_window(example_repo) -> None:
    production_canary(example_repo)
    with at(TUESDAY_10 + dt.timedelta(minutes=25)):
        report = status(example_repo.path, env="production")
    assert report.window["open"] is True
    [row] = report.agents
    assert (row.stable, row.canary, row.weight, row.step, row.minutes_in_step) == (1, 2, 10, "1/3 (10%)", 25)
    with at(FRIDAY_10):
        assert status(example_repo.path, env="production").window["open"] is False
        assert status(example_repo.path, env="staging").window["rule"] == "not-enforced"


def test_status_of_an_undeployed_agent_says_how(example_repo) -> None:
    with pytest.raises(NotFoundError, match="install-reminder has no deployment in staging — deploy it"):
        status(example_repo.path, AGENT)


def test_log_lists_every_action_newest_first_with_who_and_why(example_repo, monkeypatch) -> None:
    release(example_repo, count=2)
    act_as(monkeypatch, "wei")
    deploy(example_repo.path, f"{AGENT}@v1", reason="first release")
    deploy(example_repo.path, f"{AGENT}@v2", canary=100, reason="new greeting")
    records = deployment_log(example_repo.path, AGENT)
    assert [(r.action, r.reason) for r in records] == [("deploy", "new greeting"), ("deploy", "first release")]
    assert records[0].author == "Wei Chen <wei@roadwise.example>"
    assert records[0].record["changes"][AGENT] == {"from": {"stable": 1, "canary": None, "weight": 0, "disabled": False},
                                                   "to": {"stable": 2, "canary": None, "weight": 0, "disabled": False}}
    assert deployment_log(example_repo.path, AGENT, "production") == []


def test_log_records_abort_reason(example_repo, monkeypatch) -> None:
    act_as(monkeypatch, "ines")
    release(example_repo, count=2)
    deploy(example_repo.path, f"{AGENT}@v1")
    deploy(example_repo.path, f"{AGENT}@v2")
    with at(TUESDAY_10):
        deploy(example_repo.path, f"{AGENT}@v1", "production")
        deploy(example_repo.path, f"{AGENT}@v2", "production")
        abort(example_repo.path, AGENT, "production", reason="escalations up")
    assert deployment_log(example_repo.path, AGENT, "production", limit=1)[0].summary == \
        "abort install-reminder@v2 canary in production: 10% → 0%, stable v1 back to 100%"


def test_window_at_a_given_time(example_repo) -> None:
    closed = window_status(example_repo.path, dt.datetime(2026, 11, 27, 10, 0))  # naive = team's timezone
    assert (closed.open, closed.next_open) == (False, "2026-12-01T09:00:00-06:00")
    assert window_status(example_repo.path, dt.datetime(2026, 11, 27, 10, 0), "staging").open
