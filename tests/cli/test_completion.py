"""Shell completion: the scripts load, and agent names, environments and bundle refs complete from the repo."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete

from agentctl.cli.main import cli as root
from tests.bundle_helpers import two_releases
from tests.helpers import RepoDir, run_cli


def _complete(line: str) -> list[str]:
    """What the shell offers for the last word of `line` (empty after a trailing space), via click's completion API."""
    words = line.split()
    args, incomplete = (words, "") if line.endswith(" ") else (words[:-1], words[-1])
    completer = ShellComplete(root, {}, "agentctl", "_AGENTCTL_COMPLETE")
    return [item.value for item in completer.get_completions(args, incomplete)]


@pytest.fixture
def released(example_repo: RepoDir, monkeypatch: pytest.MonkeyPatch) -> RepoDir:
    """The example repo with install-reminder@v1 and @v2 released, as the current directory."""
    two_releases(example_repo)
    monkeypatch.chdir(example_repo.path)
    return example_repo


def test_agents_environments_and_bundle_refs_complete(released: RepoDir) -> None:
    assert _complete("deploy ") == ["install-reminder", "install-reminder@v2", "install-reminder@v1"]
    assert _complete("deploy install-reminder@") == ["install-reminder@v2", "install-reminder@v1"]
    assert _complete("show ") == ["install-reminder@v2", "install-reminder@v1"]
    assert _complete("diff install-reminder@v1 install-reminder@v") == ["install-reminder@v2", "install-reminder@v1"]
    assert _complete("status install") == ["install-reminder"]
    assert _complete("canary evaluate ") == ["install-reminder"]
    assert _complete("deploy install-reminder --env ") == ["production", "staging"]
    assert _complete("rollback install-reminder --env prod") == ["production"]
    assert _complete("contracts verify sms") == ["sms-gateway"]
    assert _complete("history --kind kb ") == ["install-faq"]
    assert _complete("review weekly --reviewer to") == ["tomas"]


def test_an_environment_added_to_agentctl_yaml_completes_at_once(released: RepoDir) -> None:
    released.edit("agentctl.yaml", "environments:\n", "environments:\n  demo-lab:\n    rollout: {steps: [100]}\n")
    assert _complete("status --env ") == ["demo-lab", "production", "staging"]


def test_repo_option_typed_first_is_the_repo_completed_from(released: RepoDir, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _complete("status ") == []
    assert _complete(f"status --repo {released.path} ") == ["install-reminder"]


def test_outside_a_repo_nothing_is_offered_and_nothing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _complete("deploy ") == []
    assert _complete("deploy x --env ") == []
    assert "deploy" in _complete("dep")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_the_shell_accepts(shell: str) -> None:
    result = run_cli("completion", shell)
    assert result.exit_code == 0, result.stderr
    assert "_AGENTCTL_COMPLETE" in result.stdout
    if shell == "bash":
        check = subprocess.run(["bash", "-n"], input=result.stdout, capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_the_bash_protocol_end_to_end(released: RepoDir) -> None:
    result = run_cli(cwd=released.path, env={"_AGENTCTL_COMPLETE": "bash_complete",
                                             "COMP_WORDS": "agentctl rollback install-reminder --env ",
                                             "COMP_CWORD": "4"})
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["plain,production", "plain,staging"]


def test_an_unknown_shell_is_refused() -> None:
    result = run_cli("completion", "tcsh")
    assert result.exit_code == 2
    assert "'tcsh' is not one of 'bash', 'zsh', 'fish'" in result.stderr
