"""window — thin command over agentctl.ops.window."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from agentctl.cli.options import ISO_TIME, env_option, json_option, repo_from, repo_option
from agentctl.cli.render import emit_json
from agentctl.errors import EXIT_OK, EXIT_REFUSED


@click.command()
@click.option("--at", "at", type=ISO_TIME, default=None, metavar="ISO-TIME",
              help="Evaluate at this time (no offset = the policy's timezone); default now.")
@env_option
@repo_option
@json_option
def window(at: dt.datetime | None, env: str | None, repo: Path | None, as_json: bool) -> int:
    """Say whether the change window is open, why, and when it opens next (exit 3 when closed).

    \b
    Examples:
      agentctl window --env production
      agentctl window --env production --at 2026-12-04T10:00
    """
    from agentctl.ops.window import window_status

    status = window_status(repo_from(repo), at, env)
    if as_json:
        emit_json(status.to_dict())
    elif status.open:
        click.echo(f"open: {status.reason}")
    else:
        click.echo(f"closed: {status.reason}")
        click.echo(f"next window opens {status.next_open}" if status.next_open else "no window opens in the next two years")
    return EXIT_OK if status.open else EXIT_REFUSED
