"""status and log — thin commands over agentctl.ops.status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from agentctl.cli.options import env_option, json_option, repo_from, repo_option
from agentctl.cli.render import emit_json, table
from agentctl.errors import EXIT_GATE_FAILED, EXIT_OK


@click.command()
@click.argument("agent", required=False)
@env_option
@repo_option
@json_option
def status(agent: str | None, env: str | None, repo: Path | None, as_json: bool) -> int:
    """Stable and canary bundles, weight, step, time in step, and whether the change window is open.

    \b
    Examples:
      agentctl status
      agentctl status install-reminder --env production --json
    """
    from agentctl.ops.status import status as run

    report = run(repo_from(repo), agent, env)
    if as_json:
        emit_json(report.to_dict())
        return EXIT_OK if report.ok else EXIT_GATE_FAILED
    rows = [(a.agent, f"v{a.stable}" if a.stable else "-", f"v{a.canary}" if a.canary and a.weight else "-",
             f"{a.weight}%", a.step or ("aborted" if a.aborted else "-"),
             f"{a.minutes_in_step:g} min" if a.minutes_in_step is not None else "-",
             f"yes: {a.disabled['reason']}" if a.disabled else "no") for a in report.agents]
    table(["agent", "stable", "canary", "weight", "step", "in step", "disabled"], rows, title=report.env)
    window = report.window
    state = "open" if window["open"] else f"closed — next opens {window['next_open']}"
    click.echo(f"change window: {state} ({window['reason']})")
    signatures = report.signatures
    if signatures is not None and signatures.ok:
        unsigned = signatures.checked - signatures.verified
        click.echo(f"signatures: {signatures.verified} of {signatures.checked} record(s) behind this state signed and "
                   f"verified" + (f", {unsigned} unsigned (by people without a signing_key)" if unsigned else ""))
    elif signatures is not None:
        for verdict in signatures.untrusted:
            click.echo(f"✗ record {verdict['commit'][:10]} is {verdict['status']}: {verdict['detail']}", err=True)
        click.echo(f"✗ this state rests on {len(signatures.untrusted)} untrusted record(s) — see "
                   f"`agentctl log AGENT --env {report.env} --verify`", err=True)
        return EXIT_GATE_FAILED
    return EXIT_OK


@click.command()
@click.argument("agent")
@env_option
@click.option("-n", "--limit", type=int, default=None, help="Show at most N records.")
@click.option("--verify", is_flag=True,
              help="Check each record's SSH signature against the people's signing keys (exit 1 on a forged one).")
@repo_option
@json_option
def log(agent: str, env: str | None, limit: int | None, verify: bool, repo: Path | None, as_json: bool) -> int:
    """Every deployment action on an agent: who, when, what and why, newest first.

    With --verify (always under policy require_signed) each record's signature is checked against
    the signing keys in agentctl.yaml; a forged record (or, under require_signed, an unsigned one) exits 1.

    \b
    Examples:
      agentctl log install-reminder --env production
      agentctl log install-reminder --env production -n 5 --json
      agentctl log install-reminder --env production --verify
    """
    from agentctl.ops.status import deployment_log

    records = deployment_log(repo_from(repo), agent, env, limit=limit, verify=verify)
    bad = [r for r in records if r.signature is not None and not r.signature["trusted"]]
    code = EXIT_GATE_FAILED if bad else EXIT_OK
    if as_json:
        emit_json([r.to_dict() for r in records])
        return code
    signed = any(r.signature is not None for r in records)
    headers = ["time", "action", "by", "summary", "reason", "approvals / override"] + (["signature"] if signed else [])
    table(headers,
          [(r.time, r.action, r.author, r.summary, r.reason,
            "; ".join(filter(None, [", ".join(str(a.get("by") or a) for a in r.approvals),
                                    "override: " + ", ".join(o["rule"] for o in r.override) if r.override else ""])),
            *([_signature_cell(r.signature)] if signed else []))
           for r in records], title=f"{agent}")
    for r in bad:
        assert r.signature is not None
        click.echo(f"✗ record {r.commit[:10]} is {r.signature['status']}: {r.signature['detail']}", err=True)
    if bad:
        click.echo(f"✗ {len(bad)} of {len(records)} record(s) cannot be trusted — move the ref back to the last "
                   "verified record (see docs/deployments.md#signed-actions)", err=True)
    return code


def _signature_cell(signature: dict[str, Any] | None) -> str:
    if signature is None:
        return ""
    mark = "✓" if signature["status"] == "verified" else ("·" if signature["trusted"] else "✗")
    return f"{mark} {signature['detail']}"
