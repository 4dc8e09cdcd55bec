"""Canary detection benchmark: the sequential judge vs fixed-horizon tests peeked at every look.

Simulates a 10% canary (9 stable calls per canary call) and evaluates every judge "watch style",
every k canary calls, at the same nominal false-alarm budget alpha:

* sequential   agentctl.analysis.judge.judge (anytime-valid confidence sequence);
* z-test       two-proportion pooled z-test, two-sided p < alpha (scipy.stats.norm);
* Mann-Whitney Kayenta-style Mann-Whitney U, two-sided p < alpha (scipy.stats.mannwhitneyu
               semantics, computed from counts for 0/1 outcomes and checked against scipy at start).

Like Kayenta, the fixed-horizon judges also require the observed change to exceed the tolerance
before they fail a metric. Usage::

    python benchmarks/canary_detection.py [--runs 200] [--seed 1] [--look-every 10] [--jobs 2]
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agentctl.analysis.judge import MetricPolicy, judge  # noqa: E402
from agentctl.analysis.sequential import ArmStats  # noqa: E402

STABLE_PER_CANARY = 9
MIN_CALLS = 20
JUDGES = ("sequential", "z-test", "Mann-Whitney U")


@dataclass(frozen=True)
class Scenario:
    label: str
    p_canary: float
    p_stable: float
    tolerance: float
    cap: int  # canary calls per run
    look_every: int  # canary calls between looks
    aa: bool  # A/A: report false alarms instead of detection


def _looks(s: Scenario) -> np.ndarray:
    return np.arange(max(s.look_every, MIN_CALLS), s.cap + 1, s.look_every)


def _counts(s: Scenario, seed: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Canary calls, canary successes and stable successes at every look of one run."""
    rng = np.random.default_rng(seed)
    canary = np.cumsum(rng.random(s.cap) < s.p_canary)
    stable = np.cumsum(rng.random(s.cap * STABLE_PER_CANARY) < s.p_stable)
    looks = _looks(s)
    return looks, canary[looks - 1], stable[looks * STABLE_PER_CANARY - 1]


def _gate(s: Scenario, nc, sc, ns, ss) -> np.ndarray:
    """Kayenta-style effect-size gate: the observed drop must exceed the tolerance."""
    return sc / nc < (ss / ns) * (1.0 - s.tolerance)


def _z_pvalues(nc, sc, ns, ss) -> np.ndarray:
    pooled = (sc + ss) / (nc + ns)
    se = np.sqrt(pooled * (1 - pooled) * (1 / nc + 1 / ns))
    z = np.divide(sc / nc - ss / ns, se, out=np.zeros_like(se), where=se > 0)
    return 2 * stats.norm.sf(np.abs(z))


def _mwu_pvalues(nc, sc, ns, ss) -> np.ndarray:
    """Two-sided asymptotic Mann-Whitney U p-value with tie and continuity correction, for 0/1 data."""
    fc, fs = nc - sc, ns - ss
    u = sc * fs + 0.5 * (sc * ss + fc * fs)
    n = nc + ns
    ties = sum(t**3 - t for t in (sc + ss, fc + fs))
    sd = np.sqrt(nc * ns / 12.0 * ((n + 1) - ties / (n * (n - 1))))
    z = np.divide(np.abs(u - nc * ns / 2.0) - 0.5, sd, out=np.zeros_like(sd, dtype=float), where=sd > 0)
    return np.minimum(1.0, 2 * stats.norm.sf(z))


def _check_mwu_against_scipy() -> None:
    rng = np.random.default_rng(0)
    for nc, ns, p in ((20, 180, 0.9), (200, 1800, 0.22), (57, 513, 0.5)):
        x, y = (rng.random(nc) < p).astype(float), (rng.random(ns) < p - 0.05).astype(float)
        expected = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic").pvalue
        got = _mwu_pvalues(np.array([nc]), np.array([x.sum()]), np.array([ns]), np.array([y.sum()]))[0]
        assert abs(got - expected) < 1e-9, (got, expected)


def _first_fixed_horizon(s: Scenario, looks, sc, ss, alpha: float, pvalues) -> float:
    nc, ns = looks.astype(float), looks.astype(float) * STABLE_PER_CANARY
    fail = (pvalues(nc, sc.astype(float), ns, ss.astype(float)) < alpha) & _gate(s, nc, sc, ns, ss)
    hits = np.flatnonzero(fail)
    return float(looks[hits[0]]) if hits.size else np.inf


def _first_sequential(s: Scenario, looks, sc, ss, alpha: float) -> float:
    policy = MetricPolicy("m", "rate", "higher_is_better", s.tolerance, critical=True, min_calls=MIN_CALLS)
    for n, c, st in zip(looks.tolist(), sc.tolist(), ss.tolist(), strict=True):
        canary, stable = {"m": ArmStats(n, c)}, {"m": ArmStats(n * STABLE_PER_CANARY, st)}
        if judge([policy], canary, stable, alpha=alpha, elapsed_s=0, min_duration_s=0).overall == "rollback":
            return float(n)
    return np.inf


def run_one(args: tuple[Scenario, tuple[int, int, int], float]) -> tuple[float, float, float, float]:
    """Canary calls until each judge first rolls back (inf: never), plus the single-look z-test."""
    scenario, seed, alpha = args
    looks, sc, ss = _counts(scenario, seed)
    sequential = _first_sequential(scenario, looks, sc, ss, alpha)
    z = _first_fixed_horizon(scenario, looks, sc, ss, alpha, _z_pvalues)
    mwu = _first_fixed_horizon(scenario, looks, sc, ss, alpha, _mwu_pvalues)
    last = slice(-1, None)  # one look at the planned horizon: what the z-test is designed for
    once = _first_fixed_horizon(scenario, looks[last], sc[last], ss[last], alpha, _z_pvalues)
    return sequential, z, mwu, once


def _fmt_calls(x: float, cap: int) -> str:
    return f"> {cap}" if not np.isfinite(x) else f"{x:.0f}"


def _rows(s: Scenario, results: np.ndarray) -> list[str]:
    rows = []
    names = [*JUDGES, "z-test, one look at the cap"] if s.aa else list(JUDGES)
    for j, name in enumerate(names):
        calls = results[:, j]
        looks = f"every {s.look_every}" if j < 3 else f"once at {s.cap}"
        detected = np.isfinite(calls).mean()
        if s.aa:
            rows.append(f"| {s.label} | {name} | {looks} | – | – | – | {detected:.1%} |")
        else:
            median, p90 = np.quantile(calls, 0.5), np.quantile(calls, 0.9, method="higher")
            median_s, p90_s = _fmt_calls(median, s.cap), _fmt_calls(p90, s.cap)
            rows.append(f"| {s.label} | {name} | {looks} | {median_s} | {p90_s} | {detected:.1%} | – |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="seeded runs per scenario (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="base seed (default 1)")
    parser.add_argument("--alpha", type=float, default=0.01, help="false-alarm budget of every judge")
    parser.add_argument("--look-every", type=int, default=10, help="canary calls between looks, (b) and (c)")
    parser.add_argument("--cap", type=int, default=5000, help="canary calls per run, (b) and (c)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    _check_mwu_against_scipy()

    scenarios = [
        Scenario("(a) SMS success 99% → 69%", 0.69, 0.99, 0.05, cap=1000, look_every=1, aa=False),
        Scenario("(b) conversion 22% → 16%", 0.16, 0.22, 0.05, args.cap, args.look_every, aa=False),
        Scenario(
            "(b) conversion 22% → 16%, tolerance 0", 0.16, 0.22, 0.0, args.cap, args.look_every, aa=False
        ),
        Scenario("(c) A/A conversion 22%", 0.22, 0.22, 0.05, args.cap, args.look_every, aa=True),
        Scenario("(c) A/A conversion 22%, tolerance 0", 0.22, 0.22, 0.0, args.cap, args.look_every, aa=True),
        Scenario("(c) A/A SMS success 99%", 0.99, 0.99, 0.05, args.cap, args.look_every, aa=True),
    ]
    command = shlex.join(["python", "benchmarks/canary_detection.py", *sys.argv[1:]])
    print(f"command: `{command}`  ")
    print(
        f"seed: {args.seed}, runs per scenario: {args.runs}, alpha: {args.alpha}, canary share 10% "
        f"({STABLE_PER_CANARY} stable calls per canary call), min calls {MIN_CALLS} per arm, "
        "tolerance 5% unless noted\n"
    )
    print(
        "| scenario | judge | looks (canary calls) | median canary calls | p90 canary calls "
        "| detected within cap | A/A false alarms |"
    )
    print("|---|---|---|---|---|---|---|")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for s in scenarios:
            # Every (seed, scenario, run) gets its own stream, so adding a scenario changes no other row.
            tasks = [
                (s, (args.seed, zlib.crc32(s.label.encode()), run), args.alpha) for run in range(args.runs)
            ]
            results = np.array(list(pool.map(run_one, tasks, chunksize=max(1, args.runs // (4 * args.jobs)))))
            print("\n".join(_rows(s, results)), flush=True)
    print(f"\n(caps: (a) 1000 canary calls, (b)/(c) {args.cap}; {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
