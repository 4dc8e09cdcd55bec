"""`agentctl runbook list|run` — thin commands over agentctl.ops.runbook."""

from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import json_option, repo_option
from agentctl.cli.render import emit_json, table


@click.group()
def runbook() -> None:
    """Owned procedures for failure modes (runbooks/<name>.md); run their command steps.

    \b
    Examples:
      agentctl runbook list
      agentctl runbook run tool-failure --tool sms-gateway
    """


@runbook.command(name="list")
@repo_option
@json_option
def list_(repo: Path | None, as_json: bool) -> int:
    """List the runbooks with their owner, triggers and first step.

    \b
    Examples:
      agentctl runbook list
      agentctl runbook list --json
    """
    from agentctl.ops.runbook import list_runbooks
    from agentctl.repo import ConfigRepo

    books = list_runbooks(ConfigRepo.discover(repo))
    if as_json:
        emit_json([b.to_dict() for b in books])
        return 0
    table(["runbook", "owner", "triggers", "first step"],
          [(b.name, b.owner, ", ".join(v for vals in b.triggers.values() for v in vals),
            b.first_steps(1)[0] if b.steps else "") for b in books], title="runbooks")
    return 0


@runbook.command()
@click.argument("name")
@click.option("--tool", metavar="TOOL", help="Fills {tool} in the runbook's commands.")
@click.option("--agent", metavar="AGENT", help="Fills {agent} in the runbook's commands.")
@click.option("--env", "env", metavar="ENV", help="Fills {env} (default production).")
@repo_option
@json_option
def run(name: str, tool: str | None, agent: str | None, env: str | None, repo: Path | None, as_json: bool) -> int:
    """Execute a runbook's agentctl steps in order and stop at the first step that needs a person.

    Read-only commands (contracts verify/history, canary evaluate, check daily, status, log, …)
    run; any other step is a decision for a person, shown with the runbook's owner and decision
    rights. Exits 1 when a command step failed, else 0.

    \b
    Examples:
      agentctl runbook run tool-failure --tool sms-gateway
      agentctl runbook run quality-degradation --agent install-reminder --json
    """
    from agentctl.ops.runbook import run_runbook
    from agentctl.repo import ConfigRepo

    result = run_runbook(ConfigRepo.discover(repo), name, tool=tool, agent=agent, env=env)
    if as_json:
        emit_json(result.to_dict())
        return 0 if result.ok else 1
    book = result.runbook
    click.echo(f"runbook {book.name}: {book.title} (owner {book.owner})")
    for step in result.steps:
        if step.kind == "ran":
            mark = "✓" if step.ok else "✗"
            click.echo(f"{mark} {step.number}. {step.command} → exit {step.exit_code}")
            for line in step.output.splitlines():
                click.echo(f"    {line}")
        elif step.kind == "human":
            click.echo(f"→ {step.number}. needs a person: {step.text}")
            rights = "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}"
                               for k, v in book.decision_rights.items())
            if rights:
                click.echo(f"    decision rights — {rights}")
    failed = result.failed
    if failed:
        click.echo(f"✗ {len(failed)} step(s) failed: {', '.join(str(s.number) for s in failed)}; "
                   f"stopped at step {result.stopped_at.number if result.stopped_at else '—'} for a person")
        return 1
    stop = result.stopped_at
    click.echo(f"✓ command steps passed; step {stop.number} is for a person" if stop else "✓ runbook complete")
    return 0
