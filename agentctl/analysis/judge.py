"""Canary verdicts from per-arm, per-rollout-step aggregates: pure decision logic, no I/O.

The judge may be re-run on every watch tick, on any schedule, and restarted: every test below is
anytime-valid (see :mod:`agentctl.analysis.one_sided` and :mod:`agentctl.analysis.sequential`).
Per metric, with m the number of metrics in the policy:

* ``no-data``  fewer than ``min_calls`` calls in either arm (but a canary with ``min_calls`` calls
               confidently outside an absolute bound fails even without stable traffic);
* ``fail``     the canary is confidently **worse** than stable. Two one-sided tests share the metric's
               false-rollback budget alpha / m: an exact beta-binomial e-value (rates; a tenth of the
               budget) and a stratified sequential z-test tuned to the metric's minimum effect (the
               rest); or the canary's own CS lies outside an absolute bound;
* ``pass``     the canary is confidently **no worse than the margin** (the tolerated change): the
               one-sided sequential z-test, or the exact CS of the current step, rules out a change
               beyond the margin in the bad direction (and the canary lies inside absolute bounds);
* ``pending``  neither yet.

The margin is tolerance x |stable estimate| (a ratio for log-scale metrics such as latency), but
never less than ``min_margin`` (default one percentage point for rates), so 0 errors against 0
errors passes. The tolerance is also the *minimum effect that should roll back*: the z-test's
mixture is tuned to detect it as fast as possible. Data come per rollout step and are compared
within each step (both arms saw the same hours at a constant split), so an outage shared by both
versions is never blamed on the canary.

Overall: any failing metric (critical or not) rolls back; all metrics passing after
``min_duration_s`` promotes (a delayed metric, judged only on matured calls, may roll back but does
not hold a promotion); no canary traffic, or no metric with enough calls, is ``inconclusive``
(no traffic is never read as success); anything else continues. The family-wise chance of a false
rollback is at most alpha (union bound over metrics and tests), and the output says how alpha was
split. A false promotion needs every metric to pass, so each pass test runs at the full alpha.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from agentctl.analysis import one_sided as os1
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
TRANSFORMS = (None, "log")
DEFAULT_RATE_MIN_MARGIN = 0.01  # one percentage point: 0 errors vs 0 errors must be able to pass
EXACT_SHARE = 0.1  # of a rate's false-rollback budget, for the exact test (and absolute bounds)
TILT_CALLS = 100  # calls before a time slice from which its tilt is taken (judge._tilted)
Z_METHOD = "one-sided SPRT-mixture CS stratified by rollout step (plug-in variance, asymptotic)"

Step = tuple[ArmStats, ArmStats]  # (canary, stable) within one rollout step


@dataclass(frozen=True)
class MetricPolicy:
    """How one metric is judged.

    ``tolerance`` is the tolerated relative change in the bad direction (0.05: the canary may be 5%
    worse than stable) and the smallest change that should roll back. ``min_margin`` floors the
    absolute margin (default 0.01 for rates, 0 for means). ``transform="log"``: the arms carry means
    of log values (latency), the tolerance is a ratio (0.2: 20% slower). ``scale`` applies to means
    only: the sub-Gaussian sigma of one observation; None uses the plug-in variance.
    ``matures_after_s``: outcomes known only that long after the call (read by the caller, which
    passes only matured calls). ``holdout_s``: a business outcome judged over a longer holdout: it
    does not gate the rollout's steps, but the last step (to 100%) waits for it to pass, or for the
    holdout (counted from the canary's start) to end without a regression.
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
    min_margin: float | None = None
    transform: str | None = None
    matures_after_s: float = 0.0
    holdout_s: float = 0.0

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
        if self.transform not in TRANSFORMS:
            raise ValueError(f"metric {self.name!r}: transform must be one of {TRANSFORMS}, got {self.transform!r}")
        if self.transform == "log" and self.higher_is_better and self.tolerance >= 1:
            raise ValueError(f"metric {self.name!r}: a log-scale tolerance must be < 1, got {self.tolerance}")
        if self.holdout_s < 0:
            raise ValueError(f"metric {self.name!r}: holdout must be >= 0, got {self.holdout_s}")
        if self.min_margin is not None and self.min_margin < 0:
            raise ValueError(f"metric {self.name!r}: min_margin must be >= 0, got {self.min_margin}")

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"


@dataclass(frozen=True)
class Budget:
    """How one metric spends the policy's false-rollback budget, and the promotion level."""

    metric: float  # alpha / number of metrics
    exact: float  # exact beta-binomial test (rates)
    absolute: float  # absolute bounds (canary CS)
    sequential: float  # stratified z-test
    promote: float  # each pass test (a false promotion needs every metric to pass)

    @classmethod
    def split(cls, policy: MetricPolicy, alpha: float, metrics: int) -> Budget:
        share = alpha / max(1, metrics)
        bounded = policy.absolute_min is not None or policy.absolute_max is not None
        exact = EXACT_SHARE * share if policy.kind == "rate" or bounded else 0.0
        absolute = exact / 2 if bounded else 0.0
        return cls(share, exact - absolute, absolute, share - exact, alpha)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MetricVerdict:
    """The verdict on one metric, with the numbers behind it."""

    name: str
    verdict: str
    canary: dict[str, Any]
    stable: dict[str, Any]
    interval: dict[str, Any] | None
    threshold: str
    reason: str
    alpha: dict[str, Any] | None = None
    steps: int = 1
    matured: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    """The overall verdict: promote, continue, rollback or inconclusive."""

    overall: str
    metrics: list[MetricVerdict]
    reason: str
    alpha: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall,
            "reason": self.reason,
            "alpha": self.alpha,
            "metrics": [m.to_dict() for m in self.metrics],
        }


@dataclass(frozen=True)
class _Check:
    """Outcome of one comparison: failed / satisfied are both False while undecided."""

    interval: Interval | None
    failed: bool
    satisfied: bool
    text: str
    absolute: bool = False  # an absolute bound rather than a comparison with stable


def judge(
    policies: Sequence[MetricPolicy],
    canary: Mapping[str, ArmStats] | None = None,
    stable: Mapping[str, ArmStats] | None = None,
    *,
    steps: Sequence[tuple[Mapping[str, ArmStats], Mapping[str, ArmStats]]] | None = None,
    slices: Sequence[Sequence[tuple[Mapping[str, ArmStats], Mapping[str, ArmStats]]]] | None = None,
    alpha: float = 0.01,
    elapsed_s: float,
    min_duration_s: float,
    matured: Mapping[str, tuple[int, int]] | None = None,
    final_step: bool = False,
) -> Decision:
    """Judge a canary against stable on every policy's metric.

    Data come either as one (``canary``, ``stable``) pair of {metric: ArmStats}, or as ``steps``, one
    pair per rollout step, oldest first, or as ``slices``: per step, its time slices oldest first
    (the steps are then their sums). The rollback z-test compares the arms within each slice, so an
    outage both versions share never reads as a canary regression. ``alpha`` is the family-wise false-rollback budget under any
    number of looks; each of the m metrics gets alpha / m. ``matured`` maps a delayed metric to
    (matured canary calls, all canary calls) for the explanation. ``final_step``: the next promotion
    is to 100%, which a metric with a holdout holds until it passes or its holdout is over.
    """
    if slices is not None:
        sliced = slices
    elif steps is not None:
        sliced = [[step] for step in steps]
    else:
        sliced = [[(canary or {}, stable or {})]]
    verdicts = []
    for p in policies:
        per_slice = [[(c.get(p.name, ArmStats(0)), s.get(p.name, ArmStats(0))) for c, s in step] for step in sliced]
        per_step = [(_pooled([c for c, _ in step]), _pooled([s for _, s in step])) for step in per_slice]
        budget = Budget.split(p, alpha, len(policies))
        verdicts.append(_judge_steps(p, per_step, budget, (matured or {}).get(p.name),
                                     [piece for step in per_slice for piece in step]))
    overall, reason = _overall(policies, verdicts, elapsed_s, min_duration_s, final_step)
    split = _alpha_text(alpha, len(policies))
    if overall == "rollback":
        reason += f" (false-rollback budget: {split})"
    return Decision(overall, verdicts, reason, {"family": alpha, "metrics": len(policies), "text": split})


def judge_metric(
    policy: MetricPolicy, canary: ArmStats, stable: ArmStats, alpha: float = 0.01
) -> MetricVerdict:
    """Verdict on one metric judged alone (budget alpha), from one step of data."""
    return _judge_steps(policy, [(canary, stable)], Budget.split(policy, alpha, 1), None)


def _judge_steps(
    policy: MetricPolicy, steps: Sequence[Step], budget: Budget, matured: tuple[int, int] | None,
    slices: Sequence[Step] | None = None,
) -> MetricVerdict:
    canary, stable = _pooled([c for c, _ in steps]), _pooled([s for _, s in steps])
    margin = _margin(policy, stable)
    threshold = _threshold_text(policy, stable, margin)
    summary = (_summary(policy, canary), _summary(policy, stable))
    live = sum(1 for c, s in steps if c.n or s.n) or 1
    ripe = {"matured": matured[0], "calls": matured[1]} if matured else None
    prefix = f"{matured[0]:,} of {matured[1]:,} canary calls matured; " if matured else ""
    if policy.holdout_s:
        prefix = f"judged over the holdout ({_days(policy.holdout_s)}), " + (prefix or "all canary calls; ")

    def verdict(kind: str, reason: str, interval: Interval | None) -> MetricVerdict:
        return MetricVerdict(policy.name, kind, *summary, interval.to_dict() if interval else None, threshold,
                             prefix + reason, budget.to_dict(), live, ripe)

    if canary.n < policy.min_calls:
        return verdict("no-data", _short_text(policy, canary, stable), None)
    checks: list[_Check] = []
    has_stable = stable.n >= policy.min_calls
    if has_stable:
        checks += _relative_checks(policy, steps, budget, margin, steps if slices is None else slices)
    if policy.absolute_min is not None or policy.absolute_max is not None:
        checks.append(_absolute_check(policy, canary, budget.absolute))
    head = _arms_text(policy, canary, stable if has_stable else None)
    failed = [c for c in checks if c.failed]
    if failed:
        return verdict("fail", f"{head}; " + "; ".join(c.text for c in failed), failed[0].interval)
    if not has_stable:  # an absolute bound alone never promotes: relative evidence is required
        return verdict("no-data", _short_text(policy, canary, stable), checks[0].interval if checks else None)
    relative = [c for c in checks if not c.absolute]
    bounds = [c for c in checks if c.absolute]
    passed = any(c.satisfied for c in relative) and all(c.satisfied for c in bounds)
    shown = [next((c for c in relative if c.satisfied), relative[0])] if relative else []
    text = "; ".join(c.text for c in shown + bounds)
    interval = shown[0].interval if shown else None
    return verdict("pass" if passed else "pending", f"{head}; {text}", interval)


def _relative_checks(policy: MetricPolicy, steps: Sequence[Step], budget: Budget, margin: float,
                     slices: Sequence[Step]) -> list[_Check]:
    """The sequential z-test (both sides) and, for rates, the exact test; then the current step's exact CS."""
    checks: list[_Check] = []
    if policy.kind == "rate" and budget.exact > 0:
        counts = [(os1.Counts(c.n, c.successes or 0.0), os1.Counts(s.n, s.successes or 0.0)) for c, s in steps]
        log_e = os1.rate_worse_log_evalue(counts, policy.higher_is_better)
        if log_e >= math.log(1.0 / budget.exact):
            interval = rate_difference_cs(*_last(steps), budget.exact)
            cs = f"{_level(budget.exact)} CS of difference [{_num(interval.lower)}, {_num(interval.upper)}]"
            checks.append(_Check(interval, True, False, f"exact test: canary worse than stable (e-value "
                                                        f"{_evalue(log_e)} ≥ 1/{budget.exact:g}); {cs}"))
    z = _z(policy, steps)
    if z is not None:
        worse = os1.sliced_worse(_tilted(policy, slices))
        log_worse = os1.log_evalue(-worse.s(), worse.info, 1.0) if worse.info > 0 and worse.s() < 0 else -math.inf
        checks.append(_z_check(policy, z, budget, margin, _effect(policy, margin, steps), log_worse))
    checks.append(_exact_pass_check(policy, _last(steps), budget.promote, margin))
    return checks


def _tilted(policy: MetricPolicy, slices: Sequence[Step]) -> list[tuple[os1.Difference, float]]:
    """Each slice's difference with its tilt effect / variance, both from the slices before it.

    The first slices (fewer than TILT_CALLS calls before them) take the tilt from the data so far,
    which is what a plain z-test does at every look."""
    pieces: list[tuple[os1.Difference, float]] = []
    before: list[ArmStats] = []
    for canary, stable in slices:
        piece = _difference(policy, canary, stable)
        if piece is not None:
            arms = before if sum(a.n for a in before) >= TILT_CALLS else [*before, canary, stable]
            ref_canary, ref_stable = _pooled(arms[0::2]), _pooled(arms[1::2])
            margin = _margin(policy, ref_stable)
            effect = _effect(policy, margin, [(ref_canary, ref_stable)])
            pieces.append((piece, effect / _unit_variance(policy, ref_canary, ref_stable)))
        before += [canary, stable]
    return pieces


def _difference(policy: MetricPolicy, canary: ArmStats, stable: ArmStats) -> os1.Difference | None:
    if policy.kind == "rate":
        return os1.rate_slice(os1.Counts(canary.n, canary.successes or 0.0),
                              os1.Counts(stable.n, stable.successes or 0.0), policy.higher_is_better)
    if canary.n < 2 or stable.n < 2:
        return None
    return os1.mean_slice(_moments(canary), _moments(stable), policy.higher_is_better, policy.scale)


def _unit_variance(policy: MetricPolicy, canary: ArmStats, stable: ArmStats) -> float:
    """Per-call variance of the score, h Var(difference), with the same variance rules as the slices
    (never 0: Jeffreys-smoothed rates, floored means)."""
    reference = _difference(policy, canary, stable)
    if reference is not None:
        return reference.weight * reference.variance
    both = _pooled([canary, stable])
    if policy.kind == "rate":
        p = ((both.successes or 0.0) + 0.5) / (both.n + 1.0)
        return p * (1.0 - p)
    if policy.scale is not None:
        return policy.scale * policy.scale
    moments = _moments(both) if both.n >= 2 else os1.Moments(both.n, 0.0, 0.0)
    return max(moments.variance, 1e-12 * max(1.0, moments.mean * moments.mean))


def _z(policy: MetricPolicy, steps: Sequence[Step]) -> os1.ZStats | None:
    if policy.kind == "rate":
        counts = [(os1.Counts(c.n, c.successes or 0.0), os1.Counts(s.n, s.successes or 0.0)) for c, s in steps]
        return os1.rate_z(counts, policy.higher_is_better)
    moments = [(_moments(c), _moments(s)) for c, s in steps if c.n >= 2 and s.n >= 2]
    return os1.mean_z(moments, policy.higher_is_better, policy.scale)


def _z_check(policy: MetricPolicy, z: os1.ZStats, budget: Budget, margin: float, effect: float,
             log_worse: float) -> _Check:
    """Roll back on the time-sliced evidence `log_worse`; pass and the displayed CS use the steps."""
    within = z.s(margin)  # evidence against "worse by the margin or more"
    failed = log_worse >= math.log(1.0 / budget.sequential)
    satisfied = within > 0 and os1.log_evalue(within, z.info, effect) >= math.log(1.0 / budget.promote)
    # Good-direction bounds: lower at the promotion level, upper at the rollback level.
    low = z.estimate - os1.boundary(z.info, effect, budget.promote) / z.info
    high = z.estimate + os1.boundary(z.info, effect, budget.sequential) / z.info
    sign = 1.0 if policy.higher_is_better else -1.0
    lower, upper = sorted((sign * low, sign * high))
    interval = Interval(lower, upper, sign * z.estimate, budget.sequential, Z_METHOD)
    cs = f"sequential CS of difference [{_num(lower)}, {_num(upper)}]"
    limit = _signed(-sign * margin)
    if failed:
        text = (f"{cs}: canary worse than stable within the same time slices (e-value {_evalue(log_worse)} "
                f"≥ 1/{budget.sequential:.3g})")
    elif satisfied:
        text = f"{cs} rules out a change beyond the tolerated {limit}"
    else:
        text = f"{cs} still straddles 0 or the tolerated {limit}"
    return _Check(interval, failed, satisfied, text)


def _exact_pass_check(policy: MetricPolicy, step: Step, alpha: float, margin: float) -> _Check:
    """The current step's exact CS within the margin: promotes small or event-free samples (0 vs 0)."""
    canary, stable = step
    if policy.kind == "rate":
        interval = rate_difference_cs(canary, stable, alpha)
    else:
        interval = mean_difference_cs(canary, stable, alpha, scale=policy.scale)
    if policy.higher_is_better:
        limit, satisfied, side = -margin, interval.lower >= -margin, "above"
    else:
        limit, satisfied, side = margin, interval.upper <= margin, "below"
    cs = f"{_level(alpha)} CS of difference [{_num(interval.lower)}, {_num(interval.upper)}]"
    text = f"{cs} lies entirely {side} the tolerated {_signed(limit)}" if satisfied else (
        f"{cs} still straddles the tolerated {_signed(limit)}")
    return _Check(interval, False, satisfied, text)


def _absolute_check(policy: MetricPolicy, canary: ArmStats, alpha: float) -> _Check:
    interval = rate_cs(canary, alpha) if policy.kind == "rate" else mean_cs(canary, alpha, scale=policy.scale)
    if policy.transform == "log":  # the bounds are written in the metric's units
        interval = Interval(math.exp(interval.lower) if math.isfinite(interval.lower) else 0.0,
                            math.exp(interval.upper) if math.isfinite(interval.upper) else math.inf,
                            math.exp(interval.estimate), interval.alpha, interval.method + " (exp of log scale)")
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
    return _Check(interval, below or above, satisfied, text, absolute=True)


def _overall(
    policies: Sequence[MetricPolicy],
    verdicts: list[MetricVerdict],
    elapsed_s: float,
    min_duration_s: float,
    final_step: bool = False,
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
    # A delayed outcome (matures_after_s) can roll back once enough calls matured, but it does not hold
    # a step: leading indicators gate the step, the business outcome is judged as it matures.
    delayed = {p.name for p in policies if p.matures_after_s or p.holdout_s}
    gating = [v for v in verdicts if v.name not in delayed]
    if gating and all(v.verdict == "pass" for v in gating):
        what = f"all metrics pass ({len(gating)})"
        late = [v.name for v in verdicts if v.name in delayed and v.verdict != "pass"]
        if late:
            what = f"all leading metrics pass ({len(gating)}; delayed, judged as calls mature: {', '.join(late)})"
        holding = [p for p in policies if p.holdout_s and p.name in late and elapsed_s < p.holdout_s]
        if final_step and holding:
            waits = ", ".join(f"{p.name} ({_days(elapsed_s)} of its {_days(p.holdout_s)} holdout)" for p in holding)
            return "continue", f"{what}; the last step (to 100%) waits for the business outcome: {waits}"
        over = [p.name for p in policies if p.holdout_s and p.name in late and elapsed_s >= p.holdout_s]
        if final_step and over:
            what += f"; holdout over without a regression: {', '.join(over)}"
        if elapsed_s >= min_duration_s:
            return "promote", f"{what} and the canary ran {elapsed_s:.0f} s (minimum {min_duration_s:.0f} s)"
        return "continue", f"{what}; waiting for the minimum duration ({elapsed_s:.0f} of {min_duration_s:.0f} s)"
    counts = [(k, [v.name for v in verdicts if v.verdict == k]) for k in ("pending", "no-data", "pass")]
    return "continue", "; ".join(f"{k}: {', '.join(names)}" for k, names in counts if names)


# --- numbers ------------------------------------------------------------------------------------


def _pooled(arms: Sequence[ArmStats]) -> ArmStats:
    if len(arms) == 1:
        return arms[0]
    n = sum(a.n for a in arms)
    with_data = [a for a in arms if a.n]

    def total(field: str) -> float | None:
        values = [getattr(a, field) for a in with_data]
        return None if not values or any(v is None for v in values) else float(sum(values))

    return ArmStats(n, total("successes"), total("total"), total("total_sq"))


def _last(steps: Sequence[Step]) -> Step:
    """The most recent step with canary data (the one the canary is in now)."""
    return next((step for step in reversed(steps) if step[0].n), steps[-1])


def _moments(arm: ArmStats) -> os1.Moments:
    mean = (arm.total or 0.0) / arm.n
    sq = max(0.0, (arm.total_sq or 0.0) - arm.n * mean * mean)
    return os1.Moments(arm.n, mean, sq / (arm.n - 1))


def _margin(policy: MetricPolicy, stable: ArmStats) -> float:
    """The tolerated absolute change in the bad direction (in log units for log-scale metrics)."""
    floor = policy.min_margin if policy.min_margin is not None else (
        DEFAULT_RATE_MIN_MARGIN if policy.kind == "rate" else 0.0)
    if policy.transform == "log":
        ratio = math.log1p(policy.tolerance) if not policy.higher_is_better else -math.log1p(-policy.tolerance)
        return max(ratio, floor)
    base = _estimate(policy, stable)
    return max(policy.tolerance * abs(base or 0.0), floor)


def _effect(policy: MetricPolicy, margin: float, steps: Sequence[Step]) -> float:
    """The minimum effect the z-test is tuned to: the margin, or a tenth of a standard deviation."""
    if margin > 0:
        return margin
    moments = [_moments(a) for step in steps for a in step if a.n >= 2]
    sd = math.sqrt(max((m.variance for m in moments), default=0.0))
    return 0.1 * sd if sd > 0 else 1.0


def _days(seconds: float) -> str:
    days = seconds / 86400
    return f"{days:.1f} d" if days < 10 and days != int(days) else f"{days:.0f} d"


def _evalue(log_e: float) -> str:
    return f"{math.exp(log_e):.3g}" if log_e < 700 else f"e^{log_e:.0f}"


def _alpha_text(alpha: float, metrics: int) -> str:
    if metrics <= 1:
        return f"α = {alpha:g} for the metric"
    return f"α = {alpha:g} family-wise, {alpha / metrics:.3g} for each of {metrics} metrics"


# --- text ---------------------------------------------------------------------------------------


def _estimate(policy: MetricPolicy, arm: ArmStats) -> float | None:
    return arm.rate if policy.kind == "rate" else arm.mean


def _summary(policy: MetricPolicy, arm: ArmStats) -> dict[str, Any]:
    value = _estimate(policy, arm)
    if policy.transform == "log":
        return {"n": arm.n, "geometric_mean": None if value is None else math.exp(value)}
    return {"n": arm.n, policy.kind: value}


def _value(policy: MetricPolicy, x: float | None) -> str:
    if x is None:
        return "n/a"
    if policy.transform == "log":
        return f"{_num(math.exp(x), digits=4)} (geometric mean)"
    return f"{100 * x:.1f}%" if policy.kind == "rate" else _num(x, digits=4)


def _arms_text(policy: MetricPolicy, canary: ArmStats, stable: ArmStats | None) -> str:
    text = f"canary {_value(policy, _estimate(policy, canary))} (n={canary.n})"
    if stable is not None:
        text += f" vs stable {_value(policy, _estimate(policy, stable))} (n={stable.n})"
    return text


def _short_text(policy: MetricPolicy, canary: ArmStats, stable: ArmStats) -> str:
    return f"needs ≥ {policy.min_calls} calls per arm, has canary {canary.n}, stable {stable.n}"


def _threshold_text(policy: MetricPolicy, stable: ArmStats, margin: float) -> str:
    op = "≥" if policy.higher_is_better else "≤"
    sign = -1.0 if policy.higher_is_better else 1.0
    base = _estimate(policy, stable)
    if policy.transform == "log":
        factor = math.exp(sign * margin)
        text = f"canary {op} stable × {factor:.4g} (geometric mean)"
        if base is not None:
            text += f" ({op} {_num(math.exp(base + sign * margin))})"
    elif margin > policy.tolerance * abs(base or 0.0):  # the absolute minimum margin applies
        text = f"canary {op} stable {'−' if sign < 0 else '+'} {_num(margin)} (minimum margin)"
        if base is not None:
            text += f" ({op} {_num(base + sign * margin)})"
    else:
        factor = 1.0 + sign * policy.tolerance
        text = f"canary {op} stable × {factor:g}"
        if base is not None:
            text += f" ({op} {_num(base + sign * margin)})"
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
