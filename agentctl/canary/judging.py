"""Feed the judge: which SQL each canary metric is judged on, per rollout step, over matured calls only.

* **Per step.** A canary moves 10% → 50% → …; within one step both arms see the same hours at a
  constant split, across steps they do not (an outage during the 50% step hits five times more
  canary calls than the 10% step did). The steps' boundaries are read from the deployment history
  (every promotion wrote the step's start into the state file), and each step is one stratum.
* **Per time slice.** Within a step, the rollback test compares the arms per 30-minute slice with a
  tilt fixed before the slice starts, so an outage both versions share in the middle of a step
  cannot rescale the evidence (agentctl.analysis.one_sided.sliced_worse).
* **Latency.** Percentile metrics cannot be compared call by call; latency metrics are judged on the
  mean of the log of each observation (a call's mean turn latency, a tool call's latency), whose
  difference is the log of the ratio of geometric means. A p95 regression of +20% that scales the
  distribution is a shift of log 1.2 there, and means have a per-call variance the judge can use.
* **Delayed outcomes.** A metric with `matures_after_hours` (e.g. "installed within 48 h") counts
  only calls that started at least that long ago; the verdict says how many of the canary's calls
  have matured.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from agentctl.analysis.judge import Decision, MetricPolicy, judge
from agentctl.analysis.metrics import MEAN, RATE, compile_metric
from agentctl.analysis.sequential import ArmStats
from agentctl.canary.arms import arm_slices
from agentctl.clock import parse_iso
from agentctl.deploy.state import state_path

if TYPE_CHECKING:
    from agentctl.calls.store import CallStore
    from agentctl.canary.policy import CanaryPolicy
    from agentctl.deploy.state import AgentState
    from agentctl.store.refstore import RefStore

SLICE_MINUTES = 30  # within a step, the arms are compared per slice of this length (judge._tilted)

# Latency builtins judged on the mean of log latency: (observation per row, extra row filter).
_CALL_LATENCY = "ln(greatest(list_avg(turn_latencies_ms), 1))"
LOG_LATENCY = {
    "turn_latency_p50": _CALL_LATENCY,
    "turn_latency_p95": _CALL_LATENCY,
    "tool_latency_p95": "ln(greatest(latency_ms, 1))",
}


def judged_definition(name: str, spec: Mapping[str, Any]) -> tuple[Any, str | None] | None:
    """(metric definition the SQL layer runs, transform) for a metric the judge can compare, else None."""

    compiled = compile_metric(name, dict(spec))
    if compiled.kind in (RATE, MEAN):
        return compiled, None
    observation = LOG_LATENCY.get(spec.get("builtin") or "")
    if observation is None:
        return None
    return dataclasses.replace(compiled, value_sql=f"avg({observation})", n_sql=f"count({observation})",
                               var_sql=f"var_samp({observation})", kind=MEAN), "log"


def step_starts(history: RefStore, env: str, agent: str, canary: Mapping[str, Any]) -> list[dt.datetime]:
    """Start of every rollout step of this canary, oldest first, from the deployment state's history."""

    starts = {canary["started"], canary["step_started"]}
    path = state_path(env, agent)
    try:
        entries = history.log(path=path, sync=False)
    except Exception:  # noqa: BLE001 - no history to read: the current step and everything before it
        entries = []
    for entry in entries:
        raw = history.read_at(entry.commit, path)
        earlier = (json.loads(raw) if raw else {}).get("canary") or {}
        if earlier.get("started") != canary["started"] or earlier.get("version") != canary["version"]:
            break  # older commits belong to an earlier canary
        starts.add(earlier["step_started"])
    return sorted(parse_iso(s) for s in starts)


def judge_canary(calls: CallStore, history: RefStore, metrics: Mapping[str, Any], policy: CanaryPolicy, *, env: str,
                 state: AgentState,
                 until: dt.datetime, elapsed_s: float, final_step: bool = False) -> tuple[Decision, dict[str, str]]:
    """The judge's decision on `state`'s canary over calls started before `until`, and per-metric SQL errors.

    `final_step`: the next promotion is to 100% (a metric with a holdout holds it)."""

    canary = state.canary
    if canary is None:
        raise ValueError(f"{state.agent} has no canary in {env} to judge")
    versions = [canary["version"], *([state.stable["version"]] if state.stable else [])]
    starts = step_starts(history, env, state.agent, canary)
    end = until + dt.timedelta(seconds=1)  # calls started at `until` count
    windows = [(a, b) for a, b in zip(starts, [*starts[1:], end], strict=True) if a < b]
    defs = {p.name: judged_definition(p.name, metrics[p.name]) for p in policy.metrics}
    runnable = {name: d for name, d in defs.items() if d is not None}
    errors: dict[str, str] = {}

    Slices = list[tuple[dict[str, ArmStats], dict[str, ArmStats]]]

    def per_step(names: Sequence[str], cutoff: dt.datetime) -> list[Slices]:
        steps: list[Slices] = []
        for since, before in windows:
            before = min(before, cutoff)
            if before <= since or not names:
                steps.append([])
                continue
            found, failed = arm_slices(calls, [runnable[n][0] for n in names], agent=state.agent, env=env,
                                       versions=versions, since=since, until=before, seconds=SLICE_MINUTES * 60)
            errors.update(failed)
            steps.append([(piece.get(versions[0], {}), piece.get(versions[1], {}) if len(versions) > 1 else {})
                          for piece in found])
        return steps

    prompt = [p.name for p in policy.metrics if p.name in runnable and not p.matures_after_s]
    steps = per_step(prompt, end)
    matured: dict[str, tuple[int, int]] = {}
    for p in policy.metrics:
        if p.name not in runnable or not p.matures_after_s:
            continue
        ripe = per_step([p.name], end - dt.timedelta(seconds=p.matures_after_s))
        every = per_step([p.name], end)
        for step, ripe_step in zip(steps, ripe, strict=True):
            for (canary_arm, stable_arm), (ripe_canary, ripe_stable) in zip(step, ripe_step, strict=False):
                canary_arm.update({k: v for k, v in ripe_canary.items() if k == p.name})
                stable_arm.update({k: v for k, v in ripe_stable.items() if k == p.name})
        matured[p.name] = (_canary_calls(ripe, p.name), _canary_calls(every, p.name))
    decision = judge(policy.metrics, slices=steps, alpha=policy.alpha, elapsed_s=elapsed_s,
                     min_duration_s=policy.min_duration_minutes * 60, matured=matured, final_step=final_step)
    return decision, errors


def _canary_calls(steps: Sequence[Sequence[tuple[Mapping[str, ArmStats], Mapping[str, ArmStats]]]], name: str) -> int:
    return sum(canary.get(name, ArmStats(0)).n for step in steps for canary, _ in step)


def metric_policy(entry: Mapping[str, Any], definition: Any, transform: str | None, defaults: Mapping[str, Any]) -> MetricPolicy:
    """One `analysis.metrics` entry as the judge's MetricPolicy."""
    hours = entry.get("matures_after_hours")
    holdout = entry.get("holdout_days")
    return MetricPolicy(
        name=entry["metric"], kind=definition.kind, direction=definition.direction,
        tolerance=float(entry.get("tolerance", defaults["tolerance"])), critical=bool(entry.get("critical", False)),
        min_calls=int(entry.get("min_calls", defaults["min_calls"])), absolute_min=entry.get("absolute_min"),
        absolute_max=entry.get("absolute_max"), scale=entry.get("scale"), min_margin=entry.get("min_margin"),
        transform=transform, matures_after_s=float(hours) * 3600 if hours else 0.0,
        holdout_s=float(holdout) * 86400 if holdout else 0.0)
