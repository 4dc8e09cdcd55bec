"""resolve and export — thin commands over agentctl.ops.resolve."""

from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import env_option, json_option, repo_option, root_from
from agentctl.cli.render import emit_json


@click.command()
@click.argument("agent")
@env_option
@click.option("--key", required=True, metavar="CALL_OR_CALLER_ID", help="Sticky routing key (call or caller id).")
@click.option("--format", "fmt", type=click.Choice(["agentctl", "vapi", "retell", "openai"]), default=None,
              help="Print the payload a platform expects (JSON): vapi = POST /call body with a transient assistant, "
                   "retell = create-phone-call overrides, openai = chat-completions body, agentctl = same as --json.")
@repo_option
@json_option
def resolve(agent: str, env: str | None, key: str, fmt: str | None, repo: Path | None, as_json: bool) -> int:
    """Which bundle a call gets (sticky by key) and its rendered config.

    \b
    Examples:
      agentctl resolve install-reminder --env production --key +15555550142
      agentctl resolve install-reminder --env production --key +15555550142 --json
      agentctl resolve install-reminder --env production --key +15555550142 --format vapi
    """
    if fmt is not None:
        from agentctl.ops.resolve import resolve_payload
        from agentctl.repo import ConfigRepo

        emit_json(resolve_payload(ConfigRepo.discover(repo), agent, key=key, env=env, fmt=fmt))
        return 0
    from agentctl.ops.resolve import resolve as run

    found = run(root_from(repo), agent, key=key, env=env, with_config=as_json)
    if as_json:
        emit_json(found.to_dict())
    elif found.track == "disabled":
        click.echo(f"{agent} is disabled in {found.env}: the call gets no agent (bucket {found.bucket})")
    else:
        click.echo(f"{found.bundle} ({found.track}; bucket {found.bucket}, canary weight {found.weight}%)")
    return 0


@click.command()
@env_option
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write <env>.json into.")
@repo_option
@json_option
def export(env: str | None, out: Path, repo: Path | None, as_json: bool) -> int:
    """Write an environment's resolved deployment state as JSON for runtimes that poll files.

    \b
    Examples:
      agentctl export --env production --out /srv/agent-config
      agentctl export --env staging --out build/ --json
    """
    from agentctl.ops.resolve import export as run

    result = run(root_from(repo), out, env)
    if as_json:
        emit_json(result.to_dict())
    else:
        click.echo(f"✓ wrote {result.path}: {len(result.agents)} agents, {len(result.bundles)} bundle configs")
    return 0
