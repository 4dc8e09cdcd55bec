"""Beta-binomial mixture martingale of one arm, and the projection of two arms onto a difference.

Internal to :mod:`agentctl.analysis.sequential`, which documents the method and its references.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Jeffreys Beta(1/2, 1/2) mixing distribution: puts enough mass near 0 and 1 for rates such as a
# 99% tool success rate, and its regret over the best fixed rate, 1/2 log n + O(1), is
# asymptotically minimax.
BETA_PRIOR = 0.5


@dataclass(frozen=True)
class BinomialArm:
    """Successes, failures, MLE and regret of one arm; cost(p) = log M_t(p)."""

    s: float
    f: float
    p_hat: float
    regret: float  # log max-likelihood - log mixture likelihood >= 0

    @classmethod
    def of(cls, successes: float, n: int) -> BinomialArm:
        s, f = float(successes), float(n) - float(successes)
        p_hat = s / n if n > 0 else 0.5
        log_mix = _log_beta(BETA_PRIOR + s, BETA_PRIOR + f) - _log_beta(BETA_PRIOR, BETA_PRIOR)
        log_ml = xlogy(s, p_hat) + xlogy(f, 1.0 - p_hat)
        return cls(s, f, p_hat, max(0.0, log_ml - log_mix))

    def cost(self, p: float) -> float:
        # n * KL(p_hat || p) - regret, written as a KL so that it stays accurate for large n.
        return (
            _xlog_ratio(self.s, self.p_hat, p) + _xlog_ratio(self.f, 1.0 - self.p_hat, 1.0 - p) - self.regret
        )

    def curvature(self, p: float) -> float:
        """Second derivative of cost at an interior p."""
        return self.s / (p * p) + self.f / ((1.0 - p) ** 2)

    def push_up(self, g: float) -> float:
        """argmax over p in [0, 1] of g*p - cost(p): how far up a Lagrange slope g moves p."""
        n, d = self.s + self.f, self.s + self.f - g
        if d > 0:  # stable root form, avoids cancellation for small g
            return 2.0 * self.s / (d + math.sqrt(d * d + 4.0 * g * self.s)) if self.s > 0 else 0.0
        return min(1.0, (-d + math.sqrt(d * d + 4.0 * g * self.s)) / (2.0 * g)) if n > 0 else 1.0

    def push_down(self, g: float) -> float:
        """argmin over p in [0, 1] of g*p + cost(p)."""
        if self.s <= 0:
            return 0.0
        total = self.s + self.f + g
        return 2.0 * self.s / (total + math.sqrt(max(0.0, total * total - 4.0 * g * self.s)))


def log_mixture(successes: float, n: int) -> float:
    """log of the Jeffreys beta-binomial mixture likelihood of one arm (binomial coefficient left out)."""
    return _log_beta(BETA_PRIOR + successes, BETA_PRIOR + n - successes) - _log_beta(BETA_PRIOR, BETA_PRIOR)


def xlogy(x: float, y: float) -> float:
    """x * log(y) with 0 * log(0) = 0."""
    return 0.0 if x == 0 else x * math.log(y)


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _xlog_ratio(x: float, num: float, den: float) -> float:
    """x * log(num / den) with 0 * log(...) = 0 and an infinite cost for den = 0 < x."""
    if x == 0:
        return 0.0
    return math.inf if den <= 0 else x * math.log(num / den)


def max_gap(up: BinomialArm, down: BinomialArm, budget: float) -> float:
    """sup p_up - p_down subject to cost_up(p_up) + cost_down(p_down) <= budget.

    A convex program: for a Lagrange slope g, (push_up(g), push_down(g)) is its optimum for the
    budget h(g) it spends, with multiplier 1/g. The optimum is concave in the budget, so its
    tangent at h(g), gap(g) + (budget - h(g)) / g, bounds it from above whatever g is: every
    iterate yields a valid (never too narrow) bound. Newton steps on h(g) = budget in t = log g,
    safeguarded by bisection, make that bound tight.
    """

    def bound(t: float) -> tuple[float, float, float, float]:
        g = math.exp(t)
        p_up, p_down = up.push_up(g), down.push_down(g)
        h = up.cost(p_up) + down.cost(p_down)
        gap = p_up - p_down
        return h, (gap + (budget - h) / g if math.isfinite(h) else gap), p_up, p_down

    lo, hi = -50.0, 50.0
    h, best, p_up, p_down = bound(hi)
    if h <= budget:  # even the extremes are plausible (e.g. an arm without data)
        return best
    # Start where a quadratic approximation of h around the MLEs meets the budget.
    spread = 1.0 / _curv(up, up.p_hat) + 1.0 / _curv(down, down.p_hat)
    t = 0.5 * math.log(2.0 * (budget + up.regret + down.regret) / spread) if spread > 0 else 0.0
    for _ in range(200):
        t = t if lo < t < hi else 0.5 * (lo + hi)
        h, candidate, p_up, p_down = bound(t)
        best = min(best, candidate)
        if abs(h - budget) < 1e-9 or hi - lo < 1e-12:
            break
        lo, hi = (lo, t) if h > budget else (t, hi)
        slope = math.exp(2.0 * t) * (1.0 / _curv(up, p_up) + 1.0 / _curv(down, p_down))
        t = t - (h - budget) / slope if slope > 0 else 0.5 * (lo + hi)
    return best


def _curv(arm: BinomialArm, p: float) -> float:
    """Curvature of an arm's cost, infinite where p cannot move (no data, or pinned at 0 or 1)."""
    if arm.s + arm.f == 0 or p <= 0.0 or p >= 1.0:
        return math.inf
    return arm.curvature(p)


EMPTY = BinomialArm(0.0, 0.0, 0.5, 0.0)
