from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import env_option, json_option, repo_option, root_from
from agentctl.cli.render import emit_json, plural, table


@click.group()
def check() -> None:
    """Scheduled checks over production calls (run from cron or CI)."""


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
    """Check every metric of every agent for one day against thresholds and trend.

    Findings are posted to the Slack-compatible webhook in the environment variable named
    by alerts.webhook_env, tagging each metric's owner. Exits 1 when anything is breached
    or has no data.
    """
    from agentctl.analysis.daily import format_value, render_markdown
    from agentctl.ops.check import check_daily

    report = check_daily(root_from(repo), date=date, env=env, post=not no_post, markdown_path=markdown_path)
    if as_json:
        emit_json(report.to_dict())
    elif fmt == "markdown":
        click.echo(render_markdown(report), nl=False)
    else:
        table(["status", "metric", "env", "agent", "value", "n", "threshold", "trend", "owner", "runbook"],
              [(f.status, f.metric, f.environment, f.agent, format_value(f.value), f"{f.n:,}", f.threshold, f.trend,
                f.owner, f.runbook) for f in report.findings], title=f"daily check {report.date}")
        for finding in report.breached:
            click.echo(f"✗ {finding.metric} ({finding.agent}, {finding.environment}): {finding.detail} "
                       f"— owner {finding.owner or 'nobody'}")
        click.echo(f"{plural(len(report.breached), 'finding')} in {plural(len(report.findings), 'check')}")
    if report.webhook is not None and not report.webhook.get("ok"):
        click.echo(f"agentctl: webhook not delivered: {report.webhook.get('error')}", err=True)
    return 0 if report.ok else 1
