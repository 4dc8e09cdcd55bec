"""Anytime-valid confidence sequences for comparing a canary with the stable version.

The canary judge looks at the same, growing data again and again ("watch"). A fixed-horizon test
(z-test, Mann-Whitney U) is only valid when looked at once; peeking at it every few minutes inflates
its false-alarm rate far beyond its nominal alpha. A *confidence sequence* (CS) is a sequence of
intervals that covers the true value at *every* sample size simultaneously with probability
>= 1 - alpha, so the judge may stop at any look it likes (optional stopping) without losing validity.

Every interval here is the set of parameters not rejected by a nonnegative (super)martingale through
Ville's inequality, P(sup_t M_t >= 1/alpha) <= alpha, and is computed from per-arm aggregates only.

Rates (Bernoulli outcomes), :func:`rate_cs` and :func:`rate_difference_cs`
    Conjugate beta-binomial mixture martingale (Robbins 1970; Howard, Ramdas, McAuliffe & Sekhon,
    "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist. 49(2), 2021,
    conjugate mixtures)::

        M_t(p) = B(a + S, b + F) / B(a, b) / (p^S (1 - p)^F),   a = b = 1/2 (Jeffreys prior)

    with S successes and F failures. It is exact for Bernoulli data at every n (no normal
    approximation, no plug-in variance), so a canary with 20 calls all successful does not get a
    falsely narrow interval. For a difference, the product M_c(p_c) * M_s(p_s) of the two arms is a
    martingale too (arms are independent given the assignment), and the CS of p_c - p_s is the
    projection of the joint region {log M_c + log M_s < log(1/alpha)}, found by convex duality.

Means, :func:`mean_cs` and :func:`mean_difference_cs`
    Two-sided normal-mixture boundary (Robbins 1970; Howard et al. 2021)::

        |S_n - n mu| < sqrt((V + rho) * (2 log(1/alpha) + log((V + rho) / rho))),  V = n sigma^2

    With ``scale=sigma`` the observations are assumed sigma-sub-Gaussian (a metric clipped to
    [lo, hi] is sub-Gaussian with sigma = (hi - lo) / 2), which makes the CS nonasymptotic. Without
    ``scale`` sigma^2 is the plug-in sample variance, which gives the *asymptotic* CS of
    Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas, "Time-uniform central limit theory and asymptotic
    confidence sequences", Ann. Statist. 2024.

Only the standard library is imported: the CLI imports this module on every start.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from agentctl.analysis._beta_binomial import BETA_PRIOR, EMPTY, BinomialArm, max_gap

__all__ = [
    "BETA_PRIOR",
    "ArmStats",
    "Interval",
    "mean_cs",
    "mean_difference_cs",
    "rate_cs",
    "rate_difference_cs",
]

# The normal mixture's boundary, in z units sqrt((1 + rho/V) (2 log(1/alpha) + log(1 + V/rho))), is
# tightest where V / rho = x*(alpha), about 11.7 at alpha = 0.01 (not at V = rho). So rho = sigma^2 * n / x*
# puts the tightest point at n observations per arm (the target-sample-size tuning of Howard et al. 2021):
# the mean CS is used for absolute bounds and for promoting a step, decided after a few hundred calls.
MEAN_DECISION_CALLS = 200.0

RATE_METHOD = "beta-binomial mixture CS (Howard et al. 2021)"
RATE_DIFF_METHOD = "joint beta-binomial mixture CS of the difference (Howard et al. 2021)"
MEAN_SUBGAUSSIAN_METHOD = "normal-mixture CS, sub-Gaussian scale {scale:g} (Howard et al. 2021)"
MEAN_PLUGIN_METHOD = "normal-mixture CS, plug-in variance, asymptotic (Waudby-Smith et al. 2024)"


@dataclass(frozen=True)
class ArmStats:
    """Aggregates of one arm (canary or stable) for one metric, as computed in SQL.

    ``successes`` is used for rates; ``total`` (sum) and ``total_sq`` (sum of squares) for means.
    """

    n: int
    successes: float | None = None
    total: float | None = None
    total_sq: float | None = None

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError(f"ArmStats.n must be >= 0, got {self.n}")
        if self.successes is not None and not 0 <= self.successes <= self.n:
            raise ValueError(f"ArmStats.successes must lie in [0, n={self.n}], got {self.successes}")

    @property
    def rate(self) -> float | None:
        """Observed success rate, or None without observations."""
        if self.n == 0 or self.successes is None:
            return None
        return self.successes / self.n

    @property
    def mean(self) -> float | None:
        """Observed mean, or None without observations."""
        if self.n == 0 or self.total is None:
            return None
        return self.total / self.n

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Interval:
    """A confidence-sequence interval at one look; ``lower``/``upper`` may be infinite for means."""

    lower: float
    upper: float
    estimate: float
    alpha: float
    method: str

    def contains(self, value: float) -> bool:
        return self.lower <= value <= self.upper

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: infinite bounds (no data for a mean) become None."""
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()
        }


def _check_alpha(alpha: float) -> float:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha}")
    return math.log(1.0 / alpha)


# --- rates: beta-binomial mixture ---------------------------------------------------------------


def rate_cs(arm: ArmStats, alpha: float = 0.01) -> Interval:
    """Anytime-valid (1 - alpha) confidence sequence for one arm's success rate.

    Used for absolute thresholds ("canary SMS success must be >= 95%") and when there is no stable
    traffic. Exact for independent Bernoulli outcomes at every n; n = 0 gives [0, 1].
    """
    budget = _check_alpha(alpha)
    b = _binomial(arm)
    upper = max_gap(b, EMPTY, budget)  # an empty arm's p_down is free: 0 at no cost
    lower = 1.0 - max_gap(EMPTY, b, budget)
    estimate = b.p_hat if arm.n > 0 else 0.5 * (lower + upper)
    return Interval(_clip(lower, 0.0, 1.0), _clip(upper, 0.0, 1.0), estimate, alpha, RATE_METHOD)


def rate_difference_cs(canary: ArmStats, stable: ArmStats, alpha: float = 0.01) -> Interval:
    """Anytime-valid (1 - alpha) confidence sequence for rate(canary) - rate(stable).

    Valid under continuous monitoring for independent Bernoulli calls whose arm assignment does not
    depend on outcomes; bounds lie in [-1, 1]. An arm without calls widens the interval to what the
    other arm alone can support; the estimate is then the interval's midpoint.
    """
    budget = _check_alpha(alpha)
    c, s = _binomial(canary), _binomial(stable)
    upper = max_gap(c, s, budget)
    lower = -max_gap(s, c, budget)
    has_data = canary.n > 0 and stable.n > 0
    estimate = c.p_hat - s.p_hat if has_data else 0.5 * (lower + upper)
    return Interval(_clip(lower, -1.0, 1.0), _clip(upper, -1.0, 1.0), estimate, alpha, RATE_DIFF_METHOD)


def _binomial(arm: ArmStats) -> BinomialArm:
    if arm.successes is None and arm.n > 0:
        raise ValueError("a rate needs ArmStats.successes")
    return BinomialArm.of(arm.successes or 0.0, arm.n)


def _clip(x: float, lo: float, hi: float) -> float:
    return min(hi, max(lo, x))


# --- means: normal mixture ----------------------------------------------------------------------


def _sum_sq_dev(arm: ArmStats) -> float:
    """Sum of squared deviations from the arm's mean (>= 0 despite rounding)."""
    if arm.n == 0:
        return 0.0
    if arm.total is None or arm.total_sq is None:
        raise ValueError("a mean without scale needs ArmStats.total and ArmStats.total_sq")
    return max(0.0, arm.total_sq - arm.total * arm.total / arm.n)


def _mean_of(arm: ArmStats) -> float:
    if arm.n == 0:
        return 0.0
    if arm.total is None:
        raise ValueError("a mean needs ArmStats.total")
    return arm.total / arm.n


def tightest_ratio(alpha: float) -> float:
    """x* = V / rho where the two-sided normal-mixture boundary in z units is smallest, at level alpha."""
    budget = _check_alpha(alpha)

    def width(log_x: float) -> float:
        x = math.exp(log_x)
        return (1.0 + 1.0 / x) * (2.0 * budget + math.log1p(x))

    lo, hi = 0.0, math.log(1e4)  # golden-section search: the width is unimodal in log x
    golden = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(80):
        a, b = hi - golden * (hi - lo), lo + golden * (hi - lo)
        lo, hi = (lo, b) if width(a) < width(b) else (a, hi)
    return math.exp(0.5 * (lo + hi))


def _mixture_terms(n: int, variance: float, alpha: float) -> tuple[float, float]:
    """(log((V + rho) / rho) / 2, (V + rho) / n^2) of the normal-mixture boundary for one arm."""
    rho = variance * MEAN_DECISION_CALLS / tightest_ratio(alpha)
    v = variance * n
    return 0.5 * math.log((v + rho) / rho), (v + rho) / (n * n)


def _variance_floor(*arms: ArmStats) -> float:
    # Keeps a constant sample (all latencies equal so far) from producing a zero-width interval.
    scale = max((abs(_mean_of(a)) for a in arms if a.n > 0), default=1.0)
    return 1e-12 * max(1.0, scale * scale)


def mean_cs(arm: ArmStats, alpha: float = 0.01, *, scale: float | None = None) -> Interval:
    """Anytime-valid (1 - alpha) confidence sequence for one arm's mean.

    ``scale`` is the sub-Gaussian parameter sigma of one observation (for a metric clipped to
    [lo, hi], sigma = (hi - lo) / 2); the CS is then nonasymptotic. Without it the sample variance
    is plugged in (asymptotic CS); fewer than 2 observations then give (-inf, inf).
    """
    budget = _check_alpha(alpha)
    if arm.n == 0 or (scale is None and arm.n < 2):
        return Interval(-math.inf, math.inf, 0.0, alpha, _mean_method(scale))
    variance = _arm_variance(arm, scale, pooled=0.0, floor=_variance_floor(arm))
    log_term, spread = _mixture_terms(arm.n, variance, alpha)
    half = math.sqrt(2.0 * (budget + log_term) * spread)
    mean = _mean_of(arm)
    return Interval(mean - half, mean + half, mean, alpha, _mean_method(scale))


def mean_difference_cs(
    canary: ArmStats, stable: ArmStats, alpha: float = 0.01, *, scale: float | None = None
) -> Interval:
    """Anytime-valid (1 - alpha) confidence sequence for mean(canary) - mean(stable).

    The product of the two arms' normal-mixture martingales bounds an ellipse in (mu_c, mu_s);
    its projection on mu_c - mu_s has half-width sqrt(2 L (W_c + W_s)) with
    W = (V + rho) / n^2 and L = log(1/alpha) + sum of log((V + rho) / rho) / 2 over arms.
    Without ``scale`` each arm's variance is the larger of its own sample variance and the pooled
    within-arm variance, so a small arm that happens to look constant is not trusted blindly.
    """
    budget = _check_alpha(alpha)
    method = _mean_method(scale)
    dof = canary.n + stable.n - 2
    if canary.n == 0 or stable.n == 0 or (scale is None and dof < 1):
        return Interval(-math.inf, math.inf, 0.0, alpha, method)
    pooled = 0.0 if scale is not None else (_sum_sq_dev(canary) + _sum_sq_dev(stable)) / dof
    floor = _variance_floor(canary, stable)
    log_sum, spread_sum = budget, 0.0
    for arm in (canary, stable):
        log_term, spread = _mixture_terms(arm.n, _arm_variance(arm, scale, pooled, floor), alpha)
        log_sum += log_term
        spread_sum += spread
    half = math.sqrt(2.0 * log_sum * spread_sum)
    estimate = _mean_of(canary) - _mean_of(stable)
    return Interval(estimate - half, estimate + half, estimate, alpha, method)


def _arm_variance(arm: ArmStats, scale: float | None, pooled: float, floor: float) -> float:
    if scale is not None:
        if not scale > 0:
            raise ValueError(f"scale must be > 0, got {scale}")
        return scale * scale
    own = _sum_sq_dev(arm) / (arm.n - 1) if arm.n >= 2 else 0.0
    return max(own, pooled, floor)


def _mean_method(scale: float | None) -> str:
    return MEAN_PLUGIN_METHOD if scale is None else MEAN_SUBGAUSSIAN_METHOD.format(scale=scale)
