"""`agentctl canary evaluate|watch` — thin commands over agentctl.ops.canary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from agentctl.cli.options import json_option, repo_from, repo_option
from agentctl.cli.render import console, emit_json, table
from agentctl.errors import EXIT_GATE_FAILED, EXIT_OK

ENV_HELP = "Environment (default: the one where AGENT has a canary)."


@click.group()
def canary() -> None:
    """Judge a production canary against stable, and promote or roll it back automatically.

    The judge uses anytime-valid confidence sequences, so it may be run as often as you like
    without inflating false alarms (see docs/canary.md).

    \b
    Examples:
      agentctl canary evaluate install-reminder --env production
      agentctl canary watch install-reminder --env production --once
    """


@canary.command()
@click.argument("agent")
@click.option("--env", "env", default=None, metavar="ENV", help=ENV_HELP)
@repo_option
@json_option
def evaluate(agent: str, env: str | None, repo: Path | None, as_json: bool) -> int:
    """Compare AGENT's canary with stable on every metric of its analysis policy.

    Prints each metric's verdict with the numbers behind it, and the overall decision:
    promote, continue, rollback or inconclusive. Exit 1 on a rollback verdict (a scheduled
    check or CI step fails), 0 for any other verdict, 2 on bad input; `canary watch` is the
    command that acts.

    \b
    Examples:
      agentctl canary evaluate install-reminder
      agentctl canary evaluate install-reminder --env production --json
    """
    from agentctl.ops.canary import evaluate as run

    evaluation = run(repo_from(repo), agent, env)
    code = EXIT_GATE_FAILED if evaluation.overall == "rollback" else EXIT_OK
    if as_json:
        emit_json(evaluation.to_dict())
        return code
    render_evaluation(evaluation)
    return code


@canary.command()
@click.argument("agent")
@click.option("--env", "env", default=None, metavar="ENV", help=ENV_HELP)
@click.option("--interval", default="60s", show_default=True, help="Time between looks (e.g. 60s, 5m).")
@click.option("--until", "until", default="done", show_default=True,
              help="'done' (promoted to 100%, rolled back or paused for a human) or a duration such as 2h.")
@click.option("--once", is_flag=True, help="Look once and act, then exit (for cron).")
@repo_option
@json_option
def watch(agent: str, env: str | None, interval: str, until: str, once: bool, repo: Path | None,
          as_json: bool) -> int:
    """Evaluate AGENT's canary on an interval and act on the verdict, as agentctl-judge.

    Rolls back at once on a failing metric (change windows do not apply); promotes to the next
    rollout step when every metric passes, the step's minimum time has passed and the change
    window is open; pauses and asks a human when still inconclusive after the step's minimum
    time. Exit 1 when it rolled back (so cron alerts), 0 otherwise.

    \b
    Examples:
      agentctl canary watch install-reminder --env production
      agentctl canary watch install-reminder --env production --once      # from cron
      agentctl canary watch install-reminder --interval 5m --until 2h
    """
    from agentctl.ops.canary import watch as run

    report = run(repo_from(repo), agent, env, interval=interval, until=until, once=once,
                 on_step=None if as_json else render_watch_step)
    if as_json:
        emit_json(report.to_dict())
    return EXIT_GATE_FAILED if report.rolled_back else EXIT_OK


def render_evaluation(ev: Any) -> None:
    """The per-metric table and the decision, with every number behind each verdict."""
    stable = f"v{ev.stable_version}" if ev.stable_version is not None else "none"
    click.echo(f"{ev.agent} in {ev.env}: canary v{ev.canary_version} at step {ev.step} vs stable {stable}, "
               f"calls since {ev.since} ({ev.elapsed_s / 60:.0f} min; {ev.minutes_in_step:g} min in this step)")
    level = f"{round(100 * (1 - ev.policy['alpha']), 6):g}%"
    rows = []
    for m in ev.decision.metrics:
        rows.append((m.name + (" (critical)" if _critical(ev, m.name) else ""), _arm(m.canary), _arm(m.stable),
                     _interval(m.interval), m.threshold, _verdict(m.verdict), m.reason))
    table(["metric", "canary (n)", "stable (n)", f"{level} CS of difference", "threshold", "verdict", "reason"],
          rows, title=f"canary judge (alpha {ev.policy['alpha']:g} per metric, policy {ev.policy['source']})")
    for name, error in ev.errors.items():
        click.echo(f"{name}: no data: {error}")
    color = {"rollback": "red", "promote": "green"}.get(ev.overall, "yellow")
    from rich.markup import escape

    console().print(f"[bold {color}]decision: {ev.overall}[/] — {escape(ev.decision.reason)}")


def render_watch_step(step: Any) -> None:
    from rich.markup import escape

    ev = step.evaluation
    counts = ""
    if ev is not None:
        first = ev.decision.metrics[0] if ev.decision.metrics else None
        counts = f" [canary n={first.canary['n']}, stable n={first.stable['n']} on {first.name}]" if first else ""
    color = {"rollback": "red", "promote": "green", "pause": "yellow"}.get(step.action, "default")
    console().print(f"{step.at} [bold {color}]{step.action}[/]{escape(counts)}: {escape(step.message)}")
    if step.action in ("rollback", "pause") and ev is not None:
        render_evaluation(ev)
    if step.webhook is not None:
        state = "posted" if step.webhook["ok"] else f"not posted: {step.webhook['error']}"
        click.echo(f"webhook: {state}")


def _critical(ev: Any, name: str) -> bool:
    return any(m["name"] == name and m["critical"] for m in ev.policy["metrics"])


def _arm(arm: dict[str, Any]) -> str:
    if "rate" in arm:
        value = "n/a" if arm["rate"] is None else f"{100 * arm['rate']:.1f}%"
    else:
        value = "n/a" if arm.get("mean") is None else f"{arm['mean']:.4g}"
    return f"{value} ({arm['n']})"


def _interval(interval: dict[str, Any] | None) -> str:
    if not interval:
        return "-"
    return f"[{interval['lower']:+.3g}, {interval['upper']:+.3g}]"


def _verdict(verdict: str) -> str:
    return {"pass": "✓ pass", "fail": "✗ fail", "pending": "… pending", "no-data": "– no data"}.get(verdict, verdict)
