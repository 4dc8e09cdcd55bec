from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import json_option, repo_from, repo_option
from agentctl.cli.render import emit_json
from agentctl.errors import EXIT_OK


@click.command()
@click.argument("agent")
@click.option("-m", "--message", "note", required=True, metavar="NOTE",
              help="What changed and why, in words a teammate can act on (required).")
@repo_option
@json_option
def release(agent: str, note: str, repo: Path | None, as_json: bool) -> int:
    """Pin AGENT's components into the next bundle AGENT@vN, commit it and tag it.

    Refused when the note says nothing, when nothing changed since the last bundle, or when
    one of the agent's component files has uncommitted changes.

    \b
    Examples:
      agentctl release install-reminder -m "Confirm the install date before the SMS"
      agentctl release install-reminder -m "New FAQ snapshot" --json
    """
    from agentctl.ops.release import release_bundle, stale_cassette_warnings

    handle = repo_from(repo)
    bundle = release_bundle(handle, agent, note)
    warnings = stale_cassette_warnings(handle, agent)
    if as_json:
        emit_json({**bundle.to_dict(), "warnings": [w.to_dict() for w in warnings]})
        return EXIT_OK
    click.echo(f"released {bundle.ref} (commit {bundle.commit[:12]}, tag {bundle.ref})")
    click.echo(f"  note: {bundle.human_note}")
    for item in bundle.notes.get("generated") or []:
        click.echo(f"  - {item['component']} {item['name']}: {item['summary']}")
    for warning in warnings:
        click.echo(str(warning), err=True)
    if warnings:
        click.echo(f"then run `agentctl test {bundle.ref}` so its results are recorded before deploying", err=True)
    return EXIT_OK
