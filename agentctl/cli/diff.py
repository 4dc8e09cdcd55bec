from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import json_option, repo_from, repo_option
from agentctl.cli.render import emit_json
from agentctl.errors import EXIT_OK


@click.command()
@click.argument("before", metavar="AGENT@vA")
@click.argument("after", metavar="[AGENT@vB]", required=False)
@repo_option
@json_option
def diff(before: str, after: str | None, repo: Path | None, as_json: bool) -> int:
    """Show what changed between two bundles, or from a bundle to the working tree.

    Changes are semantic: prompt lines and sections, variables, model settings, tool contract
    fields, KB documents added, updated, deleted or renamed.

    \b
    Examples:
      agentctl diff install-reminder@v2 install-reminder@v3
      agentctl diff install-reminder@v3          # to the working tree
      agentctl diff install-reminder@v2 install-reminder@v3 --json
    """
    from agentctl.ops.diff import diff_bundles

    found = diff_bundles(repo_from(repo), before, after)
    if as_json:
        emit_json(found.to_dict())
        return EXIT_OK
    click.echo(f"{found.before} → {found.after}")
    if not found.changed:
        click.echo("no changes")
        return EXIT_OK
    for item in found.items:
        click.echo(f"  {item['component']} {item['name']}: {item['summary']}")
        for line in item.get("lines_removed") or []:
            click.echo(f"      - {line}")
        for line in item.get("lines_added") or []:
            click.echo(f"      + {line}")
    if found.files:
        click.echo("files:")
        for change in found.files:
            click.echo(f"  {change.status:8} {change.path}")
    return EXIT_OK
