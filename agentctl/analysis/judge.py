"""Canary verdicts from per-arm aggregates: pure decision logic, no I/O.

Each metric is compared relatively (canary vs stable) with an anytime-valid confidence sequence
(see :mod:`agentctl.analysis.sequential`), so the judge may be re-run on every watch tick without
inflating false alarms. Rules, per metric:

* ``no-data``  fewer than ``min_calls`` calls in either arm (but a canary with ``min_calls`` calls
               confidently outside an absolute bound fails even without stable traffic);
* ``fail``     the whole CS of canary - stable lies beyond the tolerated change in the bad
               direction, or the canary's own CS lies entirely outside an absolute bound;
* ``pass``     the whole CS lies within the tolerated change (and inside the absolute bounds);
* ``pending``  enough calls, but the CS still straddles a threshold.

The tolerance is relative to the stable estimate and converted to an absolute margin:
margin = tolerance * |stable estimate|. Overall: any failing metric (critical or not) rolls back;
all metrics passing after ``min_duration_s`` promotes; no canary traffic, or no metric with enough
calls, is ``inconclusive`` (no traffic is never read as success); anything else continues.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from agentctl.analysis.sequential import (
    ArmStats,
    Interval,
    mean_cs,
    mean_difference_cs,
    rate_cs,
    rate_difference_cs,
)

KINDS = ("rate", "mean")
DIRECTIONS = ("higher_is_better", "lower_is_better")


@dataclass(frozen=True)
class MetricPolicy:
    """How one metric is judged.

    ``tolerance`` is the tolerated relative change in the bad direction (0.05: the canary may be
    5% worse than stable). ``scale`` applies to means only: the sub-Gaussian sigma of one
    observation (nonasymptotic CS); None uses the plug-in variance (asymptotic CS).
    """

    name: str
    kind: str
    direction: str
    tolerance: float
    critical: bool = False
    min_calls: int = 20
    absolute_min: float | None = None
    absolute_max: float | None = None
    scale: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"metric {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.direction not in DIRECTIONS:
            raise ValueError(
                f"metric {self.name!r}: direction must be one of {DIRECTIONS}, got {self.direction!r}"
            )
        if self.tolerance < 0:
            raise ValueError(f"metric {self.name!r}: tolerance must be >= 0, got {self.tolerance}")
        if self.min_calls < 1:
            raise ValueError(f"metric {self.name!r}: min_calls must be >= 1, got {self.min_calls}")

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"


@dataclass(frozen=True)
class MetricVerdict:
    """The verdict on one metric, with the numbers behind it."""

    name: str
    verdict: str
    canary: dict
    stable: dict
    interval: dict | None
    threshold: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    """The overall verdict: promote, continue, rollback or inconclusive."""

    overall: str
    metrics: list[MetricVerdict]
    reason: str

    def to_dict(self) -> dict:
        return {
            "overall": self.overall,
            "reason": self.reason,
            "metrics": [m.to_dict() for m in self.metrics],
        }


@dataclass(frozen=True)
class _Check:
    """Outcome of one comparison: failed / satisfied are both False while the CS straddles."""

    interval: Interval
    failed: bool
    satisfied: bool
    text: str


def judge(
    policies: Sequence[MetricPolicy],
    canary: Mapping[str, ArmStats],
    stable: Mapping[str, ArmStats],
    *,
    alpha: float = 0.01,
    elapsed_s: float,
    min_duration_s: float,
) -> Decision:
    """Judge a canary against stable on every policy's metric.

    ``alpha`` is the false-alarm budget *per metric*, valid under any number of looks; with m metrics
    the chance of any false rollback is at most m * alpha (union bound).
    """
    verdicts = [
        judge_metric(p, canary.get(p.name, ArmStats(0)), stable.get(p.name, ArmStats(0)), alpha)
        for p in policies
    ]
    overall, reason = _overall(policies, verdicts, elapsed_s, min_duration_s)
    return Decision(overall, verdicts, reason)


def judge_metric(
    policy: MetricPolicy, canary: ArmStats, stable: ArmStats, alpha: float = 0.01
) -> MetricVerdict:
    """Verdict on one metric: pass, fail, pending or no-data (rules in the module docstring)."""
    base = _estimate(policy, stable)
    threshold = _threshold_text(policy, base)
    summary = (_summary(policy, canary), _summary(policy, stable))

    def verdict(kind: str, reason: str, interval: Interval | None) -> MetricVerdict:
        return MetricVerdict(
            policy.name, kind, *summary, interval.to_dict() if interval else None, threshold, reason
        )

    if canary.n < policy.min_calls:
        return verdict("no-data", _short_text(policy, canary, stable), None)
    checks = []
    if stable.n >= policy.min_calls:
        checks.append(_relative_check(policy, canary, stable, alpha))
    if policy.absolute_min is not None or policy.absolute_max is not None:
        checks.append(_absolute_check(policy, canary, alpha))
    head = _arms_text(policy, canary, stable if stable.n >= policy.min_calls else None)
    failed = [c for c in checks if c.failed]
    if failed:
        return verdict("fail", f"{head}; " + "; ".join(c.text for c in failed), failed[0].interval)
    if stable.n < policy.min_calls:  # an absolute bound alone never promotes: relative evidence is required
        return verdict("no-data", _short_text(policy, canary, stable), checks[0].interval if checks else None)
    kind = "pass" if all(c.satisfied for c in checks) else "pending"
    return verdict(kind, f"{head}; " + "; ".join(c.text for c in checks), checks[0].interval)


def _relative_check(policy: MetricPolicy, canary: ArmStats, stable: ArmStats, alpha: float) -> _Check:
    if policy.kind == "rate":
        interval = rate_difference_cs(canary, stable, alpha)
    else:
        interval = mean_difference_cs(canary, stable, alpha, scale=policy.scale)
    margin = policy.tolerance * abs(_estimate(policy, stable) or 0.0)
    if policy.higher_is_better:  # bad = negative difference; tolerated down to -margin
        limit, bad_side, good_side = -margin, "below", "above"
        failed, satisfied = interval.upper < limit, interval.lower >= limit
    else:  # bad = positive difference; tolerated up to +margin
        limit, bad_side, good_side = margin, "above", "below"
        failed, satisfied = interval.lower > limit, interval.upper <= limit
    cs = f"{_level(alpha)} CS of difference [{_num(interval.lower)}, {_num(interval.upper)}]"
    if failed:
        text = f"{cs} lies entirely {bad_side} the tolerated {_signed(limit)}"
    elif satisfied:
        text = f"{cs} lies entirely {good_side} the tolerated {_signed(limit)}"
    else:
        text = f"{cs} still straddles the tolerated {_signed(limit)}"
    return _Check(interval, failed, satisfied, text)


def _absolute_check(policy: MetricPolicy, canary: ArmStats, alpha: float) -> _Check:
    interval = rate_cs(canary, alpha) if policy.kind == "rate" else mean_cs(canary, alpha, scale=policy.scale)
    lo, hi = policy.absolute_min, policy.absolute_max
    below = lo is not None and interval.upper < lo
    above = hi is not None and interval.lower > hi
    satisfied = (lo is None or interval.lower >= lo) and (hi is None or interval.upper <= hi)
    cs = f"canary {_level(alpha)} CS [{_num(interval.lower)}, {_num(interval.upper)}]"
    if below:
        text = f"{cs} lies entirely below the floor {_num(lo)}"
    elif above:
        text = f"{cs} lies entirely above the ceiling {_num(hi)}"
    else:
        bounds = " and ".join(
            t for t in (lo is not None and f"≥ {_num(lo)}", hi is not None and f"≤ {_num(hi)}") if t
        )
        text = f"{cs} {'lies within' if satisfied else 'is not yet confidently'} {bounds}"
    return _Check(interval, below or above, satisfied, text)


def _overall(
    policies: Sequence[MetricPolicy],
    verdicts: list[MetricVerdict],
    elapsed_s: float,
    min_duration_s: float,
) -> tuple[str, str]:
    if not verdicts:
        return "inconclusive", "no metrics to judge"
    if all(v.canary["n"] == 0 for v in verdicts):
        return "inconclusive", "no canary calls yet; no traffic is never read as success"
    critical = {p.name for p in policies if p.critical}
    # Critical failures first so that the headline names what matters most.
    failed = sorted((v for v in verdicts if v.verdict == "fail"), key=lambda v: v.name not in critical)
    if failed:
        names = ", ".join(v.name + (" (critical)" if v.name in critical else "") for v in failed)
        details = " ".join(f"{v.name}: {v.reason}." for v in failed)
        return "rollback", f"{names} failed. {details}"
    if all(v.verdict == "no-data" for v in verdicts):
        return "inconclusive", "no metric has enough calls in both arms yet: " + "; ".join(
            f"{v.name} {v.reason}" for v in verdicts
        )
    if all(v.verdict == "pass" for v in verdicts):
        if elapsed_s >= min_duration_s:
            return "promote", (
                f"all metrics pass ({len(verdicts)}) and the canary ran {elapsed_s:.0f} s "
                f"(minimum {min_duration_s:.0f} s)"
            )
        return "continue", (
            f"all metrics pass ({len(verdicts)}); waiting for the minimum duration "
            f"({elapsed_s:.0f} of {min_duration_s:.0f} s)"
        )
    counts = [(k, [v.name for v in verdicts if v.verdict == k]) for k in ("pending", "no-data", "pass")]
    return "continue", "; ".join(f"{k}: {', '.join(names)}" for k, names in counts if names)


# --- text ---------------------------------------------------------------------------------------


def _estimate(policy: MetricPolicy, arm: ArmStats) -> float | None:
    return arm.rate if policy.kind == "rate" else arm.mean


def _summary(policy: MetricPolicy, arm: ArmStats) -> dict:
    return {"n": arm.n, policy.kind: _estimate(policy, arm)}


def _value(policy: MetricPolicy, x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{100 * x:.1f}%" if policy.kind == "rate" else _num(x, digits=4)


def _arms_text(policy: MetricPolicy, canary: ArmStats, stable: ArmStats | None) -> str:
    text = f"canary {_value(policy, _estimate(policy, canary))} (n={canary.n})"
    if stable is not None:
        text += f" vs stable {_value(policy, _estimate(policy, stable))} (n={stable.n})"
    return text


def _short_text(policy: MetricPolicy, canary: ArmStats, stable: ArmStats) -> str:
    return f"needs ≥ {policy.min_calls} calls per arm, has canary {canary.n}, stable {stable.n}"


def _threshold_text(policy: MetricPolicy, base: float | None) -> str:
    if policy.higher_is_better:
        factor, op = 1.0 - policy.tolerance, "≥"
    else:
        factor, op = 1.0 + policy.tolerance, "≤"
    text = f"canary {op} stable × {factor:g}"
    if base is not None:
        # The margin is tolerance * |stable|, so for a negative stable mean the bound is base -/+ margin.
        bound = (
            base - policy.tolerance * abs(base)
            if policy.higher_is_better
            else base + policy.tolerance * abs(base)
        )
        text += f" ({op} {_num(bound)})"
    if policy.absolute_min is not None:
        text += f" and canary ≥ {_num(policy.absolute_min)}"
    if policy.absolute_max is not None:
        text += f" and canary ≤ {_num(policy.absolute_max)}"
    return text


def _level(alpha: float) -> str:
    return f"{round(100 * (1 - alpha), 6):g}%"


def _num(x: float | None, digits: int = 3) -> str:
    """Short human number: 3 significant digits, but no exponent for large values (1100, not 1.1e+03)."""
    if x is None:
        return "n/a"
    if math.isfinite(x) and abs(x) >= 10 ** (digits - 1):
        return f"{x:.0f}"
    return f"{x:.{digits}g}"


def _signed(x: float) -> str:
    return ("+" if x >= 0 else "") + _num(x)
