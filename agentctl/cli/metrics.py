from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import env_option, json_option, repo_from, repo_option
from agentctl.cli.render import emit_json, table
from agentctl.errors import EXIT_OK


@click.command()
@click.argument("agent", required=False)
@env_option
@click.option("--since", default="7d", show_default=True, help="First day: a date, yesterday, or a span like 7d / 2w.")
@click.option("--until", default=None, help="Last day (default: the newest data).")
@click.option("--by", type=click.Choice(["agent", "day", "version"]), default="agent", show_default=True,
              help="Break each metric down per day or per bundle version.")
@repo_option
@json_option
def metrics(agent: str | None, env: str | None, since: str, until: str | None, by: str, repo: Path | None,
            as_json: bool) -> int:
    """Show the metrics declared in agentctl.yaml, computed from stored calls.

    Without --env, production environments are shown. Values outside thresholds are
    marked breach; metrics without data are marked no-data.

    \b
    Examples:
      agentctl metrics
      agentctl metrics install-reminder --env production --since 14d --by day
      agentctl metrics install-reminder --env production --by version --json
    """
    from agentctl.analysis.daily import format_value
    from agentctl.ops.metrics import show_metrics

    report = show_metrics(repo_from(repo), agent, env=env, since=since, until=until, by=by)
    if as_json:
        emit_json(report.to_dict())
        return EXIT_OK
    columns = ["metric", "env", "agent"] + ([by] if by != "agent" else []) + ["value", "n", "threshold", "status", "owner"]
    rows = [[r.metric, r.environment, r.agent] + ([r.group] if by != "agent" else [])
            + [format_value(r.value), f"{r.n:,}", r.threshold, r.status, r.owner] for r in report.rows]
    span = f"{report.since or 'start'} … {report.until or 'latest'}"
    table(columns, rows, title=f"metrics, {', '.join(report.environments)}, {span}")
    if not any(r.n for r in report.rows):
        click.echo("no calls stored for this selection — ingest some with `agentctl calls ingest FILE`")
    return EXIT_OK
