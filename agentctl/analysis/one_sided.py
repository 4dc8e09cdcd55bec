"""One-sided sequential tests of canary vs stable, stratified by rollout step.

Two questions, each answered by its own anytime-valid test (Ville's inequality: a nonnegative
supermartingale under the null exceeds 1/alpha with probability at most alpha, at any look):

* **worse** (roll back): H0 "the canary is no worse than stable" (difference >= 0 in the good
  direction) against "worse by at least the policy's minimum effect";
* **no worse than the margin** (promote early): H0 "the canary is worse than stable by the margin
  or more" against "within the margin".

Every rollout step is a stratum: per-step statistics are computed inside the step (both arms saw
the same hours at a constant split) and then combined, so a shared outage during a later step,
when the canary's share is larger, is never read as a canary regression (Simpson's paradox).

Exact test for rates, :func:`rate_worse_log_evalue`
    Per step, the beta-binomial (Jeffreys) mixture likelihood of the two arms divided by the
    maximum likelihood under H0 (the pooled rate when the canary looks worse). It is bounded by
    the product of the two arms' mixture martingales at the true common rate, so it is an exact
    e-value at every n; per-step e-values multiply (their logs add). It needs no variance estimate,
    which keeps 20 canary calls at 99% tool success honest.

Sequential z-tests, :func:`rate_z`, :func:`mean_z` and :func:`log_evalue`
    Per step, the difference of the arms' estimates d_k and its information I_k = 1 / Var(d_k),
    combined as S = sum d_k I_k and V = sum I_k (inverse-variance weights). Under H0, S is
    asymptotically a Brownian motion in information time V, so for any effect theta > 0
    exp(theta S - theta^2 V / 2) is a test martingale: Wald's SPRT of "no difference" against
    "a difference theta" (Wald 1945; as an e-process, Ramdas et al., "Game-theoretic statistics and
    safe anytime-valid inference", Statist. Sci. 2023). The judge mixes three of them,

        M(S, V) = 0.6 L(theta) + 0.2 L(2 theta) + 0.2 L(4 theta),   theta = the minimum effect,

    which is again a test martingale: most weight on the smallest effect that should roll back
    (fastest where detection is hardest), some on larger ones so that a large regression is not
    held back by a likelihood ratio tuned to a small one. Simulated on a Brownian motion at
    alpha = 0.0075 it stops at a median of 0.90, 0.98, 1.06 and 1.15 times the fixed-horizon
    sample size (one-sided alpha = 0.01, 80% power) for true effects of 1, 1.5, 2 and 4 theta; a
    one-sided normal mixture tuned to the same sample size needs 1.00, 1.07, 1.18 and 1.73
    (docs/canary-statistics.md). Variances are plug-in estimates (asymptotic validity,
    Waudby-Smith et al. 2024); for rates they are used only once each arm expects
    :data:`MIN_EXPECTED_EVENTS` of the rarer outcome.

Standard library only: the CLI imports this module on every start.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from agentctl.analysis._beta_binomial import BETA_PRIOR, log_mixture, xlogy

# (multiple of the minimum effect, weight) of the SPRTs mixed by log_evalue
SPRT_MIXTURE = ((1.0, 0.6), (2.0, 0.2), (4.0, 0.2))
MIN_EXPECTED_EVENTS = 30.0  # rarer outcome expected in each arm before a rate's z-test is trusted


@dataclass(frozen=True)
class Counts:
    """One arm of one step for a rate: successes out of n."""

    n: int
    successes: float


@dataclass(frozen=True)
class Moments:
    """One arm of one step for a mean: n, mean and per-observation variance."""

    n: int
    mean: float
    variance: float


@dataclass(frozen=True)
class Difference:
    """One stratum's difference (canary - stable, in the good direction), its variance and weight."""

    difference: float
    variance: float
    weight: float  # n_c n_s / (n_c + n_s): turns the difference into a Mantel-Haenszel score


@dataclass(frozen=True)
class ZStats:
    """Stratified difference (canary - stable, in the good direction) and its information."""

    estimate: float  # inverse-variance weighted mean difference, S / V
    info: float  # V = sum of 1 / Var(d_k)

    def s(self, shift: float = 0.0) -> float:
        """S for the difference shifted by `shift`: sum (d_k + shift) I_k."""
        return (self.estimate + shift) * self.info


def log_evalue(s: float, v: float, effect: float) -> float:
    """log M(S, V) of the SPRT mixture tuned to `effect` (> 0); large S is evidence against H0."""
    terms = [math.log(w) + k * effect * s - 0.5 * (k * effect) ** 2 * v for k, w in SPRT_MIXTURE]
    top = max(terms)
    return top + math.log(sum(math.exp(t - top) for t in terms))


def boundary(v: float, effect: float, alpha: float) -> float:
    """The S at which log M(S, V) reaches log(1/alpha): the one-sided test rejects beyond it."""
    target = math.log(1.0 / alpha)
    k, w = SPRT_MIXTURE[0]
    lo, hi = 0.0, (target - math.log(w)) / (k * effect) + 0.5 * k * effect * v  # the first SPRT alone gets there
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if log_evalue(mid, v, effect) < target else (lo, mid)
    return hi


# --- rates ------------------------------------------------------------------------------------


def rate_worse_log_evalue(steps: Sequence[tuple[Counts, Counts]], higher_is_better: bool) -> float:
    """log e-value against "the canary is no worse", summed over steps (exact; module docstring)."""
    total = 0.0
    for canary, stable in steps:
        if canary.n == 0 or stable.n == 0:
            continue
        mixture = log_mixture(canary.successes, canary.n) + log_mixture(stable.successes, stable.n)
        pc, ps = canary.successes / canary.n, stable.successes / stable.n
        worse = pc < ps if higher_is_better else pc > ps
        if worse:  # H0's best fit: one common rate
            s, n = canary.successes + stable.successes, canary.n + stable.n
            fit = xlogy(s, s / n) + xlogy(n - s, 1.0 - s / n)
        else:  # H0 holds at the arms' own rates
            fit = _log_ml(canary) + _log_ml(stable)
        total += mixture - fit
    return total


def _log_ml(arm: Counts) -> float:
    p = arm.successes / arm.n
    return xlogy(arm.successes, p) + xlogy(arm.n - arm.successes, 1.0 - p)


def rate_z(steps: Sequence[tuple[Counts, Counts]], higher_is_better: bool) -> ZStats | None:
    """Stratified rate difference in the good direction; None while the normal approximation is not
    yet trusted (fewer than MIN_EXPECTED_EVENTS of the rarer outcome expected in an arm).

    Variances use Jeffreys-smoothed rates; the canary's is taken at the midpoint of the two arms'
    rates. Its own rate alone (the Wald test) makes a small canary that happens to look bad also
    look precise (2.8x the nominal false alarms at 22% conversion, measured); the pooled rate
    (the score test) ignores that a worse canary really is less variable at rates below one half,
    and needs ~20% more calls to detect 22% -> 16%. The midpoint is consistent under H0 and keeps
    most of both."""
    nc = sum(c.n for c, _ in steps)
    ns = sum(s.n for _, s in steps)
    if nc == 0 or ns == 0:
        return None
    pooled = sum(c.successes + s.successes for c, s in steps) / (nc + ns)
    if min(nc, ns) * min(pooled, 1.0 - pooled) < MIN_EXPECTED_EVENTS:
        return None
    return _combine([rate_slice(canary, stable, higher_is_better) for canary, stable in steps])


def rate_slice(canary: Counts, stable: Counts, higher_is_better: bool) -> Difference | None:
    """One stratum's rate difference (good direction) and its variance; None when an arm is empty."""
    if canary.n == 0 or stable.n == 0:
        return None
    pc, ps = _smoothed(canary), _smoothed(stable)
    middle = 0.5 * (pc + ps)
    variance = middle * (1.0 - middle) / canary.n + ps * (1.0 - ps) / stable.n
    sign = 1.0 if higher_is_better else -1.0
    return Difference(sign * (canary.successes / canary.n - stable.successes / stable.n), variance,
                      canary.n * stable.n / (canary.n + stable.n))


def _combine(pieces: Sequence[Difference | None]) -> ZStats | None:
    weighted = info = 0.0
    for piece in pieces:
        if piece is not None:
            weighted += piece.difference / piece.variance
            info += 1.0 / piece.variance
    return ZStats(weighted / info, info) if info > 0 else None


def _smoothed(arm: Counts) -> float:
    # Jeffreys-smoothed rate: an arm with no failures yet still has a positive variance.
    return (arm.successes + BETA_PRIOR) / (arm.n + 2.0 * BETA_PRIOR)


# --- means ------------------------------------------------------------------------------------


def mean_z(steps: Sequence[tuple[Moments, Moments]], higher_is_better: bool,
           scale: float | None = None) -> ZStats | None:
    """Stratified mean difference in the good direction; each arm's variance is the larger of its own
    and the step's pooled one (a small arm that looks constant is not trusted), or scale^2 when the
    observations are known to be scale-sub-Gaussian."""
    return _combine([mean_slice(canary, stable, higher_is_better, scale) for canary, stable in steps])


def mean_slice(canary: Moments, stable: Moments, higher_is_better: bool,
               scale: float | None = None) -> Difference | None:
    """One stratum's mean difference (good direction) and its variance; None below 2 calls in an arm."""
    if canary.n < 2 or stable.n < 2:
        return None
    if scale is not None:
        vc = vs = scale * scale
    else:
        pooled = ((canary.n - 1) * canary.variance + (stable.n - 1) * stable.variance) / (canary.n + stable.n - 2)
        floor = 1e-12 * max(1.0, canary.mean * canary.mean, stable.mean * stable.mean)
        vc, vs = max(canary.variance, pooled, floor), max(stable.variance, pooled, floor)
    sign = 1.0 if higher_is_better else -1.0
    return Difference(sign * (canary.mean - stable.mean), vc / canary.n + vs / stable.n,
                      canary.n * stable.n / (canary.n + stable.n))


# --- rolling back: time slices with a predictable tilt -------------------------------------------


def sliced_worse(pieces: Sequence[tuple[Difference, float]]) -> ZStats:
    """Evidence that the canary is worse, compared only within time slices (log e-value:
    ``log_evalue(-S, V, 1.0)`` with S = ``result.s()``, V = ``result.info``).

    Each slice k gives its difference d_k with variance v_k and weight h_k = n_c n_s / (n_c + n_s);
    U_k = h_k d_k is the slice's Mantel-Haenszel score (canary successes minus their expectation
    given the slice's totals) and W_k = h_k^2 v_k its variance under "no difference", whatever the
    base rate does from one slice to the next. ``pieces`` pairs each slice with its tilt beta_k =
    effect / (per-call variance), both computed from the slices *before* it (predictable), so

        exp(beta_k U_k - beta_k^2 W_k / 2), multiplied over slices,

    is a test martingale under H0 even when a shared outage moves the rate in the middle of a step:
    the variance moves with the data (W_k), the tilt does not. S = sum beta_k U_k, V = sum beta_k^2
    W_k, and the effect is 1 in these units. Re-estimating the tilt from the current data at every
    look, as a plain z-test does, lets an outage rescale evidence already gathered (0.15-0.3% false
    rollbacks at 99% SMS success, measured)."""
    s = v = 0.0
    for piece, tilt in pieces:
        s += tilt * piece.weight * piece.difference
        v += (tilt * piece.weight) ** 2 * piece.variance
    return ZStats(s / v if v > 0 else 0.0, v)


__all__ = [
    "SPRT_MIXTURE",
    "Counts",
    "Difference",
    "Moments",
    "ZStats",
    "boundary",
    "log_evalue",
    "mean_slice",
    "mean_z",
    "rate_slice",
    "rate_worse_log_evalue",
    "rate_z",
    "sliced_worse",
]
