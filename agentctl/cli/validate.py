from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import json_option, repo_from, repo_option
from agentctl.cli.render import count_line, emit_json, plural, table
from agentctl.errors import EXIT_BAD_INPUT, EXIT_OK


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@repo_option
@json_option
def validate(paths: tuple[Path, ...], repo: Path | None, as_json: bool) -> int:
    """Check config files against their schemas and each other.

    With PATHS, report only findings in those files or folders (cross-file checks still
    see the whole repo). Exits 2 when any error is found; warnings alone exit 0.

    \b
    Examples:
      agentctl validate
      agentctl validate tool-contracts/sms-gateway.yaml
      agentctl validate --json
    """
    from agentctl.ops.validate import validate_repo

    handle = repo_from(repo)  # one handle: the workspace is loaded once for the report and the summary
    report = validate_repo(handle, paths)
    if as_json:
        emit_json(report.to_dict())
        return EXIT_OK if report.ok else EXIT_BAD_INPUT
    for diagnostic in report.diagnostics:
        click.echo(str(diagnostic), err=True)
    if not report.ok:
        click.echo(count_line(len(report.errors), len(report.warnings)), err=True)
        return EXIT_BAD_INPUT
    from agentctl.ops.summary import summarize_repo

    summary = summarize_repo(handle)
    table(["agent", "prompt", "tools", "KB", "owner"],
          [(a.name, a.prompt, "\n".join(a.tools), a.kb, a.owner) for a in summary.agents],
          title=f"{summary.root}")
    counts = ", ".join(f"{n} {k}" for k, n in report.counts.items())
    click.echo(f"✓ valid: {counts}; {plural(len(report.warnings), 'warning')}")
    return EXIT_OK
