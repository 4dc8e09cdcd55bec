"""disable, enable, approve — thin commands over agentctl.ops.disable / agentctl.ops.approve."""

from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import env_option, json_option, repo_from, repo_option
from agentctl.cli.render import emit_json, table
from agentctl.cli.rollout import override_option, reason_option, show_outcome
from agentctl.errors import EXIT_OK


@click.command()
@click.argument("agents", nargs=-1)
@click.option("--all", "all_agents", is_flag=True, help="Disable every agent (a shutdown).")
@env_option
@reason_option
@repo_option
@json_option
def disable(agents: tuple[str, ...], all_agents: bool, env: str | None, reason: str, repo: Path | None,
            as_json: bool) -> int:
    """Take agents out of service (several agents or all need an approval by policy).

    \b
    Examples:
      agentctl disable install-reminder --env production --reason "gateway answers 200, sends nothing"
      agentctl disable --all --env production --reason "carrier outage"
    """
    from agentctl.ops.disable import disable as run

    return show_outcome(run(repo_from(repo), list(agents), env, all_agents=all_agents, reason=reason), as_json)


@click.command()
@click.argument("agents", nargs=-1, required=True)
@env_option
@reason_option
@override_option
@repo_option
@json_option
def enable(agents: tuple[str, ...], env: str | None, reason: str, override: bool, repo: Path | None,
           as_json: bool) -> int:
    """Put disabled agents back in service.

    \b
    Examples:
      agentctl enable install-reminder --env production --reason "gateway fixed"
    """
    from agentctl.ops.disable import enable as run

    return show_outcome(run(repo_from(repo), list(agents), env, reason=reason, override=override), as_json)


@click.command()
@click.argument("request_id", metavar="REQUEST", required=False)
@click.option("--list", "list_only", is_flag=True, help="List open approval requests.")
@reason_option
@repo_option
@json_option
def approve(request_id: str | None, list_only: bool, reason: str, repo: Path | None, as_json: bool) -> int:
    """Approve a request (yours to give by role) and carry it out; --list shows open requests.

    \b
    Examples:
      agentctl approve --list
      agentctl approve R-1a2b3c4d --reason "confirmed on the incident bridge"
    """
    if list_only or not request_id:
        from agentctl.ops.approve import pending

        found = pending(repo_from(repo))
        if as_json:
            emit_json(found.to_dict())
        else:
            table(["request", "action", "env", "agents", "requested by", "needs", "created"],
                  [(r["id"], r["action"], r["env"], ", ".join(r["agents"]), r["requester"],
                    " or ".join(r["approver_roles"]), r["created"]) for r in found.requests])
        return EXIT_OK
    from agentctl.ops.approve import approve as run

    return show_outcome(run(repo_from(repo), request_id, reason=reason), as_json)
