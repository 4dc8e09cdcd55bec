from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import json_option, repo_from, repo_option
from agentctl.cli.render import emit_json, table
from agentctl.errors import EXIT_OK


@click.command()
@click.argument("name")
@click.option("--kind", type=click.Choice(["agent", "prompt", "contract", "kb"]), default="agent", show_default=True,
              help="Show the releases of an agent, or the versions of one prompt, tool contract or KB manifest.")
@repo_option
@json_option
def history(name: str, kind: str, repo: Path | None, as_json: bool) -> int:
    """List the releases of agent NAME (or the versions of an artifact), oldest first.

    \b
    Examples:
      agentctl history install-reminder
      agentctl history sms-gateway --kind contract
      agentctl history install-faq --kind kb --json
    """
    handle = repo_from(repo)
    if kind == "agent":
        from agentctl.ops.history import agent_history

        found = agent_history(handle, name)
        if as_json:
            emit_json(found.to_dict())
            return EXIT_OK
        if not found.rows:
            click.echo(f"{name} has no releases yet — run `agentctl release {name} -m NOTE`")
            return EXIT_OK
        table(["version", "date", "author", "components", "note", "tests"],
              [(f"v{r.version}", r.date, r.author, "\n".join(r.components), r.note, r.tests) for r in found.rows],
              title=f"{name}")
        return EXIT_OK
    from agentctl.ops.history import artifact_history

    versions = artifact_history(handle, kind, name)
    if as_json:
        emit_json(versions.to_dict())
        return EXIT_OK
    table(["version", "date", "author", "commit", "changes", "released in", "tests"],
          [(v.version, v.date, v.author, v.commit[:12], v.changes, ", ".join(v.released_in) or "-", v.tests)
           for v in versions.versions], title=f"{kind} {name} ({versions.path})")
    return EXIT_OK
