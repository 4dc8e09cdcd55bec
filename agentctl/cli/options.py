"""Options shared by many commands, defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def repo_option(fn: F) -> F:
    return click.option("--repo", "repo", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help="Config repo root (default: found from the current directory, like git).")(fn)


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of tables.")(fn)


def env_option(fn: F) -> F:
    return click.option("--env", "env", default=None, metavar="ENV",
                        help="Environment (default: default_environment in agentctl.yaml).")(fn)


def repo_from(repo: Path | None) -> Any:
    """The ConfigRepo handle a command works on, from `--repo` (or found from the current directory)."""
    from agentctl.repo import ConfigRepo

    return ConfigRepo.discover(repo)


def root_from(repo: Path | None) -> Path:
    from agentctl.model.workspace import resolve_root

    return resolve_root(repo)


def optional_root(repo: Path | None) -> Path | None:
    """Like root_from, but None outside a config repo (for commands that also work on plain files)."""
    from agentctl.errors import NotARepositoryError

    try:
        return root_from(repo)
    except NotARepositoryError:
        if repo is not None:
            raise
        return None
