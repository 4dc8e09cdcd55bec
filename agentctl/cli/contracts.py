"""`agentctl contracts`: compare, list, live-test and import tool contracts."""

from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import json_option, optional_root, repo_from, repo_option
from agentctl.cli.render import emit_json, plural, table
from agentctl.errors import EXIT_GATE_FAILED, EXIT_OK


@click.group()
def contracts() -> None:
    """Compare, list, live-test and import tool contracts.

    \b
    Examples:
      agentctl contracts diff sms-gateway
      agentctl contracts verify sms-gateway --env staging
    """


@contracts.command()
@click.argument("targets", nargs=-1, required=True, metavar="TOOL | OLD NEW")
@click.option("--from", "from_rev", metavar="REV", help="Old revision (default: the previous version in git).")
@click.option("--to", "to_rev", metavar="REV", help="New revision (default: the working tree).")
@click.option("--operation", metavar="ID", help="With two OpenAPI files: the operationId to compare.")
@repo_option
@json_option
def diff(targets: tuple[str, ...], from_rev: str | None, to_rev: str | None, operation: str | None,
         repo: Path | None, as_json: bool) -> int:
    """Classify every change between two versions of a tool contract.

    `diff TOOL` compares the previous version in git with the working tree; `diff OLD NEW`
    compares two contract files, or one operation of two OpenAPI files with --operation.
    Exits 1 when any change is ERR (breaking), 0 otherwise, 2 on bad input.

    \b
    Examples:
      agentctl contracts diff sms-gateway
      agentctl contracts diff sms-gateway --from HEAD~3
      agentctl contracts diff old/sms.yaml new/sms.yaml
      agentctl contracts diff openapi-v1.yaml openapi-v2.yaml --operation sendSms
    """
    from agentctl.ops.contracts import diff_files, diff_tool

    if len(targets) > 2:
        raise click.UsageError("pass one tool name, or two files")
    if len(targets) == 2:
        if from_rev or to_rev:
            raise click.UsageError("--from/--to compare a tool's git history; not usable with two files")
        result = diff_files(Path(targets[0]), Path(targets[1]), operation=operation, root=optional_root(repo))
    else:
        if operation:
            raise click.UsageError("--operation needs two OpenAPI files")
        result = diff_tool(repo_from(repo), targets[0], from_rev, to_rev)
    if as_json:
        emit_json(result.to_dict())
        return EXIT_GATE_FAILED if result.breaking else EXIT_OK
    report = result.report
    title = f"{result.tool}: {result.old_label} → {result.new_label}"
    if report.changes:
        table(["rule", "level", "path", "message"],
              [(c.rule, c.level.value, c.path, c.message) for c in report.changes], title=title)
    else:
        click.echo(f"{title}: no changes")
    counts = ", ".join(f"{n} {level}" for level, n in result.to_dict()["summary"].items())
    mark = "✗ breaking" if result.breaking else "✓ not breaking"
    click.echo(f"{mark}: {counts}")
    return EXIT_GATE_FAILED if result.breaking else EXIT_OK


@contracts.command()
@click.argument("tool")
@repo_option
@json_option
def history(tool: str, repo: Path | None, as_json: bool) -> int:
    """List each version of a tool contract: date, author, commit and what changed.

    \b
    Examples:
      agentctl contracts history sms-gateway
      agentctl contracts history sms-gateway --json
    """
    from agentctl.ops.contracts import contract_history

    result = contract_history(repo_from(repo), tool)
    if as_json:
        emit_json(result.to_dict())
        return EXIT_OK
    table(["version", "date", "author", "commit", "changes"],
          [(e.version, e.date, e.author, e.commit, e.changes) for e in result.entries], title=tool)
    return EXIT_OK


@contracts.command()
@click.argument("tool", metavar="TOOL | FILE")
@click.option("--base-url", metavar="URL", help="Replace scheme and host of backend.url (keeps its path).")
@click.option("--env", "env", metavar="ENV", help="Use backend.environments[ENV] as the URL.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="S",
              help="Seconds per request (default: backend.timeout_s, else 10).")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write the results as JUnit XML.")
@repo_option
@json_option
def verify(tool: str, base_url: str | None, env: str | None, timeout: float | None, junit: Path | None,
           repo: Path | None, as_json: bool) -> int:
    """Live-test a tool contract against a sandbox or staging backend.

    Sends each example request (status, response schema and success criteria must hold), then
    invalid requests derived from the request schema, which the backend must refuse. Secrets
    come from the environment variables in backend.secrets. Exits 1 when any probe fails or
    errors, 2 on bad input.

    \b
    Examples:
      agentctl contracts verify sms-gateway --env staging
      agentctl contracts verify sms-gateway --base-url http://127.0.0.1:8080 --junit verify.xml
      agentctl contracts verify tool-contracts/sms-gateway.yaml --json
    """
    from agentctl.ops.contracts import verify_tool

    report = verify_tool(tool, root=optional_root(repo), base_url=base_url, env=env, timeout=timeout, junit=junit)
    if as_json:
        emit_json(report.to_dict())
        return EXIT_OK if report.ok else EXIT_GATE_FAILED
    table(["probe", "result", "HTTP", "ms", "reason"],
          [(p.name, p.result.upper(), p.status or "-", "-" if p.latency_ms is None else f"{p.latency_ms:.0f}",
            p.reason) for p in report.probes], title=f"{report.tool} {report.version} → {report.url}")
    bad = report.count("fail") + report.count("error")
    for probe in report.probes:  # one greppable line per problem, unwrapped
        if probe.result != "pass":
            click.echo(f"{probe.result.upper()} {probe.name}: {probe.reason}")
    if bad:
        click.echo(f"✗ {bad} of {plural(len(report.probes), 'probe')} failed")
        return EXIT_GATE_FAILED
    click.echo(f"✓ all {plural(len(report.probes), 'probe')} passed")
    return EXIT_OK


@contracts.command(name="import")
@click.argument("openapi_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--operation", required=True, metavar="ID", help="operationId of the operation to import.")
@click.option("--name", metavar="TOOL", help="Tool name (default: the operationId in kebab-case).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Where to write it (default: tool-contracts/TOOL.yaml).")
@repo_option
@json_option
def import_(openapi_file: Path, operation: str, name: str | None, out: Path | None, repo: Path | None,
            as_json: bool) -> int:
    """Create a tool contract from one operation of a provider's OpenAPI 3 file.

    \b
    Examples:
      agentctl contracts import openapi.yaml --operation sendSms --name sms-gateway
      agentctl contracts import openapi.yaml --operation lookupDriver --out /tmp/driver.yaml
    """
    from agentctl.ops.contracts import import_openapi

    result = import_openapi(openapi_file, operation, root=optional_root(repo), name=name, out=out)
    if as_json:
        emit_json(result.to_dict())
        return EXIT_OK
    click.echo(f"✓ wrote {result.path} ({result.name} {result.version})")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    return EXIT_OK
