from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import json_option
from agentctl.cli.render import emit_json
from agentctl.errors import EXIT_OK


@click.command()
@click.argument("directory", type=click.Path(path_type=Path), default=".")
@click.option("--no-commit", is_flag=True, help="Write the files but do not commit them.")
@json_option
def init(directory: Path, no_commit: bool, as_json: bool) -> int:
    """Create a config repo in DIRECTORY with the example Install Reminder agent.

    Runs `git init` when DIRECTORY is not in a git repository yet and commits the files.
    Refuses to overwrite any existing file.

    \b
    Examples:
      agentctl init voice-config
      agentctl init . --no-commit
    """
    from agentctl.ops.init import init_repo

    result = init_repo(directory, commit=not no_commit)
    if as_json:
        emit_json(result.to_dict())
        return EXIT_OK
    click.echo(f"Created {len(result.files)} files in {result.root}"
               + (" (new git repository)" if result.created_git_repo else ""))
    if result.commit:
        click.echo(f"Committed {result.commit[:10]}")
    click.echo("Next: cd into it and run `agentctl validate`.")
    return EXIT_OK
