"""The canary analysis policy: which metrics the judge compares, how strictly, for how long.

An agent's `analysis:` (bundles/<agent>/agent.yaml) wins; agentctl.yaml's `analysis:` is the
default for agents without one (its alpha and min_duration_minutes also fill gaps in an agent's
policy). Each entry names a metric from agentctl.yaml `metrics:`; its kind (rate or mean) and
direction come from there, so a metric is defined once for the daily checks and the judge. Latency
percentiles are judged on the mean of log latency (agentctl.canary.judging).

`alpha` is the family-wise false-rollback budget: each of the policy's m metrics gets alpha / m.
`holdout_days` marks a business outcome (installs) judged over a longer holdout: leading indicators
(contract-judged SMS success) gate each step; the last step waits for the holdout metric.

`tolerance` is both the change tolerated in the bad direction and the smallest change that should
roll back: set it from the minimum detectable effect the team cares about.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agentctl.analysis.judge import MetricPolicy
from agentctl.analysis.metrics import compile_metric
from agentctl.canary.judging import judged_definition, metric_policy
from agentctl.errors import BadInputError

if TYPE_CHECKING:
    from agentctl.model.artifacts import Workspace
    from agentctl.model.yamlio import Document

DEFAULT_ALPHA = 0.01
DEFAULT_TOLERANCE = 0.05
DEFAULT_MIN_CALLS = 20


@dataclass(frozen=True)
class CanaryPolicy:
    alpha: float
    min_duration_minutes: float
    metrics: list[MetricPolicy]
    source: str  # the file the metrics list came from

    def to_dict(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "min_duration_minutes": self.min_duration_minutes, "source": self.source,
                "metrics": [m.__dict__ for m in self.metrics]}


def policy_source(ws: Workspace, agent: str) -> tuple[Document, list[Any]] | None:
    """(document, path to its `analysis` mapping) that holds `agent`'s metrics, or None when nothing is declared."""
    definition = ws.agents[agent]
    if (definition.doc.data.get("analysis") or {}).get("metrics"):
        return definition.doc, ["analysis"]
    if (ws.config.data.get("analysis") or {}).get("metrics"):
        return ws.config.doc, ["analysis"]
    return None


def load_policy(ws: Workspace, agent: str) -> CanaryPolicy:
    """`agent`'s policy as MetricPolicy objects; exit 2 when none is declared or a metric cannot be judged."""

    if agent not in ws.agents:
        raise BadInputError(f"unknown agent '{agent}'", f"use one of: {', '.join(sorted(ws.agents)) or 'none'}")
    found = policy_source(ws, agent)
    if found is None:
        raise BadInputError(f"{agent} has no canary analysis policy",
                            f"add `analysis: {{metrics: [{{metric: NAME, tolerance: 0.05, critical: true}}]}}` to "
                            f"{ws.agents[agent].doc.relpath} or to agentctl.yaml")
    problems = list(policy_problems(ws, agent))
    if problems:
        first = problems[0]
        raise BadInputError(f"{first.file}:{first.line}:{first.col}: {first.message}", first.fix)
    doc, _ = found
    defaults = ws.config.data.get("analysis") or {}
    own = ws.agents[agent].doc.data.get("analysis") or {}
    metrics = []
    fallback = {"tolerance": DEFAULT_TOLERANCE, "min_calls": DEFAULT_MIN_CALLS}
    for entry in (doc.data.get("analysis") or {})["metrics"]:
        judged = judged_definition(entry["metric"], ws.config.metrics[entry["metric"]])
        assert judged is not None  # policy_problems said so otherwise
        metrics.append(metric_policy(entry, *judged, fallback))
    alpha = float(own.get("alpha", defaults.get("alpha", DEFAULT_ALPHA)))
    minutes = float(own.get("min_duration_minutes", defaults.get("min_duration_minutes", 0)))
    return CanaryPolicy(alpha, minutes, metrics, doc.relpath)


def policy_problems(ws: Workspace, agent: str) -> Iterator[Any]:
    """Diagnostics for `agent`'s policy: every metric must exist and be a rate, a mean or a latency."""
    found = policy_source(ws, agent)
    if found is None:
        return
    doc, path = found
    yield from _entries_problems(ws, doc, path)


def _entries_problems(ws: Workspace, doc: Document, path: list[Any]) -> Iterator[Any]:
    known = ws.config.metrics
    judged = sorted(n for n, s in known.items() if judged_definition(n, s) is not None)
    seen: set[str] = set()
    for i, entry in enumerate((doc.data.get("analysis") or {}).get("metrics") or []):
        name = entry.get("metric")
        where = [*path, "metrics", i, "metric"]
        if name not in known:
            yield doc.diagnostic(where, f"canary metric '{name}' is not declared under `metrics:` in agentctl.yaml",
                                 f"use one of: {', '.join(judged) or 'none'}")
            continue
        if judged_definition(name, known[name]) is None:
            kind = compile_metric(name, known[name]).kind
            yield doc.diagnostic(where, f"canary metric '{name}' is a {kind} (e.g. a percentile); the judge compares "
                                        "rates, means and latencies only",
                                 f"use a rate, mean or latency metric: {', '.join(judged) or 'none'}")
        if name in seen:
            yield doc.diagnostic(where, f"canary metric '{name}' is listed twice", "keep one entry")
        seen.add(name)
        lo, hi = entry.get("absolute_min"), entry.get("absolute_max")
        if lo is not None and hi is not None and lo > hi:
            yield doc.diagnostic([*path, "metrics", i], f"absolute_min {lo} is above absolute_max {hi}", "swap them")
        days, hours = entry.get("holdout_days"), entry.get("matures_after_hours")
        if isinstance(days, (int, float)) and isinstance(hours, (int, float)) and days * 24 <= hours:
            yield doc.diagnostic([*path, "metrics", i, "holdout_days"],
                                 f"holdout_days {days:g} ends before a call can mature (matures_after_hours {hours:g})",
                                 f"make the holdout longer than {hours / 24:g} days, e.g. holdout_days: "
                                 f"{max(7, int(hours // 24) + 1)}")


def all_policy_problems(ws: Workspace) -> Iterator[Any]:
    """Problems in agentctl.yaml's default policy and in every agent's own policy."""
    if (ws.config.data.get("analysis") or {}).get("metrics"):
        yield from _entries_problems(ws, ws.config.doc, ["analysis"])
    for definition in ws.agents.values():
        if (definition.doc.data.get("analysis") or {}).get("metrics"):
            yield from _entries_problems(ws, definition.doc, ["analysis"])
