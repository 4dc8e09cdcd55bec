"""The README's command reference must stay true to the CLI: every command and option it names exists."""

from __future__ import annotations

import re

import click
import pytest

from agentctl.cli.main import cli
from tests.helpers import REPO_ROOT

ROW = re.compile(r"^\| `(agentctl [^`]+)`(?: / `(agentctl [^`]+)`)? \|", re.M)


def _usages() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text("utf-8")
    return [u for match in ROW.finditer(text) for u in match.groups() if u]


def _resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """Walk the command tree along `words`; return the command and the words after it."""
    command: click.Command = cli
    ctx = click.Context(cli)
    while words and isinstance(command, click.Group):
        sub = command.get_command(ctx, words[0])
        if sub is None:
            break
        command, words = sub, words[1:]
    return command, words


def test_readme_names_commands() -> None:
    assert len(_usages()) >= 30


@pytest.mark.parametrize("usage", _usages())
def test_readme_usage_matches_the_cli(usage: str) -> None:
    words = usage.replace("\\|", "|").split()[1:]
    command, _ = _resolve(words)
    assert not isinstance(command, click.Group) or command is not cli, f"unknown command in README: {usage}"
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    named = set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", usage))
    assert named <= known, f"{usage}: options not in the CLI: {sorted(named - known)}"
