"""All git access goes through this module; it is the only place that imports gitpython.

Third-party git errors are translated into AgentctlError subclasses here, so users never
see a GitCommandError traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agentctl.errors import GitError


@contextlib.contextmanager
def map_git_errors(action: str) -> Iterator[None]:
    """Turn gitpython/git failures during `action` into one readable GitError."""
    import git

    try:
        yield
    except git.exc.InvalidGitRepositoryError:
        raise GitError(f"cannot {action}: not a git repository", "run `git init` or `agentctl init`") from None
    except git.exc.NoSuchPathError as exc:
        raise GitError(f"cannot {action}: no such path {exc}", "check the --repo path") from None
    except git.exc.GitCommandError as exc:
        detail = (exc.stderr or exc.stdout or str(exc)).strip().splitlines()
        reason = detail[-1].removeprefix("stderr: ").strip(" '") if detail else str(exc)
        raise GitError(f"cannot {action}: git said: {reason}", "fix the git problem above and run the command again") from None


def open_repo(root: Path) -> Any:
    """The git.Repo at `root` (searching parents), or a GitError saying how to create one."""
    import git

    with map_git_errors("open the repository"):
        return git.Repo(root, search_parent_directories=True)


def is_git_repo(root: Path) -> bool:
    import git

    try:
        git.Repo(root, search_parent_directories=True)
    except (git.exc.InvalidGitRepositoryError, git.exc.NoSuchPathError):
        return False
    return True


def init_repo(root: Path, initial_branch: str = "main") -> Any:
    """`git init` at `root` with `initial_branch` as the first branch."""
    import git

    with map_git_errors("initialise a git repository"):
        return git.Repo.init(root, initial_branch=initial_branch)


def commit_paths(repo: Any, paths: list[str], message: str, *, author: tuple[str, str] | None = None) -> str:
    """Stage exactly `paths` and commit them; returns the new commit's hex sha."""
    import git

    with map_git_errors("commit"):
        repo.index.add(paths)
        actor = git.Actor(*author) if author else None
        commit = repo.index.commit(message, author=actor, committer=actor)
        return commit.hexsha


def identity(repo_root: Path | None = None) -> tuple[str, str] | None:
    """(name, email) from git config, or None when git has no identity configured."""
    import git

    try:
        reader = git.Repo(repo_root, search_parent_directories=True).config_reader() if repo_root \
            else git.GitConfigParser(read_only=True)
        name = reader.get_value("user", "name", default="")
        email = reader.get_value("user", "email", default="")
    except (git.exc.InvalidGitRepositoryError, git.exc.NoSuchPathError, OSError):
        return None
    return (str(name), str(email)) if name or email else None
