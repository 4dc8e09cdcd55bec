from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import json_option, repo_from, repo_option
from agentctl.cli.render import emit_json
from agentctl.errors import EXIT_GATE_FAILED, EXIT_OK


@click.command()
@click.argument("ref", metavar="AGENT@vN")
@repo_option
@json_option
def verify(ref: str, repo: Path | None, as_json: bool) -> int:
    """Re-read every file a bundle pins from git objects and check its hashes (exit 1 on any mismatch).

    \b
    Examples:
      agentctl verify install-reminder@v3
      agentctl verify install-reminder@v3 --json
    """
    from agentctl.ops.verify import verify_bundle

    result = verify_bundle(repo_from(repo), ref)
    if as_json:
        emit_json(result.to_dict())
        return EXIT_OK if result.ok else EXIT_GATE_FAILED
    for check in result.files:
        mark = "✓" if check.status == "ok" else "✗"
        click.echo(f"{mark} {check.status:8} {check.role:18} {check.path}  blob {check.blob[:12]}")
    for uri in result.skipped:
        click.echo(f"- skipped  kb document (outside git) {uri}")
    if not result.content_hash_ok:
        click.echo(f"✗ content hash {result.content_hash[:12]} does not match the pinned components")
    if result.untagged:
        click.echo(f"✗ {result.untagged['message']} — {result.untagged['fix']}", err=True)
        return EXIT_GATE_FAILED
    if result.ok:
        click.echo(f"✓ {result.ref} verified: {len(result.files)} files match their pinned hashes")
        return EXIT_OK
    click.echo(f"✗ {result.ref} failed verification: {len(result.problems)} file(s) differ from what was released "
               "— restore the objects from a clone that has them (git fetch) before deploying", err=True)
    return EXIT_GATE_FAILED
