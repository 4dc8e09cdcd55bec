from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import json_option, repo_option
from agentctl.cli.render import emit_json


@click.group()
def report() -> None:
    """Reports for business stakeholders (the monthly business review).

    \b
    Examples:
      agentctl report monthly --month 2026-10
    """


@report.command()
@click.option("--month", default=None, metavar="YYYY-MM", help="Month to review (default: last month).")
@click.option("--agent", "agents", multiple=True, metavar="AGENT",
              help="Agent to report on; repeat for several (default: every agent with calls).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the report, charts and CSVs (default: reports/<month>/ in the repo).")
@click.option("--format", "formats", multiple=True, type=click.Choice(["md", "html"]),
              help="md, html, or both (default: both).")
@click.option("--env", "env", default=None, metavar="ENV",
              help="Environment to report on (default: every production environment).")
@click.option("--post", is_flag=True, help="Post the summary and chart links to the alerts webhook.")
@click.option("--link-base", default=None, metavar="URL",
              help="Where the report folder is published, for the links in --post (default: its path).")
@repo_option
@json_option
def monthly(month: str | None, agents: tuple[str, ...], out: Path | None, formats: tuple[str, ...], env: str | None,
            post: bool, link_base: str | None, repo: Path | None, as_json: bool) -> int:
    """Write the monthly business review: outcome per day with every deploy, rollback and contract
    change marked on it, cost per success vs the human benchmark, the silent-failure gap per tool,
    review scores, open backlog and daily-check findings. Markdown and self-contained HTML, a PNG and
    a CSV per chart. Exits 1 when --post could not deliver.

    \b
    Examples:
      agentctl report monthly --month 2026-11
      agentctl report monthly --agent install-reminder --format html --out /tmp/review
      agentctl report monthly --post --link-base https://wiki.example/reports/2026-11
    """
    from agentctl.ops.report import FORMATS, monthly_report
    from agentctl.repo import ConfigRepo

    with ConfigRepo.discover(repo) as handle:
        result = monthly_report(handle, month=month, agents=list(agents) or None, out=out,
                                formats=tuple(formats) or FORMATS, env=env, post=post, link_base=link_base)
    if as_json:
        emit_json(result.to_dict())
    else:
        click.echo(result.summary)
        click.echo(f"wrote {len(result.files)} files to {result.out}: "
                   + ", ".join(f for f in result.files if f.startswith("report.")))
        for note in result.notes:
            click.echo(f"note: {note}")
    if result.webhook is not None and not result.webhook.get("ok"):
        click.echo(f"agentctl: webhook not delivered: {result.webhook.get('error')}", err=True)
        return 1
    return 0
