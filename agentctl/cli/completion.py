"""Shell completion: `agentctl completion bash|zsh|fish` prints the script; values complete from the repo.

Which values a parameter completes is decided here, once, by the parameter's name (and, for a few
names that mean different things in different commands, by the command path), so every command gets
the same completion for `--env`, `AGENT`, `AGENT@vN`, `TOOL` and `PERSON` without repeating it.
`LazyGroup.get_command` calls `attach` on each command it loads. Completers read the config repo
cheaply (folder listings and one YAML parse of agentctl.yaml), and never fail: outside a repo they
offer nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

SHELLS = ("bash", "zsh", "fish")

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    Completes commands, options, agent names, environments, bundle refs (AGENT@vN), tool
    contracts, people and runbooks from the config repo you are in. Load it once per shell, or
    save it where your shell reads completions.

    \b
    Examples:
      eval "$(agentctl completion bash)"                      # in ~/.bashrc
      eval "$(agentctl completion zsh)"                       # in ~/.zshrc
      agentctl completion fish > ~/.config/fish/completions/agentctl.fish
    """
    from click.shell_completion import get_completion_class

    from agentctl.cli.main import cli

    shell_class = get_completion_class(shell)
    assert shell_class is not None  # every name in SHELLS is built into click
    click.echo(shell_class(cli, {}, "agentctl", "_AGENTCTL_COMPLETE").source())


# -- what the repo holds ---------------------------------------------------------------------------------------------

def _root(ctx: click.Context) -> Path | None:
    """The repo of the command line being completed: its --repo when already typed, else found from the cwd."""
    from agentctl.model.layout import CONFIG_FILE

    for frame in _frames(ctx):
        given = frame.params.get("repo")
        if given:
            path = Path(given)
            return path if (path / CONFIG_FILE).is_file() else None
    try:
        here = Path.cwd().resolve()
    except OSError:
        return None
    return next((folder for folder in (here, *here.parents) if (folder / CONFIG_FILE).is_file()), None)


def _frames(ctx: click.Context) -> Iterable[click.Context]:
    frame: click.Context | None = ctx
    while frame is not None:
        yield frame
        frame = frame.parent


def _stems(folder: Path, suffix: str) -> list[str]:
    try:
        return sorted(p.name.removesuffix(suffix) for p in folder.iterdir() if p.name.endswith(suffix) and p.is_file())
    except OSError:
        return []


def agent_names(root: Path) -> list[str]:
    from agentctl.model.layout import AGENT_FILE, BUNDLES_DIR

    try:
        return sorted(d.name for d in (root / BUNDLES_DIR).iterdir() if (d / AGENT_FILE).is_file())
    except OSError:
        return []


def bundle_refs(root: Path) -> list[str]:
    """AGENT@vN for every released bundle file, newest version first within each agent."""
    from agentctl.model.layout import BUNDLES_DIR

    refs = []
    for agent in agent_names(root):
        versions = [s[1:] for s in _stems(root / BUNDLES_DIR / agent, ".yaml") if s[:1] == "v" and s[1:].isdigit()]
        refs += [f"{agent}@v{v}" for v in sorted(versions, key=int, reverse=True)]
    return refs


def _config(root: Path) -> dict[str, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from agentctl.model.layout import CONFIG_FILE

    try:
        data = YAML(typ="safe", pure=True).load((root / CONFIG_FILE).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _keys(value: object) -> list[str]:
    return sorted(str(k) for k in value) if isinstance(value, dict) else []


# -- completers ------------------------------------------------------------------------------------------------------

def _items(values: Iterable[str], incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(v) for v in values if v.startswith(incomplete)]


def _from_repo(values: Callable[[Path], list[str]]) -> Completer:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        root = _root(ctx)
        return _items(values(root), incomplete) if root is not None else []

    return complete


def _agent_or_ref(root: Path) -> list[str]:
    return [*agent_names(root), *bundle_refs(root)]


def _history_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from agentctl.model.layout import CONTRACTS_DIR, KB_DIR, PROMPTS_DIR

    root = _root(ctx)
    if root is None:
        return []
    kind = ctx.params.get("kind") or "agent"
    if kind == "prompt":
        names = sorted(d.name for d in (root / PROMPTS_DIR).glob("*/") if d.is_dir())
    else:
        names = {"contract": _stems(root / CONTRACTS_DIR, ".yaml"), "kb": _stems(root / KB_DIR, ".yaml")}.get(
            kind, agent_names(root))
    return _items(names, incomplete)


def _tools(root: Path) -> list[str]:
    from agentctl.model.layout import CONTRACTS_DIR

    return _stems(root / CONTRACTS_DIR, ".yaml")


def _kbs(root: Path) -> list[str]:
    from agentctl.model.layout import KB_DIR

    return _stems(root / KB_DIR, ".yaml")


complete_environments = _from_repo(lambda root: _keys(_config(root).get("environments")))
complete_agents = _from_repo(agent_names)
complete_agent_or_ref = _from_repo(_agent_or_ref)
complete_bundle_refs = _from_repo(bundle_refs)
complete_tools = _from_repo(_tools)
complete_people = _from_repo(lambda root: _keys(_config(root).get("people")))
complete_runbooks = _from_repo(lambda root: _stems(root / "runbooks", ".md"))

# parameter name → completer; a (command path, parameter name) entry wins over the plain name
BY_NAME: dict[str, Completer] = {
    "env": complete_environments, "envs": complete_environments,
    "agent": complete_agents, "agents": complete_agents,
    "bundle": complete_agent_or_ref, "target": complete_agent_or_ref,  # AGENT[@vN]
    "ref": complete_bundle_refs, "before": complete_bundle_refs, "after": complete_bundle_refs,  # AGENT@vN
    "tool": complete_tools, "targets": complete_tools,
    "reviewer": complete_people,
}
BY_PATH: dict[tuple[str, ...], Completer] = {
    ("history", "name"): _history_names,
    ("kb", "snapshot", "name"): _from_repo(_kbs),
    ("runbook", "run", "name"): complete_runbooks,
}


def attach(command: click.Command, path: tuple[str, ...]) -> None:
    """Give every string parameter of `command` (and its subcommands) the completer its name calls for."""
    for param in command.params:
        completer = BY_PATH.get((*path, param.name or "")) or BY_NAME.get(param.name or "")
        if completer is not None and param._custom_shell_complete is None and _completes_freely(param):
            param._custom_shell_complete = completer
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            attach(sub, (*path, name))


def _completes_freely(param: click.Parameter) -> bool:
    """Only free-text parameters: Choice, Path and other types complete themselves."""
    return isinstance(param.type, click.types.StringParamType)

