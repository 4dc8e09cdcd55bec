from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import json_option, repo_from, repo_option
from agentctl.cli.render import count_line, emit_json, plural, table
from agentctl.errors import EXIT_GATE_FAILED, EXIT_OK


@click.command()
@click.option("--base", "base", default=None, metavar="REF",
              help="Compare with REF (default: the PR base in GitHub Actions, else the default branch).")
@click.option("--junit", "junit", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Also write JUnit XML (one testcase per step) to FILE.")
@repo_option
@json_option
def ci(base: str | None, junit: Path | None, repo: Path | None, as_json: bool) -> int:
    """Gate a change: validate, impact, versions and notes, contract compatibility, suites, secrets.

    Only what the change affects is checked. In GitHub Actions, findings become annotations and a
    Markdown report is appended to $GITHUB_STEP_SUMMARY. Exits 0 pass, 1 gate failed, 2 bad input.

    \b
    Examples:
      agentctl ci
      agentctl ci --base origin/main --junit ci.xml
      agentctl ci --json
    """
    from agentctl.ci.github import annotation_lines, in_actions
    from agentctl.ops.ci import run_ci

    report = run_ci(repo_from(repo), base, junit=junit)
    if in_actions():
        for line in annotation_lines(report.findings):
            click.echo(line, err=as_json)
    if as_json:
        emit_json(report.to_dict())
        return EXIT_OK if report.ok else EXIT_GATE_FAILED
    table(["step", "result", "findings"],
          [(s.name, s.status, len(s.findings)) for s in report.steps],
          title=f"agentctl ci: {len(report.changed)} changed file(s) since {report.base_ref} ({report.base_commit[:12]})")
    for step in report.steps:
        for finding in step.findings:
            click.echo(f"{finding.level}: {step.name}: {finding}")
    agents = ", ".join(sorted(report.affected_agents)) or "none"
    counts = count_line(len(report.errors), len(report.warnings))
    if report.ok:
        click.echo(f"✓ gate passed: {counts}; affected agents: {agents}")
        return EXIT_OK
    click.echo(f"✗ gate failed: {counts}; affected agents: {agents} ({plural(len(report.changed), 'changed file')})")
    return EXIT_GATE_FAILED
