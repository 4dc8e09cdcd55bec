"""`validate` knows the cadence files: runbook references resolve, runbooks and rubrics are owned and valid."""

from __future__ import annotations

from tests.helpers import RepoDir


def test_init_ships_the_three_runbooks_and_the_rubric(example_repo: RepoDir, cli) -> None:
    assert sorted(p.name for p in (example_repo.path / "runbooks").iterdir()) == [
        "escalation.md", "quality-degradation.md", "tool-failure.md"]
    assert (example_repo.path / "rubrics" / "install-reminder.yaml").is_file()
    assert "runbooks/tool-failure.md" in example_repo.git("ls-files")
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 0, result.stdout + result.stderr


def test_a_metric_naming_a_missing_runbook_is_an_error(example_repo: RepoDir, cli) -> None:
    example_repo.edit("agentctl.yaml", "    runbook: quality-degradation\n  transcription_confidence:",
                      "    runbook: flooding\n  transcription_confidence:")
    line = next(i for i, x in enumerate(example_repo.read("agentctl.yaml").splitlines(), 1) if "runbook: flooding" in x)
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert (f"agentctl.yaml:{line}:14: metric 'escalation_rate' names runbook 'flooding', which does not exist — "
            "write runbooks/flooding.md or use one of: escalation, quality-degradation, tool-failure") in result.stderr


def test_a_runbook_needs_an_owner_who_is_a_person(example_repo: RepoDir, cli) -> None:
    example_repo.edit("runbooks/escalation.md", "owner: ines\n", "")
    example_repo.edit("runbooks/tool-failure.md", "owner: wei\n", "owner: marcus\n")
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert "runbooks/escalation.md:2:1: missing required key 'owner'" in result.stderr
    assert ("runbooks/tool-failure.md:3:8: runbook owner 'marcus' is not a person in agentctl.yaml — use one of: "
            "amara, ines, rosa, tomas, wei") in result.stderr


def test_a_broken_rubric_points_at_the_line(example_repo: RepoDir, cli) -> None:
    example_repo.edit("rubrics/install-reminder.yaml", "    scale: 1-5\n", "    scale: 1-10\n")
    line = next(i for i, x in enumerate(example_repo.read("rubrics/install-reminder.yaml").splitlines(), 1)
                if "scale: 1-10" in x)
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert f"rubrics/install-reminder.yaml:{line}:12: " in result.stderr
    assert "use yes-no, yes-no-na (may not apply to every call) or 1-5" in result.stderr
