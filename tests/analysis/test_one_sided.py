"""One-sided sequential tests: the formulas, the exact e-value against brute force, and A/A validity
under a look after every canary call."""

from __future__ import annotations

import math

import pytest

from agentctl.analysis.one_sided import (
    SPRT_MIXTURE,
    Counts,
    boundary,
    log_evalue,
    rate_worse_log_evalue,
    rate_z,
)


def test_the_evalue_is_the_stated_mixture_of_sprts():
    s, v, effect = 12.0, 400.0, 0.05
    expected = sum(w * math.exp(k * effect * s - 0.5 * (k * effect) ** 2 * v) for k, w in SPRT_MIXTURE)
    assert log_evalue(s, v, effect) == pytest.approx(math.log(expected))
    assert sum(w for _, w in SPRT_MIXTURE) == pytest.approx(1.0)  # a mixture: still a test martingale


@pytest.mark.parametrize(("v", "effect", "alpha"), [(10.0, 1.0, 0.01), (4000.0, 0.055, 0.0075), (2e5, 0.01, 0.05)])
def test_the_boundary_is_where_the_evalue_reaches_one_over_alpha(v, effect, alpha):
    b = boundary(v, effect, alpha)
    assert log_evalue(b, v, effect) == pytest.approx(math.log(1 / alpha), abs=1e-9)
    assert log_evalue(0.999 * b, v, effect) < math.log(1 / alpha)


@pytest.mark.parametrize(
    ("canary", "stable", "higher_is_better"),
    [((20, 14), (180, 178), True), ((300, 60), (2700, 600), True), ((500, 60), (4500, 360), False),
     ((40, 40), (360, 300), True), ((1000, 0), (9000, 0), False)],
)
def test_the_exact_evalue_is_the_mixture_over_the_best_null_fit(canary, stable, higher_is_better):
    # Brute force: mixture likelihood / max over the null (canary no worse) on a fine grid of rate pairs.
    from scipy import special

    (nc, sc), (ns, ss) = canary, stable
    mixture = sum(special.betaln(0.5 + s, 0.5 + n - s) - special.betaln(0.5, 0.5) for n, s in (canary, stable))
    grid = [i / 1000 for i in range(1001)]

    def log_l(n: int, s: int, p: float) -> float:
        return special.xlogy(s, p) + special.xlog1py(n - s, -p)

    best_c = {p: log_l(nc, sc, p) for p in grid}
    best = max(best_c[pc] + log_l(ns, ss, ps) for pc in grid for ps in grid[::5]
               if (pc >= ps if higher_is_better else pc <= ps))
    got = rate_worse_log_evalue([(Counts(nc, sc), Counts(ns, ss))], higher_is_better)
    assert got == pytest.approx(mixture - best, abs=0.05)
    assert got <= mixture - best + 1e-9  # never more evidence than the brute-force bound allows


def test_the_rate_z_test_waits_for_enough_events():
    assert rate_z([(Counts(100, 99), Counts(900, 891))], True) is None  # 1% failures: too few to trust a normal
    z = rate_z([(Counts(400, 88), Counts(3600, 792))], True)
    assert z is not None and z.estimate == pytest.approx(0.0)


@pytest.mark.slow
def test_aa_false_rollbacks_under_continuous_looks_stay_within_twice_alpha():
    """A look after every canary call for 1,500 canary calls; the vectorised rule is first checked against
    the judge itself, then 600 A/A runs per base rate. Clopper-Pearson upper bound <= 2 alpha."""
    import dataclasses

    import numpy as np
    from scipy import stats

    from benchmarks.canary_detection import (
        AA,
        _cumulative,
        _first,
        _increments,
        _slice_ids,
        check_against_judge,
        rollback,
    )

    alpha = 0.05
    rng = np.random.default_rng(20)
    assert check_against_judge(rng, alpha) > 100
    for scenario in AA:
        s = dataclasses.replace(scenario, cap=1500)
        hits = 0
        for _ in range(3):
            inc = _increments(s, rng, 200)
            hits += int(np.isfinite(_first(rollback(s, s.tolerance, [_cumulative(inc)], alpha, inc,
                                                    _slice_ids(s.cap)))).sum())
        upper = stats.beta.ppf(0.975, hits + 1, 600 - hits)
        assert upper <= 2 * alpha, (s.label, hits)


@pytest.mark.parametrize("depth", [0.8, 0.7])
def test_a_shared_outage_in_the_middle_of_a_step_rolls_back_no_canary(depth):
    """Reduced run of the benchmark's outage scenario (1,000 runs, a look every minute for 4 hours): the
    canary went 10% -> 50% an hour in; 33 minutes later SMS success falls to `depth` for both versions.
    Time-sliced: 0 rollbacks (95% upper bound 0.37%); the same data with steps pooled: nearly all."""
    import numpy as np

    from benchmarks.canary_detection import outage_task

    sliced = np.concatenate([outage_task((250, [20, int(100 * depth), i], 0.01, "sliced", depth)) for i in range(4)])
    assert int(sliced.sum()) == 0
    pooled = outage_task((250, [21, int(100 * depth)], 0.01, "pooled", depth))
    assert pooled.mean() > 0.9
