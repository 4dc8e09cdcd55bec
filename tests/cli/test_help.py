"""Every command's --help ends with examples a user can copy, and every example names real commands and options."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator

import click
import pytest

from agentctl.cli.main import cli as root
from tests.helpers import Result


def _walk(command: click.Command, path: tuple[str, ...], ctx: click.Context) -> Iterator[tuple[str, ...]]:
    """Every command path in the tree, lazy groups included (get_command imports each module)."""
    yield path
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, f"{' '.join(path)} lists {name} but cannot load it"
            yield from _walk(sub, (*path, name), click.Context(sub, parent=ctx, info_name=name))


PATHS = list(_walk(root, (), click.Context(root, info_name="agentctl")))


def _resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    command: click.Command = root
    ctx = click.Context(root, info_name="agentctl")
    while words and isinstance(command, click.Group):
        sub = command.get_command(ctx, words[0])
        if sub is None:
            break
        command, words = sub, words[1:]
        ctx = click.Context(command, parent=ctx, info_name=words[0] if words else "")
    return command, words


def _examples(help_text: str) -> list[str]:
    found = re.search(r"^ *Examples:\n", help_text, re.M)
    assert found, "no Examples section"
    lines = []
    for line in help_text[found.end():].splitlines():
        if not line.startswith("    ") or not line.strip():
            break
        lines.append(line.strip())
    return lines


def test_the_walk_sees_the_whole_tree() -> None:
    leaves = [p for p in PATHS if not isinstance(_resolve(list(p))[0], click.Group)]
    assert len(leaves) >= 43
    assert ("contracts", "verify") in PATHS and ("review", "weekly") in PATHS and ("completion",) in PATHS


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "agentctl")
def test_every_command_help_has_examples_that_name_real_commands_and_options(
        path: tuple[str, ...], cli: Callable[..., Result]) -> None:
    result = cli(*path, "--help")
    assert result.exit_code == 0, result.stderr
    examples = _examples(result.stdout)
    assert examples, f"`agentctl {' '.join(path)} --help` has an empty Examples section"
    shown: list[list[str]] = []
    for example in examples:
        invocations = re.findall(r"\bagentctl((?:\s+[^&|)#]+)?)", example)
        assert invocations, f"example does not run agentctl: {example}"
        for tail in invocations:
            words = shlex.split(tail)
            command, _ = _resolve(words)
            known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
            named = {w.split("=")[0] for w in words if re.fullmatch(r"--?[a-zA-Z][\w-]*(=.*)?", w)}
            assert named <= known | {"-h", "--help"}, f"{example}: unknown options {sorted(named - known)}"
            shown.append(words)
    assert any(words[: len(path)] == list(path) for words in shown), \
        f"no example of `agentctl {' '.join(path)}` itself in its help: {examples}"

def test_a_command_without_examples_is_caught() -> None:
    with pytest.raises(AssertionError, match="no Examples section"):
        _examples("Usage: agentctl thing\n\n  Does a thing.\n\nOptions:\n  --help  Examples: none\n")
