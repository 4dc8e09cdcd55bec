"""Contract lifecycle findings in `agentctl validate`: ranges, semver and sunsets."""

from __future__ import annotations

import datetime as dt
import shutil

import time_machine

from tests.contracts.incident import AGENT, CONTRACT, replay_incident

NEW_REQUIRED = ("    required: [to, body, sender_id]", "    required: [to, body, sender_id, reference]")


def test_agent_range_that_excludes_the_contract(example_repo, cli) -> None:
    example_repo.edit(AGENT, "version: ^2.0.0", "version: ^1.3.0")
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "bundles/install-reminder/agent.yaml:8:14: agent 'install-reminder' accepts sms-gateway ^1.3.0 but the "
        "contract is 2.0.0 — widen the range after checking the agent handles the change",
        "1 error, 0 warnings"]


def test_agent_range_that_is_not_a_range(example_repo, cli) -> None:
    example_repo.edit(AGENT, "version: ^2.0.0", "version: latest")
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("bundles/install-reminder/agent.yaml:8:14: agent 'install-reminder': invalid version "
                            "range 'latest'")
    assert first.endswith("— write a semver range such as ^2.0.0")


def test_breaking_edit_without_major_bump_is_an_error_at_the_version_line(example_repo, cli) -> None:
    example_repo.edit(CONTRACT, "version: 2.0.0", "version: 2.1.0")
    example_repo.edit(CONTRACT, *NEW_REQUIRED)
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "tool-contracts/sms-gateway.yaml:2:10: breaking-change-without-major-bump: 2.0.0 → 2.1.0 has breaking "
        "changes (request-property-became-required); release it as 3.0.0 (compared with HEAD) — see every change "
        "with `agentctl contracts diff sms-gateway --from HEAD`")


def test_breaking_edit_with_major_bump_is_fine_once_agents_accept_it(example_repo, cli) -> None:
    example_repo.edit(CONTRACT, "version: 2.0.0", "version: 3.0.0")
    example_repo.edit(CONTRACT, *NEW_REQUIRED)
    assert "accepts sms-gateway ^2.0.0 but the contract is 3.0.0" in cli("validate", cwd=example_repo.path).stderr
    example_repo.edit(AGENT, "version: ^2.0.0", "version: ^3.0.0")
    assert cli("validate", cwd=example_repo.path).exit_code == 0


def test_committed_history_is_not_rejudged(example_repo, cli) -> None:
    replay_incident(example_repo)
    assert cli("validate", cwd=example_repo.path).exit_code == 0


def test_deprecated_property_removed_before_sunset(example_repo, cli) -> None:
    example_repo.edit(CONTRACT, "      error: {type: string}",
                      "      error: {type: string, deprecated: true, x-sunset: '2030-01-31'}", commit="deprecate error")
    example_repo.edit(CONTRACT, "      error: {type: string, deprecated: true, x-sunset: '2030-01-31'}\n", "")
    example_repo.edit(CONTRACT, "version: 2.0.0", "version: 2.1.0")
    with time_machine.travel(dt.datetime(2029, 6, 1, 12, tzinfo=dt.timezone.utc), tick=False):
        early = cli("validate", cwd=example_repo.path)
    assert early.exit_code == 2
    lines = early.stderr.splitlines()
    assert lines[1].startswith("tool-contracts/sms-gateway.yaml:2:10: breaking-change-without-major-bump: "
                               "2.0.0 → 2.1.0 has breaking changes (deprecated-property-removed-before-sunset)")
    assert lines[0] == (
        "tool-contracts/sms-gateway.yaml:2:10: deprecated-property-removed-before-sunset: 'error' was removed on "
        "2029-06-01 but its x-sunset is 2030-01-31: consumers were promised it until then at "
        "response.schema.properties.error (compared with HEAD) — see every change with "
        "`agentctl contracts diff sms-gateway --from HEAD`")
    with time_machine.travel(dt.datetime(2030, 2, 1, 12, tzinfo=dt.timezone.utc), tick=False):
        assert cli("validate", cwd=example_repo.path).exit_code == 0


def test_unknown_rule_override_is_reported(example_repo, cli) -> None:
    example_repo.gen({"agentctl.yaml": example_repo.read("agentctl.yaml")
                      + "contracts:\n  rules:\n    request-property-became-requried: WARN\n"})
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert "unknown contract rule id 'request-property-became-requried' — use an id from docs/contract-rules.md" \
        in result.stderr


def test_outside_git_the_history_check_is_skipped(example_repo, cli, tmp_path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(example_repo.path, plain, ignore=shutil.ignore_patterns(".git"))
    (plain / CONTRACT).write_text((plain / CONTRACT).read_text().replace(*NEW_REQUIRED))
    assert cli("validate", cwd=plain).exit_code == 0
