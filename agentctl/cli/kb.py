from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import json_option, repo_from, repo_option
from agentctl.cli.render import emit_json
from agentctl.errors import EXIT_OK


@click.group()
def kb() -> None:
    """Knowledge-base manifests: snapshot a folder of documents into a hashed manifest.

    \b
    Examples:
      agentctl kb snapshot install-faq kb/install-faq
    """


@kb.command()
@click.argument("name", metavar="KB")
@click.argument("source", metavar="SOURCE_DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("-m", "--message", "note", default=None, metavar="NOTE",
              help="The manifest's `changes:` note (default: a summary of the documents that changed).")
@repo_option
@json_option
def snapshot(name: str, source: Path, note: str | None, repo: Path | None, as_json: bool) -> int:
    """Hash every document under SOURCE_DIR into kb-manifests/KB.yaml and print what changed.

    \b
    Examples:
      agentctl kb snapshot install-faq kb/install-faq
      agentctl kb snapshot install-faq kb/install-faq -m "New wall-charger FAQ"
    """
    from agentctl.ops.kb import snapshot_kb

    result = snapshot_kb(repo_from(repo), name, source, note)
    if as_json:
        emit_json(result.to_dict())
        return EXIT_OK
    for uri in result.added:
        click.echo(f"added:    {uri}")
    for uri in result.updated:
        click.echo(f"modified: {uri}")
    for uri in result.deleted:
        click.echo(f"deleted:  {uri}")
    for before, after in result.renamed:
        click.echo(f"renamed:  {before} → {after}")
    state = f"wrote {result.manifest} (version {result.version})" if result.written else f"{result.manifest} unchanged"
    click.echo(f"{state}: {result.documents} documents, {result.hashed} hashed, {result.cache_hits} from cache")
    return EXIT_OK
