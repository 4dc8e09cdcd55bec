"""`agentctl demo` — thin command over agentctl.ops.demo: renders each step as it happens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from agentctl.cli.render import console, emit_json, table
from agentctl.errors import EXIT_OK


@click.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Create the demo repo here (default: a new temporary folder).")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the simulated calls.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary at the end instead.")
def demo(directory: Path | None, seed: int, as_json: bool) -> int:
    """Replay the SMS-gateway incident: a canary that silently fails 30% of texts is caught and rolled back.

    In a new repo made by `init`, on a simulated clock: release, test and deploy v1; release v2
    (it leaves the SMS gateway's sender_id out), test it, stage it and start a 10% production canary;
    simulate calls where 30% of the canary's texts silently fail (HTTP 200, nothing sent); let the
    judge catch it and roll back; then promote a fixed v3 to 100%. Prints where the repo is.
    """
    from agentctl.ops.demo import run_demo

    report = run_demo(directory, emit=None if as_json else _render, seed=seed)
    if as_json:
        emit_json(report.to_dict())
    return EXIT_OK


def _render(event: Any) -> None:
    out = console()
    if event.title == "batch":
        _render_batch(event)
        return
    if event.title == "Explore it":
        out.print(f"\n[bold]Explore it:[/] {event.command}")
        return
    out.print(f"\n[bold cyan]▸ {event.title}[/]")
    if event.command:
        out.print(f"  $ {event.command}", markup=False)
    if event.note:
        click.echo(f"  {event.note}")
    result = event.result
    if result is None:
        return
    kind = type(result).__name__
    if kind == "InitResult":
        click.echo(f"  created {result.root} ({len(result.files)} files, one commit)")
    elif kind == "Bundle":
        click.echo(f"  released {result.agent}@v{result.version}")
    elif kind == "TestRun":
        passed = sum(1 for s in result.suites if s.passed)
        click.echo(f"  {result.status}: {passed}/{len(result.suites)} suites "
                   f"({', '.join(s.name for s in result.suites)}); results recorded for v{result.stored_as}")
    elif kind == "Outcome":
        click.echo(f"  {result.summary}")
    elif kind == "CanaryEvaluation":
        from agentctl.cli.canary import render_evaluation

        render_evaluation(result)
    elif kind == "StatusReport":
        rows = [(a.agent, f"v{a.stable}", f"v{a.canary}" if a.canary else "-", f"{a.weight}%",
                 a.step or ("rolled back" if a.aborted else "-")) for a in result.agents]
        table(["agent", "stable", "canary", "weight", "step"], rows, title=result.env)
    elif isinstance(result, list):
        table(["time", "action", "by", "summary"], [(r.time, r.action, r.author, r.summary) for r in result],
              title="deployment log, newest first")


def _render_batch(event: Any) -> None:
    batch = event.result
    step = batch.watch
    color = {"rollback": "red", "promote": "green", "pause": "yellow"}.get(step.action, "default")
    sms = next((m for m in step.evaluation.decision.metrics if m.name == "sms_success"), None) if step.evaluation else None
    judged = ""
    if sms is not None:
        rate = "n/a" if sms.canary.get("rate") is None else f"{100 * sms.canary['rate']:.1f}%"
        judged = f" · canary SMS success {rate} of {sms.canary['n']}"
    from rich.markup import escape

    console().print(f"  {batch.local_time} +{batch.calls} calls ({batch.canary_calls} on the canary){judged} → "
                    f"[bold {color}]{step.action}[/]: {escape(_short(step))}")


def _short(step: Any) -> str:
    if step.action in ("rollback", "promote"):
        return str(step.message)
    text = str(step.message)
    return text if len(text) <= 140 else text[:137] + "…"
