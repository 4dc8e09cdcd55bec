"""`agentctl demo` — thin command over agentctl.demo.story: renders each step as it happens (100 columns)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import click

from agentctl.cli.render import emit_json

WIDTH = 100


@click.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Create the demo repo here (default: a new temporary folder).")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the simulated calls.")
@click.option("--fast", is_flag=True, help="The same story with about half the simulated calls.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary at the end instead.")
def demo(directory: Path | None, seed: int, fast: bool, as_json: bool) -> int:
    """Replay the founding incident through the live loop: a gateway change caught, fixed and canaried.

    In a new repo made by `init`, on a simulated clock, with a local fake SMS gateway and
    `agentctl serve` listening on 127.0.0.1: the provider starts requiring sender_id and answers
    HTTP 200 {"status": "failed"} without sending; the next morning's `check daily` finds the
    silent-failure gap, `runbook run tool-failure` names the cause; contract 2.0.0 goes through
    `ci`, release, staging and a 10% canary the judge promotes to 100%; a bad v3 is rolled back
    by the judge. Ends with the summary, the monthly report's chart and commands to explore.

    \b
    Examples:
      agentctl demo
      agentctl demo --fast --dir /tmp/roadwise
    """
    from agentctl.demo.story import run_demo

    report = run_demo(directory, emit=None if as_json else _render, seed=seed, fast=fast)
    if as_json:
        emit_json(report.to_dict())
    return 0


def _say(text: str = "", indent: int = 2) -> None:
    """Print `text` wrapped at word boundaries to fit WIDTH columns."""
    if not text:
        click.echo("")
        return
    pad = " " * indent
    click.echo(textwrap.fill(text, WIDTH, initial_indent=pad, subsequent_indent=pad + "  ",
                             break_long_words=False, break_on_hyphens=False))


def _command(command: str) -> None:
    _say(f"$ {command}")


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _render(event: Any) -> None:
    data = event.data
    if event.kind == "batch":
        _render_batch(data)
        return
    click.echo("")
    click.secho(textwrap.shorten(f"▸ {event.title}", WIDTH, placeholder="…"), bold=True)
    if event.command:
        _command(event.command)
    for line in data.get("lines", []):
        _say(line)
    handler = _RENDERERS.get(event.kind)
    if handler is not None:
        handler(data)


def _render_days(data: dict[str, Any]) -> None:
    _say(f"{'day':<16}{'calls':>6}{'texts':>7}{'HTTP 2xx':>10}{'contract OK':>13}{'lost':>6}{'installs':>10}")
    for row in data["rows"]:
        _say(f"{row['day']:<16}{row['calls']:>6}{row['texts']:>7}{row['http_2xx']:>9.1f}%"
             f"{row['contract_ok']:>12.1f}%{row['lost']:>6}{row['install_rate']:>9.1f}%")
    _say("Dashboards that count HTTP 200s stay green; the contract's success criteria (a message_id, "
         "status queued or sent) do not.")


def _render_check(data: dict[str, Any]) -> None:
    for f in data["findings"]:
        value = "" if f["value"] is None else f" {_pct(f['value'])} (n={f['n']})"
        _say(f"✗ {f['id']}{value} — {f['detail'] or f['threshold']}")
        _say(f"owner: {f['owner']} · runbook: {f['runbook']}", indent=4)
        for step in f["first_steps"]:
            _say(f"first step: {step}", indent=4)
    if data.get("others"):
        _say(f"also: {', '.join(data['others'])}")
    _say(f"{data['breached']} finding(s); exit 1 (a check failed).")


def _render_runbook(data: dict[str, Any]) -> None:
    for step in data["steps"]:
        if step["status"] == "ran":
            _say(f"{step['number']}. $ {step['command']} → exit {step['exit_code']}")
            for line in _plain(step["output"] or "")[-4:]:
                _say(line, indent=5)
        elif step["status"] == "human":
            _say(f"{step['number']}. needs a person: {step['text']}")
    if data.get("diagnosis"):
        _say(f"Diagnosis: {data['diagnosis']}")
    if data.get("cause"):
        _say(f"Cause: {data['cause']}")


def _plain(output: str) -> list[str]:
    """A command's output without table borders: text lines as they are, a table's rows as `a · b · c`."""
    lines = []
    for line in output.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "┏┡└━┃╇┳┗┓┛":
            continue
        if stripped[0] == "│":
            cells = [c.strip() for c in stripped.strip("│").split("│")]
            if cells and cells[0]:
                lines.append(textwrap.shorten(" · ".join(c for c in cells if c), WIDTH - 8, placeholder=" …"))
            continue
        lines.append(stripped)
    return lines


def _render_diff(data: dict[str, Any]) -> None:
    for c in data["changes"]:
        _say(f"{c['level']} {c['rule']}: {c['message']}")


def _render_ci(data: dict[str, Any]) -> None:
    steps = ", ".join(f"{name} {status}" for name, status in data["steps"])
    _say(f"{'passed' if data['ok'] else 'FAILED'}: {steps}")


def _render_batch(data: dict[str, Any]) -> None:
    sms = data.get("sms")
    judged = ""
    if sms is not None:
        judged = (f" · SMS success canary {_pct(sms['canary'].get('rate'))} of {sms['canary'].get('n')}"
                  f" vs stable {_pct(sms['stable'].get('rate'))}")
    _say(f"{data['time']} +{data['calls']} calls ({data['canary_calls']} on the canary){judged}")
    if data["action"] in ("promote", "rollback", "pause"):
        word = {"promote": "✓ judge promotes", "rollback": "✗ judge rolls back", "pause": "‖ judge pauses"}
        _say(f"{word[data['action']]}: {data['message']}", indent=4)


def _render_summary(data: dict[str, Any]) -> None:
    _say(f"With agentctl: the provider's change was found {data['hours_to_detect']} hours after it shipped "
         f"(the next morning's check) and the fix was at 100% at {data['fixed_at']}: "
         f"{data['hours_with']} hours of silent failures, ~{data['affected_with']} calls whose text never "
         f"went out (at Wednesday's {data['per_hour_lost']} an hour, {data['failure_share']}% of texts).")
    _say(f"Without agentctl: {data['days_without']} days before anyone noticed, "
         f"~{data['affected_without']} calls whose text never went out, and installs falling.")
    _say(f"The bad v3 reached 10% of calls for {data['bad_canary_minutes']} minutes: "
         f"{data['bad_canary_failed']} texts failed before the judge rolled it back by itself.")
    if data.get("chart"):
        _say(f"Monthly report chart (deploy and contract-change markers): {data['chart']}")
    _say(f"Monthly report: {data['report_dir']}/report.html")


def _render_explore(data: dict[str, Any]) -> None:
    for command in data["commands"]:
        click.echo(f"  {command}")


_RENDERERS = {"days": _render_days, "check": _render_check, "runbook": _render_runbook, "diff": _render_diff,
              "ci": _render_ci, "summary": _render_summary, "explore": _render_explore}
