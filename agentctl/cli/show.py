from __future__ import annotations

import json
from pathlib import Path

import click

from agentctl.cli.options import json_option, repo_from, repo_option
from agentctl.cli.render import emit_json, table
from agentctl.errors import EXIT_OK


@click.command()
@click.argument("ref", metavar="AGENT@vN")
@repo_option
@json_option
def show(ref: str, repo: Path | None, as_json: bool) -> int:
    """Show one bundle exactly as released: prompt text, tools, KB, notes, hashes and test results.

    Everything is read from git objects, so it works after files were edited or deleted.

    \b
    Examples:
      agentctl show install-reminder@v3
      agentctl show install-reminder@v3 --json
    """
    from agentctl.ops.show import show_bundle

    view = show_bundle(repo_from(repo), ref)
    if as_json:
        emit_json(view.to_dict())
        return EXIT_OK
    b, cfg = view.bundle, view.config
    click.echo(f"{b.ref}  created {b.created} by {b.author}")
    click.echo(f"commit {b.commit}  source {b.source_commit}  content sha256 {b.content_hash}")
    click.echo(f"note: {b.human_note}")
    for item in b.notes.get("generated") or []:
        click.echo(f"  - {item['component']} {item['name']}: {item['summary']}")
    prompt = b.components["prompt"]
    click.echo(f"\nprompt {prompt['name']} v{prompt['version']}  model {json.dumps(cfg.model, ensure_ascii=False)}")
    click.echo("-" * 60)
    click.echo(cfg.prompt_text.rstrip("\n"))
    click.echo("-" * 60)
    table(["tool", "version", "accepted", "function", "sha256"],
          [(t["name"], t["version"], t.get("range", ""), (cfg.contracts[t["name"]].get("function") or {}).get("name"),
            t["sha256"][:12]) for t in b.components.get("tools") or []], title="tools")
    kb = b.components.get("kb")
    if kb:
        table(["document", "size", "sha256"], [(d["uri"], d["size"], d["sha256"][:12]) for d in kb["documents"]],
              title=f"KB {kb['name']} v{kb['version']}")
    if view.test_results:
        table(["suite", "status", "result id"],
              [(s, r.get("status"), r.get("id")) for s, r in sorted(view.test_results.items())], title="test results")
    else:
        click.echo("test results: none recorded")
    return EXIT_OK
