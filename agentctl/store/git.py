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
from agentctl.store.gitcmd import RETRY_FIX, not_a_repository, run


@contextlib.contextmanager
def map_git_errors(action: str) -> Iterator[None]:
    """Turn gitpython/git failures during `action` into one readable GitError."""
    import git

    try:
        yield
    except git.exc.InvalidGitRepositoryError:
        raise not_a_repository(action) from None
    except git.exc.NoSuchPathError as exc:
        raise GitError(f"cannot {action}: no such path {exc}", "check the --repo path") from None
    except git.exc.GitCommandError as exc:
        detail = (exc.stderr or exc.stdout or str(exc)).strip().splitlines()
        reason = detail[-1].removeprefix("stderr: ").strip(" '") if detail else str(exc)
        raise GitError(f"cannot {action}: git said: {reason}", RETRY_FIX) from None


def open_repo(root: Path) -> Any:
    """The git.Repo at `root` (searching parents), or a GitError saying how to create one.

    Use it as a context manager (`with open_repo(root) as repo:`): gitpython keeps `git
    cat-file` helper processes alive until the Repo is closed.
    """
    import git

    with map_git_errors("open the repository"):
        return git.Repo(root, search_parent_directories=True)


def is_git_repo(root: Path) -> bool:
    import git

    try:
        with git.Repo(root, search_parent_directories=True):
            return True
    except (git.exc.InvalidGitRepositoryError, git.exc.NoSuchPathError):
        return False


def ensure_repo(root: Path, initial_branch: str = "main") -> bool:
    """`git init` at `root` unless it is already inside a repository; True when one was created."""
    import git

    if is_git_repo(root):
        return False
    with map_git_errors("initialise a git repository"), git.Repo.init(root, initial_branch=initial_branch):
        return True


def commit_paths(root: Path, paths: list[Path], message: str, *, author: tuple[str, str] | None = None) -> str:
    """Stage exactly `paths` (absolute) in the repository holding `root` and commit them; returns the sha."""
    import git

    with map_git_errors("commit"), open_repo(root) as repo:
        top = Path(repo.working_tree_dir)
        repo.index.add([p.resolve().relative_to(top.resolve()).as_posix() for p in paths])
        actor = git.Actor(*author) if author else None
        return str(repo.index.commit(message, author=actor, committer=actor).hexsha)


def identity(repo_root: Path | None = None) -> tuple[str, str] | None:
    """(name, email) from git config (the repository's, else the global one), or None when git has none.

    Read through the `git` program: learning who acts must not cost a gitpython import.
    """
    def value(key: str) -> str:
        try:
            proc = run(repo_root or Path.cwd(), "config", "--get", key, check=False)
        except Exception:  # no git program, or the folder vanished: no identity
            return ""
        return proc.stdout.decode("utf-8", "replace").strip() if proc.returncode == 0 else ""

    name, email = value("user.name"), value("user.email")
    return (name, email) if name or email else None
