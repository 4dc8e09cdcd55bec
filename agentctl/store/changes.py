"""What changed between a base revision and the working tree, and what files said at the base.

Plain `git` subprocess calls (no gitpython): the CI gate makes a handful of cheap queries
and must not leave helper processes behind. Paths are relative to the config repo root,
which may sit in a sub-folder of the git repository.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agentctl.errors import BadInputError
from agentctl.store import gitcmd


@dataclass(frozen=True)
class ChangedFile:
    status: str  # "A" added, "M" modified, "D" deleted, "T" type changed
    path: str  # relative to the config repo root


@dataclass(frozen=True)
class Base:
    ref: str  # what the user (or the environment) named, e.g. origin/main
    commit: str  # the merge base of `ref` and HEAD: the state the change is judged against


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = gitcmd.run(root, *args, action=f"run git {args[0]}", check=check)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                                       proc.stderr.decode("utf-8", "replace"))


def _verify(root: Path, ref: str) -> str | None:
    proc = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def repo_prefix(root: Path) -> str:
    """The config root's path inside the git repository ("" at the top, else "sub/dir/")."""
    return gitcmd.Git(root).text("rev-parse", "--show-prefix", action="compare changes").strip()


def resolve_base(root: Path, base: str | None = None, environ: Mapping[str, str] | None = None) -> Base:
    """The revision a change is judged against.

    `base` if given; else in GitHub Actions the pull request's base branch (`origin/$GITHUB_BASE_REF`,
    fetched when the checkout lacks it); else the branch `origin/HEAD` points at, falling back to
    main or master. The result is the merge base of that ref and HEAD.
    """
    env = os.environ if environ is None else environ
    if _verify(root, "HEAD") is None:
        raise BadInputError("the repository has no commits yet", "commit the config files first")
    ref = base or _ref_from_environment(root, env) or _default_branch(root)
    if ref is None:
        raise BadInputError("cannot tell which branch this change is based on (no origin/HEAD, main or master)",
                            "pass --base REF, e.g. --base origin/main")
    if _verify(root, ref) is None:
        raise BadInputError(f"unknown base revision '{ref}'",
                            "pass --base with a branch, tag or commit that exists (fetch it first in CI: "
                            "actions/checkout with fetch-depth: 0)")
    proc = _git(root, "merge-base", ref, "HEAD", check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise BadInputError(f"'{ref}' and HEAD share no history",
                            "pass --base with a revision this branch was made from")
    return Base(ref, proc.stdout.strip())


def _ref_from_environment(root: Path, env: Mapping[str, str]) -> str | None:
    branch = env.get("GITHUB_BASE_REF", "").strip()
    if env.get("GITHUB_ACTIONS") != "true" or not branch:
        return None
    ref = f"origin/{branch}"
    if _verify(root, ref) is None:
        # shallow or single-branch checkouts lack the base branch: fetch just that one
        _git(root, "fetch", "--no-tags", "origin", f"+refs/heads/{branch}:refs/remotes/origin/{branch}", check=False)
    return ref


def _default_branch(root: Path) -> str | None:
    proc = _git(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD", check=False)
    candidates = [proc.stdout.strip()] if proc.returncode == 0 and proc.stdout.strip() else []
    candidates += ["origin/main", "origin/master", "main", "master"]
    return next((c for c in candidates if _verify(root, c)), None)


def changed_files(root: Path, commit: str) -> list[ChangedFile]:
    """Files that differ between `commit` and the working tree (committed, staged, unstaged or untracked).

    Renames count as a deletion plus an addition, so both sides are judged.
    """
    prefix = repo_prefix(root)
    diff = _git(root, "diff", "--name-status", "--no-renames", "-z", commit, "--", ".").stdout
    parts = [p for p in diff.split("\0") if p]
    found: dict[str, str] = {}
    for status, path in zip(parts[::2], parts[1::2], strict=True):
        found[path] = status[0]
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--full-name", "--", ".").stdout
    for path in filter(None, untracked.split("\0")):
        found.setdefault(path, "A")
    return [ChangedFile(status, path.removeprefix(prefix)) for path, status in sorted(found.items())
            if path.startswith(prefix)]


def read_at(root: Path, commit: str, relpath: str) -> str | None:
    """The text of `relpath` (relative to the config root) at `commit`, or None when it did not exist."""
    return gitcmd.Git(root).read_text_at(commit, relpath)


def list_at(root: Path, commit: str, folder: str) -> list[str]:
    """Files under `folder` (relative to the config root) at `commit`, relative to the config root."""
    return gitcmd.Git(root).list_at(commit, folder)
