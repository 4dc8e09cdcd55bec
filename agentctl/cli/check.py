from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from agentctl.cli.options import env_option, json_option, repo_option
from agentctl.cli.render import emit_json, plural, table

if TYPE_CHECKING:
    from agentctl.analysis.daily import Finding


@click.group()
def check() -> None:
    """Scheduled checks over production calls (run from cron or CI), and the on-call's acknowledgements.

    \b
    Examples:
      agentctl check daily --env production
      agentctl check ack production/install-reminder/sms_success@v2 --note "on it"
    """


@check.command()
@click.option("--date", "date", default=None, help="Day to check (default: yesterday in policy.timezone).")
@env_option
@click.option("--format", "fmt", type=click.Choice(["table", "markdown"]), default="table", show_default=True)
@click.option("--markdown", "markdown_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the report as Markdown to this file.")
@click.option("--no-post", is_flag=True, help="Do not post findings to the webhook.")
@repo_option
@json_option
def daily(date: str | None, env: str | None, fmt: str, markdown_path: Path | None, no_post: bool, repo: Path | None,
          as_json: bool) -> int:
    """Check every metric of every agent for one day, pooled and per bundle version.

    Also reports each tool's silent-failure gap (HTTP 2xx but the contract's success criteria
    failed). Findings are posted to the Slack-compatible webhook in the environment variable
    named by alerts.webhook_env, tagging each owner, with the runbook's name, owner and first
    steps; a finding still open from yesterday without an acknowledgement tags the owner's
    escalation contact. Exits 1 when anything is breached or has no data.

    \b
    Examples:
      agentctl check daily
      agentctl check daily --date 2026-03-10 --no-post
      agentctl check daily --format markdown --markdown out/daily.md
    """
    from agentctl.analysis.daily import format_value, render_markdown
    from agentctl.ops.check import check_daily
    from agentctl.repo import ConfigRepo

    with ConfigRepo.discover(repo) as handle:
        report = check_daily(handle, date=date, env=env, post=not no_post, markdown_path=markdown_path)
    if as_json:
        emit_json(report.to_dict())
    elif fmt == "markdown":
        click.echo(render_markdown(report), nl=False)
    else:
        table(["status", "metric", "env", "agent", "value", "n", "threshold", "trend", "owner", "runbook"],
              _rows(report.findings, format_value), title=f"daily check {report.date}")
        for finding in report.breached:
            click.echo(f"✗ {finding.metric} ({finding.agent}, {finding.environment}): {finding.detail} "
                       f"— owner {finding.owner or 'nobody'}")
            if finding.runbook:
                steps = " ".join(finding.first_steps)
                click.echo(f"    runbook {finding.runbook} (owner {finding.runbook_owner or '—'}){': ' + steps if steps else ''}")
            if finding.ack:
                click.echo(f"    acknowledged by {finding.ack.get('by')} at {finding.ack.get('at')}: {finding.ack.get('note')}")
            elif finding.repeated:
                click.echo(f"    repeated: nobody acknowledged it — escalating to {finding.escalate_to or 'nobody'}")
            if not finding.ack:
                click.echo(f"    acknowledge: agentctl check ack {finding.id} --note \"...\"")
        click.echo(f"{plural(len(report.breached), 'finding')} in {plural(len(report.findings), 'check')}")
    if report.webhook is not None and not report.webhook.get("ok"):
        click.echo(f"agentctl: webhook not delivered: {report.webhook.get('error')}", err=True)
    return 0 if report.ok else 1


FOLD_AT = 5  # this many agents without data for one metric share a table row


def _rows(findings: list[Finding], format_value: Callable[[float | None], str]) -> list[tuple[Any, ...]]:
    """One table row per finding, except that a metric with no data for FOLD_AT or more agents of one
    environment is one row naming how many (a repo of 200 agents would otherwise print a page of "no-data")."""
    silent: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.status == "no-data" and f.version is None:
            silent.setdefault((f.metric, f.environment), []).append(f)
    rows: list[tuple[Any, ...]] = []
    shown: set[tuple[str, str]] = set()
    for f in findings:
        group = silent.get((f.metric, f.environment), []) if f.status == "no-data" and f.version is None else []
        if len(group) < FOLD_AT:
            rows.append((f.status, f.metric, f.environment, f.agent, format_value(f.value), f"{f.n:,}", f.threshold,
                         f.trend, f.owner, f.runbook))
        elif (f.metric, f.environment) not in shown:
            shown.add((f.metric, f.environment))
            rows.append((f.status, f.metric, f.environment, f"{len(group)} agents", format_value(None), "0", f.threshold,
                         f.trend, f.owner, f.runbook))
    return rows


@check.command()
@click.argument("finding")
@click.option("--note", required=True, help="What you found or did (shown in the next morning's check).")
@click.option("--date", "date", default=None, help="Day of the check being acknowledged (default: yesterday).")
@repo_option
@json_option
def ack(finding: str, note: str, date: str | None, repo: Path | None, as_json: bool) -> int:
    """Acknowledge a daily-check finding as the on-call (role from on_call.role in agentctl.yaml).

    Recorded on the ref refs/agentctl/checks (who, when, note) and shown by the next
    `check daily`; an unacknowledged finding is repeated there and escalated. Exits 3 when
    you are not on call.

    \b
    Examples:
      agentctl check ack production/install-reminder/sms_success@v2 --note "gateway needs sender_id; fix in v3"
      AGENTCTL_ACTOR=ines agentctl check ack production/install-reminder/silent-gap.sms-gateway --note "on it"
    """
    from agentctl.ops.check import acknowledge
    from agentctl.repo import ConfigRepo

    record = acknowledge(ConfigRepo.discover(repo), finding, note, date=date)
    if as_json:
        emit_json(record)
    else:
        click.echo(f"✓ {record['finding']} acknowledged by {record['by']} at {record['at']}: {record['note']}")
    return 0
