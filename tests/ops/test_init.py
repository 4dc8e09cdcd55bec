from __future__ import annotations

from pathlib import Path

from tests.helpers import RepoDir


def test_init_creates_committed_repo_that_validates(tmp_path: Path, cli) -> None:
    result = cli("init", str(tmp_path / "new"))
    assert result.exit_code == 0, result.stderr
    repo = RepoDir(tmp_path / "new")
    assert "(new git repository)" in result.stdout
    assert repo.git("log", "--format=%s").strip() == "Initialise agentctl config repo with the Install Reminder example"
    assert repo.git("status", "--porcelain") == ""
    assert (repo.path / "tool-contracts/sms-gateway.yaml").is_file()
    assert ".agentctl/" in repo.read(".gitignore")
    assert cli("validate", cwd=repo.path).exit_code == 0


def test_init_refuses_to_overwrite(tmp_path: Path, cli) -> None:
    target = RepoDir(tmp_path / "used")
    target.gen({"agentctl.yaml": "mine\n"})
    result = cli("init", str(target.path))
    assert result.exit_code == 2
    assert f"agentctl: {target.path} already has agentctl.yaml — run `agentctl init` in an empty folder" in result.stderr
    assert target.read("agentctl.yaml") == "mine\n"


def test_init_inside_existing_git_repo_commits_only_its_files(tmp_dir: RepoDir, cli) -> None:
    tmp_dir.gen({"README.md": "hello\n"}, commit="first")
    tmp_dir.gen({"notes.txt": "uncommitted\n"})
    result = cli("init", str(tmp_dir.path / "voice"))
    assert result.exit_code == 0
    assert "new git repository" not in result.stdout
    assert "?? notes.txt" in tmp_dir.git("status", "--porcelain")
    assert "voice/agentctl.yaml" in tmp_dir.git("show", "--name-only", "--format=")


def test_init_does_not_copy_released_bundles(example_repo: RepoDir) -> None:
    assert not list((example_repo.path / "bundles/install-reminder").glob("v*.yaml"))
