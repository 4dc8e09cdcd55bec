"""deploy, promote, abort, rollback — thin commands over agentctl.ops.rollout / agentctl.ops.rollback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from agentctl.cli.options import env_option, json_option, repo_from, repo_option
from agentctl.cli.render import emit_json
from agentctl.errors import EXIT_OK

F = TypeVar("F", bound=Callable[..., Any])


def reason_option(fn: F) -> F:
    return click.option("--reason", default="", help="Why — recorded in the deployment log.")(fn)


def override_option(fn: F) -> F:
    return click.option("--override", is_flag=True,
                        help="Pass a change window or gate (allowed roles only; needs --reason; recorded).")(fn)


def incident_repo(repo: Path | None) -> Any:
    """The repo for an incident command: also when agentctl.yaml is deleted or a dangling symlink in the
    checkout, as long as it is committed (the command then works from the committed config)."""
    from agentctl.errors import NotARepositoryError

    try:
        return repo_from(repo)
    except NotARepositoryError:
        import subprocess

        from agentctl.model import layout
        from agentctl.repo import ConfigRepo

        where = Path(repo) if repo is not None else Path.cwd()
        top = subprocess.run(["git", "-C", str(where), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, check=False)
        if top.returncode != 0:
            raise
        root = Path(top.stdout.strip())
        found = subprocess.run(["git", "-C", str(root), "cat-file", "-e", f"HEAD:{layout.CONFIG_FILE}"],
                               capture_output=True, check=False)
        if found.returncode != 0:
            raise
        return ConfigRepo(root)


def show_outcome(outcome: Any, as_json: bool) -> int:
    if as_json:
        emit_json(outcome.to_dict())
    elif outcome.changed:
        click.echo(f"✓ {outcome.summary} (commit {outcome.commit[:10]})")
    else:
        click.echo(f"· {outcome.summary}; nothing changed")
    return EXIT_OK


@click.command()
@click.argument("bundle", metavar="AGENT[@vN]")
@env_option
@click.option("--canary", type=int, default=None, metavar="PCT", help="Start at PCT% (default: first rollout step).")
@reason_option
@override_option
@repo_option
@json_option
def deploy(bundle: str, env: str | None, canary: int | None, reason: str, override: bool, repo: Path | None,
           as_json: bool) -> int:
    """Deploy a released bundle (default: the latest) to an environment as a canary.

    \b
    Examples:
      agentctl deploy install-reminder --env staging
      agentctl deploy install-reminder@v3 --env production
      agentctl deploy install-reminder@v3 --env production --canary 5 --reason "slow start"
    """
    from agentctl.ops.rollout import deploy as run

    return show_outcome(run(repo_from(repo), bundle, env, canary=canary, reason=reason, override=override), as_json)


@click.command()
@click.argument("agent")
@env_option
@click.option("--to", "to", type=int, default=None, metavar="PCT", help="Go to PCT% instead of the next step.")
@click.option("--full", is_flag=True, help="Go to 100%: the canary becomes stable.")
@click.option("--force", is_flag=True,
              help="Promote although the canary judge says rollback or inconclusive (override role; needs --reason; "
                   "the overridden verdict is recorded).")
@reason_option
@override_option
@repo_option
@json_option
def promote(agent: str, env: str | None, to: int | None, full: bool, force: bool, reason: str, override: bool,
            repo: Path | None, as_json: bool) -> int:
    """Move the canary to the next rollout step.

    The canary judge runs first: a rollback or inconclusive verdict refuses (exit 3) unless a
    person with the override role passes --force --reason. Refused before the step's minimum time.

    \b
    Examples:
      agentctl promote install-reminder --env production
      agentctl promote install-reminder --env production --full
      agentctl promote install-reminder --env production --force --reason "judge counts test calls"
    """
    from agentctl.ops.rollout import promote as run

    return show_outcome(run(repo_from(repo), agent, env, to=to, full=full, reason=reason, override=override,
                            force=force), as_json)


@click.command()
@click.argument("agent")
@env_option
@reason_option
@override_option
@repo_option
@json_option
def abort(agent: str, env: str | None, reason: str, override: bool, repo: Path | None, as_json: bool) -> int:
    """Set the canary's weight to 0; the stable bundle keeps all traffic.

    \b
    Examples:
      agentctl abort install-reminder --env production --reason "sms_success fell on the canary"
      agentctl abort install-reminder --env production --json
    """
    from agentctl.ops.rollout import abort as run

    return show_outcome(run(incident_repo(repo), agent, env, reason=reason, override=override), as_json)


@click.command()
@click.argument("bundle", metavar="AGENT[@vN]")
@env_option
@reason_option
@override_option
@repo_option
@json_option
def rollback(bundle: str, env: str | None, reason: str, override: bool, repo: Path | None, as_json: bool) -> int:
    """Make a known-good bundle (default: the previous stable) stable at 100% now; ends any canary.

    \b
    Examples:
      agentctl rollback install-reminder --env production --reason "SMS not delivered"
      agentctl rollback install-reminder@v2 --env production --reason "back to the last good"
    """
    from agentctl.ops.rollback import rollback as run

    return show_outcome(run(incident_repo(repo), bundle, env, reason=reason, override=override), as_json)
