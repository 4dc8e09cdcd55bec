"""Test helpers: build config repos in one line and run the CLI like a user would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


class RepoDir:
    """A folder (usually a git repo) with helpers to write files and commit them in one call."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def gen(self, files: Mapping[str, str | bytes], commit: str | None = None) -> RepoDir:
        """Write `files` (path → text or bytes); with `commit`, stage and commit them with that message."""
        for rel, content in files.items():
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, "utf-8")
        if commit:
            self.git("add", "--", *files)
            self.git("commit", "-q", "-m", commit)
        return self

    def edit(self, rel: str, old: str, new: str, commit: str | None = None) -> RepoDir:
        """Replace `old` by `new` in file `rel` (which must contain it)."""
        text = (self.path / rel).read_text("utf-8")
        assert old in text, f"{old!r} not in {rel}"
        return self.gen({rel: text.replace(old, new, 1)}, commit=commit)

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.path, check=True, capture_output=True, text=True).stdout

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text("utf-8")


def origin_with_clones(repo: RepoDir, tmp_path: Path) -> tuple[RepoDir, RepoDir]:
    """A bare `origin` mirroring `repo` (all refs) and two clones of it, as two teammates would have."""
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo.path), str(tmp_path / "origin.git")], check=True)
    clones = []
    for name in ("clone-a", "clone-b"):
        subprocess.run(["git", "clone", "-q", str(tmp_path / "origin.git"), str(tmp_path / name)], check=True)
        clones.append(RepoDir(tmp_path / name))
    return clones[0], clones[1]


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path | None = None, env: Mapping[str, Any] | None = None) -> Result:
    """Run `python -m agentctl ARGS` in a subprocess: real exit code, real stdout/stderr."""
    import os

    full_env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "200", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "agentctl", *args], cwd=cwd, capture_output=True, text=True,
                          env={k: str(v) for k, v in full_env.items()}, timeout=120)
    return Result(proc.returncode, proc.stdout, proc.stderr)
