from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.helpers import RepoDir, Result

# Property tests must not fail because a shared CI machine is busy: no deadlines, no speed health check.
settings.register_profile("agentctl", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("agentctl")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME and a fixed git identity; nothing reads the developer's config."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[user]\n\tname = Test Operator\n\temail = operator@roadwise.example\n"
                         "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                "AGENTCTL_ACTOR", "GITHUB_ACTIONS", "GITHUB_ACTOR", "GITHUB_STEP_SUMMARY", "GITHUB_BASE_REF",
                "AGENTCTL_WEBHOOK_URL", "CI"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def tmp_dir(tmp_path: Path) -> RepoDir:
    """An empty git repository."""
    repo = RepoDir(tmp_path / "repo")
    repo.path.mkdir()
    repo.git("init", "-q", "-b", "main")
    return repo


@pytest.fixture
def example_repo(tmp_path: Path) -> RepoDir:
    """A fresh config repo made by `agentctl init` (the Install Reminder example, one commit)."""
    from agentctl.ops.init import init_repo

    init_repo(tmp_path / "config")
    return RepoDir(tmp_path / "config")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run agentctl in-process: `cli("validate", cwd=path)` → Result(exit_code, stdout, stderr)."""
    from agentctl.cli.main import main

    def run(*args: str, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        monkeypatch.setenv("COLUMNS", "200")
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return run
