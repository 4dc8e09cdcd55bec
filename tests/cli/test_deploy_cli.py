"""The deployment commands as a user runs them: exit codes, golden refusals, --json, with a controlled clock."""

from __future__ import annotations

import json

import pytest

from tests.deploy.builders import FREEZE_DAY, FRIDAY_10, TUESDAY_10, act_as, at, release

AGENT = "install-reminder"


@pytest.fixture
def repo(example_repo, cli):
    release(example_repo, count=2)
    for version in (1, 2):
        assert cli("deploy", f"{AGENT}@v{version}", cwd=example_repo.path).exit_code == 0
    return example_repo


def test_window_enforcement_end_to_end(repo, cli, monkeypatch) -> None:
    act_as(monkeypatch, "wei")
    with at(TUESDAY_10):
        ok = cli("deploy", f"{AGENT}@v1", "--env", "production")
    assert ok.exit_code == 0
    assert ok.stdout.startswith("✓ deploy install-reminder@v1 to production: stable at 100%")

    with at(FRIDAY_10):
        friday = cli("deploy", f"{AGENT}@v2", "--env", "production", "--canary", "10")
    assert friday.exit_code == 3
    assert friday.stderr == (
        "agentctl: change window closed for production: Friday 10:00 America/Chicago is outside Tue–Thu 09:00–17:00"
        " — next window opens Tuesday 2026-12-01 09:00 America/Chicago; rollback, abort and disable are exempt; "
        "a person with role engineering (ines, wei) may pass --override --reason \"…\"\n")

    with at(FREEZE_DAY):
        frozen = cli("deploy", f"{AGENT}@v2", "--env", "production")
    assert frozen.exit_code == 3
    assert "Tuesday 10:00 America/Chicago is in freeze holiday-peak" in frozen.stderr
    assert "next window opens Tuesday 2027-01-05 09:00 America/Chicago" in frozen.stderr

    act_as(monkeypatch, "ines")
    with at(FRIDAY_10):
        overridden = cli("deploy", f"{AGENT}@v2", "--env", "production", "--override", "--reason", "SMS hotfix")
        assert overridden.exit_code == 0
        rolled_back = cli("rollback", f"{AGENT}@v1", "--env", "production", "--reason", "hotfix made it worse")
    assert rolled_back.exit_code == 0
    assert rolled_back.stdout.startswith(
        "✓ rollback install-reminder in production: v1 stays stable at 100%, canary v2 ended (was 10%) (commit ")

    log = json.loads(cli("log", AGENT, "--env", "production", "--json").stdout)
    assert [r["action"] for r in log] == ["rollback", "deploy", "deploy"]
    assert log[1]["override"] == [{"rule": "change-window", "by": "ines", "reason": "SMS hotfix",
                                   "window": "Friday 10:00 America/Chicago is outside Tue–Thu 09:00–17:00"}]


def test_window_command_exit_codes_and_json(repo, cli) -> None:
    closed = cli("window", "--at", "2026-11-27T10:00")
    assert closed.exit_code == 3
    assert closed.stdout == ("closed: Friday 10:00 America/Chicago is outside Tue–Thu 09:00–17:00\n"
                             "next window opens 2026-12-01T09:00:00-06:00\n")
    opened = json.loads(cli("window", "--at", "2026-11-24T10:00-06:00", "--json").stdout)
    assert opened["open"] is True and opened["timezone"] == "America/Chicago"
    assert cli("window", "--at", "friday").exit_code == 2


def test_status_resolve_json_and_bad_env(repo, cli, monkeypatch) -> None:
    act_as(monkeypatch, "wei")
    with at(TUESDAY_10):
        cli("deploy", f"{AGENT}@v1", "--env", "production")
        cli("deploy", f"{AGENT}@v2", "--env", "production", "--canary", "10")
        status = json.loads(cli("status", "--env", "production", "--json").stdout)
    assert status["agents"][0] | {"updated": None} == {
        "agent": AGENT, "stable": 1, "canary": 2, "weight": 10, "step": "1/3 (10%)", "minutes_in_step": 0.0,
        "disabled": None, "aborted": None, "updated": None}
    assert status["window"]["open"] is True
    found = json.loads(cli("resolve", AGENT, "--env", "production", "--key", "caller-1", "--json").stdout)
    assert found["bundle"] == f"{AGENT}@v{found['version']}" and found["config"]["agent"] == AGENT
    plain = cli("resolve", AGENT, "--env", "production", "--key", "caller-1")
    assert plain.stdout.startswith(f"{found['bundle']} ({found['track']}; bucket {found['bucket']}")
    bad = cli("status", "--env", "prod")
    assert bad.exit_code == 2
    assert bad.stderr == ("agentctl: unknown environment 'prod' (agentctl.yaml declares: production, staging)"
                          " — pass --env with one of those names\n")


def test_disable_request_then_approve_by_cli(repo, cli, monkeypatch) -> None:
    act_as(monkeypatch, "rosa")
    refused = cli("disable", AGENT, "--reason", "drivers complain")
    assert refused.exit_code == 3
    request_id = refused.stderr.split("request ")[1].split()[0]
    listed = json.loads(cli("approve", "--list", "--json").stdout)
    assert [r["id"] for r in listed["requests"]] == [request_id]
    act_as(monkeypatch, "tomas")
    approved = cli("approve", request_id)
    assert approved.exit_code == 0
    assert approved.stdout.startswith(f"✓ disable install-reminder in staging (approved {request_id})")
    assert "yes: drivers complain" in cli("status", AGENT).stdout


def test_export_command(repo, cli, tmp_path) -> None:
    result = cli("export", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert json.loads((tmp_path / "out" / "staging.json").read_text())["agents"][AGENT]["stable"]["version"] == 2


def test_promote_refuses_a_rollback_verdict_and_records_a_forced_override(example_repo, cli, monkeypatch) -> None:
    """The founding incident: the judge says rollback on silent SMS failures; promote must not go ahead."""
    from agentctl import clock
    from agentctl.calls.simulate import SilentToolFailure
    from tests.canary.builders import TUESDAY_10 as CANARY_DAY
    from tests.canary.builders import send_calls, start_canary

    with clock.simulated(CANARY_DAY) as sim:
        start_canary(example_repo)
        for batch in range(4):
            send_calls(example_repo, sim, minutes=20, calls=300, seed=batch,
                       faults=[SilentToolFailure(versions=frozenset({2}), share=0.4)])
        refused = cli("promote", AGENT, "--env", "production", cwd=example_repo.path)
        assert refused.exit_code == 3, refused.stdout + refused.stderr
        assert refused.stderr.startswith("agentctl: promote refused: install-reminder@v2 in production: "
                                         "the canary judge says rollback: sms_success (critical) failed.")
        assert "abort it (`agentctl abort install-reminder --env production`)" in refused.stderr
        assert "may pass --force --reason" in refused.stderr
        act_as(monkeypatch, "ines")
        forced = cli("promote", AGENT, "--env", "production", "--force", "--reason", "gateway fixed upstream",
                     "--json", cwd=example_repo.path)
    assert forced.exit_code == 0, forced.stderr
    record = json.loads(forced.stdout)["record"]
    [override] = record["override"]
    assert (override["rule"], override["by"], override["verdict"]) == ("canary-judge", "ines", "rollback")
    assert override["judge_reason"].startswith("sms_success (critical) failed.")
    assert record["evidence"]["canary_judge"]["overall"] == "rollback"


@pytest.mark.parametrize("damage", ["deleted", "dangling symlink"])
def test_rollback_works_from_the_committed_config_when_agentctl_yaml_is_gone(repo, cli, monkeypatch, damage) -> None:
    act_as(monkeypatch, "ines")
    with at(TUESDAY_10):
        assert cli("deploy", f"{AGENT}@v1", "--env", "production").exit_code == 0
        assert cli("deploy", f"{AGENT}@v2", "--env", "production", "--canary", "10").exit_code == 0
    config = repo.path / "agentctl.yaml"
    config.unlink()
    if damage == "dangling symlink":
        config.symlink_to(repo.path / "nowhere.yaml")
    with at(FRIDAY_10):
        done = cli("rollback", AGENT, "--env", "production", "--reason", "incident", "--repo", str(repo.path))
    assert done.exit_code == 0, done.stderr
    assert done.stdout.startswith("✓ rollback install-reminder in production: v1 stays stable at 100%, "
                                  "canary v2 ended (was 10%)")
