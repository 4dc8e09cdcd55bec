"""Canary detection benchmark: calls until agentctl's judge rolls back, against the textbook references.

A 10% canary (9 stable calls per canary call) is judged after **every** canary call, the way
`canary watch` looks at worst. Per scenario it prints:

* agentctl: median and p90 canary calls to the rollback decision, with a tolerance of 0 (the
  absolute minimum margin only) and with the example policy's tolerance;
* fixed horizon: the canary calls a one-sided z-test at the same alpha needs for 80% power
  (one look, at a sample size fixed in advance — the yardstick);
* SPRT oracle: Wald's SPRT that knows both the stable rate and the effect (unattainable; a floor);
* O'Brien–Fleming: a one-sided group-sequential design with 10 equally spaced looks and 80% power;
* A/A: false rollbacks of a healthy canary (exact Clopper–Pearson 95% interval), per metric and
  family-wise for a five-metric policy, and a shared outage after a promotion (per step vs pooled).

The judge's rules are re-implemented here on numpy arrays (runs x looks) so that 2,000 runs take
minutes; at start the vectorised verdicts are checked against `agentctl.analysis.judge.judge`
itself on sampled looks. scipy is used for the references only. Usage::

    python benchmarks/canary_detection.py [--runs 2000] [--seed 1] [--alpha 0.01] [--jobs 2]
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy import special, stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agentctl.analysis import one_sided  # noqa: E402
from agentctl.analysis.judge import (  # noqa: E402
    DEFAULT_RATE_MIN_MARGIN,
    EXACT_SHARE,
    MetricPolicy,
    judge,
)
from agentctl.analysis.sequential import ArmStats  # noqa: E402

STABLE_PER_CANARY = 9
MIN_CALLS = 20
POWER = 0.8
LOG_SD = 0.3  # sd of log latency: p95 +20% moves the exceedance of stable's p95 from 5% to 15%


@dataclass(frozen=True)
class Scenario:
    label: str
    kind: str  # rate | mean (log latency)
    stable: float  # rate, or mean of log latency
    canary: float
    higher_is_better: bool
    tolerance: float  # the example policy's
    cap: int  # canary calls per run
    transform: str | None = None

    def policy(self, tolerance: float) -> MetricPolicy:
        direction = "higher_is_better" if self.higher_is_better else "lower_is_better"
        return MetricPolicy(self.label, self.kind, direction, tolerance, min_calls=MIN_CALLS, transform=self.transform)


SCENARIOS = [
    Scenario("SMS success 99% → 69%", "rate", 0.99, 0.69, True, 0.02, cap=400),
    Scenario("install rate 22% → 16%", "rate", 0.22, 0.16, True, 0.25, cap=6000),
    Scenario("escalation 8% → 12%", "rate", 0.08, 0.12, False, 0.5, cap=6000),
    Scenario("turn latency +20% (p95 exceedance 5% → 15%)", "mean", 0.0, float(np.log(1.2)), False, 0.2,
             cap=2000, transform="log"),
]
AA = [
    Scenario("A/A rate 50%", "rate", 0.5, 0.5, True, 0.1, cap=3000),
    Scenario("A/A install rate 22%", "rate", 0.22, 0.22, True, 0.25, cap=3000),
    Scenario("A/A SMS success 99%", "rate", 0.99, 0.99, True, 0.02, cap=3000),
    Scenario("A/A escalation 8%", "rate", 0.08, 0.08, False, 0.5, cap=3000),
    Scenario("A/A turn latency (log)", "mean", 0.0, 0.0, False, 0.2, cap=3000, transform="log"),
]


# --- data -----------------------------------------------------------------------------------


def _draw(s: Scenario, rng: np.random.Generator, runs: int, n: int, p: float) -> np.ndarray:
    if s.kind == "rate":
        return (rng.random((runs, n)) < p).astype(np.float64)
    return rng.normal(p, LOG_SD, (runs, n))


def _arms(s: Scenario, rng: np.random.Generator, runs: int, canary: float | None = None) -> dict[str, np.ndarray]:
    """Cumulative sums per canary call (looks after every canary call), for runs x cap."""
    xc = _draw(s, rng, runs, s.cap, s.canary if canary is None else canary)
    xs = _draw(s, rng, runs, s.cap * STABLE_PER_CANARY, s.stable).reshape(runs, s.cap, STABLE_PER_CANARY)
    n = np.arange(1, s.cap + 1, dtype=np.float64)
    out = {"nc": np.broadcast_to(n, (runs, s.cap)), "ns": np.broadcast_to(n * STABLE_PER_CANARY, (runs, s.cap)),
           "sc": np.cumsum(xc, axis=1), "ss": np.cumsum(xs.sum(axis=2), axis=1)}
    if s.kind == "mean":
        out["qc"] = np.cumsum(xc * xc, axis=1)
        out["qs"] = np.cumsum((xs * xs).sum(axis=2), axis=1)
    return out


# --- the judge's rollback rule, vectorised (mirrors agentctl/analysis/judge.py) --------------


def _log_mix(s: np.ndarray, n: np.ndarray) -> np.ndarray:
    a = one_sided.BETA_PRIOR
    return special.betaln(a + s, a + n - s) - special.betaln(a, a)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return special.xlogy(x, np.where(x > 0, y, 1.0))


def _exact_log_e(step: dict[str, np.ndarray], hib: bool) -> np.ndarray:
    nc, ns, sc, ss = step["nc"], step["ns"], step["sc"], step["ss"]
    with np.errstate(invalid="ignore", divide="ignore"):
        pc, ps = sc / nc, ss / ns
        mix = _log_mix(sc, nc) + _log_mix(ss, ns)
        s, n = sc + ss, nc + ns
        pooled = _xlogy(s, s / n) + _xlogy(n - s, 1 - s / n)
        own = _xlogy(sc, pc) + _xlogy(nc - sc, 1 - pc) + _xlogy(ss, ps) + _xlogy(ns - ss, 1 - ps)
        worse = pc < ps if hib else pc > ps
        out = mix - np.where(worse, pooled, own)
    return np.where((nc > 0) & (ns > 0), out, 0.0)


def _rate_z(steps: list[dict[str, np.ndarray]], hib: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(S, V, trusted) of the stratified rate z-test of "worse"."""
    nc = sum(st["nc"] for st in steps)
    ns = sum(st["ns"] for st in steps)
    pooled = sum(st["sc"] + st["ss"] for st in steps) / (nc + ns)
    trusted = np.minimum(nc, ns) * np.minimum(pooled, 1 - pooled) >= one_sided.MIN_EXPECTED_EVENTS
    sign = 1.0 if hib else -1.0
    S = V = 0.0
    for st in steps:
        ok = (st["nc"] > 0) & (st["ns"] > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            pc = (st["sc"] + 0.5) / (st["nc"] + 1)
            ps = (st["ss"] + 0.5) / (st["ns"] + 1)
            pm = 0.5 * (pc + ps)  # the canary's variance at the midpoint of the two rates
            w = np.where(ok, 1.0 / (pm * (1 - pm) / st["nc"] + ps * (1 - ps) / st["ns"]), 0.0)
            d = np.where(ok, st["sc"] / st["nc"] - st["ss"] / st["ns"], 0.0)
        S = S + sign * d * w
        V = V + w
    return S, V, trusted & (V > 0)


def _mean_z(steps: list[dict[str, np.ndarray]], hib: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    sign = 1.0 if hib else -1.0
    S = V = 0.0
    sd_max = 0.0
    for st in steps:
        ok = (st["nc"] >= 2) & (st["ns"] >= 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            mc, ms = st["sc"] / st["nc"], st["ss"] / st["ns"]
            ssc = np.maximum(0.0, st["qc"] - st["nc"] * mc * mc)
            sss = np.maximum(0.0, st["qs"] - st["ns"] * ms * ms)
            vc, vs = ssc / (st["nc"] - 1), sss / (st["ns"] - 1)
            pooled = (ssc + sss) / (st["nc"] + st["ns"] - 2)
            floor = 1e-12 * np.maximum(1.0, np.maximum(mc * mc, ms * ms))
            vc, vs = np.maximum(np.maximum(vc, pooled), floor), np.maximum(np.maximum(vs, pooled), floor)
            w = np.where(ok, 1.0 / (vc / st["nc"] + vs / st["ns"]), 0.0)
            d = np.where(ok, mc - ms, 0.0)
        S = S + sign * d * w
        V = V + w
        sd_max = np.maximum(sd_max, np.sqrt(np.where(ok, np.maximum(vc, vs), 0.0)))
    return S, V, V > 0, sd_max


def _log_evalue(S: np.ndarray, V: np.ndarray, effect: np.ndarray) -> np.ndarray:
    terms = [np.log(w) + k * effect * S - 0.5 * (k * effect) ** 2 * V for k, w in one_sided.SPRT_MIXTURE]
    return special.logsumexp(np.stack(terms), axis=0)


def rollback(s: Scenario, tolerance: float, steps: list[dict[str, np.ndarray]], alpha: float) -> np.ndarray:
    """Boolean runs x looks: the judge (one metric, budget alpha) says rollback at this look."""
    hib = s.higher_is_better
    nc = sum(st["nc"] for st in steps)
    ns = sum(st["ns"] for st in steps)
    enough = (nc >= MIN_CALLS) & (ns >= MIN_CALLS)
    if s.kind == "rate":
        exact_alpha = EXACT_SHARE * alpha
        seq_alpha = alpha - exact_alpha
        exact = sum(_exact_log_e(st, hib) for st in steps) >= np.log(1 / exact_alpha)
        stable_rate = sum(st["ss"] for st in steps) / ns
        margin = np.maximum(tolerance * np.abs(stable_rate), DEFAULT_RATE_MIN_MARGIN)
        S, V, ok = _rate_z(steps, hib)
        effect = margin
    else:
        exact = np.zeros(nc.shape, dtype=bool)
        seq_alpha = alpha
        margin = np.log1p(tolerance) if not hib else -np.log1p(-tolerance)
        S, V, ok, sd = _mean_z(steps, hib)
        effect = np.where(margin > 0, margin, np.where(sd > 0, 0.1 * sd, 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        worse = -S
        z_fail = ok & (worse > 0) & (_log_evalue(worse, V, effect) >= np.log(1 / seq_alpha))
    return enough & (exact | z_fail)


def _first(hits: np.ndarray) -> np.ndarray:
    """Canary calls at the first hit per run (inf: never)."""
    first = hits.argmax(axis=1) + 1.0
    return np.where(hits.any(axis=1), first, np.inf)


# --- references -------------------------------------------------------------------------------


def _variance_per_canary_call(s: Scenario) -> float:
    if s.kind == "rate":
        return s.canary * (1 - s.canary) + s.stable * (1 - s.stable) / STABLE_PER_CANARY
    return LOG_SD**2 * (1 + 1 / STABLE_PER_CANARY)


def fixed_horizon_n(s: Scenario, alpha: float) -> float:
    z = stats.norm.isf(alpha) + stats.norm.isf(1 - POWER)
    return float(np.ceil(z**2 * _variance_per_canary_call(s) / (s.canary - s.stable) ** 2))


def sprt_oracle(s: Scenario, rng: np.random.Generator, runs: int, alpha: float) -> np.ndarray:
    """Wald's SPRT on the canary's calls, knowing the stable value and the effect: H0 canary = stable."""
    x = _draw(s, rng, runs, s.cap, s.canary)
    if s.kind == "rate":
        p0, p1 = s.stable, s.canary
        llr = x * np.log(p1 / p0) + (1 - x) * np.log((1 - p1) / (1 - p0))
    else:
        mu0, mu1 = s.stable, s.canary
        llr = (x * (mu1 - mu0) - 0.5 * (mu1 * mu1 - mu0 * mu0)) / LOG_SD**2
    return _first(np.cumsum(llr, axis=1) >= np.log((1 - (1 - POWER)) / alpha))


def _obf_design(alpha: float, looks: int, rng: np.random.Generator) -> tuple[float, float]:
    """(C, R): reject at look k when z_k >= C sqrt(K / k); N_max = R x the fixed-horizon N for 80% power."""
    t = np.arange(1, looks + 1) / looks
    w = np.cumsum(rng.normal(0, np.sqrt(1 / looks), (400_000, looks)), axis=1)
    z0 = w / np.sqrt(t)
    c = float(np.quantile((z0 * np.sqrt(t)).max(axis=1), 1 - alpha))  # C sqrt(K/k) on z = C on B = z sqrt(t)
    zfh = stats.norm.isf(alpha) + stats.norm.isf(1 - POWER)
    for ratio in np.arange(1.0, 1.3, 0.005):
        drift = zfh * np.sqrt(ratio) * t  # B-value drift at information fraction t
        if ((w + drift).max(axis=1) >= c).mean() >= POWER:
            return c, float(ratio)
    return c, 1.3


def obrien_fleming(s: Scenario, rng: np.random.Generator, runs: int, alpha: float, design: tuple[float, float],
                   looks: int = 10) -> np.ndarray:
    c, ratio = design
    n_max = int(np.ceil(ratio * fixed_horizon_n(s, alpha)))
    at = np.ceil(np.arange(1, looks + 1) / looks * n_max).astype(int)
    big = replace(s, cap=n_max)
    arms = _arms(big, rng, runs)
    nc, ns = arms["nc"][:, at - 1], arms["ns"][:, at - 1]
    mc, ms = arms["sc"][:, at - 1] / nc, arms["ss"][:, at - 1] / ns
    if s.kind == "rate":
        var = mc * (1 - mc) / nc + ms * (1 - ms) / ns
    else:
        vc = (arms["qc"][:, at - 1] - nc * mc * mc) / (nc - 1)
        vs = (arms["qs"][:, at - 1] - ns * ms * ms) / (ns - 1)
        var = vc / nc + vs / ns
    sign = -1.0 if s.higher_is_better else 1.0  # positive z: the canary is worse
    with np.errstate(invalid="ignore", divide="ignore"):
        z = sign * (mc - ms) / np.sqrt(var)
    hit = z >= c * np.sqrt(looks / np.arange(1, looks + 1))
    first = hit.argmax(axis=1)
    return np.where(hit.any(axis=1), at[first].astype(float), np.inf)


# --- scenarios --------------------------------------------------------------------------------


def _seed(args: argparse.Namespace, label: str, part: str) -> list[int]:
    return [args.seed, zlib.crc32(label.encode()), zlib.crc32(part.encode())]


def _chunks(runs: int, size: int = 250) -> list[int]:
    return [min(size, runs - i) for i in range(0, runs, size)]


def detection_task(task: tuple[Scenario, float, int, list[int], float]) -> np.ndarray:
    s, tolerance, runs, seed, alpha = task
    rng = np.random.default_rng(seed)
    return _first(rollback(s, tolerance, [_arms(s, rng, runs)], alpha))


def outage_task(task: tuple[int, list[int], float, bool]) -> np.ndarray:
    """A healthy canary promoted 10% → 50%; 30 minutes into the 50% step an SMS outage hits both versions
    (80% success for 30 minutes). Looks every minute for 4 hours. True: some look rolled back."""
    runs, seed, alpha, stratified = task
    rng = np.random.default_rng(seed)
    per_minute, step_minutes, outage = 40, 60, (30, 60)  # 40 SMS sends a minute
    minutes = 4 * 60
    shares = [0.1] * step_minutes + [0.5] * (minutes - step_minutes)
    rates = [0.8 if step_minutes + outage[0] <= m < step_minutes + outage[1] else 0.99 for m in range(minutes)]
    # Per-minute counts, then per-step cumulative sums at every minute.
    n_canary = rng.binomial(per_minute, shares, (runs, minutes)).astype(np.float64)
    n_stable = per_minute - n_canary
    s_canary = rng.binomial(n_canary.astype(int), rates).astype(np.float64)
    s_stable = rng.binomial(n_stable.astype(int), rates).astype(np.float64)
    steps = []
    bounds = [(0, step_minutes), (step_minutes, minutes)] if stratified else [(0, minutes)]
    for start, end in bounds:
        mask = np.zeros(minutes)
        mask[start:end] = 1.0
        steps.append({"nc": np.cumsum(n_canary * mask, axis=1), "ns": np.cumsum(n_stable * mask, axis=1),
                      "sc": np.cumsum(s_canary * mask, axis=1), "ss": np.cumsum(s_stable * mask, axis=1)})
    sms = Scenario("SMS", "rate", 0.99, 0.99, True, 0.02, cap=minutes)
    return rollback(sms, sms.tolerance, steps, alpha).any(axis=1)


def _interval(hits: int, runs: int) -> str:
    lo = 0.0 if hits == 0 else stats.beta.ppf(0.025, hits, runs - hits + 1)
    hi = 1.0 if hits == runs else stats.beta.ppf(0.975, hits + 1, runs - hits)
    return f"{hits / runs:.2%} [{lo:.2%}, {hi:.2%}]"


def _q(calls: np.ndarray, q: float, cap: int) -> str:
    value = np.quantile(calls, q, method="higher")
    return f"> {cap}" if not np.isfinite(value) else f"{value:.0f}"


def check_against_judge(rng: np.random.Generator, alpha: float) -> int:
    """The vectorised rule agrees with agentctl's judge on sampled looks; returns the looks checked."""
    checked = 0
    for s in [*SCENARIOS, *AA[2:3]]:
        for tolerance in (0.0, s.tolerance):
            arms = _arms(replace(s, cap=min(s.cap, 1500)), rng, 2)
            fast = rollback(s, tolerance, [arms], alpha)
            policy = s.policy(tolerance)
            for run in range(2):
                for look in sorted(set(rng.integers(0, arms["sc"].shape[1], 30).tolist()) | {int(fast[run].argmax())}):
                    canary, stable = (_arm_stats(s, arms, run, look, side) for side in "cs")
                    verdict = judge([policy], {s.label: canary}, {s.label: stable}, alpha=alpha, elapsed_s=0,
                                    min_duration_s=0).overall
                    assert (verdict == "rollback") == bool(fast[run, look]), (s.label, tolerance, run, look)
                    checked += 1
    return checked


def _arm_stats(s: Scenario, arms: dict[str, np.ndarray], run: int, look: int, side: str) -> ArmStats:
    n = int(arms[f"n{side}"][run, look])
    if s.kind == "rate":
        return ArmStats(n, float(arms[f"s{side}"][run, look]))
    return ArmStats(n, total=float(arms[f"s{side}"][run, look]), total_sq=float(arms[f"q{side}"][run, look]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000, help="seeded runs per scenario (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="base seed (default 1)")
    parser.add_argument("--alpha", type=float, default=0.01, help="false-rollback budget (default 0.01)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    checked = check_against_judge(rng, args.alpha)
    command = shlex.join(["python", "benchmarks/canary_detection.py", *(argv if argv is not None else sys.argv[1:])])
    print(f"command: `{command}`  ")
    print(f"runs per scenario: {args.runs}, seed {args.seed}, alpha {args.alpha} (one metric; a look after every "
          f"canary call), canary 10% ({STABLE_PER_CANARY} stable calls per canary call), min calls {MIN_CALLS}; "
          f"vectorised rule checked against agentctl's judge on {checked} looks\n")
    print("| scenario | agentctl tol 0: median / p90 | agentctl policy tol: median / p90 | fixed horizon, 80% power "
          "| SPRT oracle: median | O'Brien–Fleming, 10 looks: median |")
    print("|---|---|---|---|---|---|")
    design = _obf_design(args.alpha, 10, np.random.default_rng([args.seed, 10]))
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for s in SCENARIOS:
            cells = []
            for tolerance, part in ((0.0, "tol0"), (s.tolerance, "policy")):
                tasks = [(s, tolerance, n, [*_seed(args, s.label, part), i], args.alpha)
                         for i, n in enumerate(_chunks(args.runs))]
                calls = np.concatenate(list(pool.map(detection_task, tasks)))
                cells.append(f"{_q(calls, 0.5, s.cap)} / {_q(calls, 0.9, s.cap)}")
            sprt = sprt_oracle(s, np.random.default_rng(_seed(args, s.label, "sprt")), args.runs, args.alpha)
            obf = obrien_fleming(s, np.random.default_rng(_seed(args, s.label, "obf")), args.runs, args.alpha, design)
            print(f"| {s.label} (policy tolerance {s.tolerance:g}) | {cells[0]} | {cells[1]} | "
                  f"{fixed_horizon_n(s, args.alpha):.0f} | {_q(sprt, 0.5, s.cap)} | {_q(obf, 0.5, 10**9)} |",
                  flush=True)
        print(f"\n| A/A (healthy canary, {AA[0].cap} canary calls, policy tolerance) | false rollbacks, 95% interval |")
        print("|---|---|")
        family = None
        for s in AA:
            tasks = [(s, s.tolerance, n, [*_seed(args, s.label, "aa"), i], args.alpha / len(AA))
                     for i, n in enumerate(_chunks(args.runs))]
            per_metric_split = np.concatenate(list(pool.map(detection_task, tasks)))
            family = np.isfinite(per_metric_split) if family is None else family | np.isfinite(per_metric_split)
            tasks = [(s, s.tolerance, n, [*_seed(args, s.label, "aa1"), i], args.alpha)
                     for i, n in enumerate(_chunks(args.runs))]
            alone = np.concatenate(list(pool.map(detection_task, tasks)))
            print(f"| {s.label}, one metric at α = {args.alpha:g} | {_interval(int(np.isfinite(alone).sum()), args.runs)} |")
        assert family is not None
        print(f"| all five above in one policy (α = {args.alpha:g} family-wise, {args.alpha / len(AA):g} each) | "
              f"{_interval(int(family.sum()), args.runs)} |")
        outage_rows = ((True, args.alpha, f"judged per rollout step, one metric at α = {args.alpha:g}"),
                       (True, args.alpha / len(AA), f"judged per rollout step, α = {args.alpha / len(AA):g} "
                                                    f"(one of {len(AA)} metrics)"),
                       (False, args.alpha, f"steps pooled (before), one metric at α = {args.alpha:g}"))
        for stratified, alpha, name in outage_rows:
            tasks = [(n, [args.seed, 77, int(stratified), i], alpha, stratified)
                     for i, n in enumerate(_chunks(args.runs))]
            rolled = np.concatenate(list(pool.map(outage_task, tasks)))
            print(f"| shared SMS outage after promotion (80% for 30 min at 50%), {name} | "
                  f"{_interval(int(rolled.sum()), args.runs)} |")
    print(f"\n(O'Brien–Fleming: one-sided, C = {design[0]:.3f}, N_max = {design[1]:.3f} × fixed-horizon N; "
          f"{time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
