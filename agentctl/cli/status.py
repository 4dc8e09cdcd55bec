"""status and log — thin commands over agentctl.ops.status."""

from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import env_option, json_option, repo_from, repo_option
from agentctl.cli.render import emit_json, table
from agentctl.errors import EXIT_OK


@click.command()
@click.argument("agent", required=False)
@env_option
@repo_option
@json_option
def status(agent: str | None, env: str | None, repo: Path | None, as_json: bool) -> int:
    """Stable and canary bundles, weight, step, time in step, and whether the change window is open.

    \b
    Examples:
      agentctl status
      agentctl status install-reminder --env production --json
    """
    from agentctl.ops.status import status as run

    report = run(repo_from(repo), agent, env)
    if as_json:
        emit_json(report.to_dict())
        return EXIT_OK
    rows = [(a.agent, f"v{a.stable}" if a.stable else "-", f"v{a.canary}" if a.canary and a.weight else "-",
             f"{a.weight}%", a.step or ("aborted" if a.aborted else "-"),
             f"{a.minutes_in_step:g} min" if a.minutes_in_step is not None else "-",
             f"yes: {a.disabled['reason']}" if a.disabled else "no") for a in report.agents]
    table(["agent", "stable", "canary", "weight", "step", "in step", "disabled"], rows, title=report.env)
    window = report.window
    state = "open" if window["open"] else f"closed — next opens {window['next_open']}"
    click.echo(f"change window: {state} ({window['reason']})")
    return EXIT_OK


@click.command()
@click.argument("agent")
@env_option
@click.option("-n", "--limit", type=int, default=None, help="Show at most N records.")
@repo_option
@json_option
def log(agent: str, env: str | None, limit: int | None, repo: Path | None, as_json: bool) -> int:
    """Every deployment action on an agent: who, when, what and why, newest first.

    \b
    Examples:
      agentctl log install-reminder --env production
      agentctl log install-reminder --env production -n 5 --json
    """
    from agentctl.ops.status import deployment_log

    records = deployment_log(repo_from(repo), agent, env, limit=limit)
    if as_json:
        emit_json([r.to_dict() for r in records])
        return EXIT_OK
    table(["time", "action", "by", "summary", "reason", "approvals / override"],
          [(r.time, r.action, r.author, r.summary, r.reason,
            "; ".join(filter(None, [", ".join(str(a.get("by") or a) for a in r.approvals),
                                    "override: " + ", ".join(o["rule"] for o in r.override) if r.override else ""])))
           for r in records], title=f"{agent}")
    return EXIT_OK
