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
from agentctl.analysis._beta_binomial import BETA_PRIOR  # noqa: E402
from agentctl.analysis.judge import (  # noqa: E402
    DEFAULT_RATE_MIN_MARGIN,
    EXACT_SHARE,
    TILT_CALLS,
    MetricPolicy,
    judge,
)
from agentctl.analysis.sequential import ArmStats  # noqa: E402

STABLE_PER_CANARY = 9
MIN_CALLS = 20
POWER = 0.8
LOG_SD = 0.3  # sd of log latency: p95 +20% moves the exceedance of stable's p95 from 5% to 15%
CALLS_PER_MINUTE = 40  # all traffic; a 10% canary gets 4 calls a minute
SLICE_MINUTES = 30  # agentctl.canary.judging.SLICE_MINUTES
SLICE_CANARY_CALLS = SLICE_MINUTES * CALLS_PER_MINUTE // (1 + STABLE_PER_CANARY)


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


def _increments(s: Scenario, rng: np.random.Generator, runs: int) -> dict[str, np.ndarray]:
    """Per canary call (a look after each), the new calls of both arms, for runs x cap."""
    xc = _draw(s, rng, runs, s.cap, s.canary)
    xs = _draw(s, rng, runs, s.cap * STABLE_PER_CANARY, s.stable).reshape(runs, s.cap, STABLE_PER_CANARY)
    out = {"nc": np.ones((runs, s.cap)), "ns": np.full((runs, s.cap), float(STABLE_PER_CANARY)),
           "sc": xc, "ss": xs.sum(axis=2)}
    if s.kind == "mean":
        out["qc"] = xc * xc
        out["qs"] = (xs * xs).sum(axis=2)
    return out


def _cumulative(inc: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.cumsum(v, axis=1) for k, v in inc.items()}


def _slice_ids(cap: int) -> np.ndarray:
    """Time slice of each canary call: SLICE_MINUTES of traffic each."""
    return np.arange(cap) // SLICE_CANARY_CALLS


def _arms(s: Scenario, rng: np.random.Generator, runs: int) -> dict[str, np.ndarray]:
    """Cumulative sums per canary call (looks after every canary call), for runs x cap."""
    return _cumulative(_increments(s, rng, runs))


# --- the judge's rollback rule, vectorised (mirrors agentctl/analysis/judge.py) --------------


def _total(steps: list[dict[str, np.ndarray]], key: str) -> np.ndarray:
    return np.asarray(np.sum(np.stack([st[key] for st in steps]), axis=0))


def _log_mix(s: np.ndarray, n: np.ndarray) -> np.ndarray:
    a = BETA_PRIOR
    return np.asarray(special.betaln(a + s, a + n - s) - special.betaln(a, a))


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.asarray(special.xlogy(x, np.where(x > 0, y, 1.0)))


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
    nc, ns = _total(steps, "nc"), _total(steps, "ns")
    pooled = (_total(steps, "sc") + _total(steps, "ss")) / (nc + ns)
    trusted = np.minimum(nc, ns) * np.minimum(pooled, 1 - pooled) >= one_sided.MIN_EXPECTED_EVENTS
    sign = 1.0 if hib else -1.0
    S = V = np.zeros_like(nc)
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
    S = V = sd_max = np.zeros_like(steps[0]["nc"])
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
    return np.asarray(special.logsumexp(np.stack(terms), axis=0))


def _difference(s: Scenario, cur: dict[str, np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """(ok, difference in the good direction, its variance, weight h, the larger arm variance) of a stratum."""
    sign = 1.0 if s.higher_is_better else -1.0
    nc, ns = cur["nc"], cur["ns"]
    with np.errstate(invalid="ignore", divide="ignore"):
        h = nc * ns / (nc + ns)
        if s.kind == "rate":
            pc, ps = (cur["sc"] + 0.5) / (nc + 1), (cur["ss"] + 0.5) / (ns + 1)
            pm = 0.5 * (pc + ps)
            var = pm * (1 - pm) / nc + ps * (1 - ps) / ns
            return (nc > 0) & (ns > 0), sign * (cur["sc"] / nc - cur["ss"] / ns), var, h, None
        mc, ms = cur["sc"] / nc, cur["ss"] / ns
        ssc = np.maximum(0.0, cur["qc"] - nc * mc * mc)
        sss = np.maximum(0.0, cur["qs"] - ns * ms * ms)
        pooled = (ssc + sss) / (nc + ns - 2)
        floor = 1e-12 * np.maximum(1.0, np.maximum(mc * mc, ms * ms))
        vc = np.maximum(np.maximum(ssc / (nc - 1), pooled), floor)
        vs = np.maximum(np.maximum(sss / (ns - 1), pooled), floor)
        own = np.maximum(np.where(nc >= 2, ssc / (nc - 1), 0.0), np.where(ns >= 2, sss / (ns - 1), 0.0))
        return (nc >= 2) & (ns >= 2), sign * (mc - ms), vc / nc + vs / ns, h, own


def _piece(s: Scenario, tolerance: float, cur: dict[str, np.ndarray], before: dict[str, np.ndarray],
           plug_in: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(beta U, beta^2 W) of one time slice (`cur`) with the tilt from the data `before` it (judge._tilted);
    `plug_in`: the tilt from all data so far, re-estimated at every look (not agentctl; for comparison)."""
    early = (before["nc"] + before["ns"] < TILT_CALLS) | plug_in  # the tilt then also uses the current slice
    ref = {k: np.where(early, before[k] + cur[k], before[k]) for k in cur}
    ok, d, var, h, _ = _difference(s, cur)
    ref_ok, _, ref_var, ref_h, ref_own = _difference(s, ref)
    with np.errstate(invalid="ignore", divide="ignore"):
        if s.kind == "rate":
            base = np.where(ref["ns"] > 0, ref["ss"] / ref["ns"], 0.0)
            effect = np.maximum(tolerance * np.abs(base), DEFAULT_RATE_MIN_MARGIN)
            p = (ref["sc"] + ref["ss"] + 0.5) / (ref["nc"] + ref["ns"] + 1)
            fallback = p * (1 - p)
        else:
            margin = np.log1p(tolerance) if not s.higher_is_better else -np.log1p(-tolerance)
            assert ref_own is not None
            sd = np.sqrt(ref_own)
            effect = np.where(margin > 0, margin, np.where(sd > 0, 0.1 * sd, 1.0))
            n_all = ref["nc"] + ref["ns"]
            m_all = (ref["sc"] + ref["ss"]) / n_all
            v_all = np.maximum(0.0, ref["qc"] + ref["qs"] - n_all * m_all * m_all) / (n_all - 1)
            fallback = np.where(n_all >= 2, np.maximum(v_all, 1e-12 * np.maximum(1.0, m_all * m_all)), 1e-12)
        unit = np.where(ref_ok, ref_h * ref_var, fallback)
        tilt = effect / unit
        return np.where(ok, tilt * h * d, 0.0), np.where(ok, (tilt * h) ** 2 * var, 0.0)


def sliced_worse(s: Scenario, tolerance: float, inc: dict[str, np.ndarray], slice_id: np.ndarray,
                 plug_in: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(S, V) of the time-sliced rollback test at every look (one look per increment)."""
    zero = np.zeros((inc["nc"].shape[0], 1))
    cum = {k: np.concatenate([zero, np.cumsum(v, axis=1)], axis=1) for k, v in inc.items()}
    first = np.searchsorted(slice_id, np.arange(slice_id[-1] + 2))  # increment index where each slice starts
    begin, end = first[:-1], first[1:]
    if plug_in:  # one tilt for all slices, from everything seen at this look: evaluated look by look below
        looks = np.arange(slice_id.size)
        total_s = np.zeros((inc["nc"].shape[0], slice_id.size))
        total_v = np.zeros_like(total_s)
        for j in range(begin.size):
            stop = np.minimum(looks + 1, end[j])
            cur = {k: c[:, stop] - c[:, [begin[j]]] for k, c in cum.items()}
            now = {k: c[:, looks + 1] - cur[k] for k, c in cum.items()}  # everything else seen so far
            part = _piece(s, tolerance, cur, now, plug_in=True)
            total_s += np.where(looks >= begin[j], part[0], 0.0)
            total_v += np.where(looks >= begin[j], part[1], 0.0)
        return total_s, total_v
    done = _piece(s, tolerance, {k: c[:, end] - c[:, begin] for k, c in cum.items()},
                  {k: c[:, begin] for k, c in cum.items()})
    prefix = [np.concatenate([zero, np.cumsum(part, axis=1)[:, :-1]], axis=1) for part in done]
    looks = np.arange(slice_id.size)
    b = begin[slice_id]
    partial = _piece(s, tolerance, {k: c[:, looks + 1] - c[:, b] for k, c in cum.items()},
                     {k: c[:, b] for k, c in cum.items()})
    return prefix[0][:, slice_id] + partial[0], prefix[1][:, slice_id] + partial[1]


def rollback(s: Scenario, tolerance: float, steps: list[dict[str, np.ndarray]], alpha: float,
             inc: dict[str, np.ndarray], slice_id: np.ndarray, plug_in: bool = False) -> np.ndarray:
    """Boolean runs x looks: the judge (one metric, budget alpha) says rollback at this look.

    `steps`: cumulative sums per rollout step; `inc`, `slice_id`: the same data as increments per look
    and the time slice of each (slices never span two steps)."""
    hib = s.higher_is_better
    nc, ns = _total(steps, "nc"), _total(steps, "ns")
    enough = (nc >= MIN_CALLS) & (ns >= MIN_CALLS)
    if s.kind == "rate":
        exact_alpha = EXACT_SHARE * alpha
        seq_alpha = alpha - exact_alpha
        exact = np.sum(np.stack([_exact_log_e(st, hib) for st in steps]), axis=0) >= np.log(1 / exact_alpha)
        _, _, ok = _rate_z(steps, hib)
    else:
        exact = np.zeros(nc.shape, dtype=bool)
        seq_alpha = alpha
        _, _, ok, _ = _mean_z(steps, hib)
    S, V = sliced_worse(s, tolerance, inc, slice_id, plug_in)
    with np.errstate(invalid="ignore", divide="ignore"):
        worse = -S
        z_fail = ok & (V > 0) & (worse > 0) & (_log_evalue(worse, V, np.ones_like(V)) >= np.log(1 / seq_alpha))
    return np.asarray(enough & (exact | z_fail))


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
    inc = _increments(s, rng, runs)
    return _first(rollback(s, tolerance, [_cumulative(inc)], alpha, inc, _slice_ids(s.cap)))


OUTAGE_START, OUTAGE_MINUTES = 33, 30  # minutes into the 50% step (not on a slice boundary), duration


def outage_task(task: tuple[int, list[int], float, str, float]) -> np.ndarray:
    """A healthy canary promoted 10% → 50% after an hour; 33 minutes into the 50% step an SMS outage hits
    both versions (`depth` success for 30 minutes). Looks every minute for 4 hours. True: some look
    rolled back. `how`: "sliced" (agentctl: 30-minute slices within steps), "steps" (one slice per
    step), "plug-in" (per step, the tilt re-estimated from all data at every look) or "pooled" (no
    steps, no slices)."""
    runs, seed, alpha, how, depth = task
    rng = np.random.default_rng(seed)
    step_minutes, minutes = 60, 4 * 60
    shares = [0.1] * step_minutes + [0.5] * (minutes - step_minutes)
    hit = range(step_minutes + OUTAGE_START, step_minutes + OUTAGE_START + OUTAGE_MINUTES)
    rates = [depth if m in hit else 0.99 for m in range(minutes)]
    n_canary = rng.binomial(CALLS_PER_MINUTE, shares, (runs, minutes)).astype(np.float64)
    inc = {"nc": n_canary, "ns": CALLS_PER_MINUTE - n_canary,
           "sc": rng.binomial(n_canary.astype(int), rates).astype(np.float64)}
    inc["ss"] = rng.binomial(inc["ns"].astype(int), rates).astype(np.float64)
    minute = np.arange(minutes)
    step = (minute >= step_minutes).astype(int)
    if how == "pooled":
        steps, slice_id = [_cumulative(inc)], np.zeros(minutes, dtype=int)
    else:
        steps = [_cumulative({k: v * (step == i) for k, v in inc.items()}) for i in (0, 1)]
        slice_id = step * 100 + (minute - step * step_minutes) // SLICE_MINUTES if how == "sliced" else step
        slice_id = np.unique(slice_id, return_inverse=True)[1]
    sms = Scenario("SMS", "rate", 0.99, 0.99, True, 0.02, cap=minutes)
    return np.asarray(rollback(sms, sms.tolerance, steps, alpha, inc, slice_id, plug_in=how == "plug-in").any(axis=1))


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
    cases = [(s, tolerance) for s in [*SCENARIOS, *AA[2:3]] for tolerance in (0.0, s.tolerance)]
    for s, tolerance in cases:
        small = replace(s, cap=min(s.cap, 1500))
        inc = _increments(small, rng, 2)
        slice_id = _slice_ids(small.cap)
        fast = rollback(s, tolerance, [_cumulative(inc)], alpha, inc, slice_id)
        checked += _agree(s.policy(tolerance), s, inc, slice_id, np.zeros(small.cap, dtype=int), fast, rng, alpha)
    # the shared outage: two steps, slices within them, the outage in the second
    for depth in (0.8, 0.5):
        sms = Scenario("SMS", "rate", 0.99, 0.99, True, 0.02, cap=240)
        mrng = np.random.default_rng(rng.integers(1 << 30))
        n_canary = mrng.binomial(CALLS_PER_MINUTE, [0.1] * 60 + [0.5] * 180, (2, 240)).astype(np.float64)
        rates = [depth if 93 <= m < 123 else 0.99 for m in range(240)]
        inc = {"nc": n_canary, "ns": CALLS_PER_MINUTE - n_canary,
               "sc": mrng.binomial(n_canary.astype(int), rates).astype(np.float64)}
        inc["ss"] = mrng.binomial(inc["ns"].astype(int), rates).astype(np.float64)
        step = (np.arange(240) >= 60).astype(int)
        slice_id = np.unique(step * 100 + (np.arange(240) - step * 60) // SLICE_MINUTES, return_inverse=True)[1]
        steps = [_cumulative({k: v * (step == i) for k, v in inc.items()}) for i in (0, 1)]
        fast = rollback(sms, sms.tolerance, steps, alpha, inc, slice_id)
        checked += _agree(sms.policy(sms.tolerance), sms, inc, slice_id, step, fast, rng, alpha)
    return checked


def _agree(policy: MetricPolicy, s: Scenario, inc: dict[str, np.ndarray], slice_id: np.ndarray, step: np.ndarray,
           fast: np.ndarray, rng: np.random.Generator, alpha: float, looks: int = 30) -> int:
    checked = 0
    for run in range(fast.shape[0]):
        sampled = set(rng.integers(0, slice_id.size, looks).tolist()) | {int(fast[run].argmax())}
        for look in sorted(sampled):
            per_step: list[list[tuple[dict[str, ArmStats], dict[str, ArmStats]]]] = []
            for k in range(int(step[look]) + 1):
                pieces = []
                for j in sorted(set(slice_id[: look + 1][step[: look + 1] == k].tolist())):
                    at = (slice_id[: look + 1] == j).nonzero()[0]
                    pieces.append(({s.label: _arm_stats(s, inc, run, at, "c")}, {s.label: _arm_stats(s, inc, run, at, "s")}))
                per_step.append(pieces)
            verdict = judge([policy], slices=per_step, alpha=alpha, elapsed_s=0, min_duration_s=0).overall
            assert (verdict == "rollback") == bool(fast[run, look]), (s.label, policy.tolerance, run, look)
            checked += 1
    return checked


def _arm_stats(s: Scenario, inc: dict[str, np.ndarray], run: int, at: np.ndarray, side: str) -> ArmStats:
    n = int(inc[f"n{side}"][run, at].sum())
    if s.kind == "rate":
        return ArmStats(n, float(inc[f"s{side}"][run, at].sum()))
    return ArmStats(n, total=float(inc[f"s{side}"][run, at].sum()), total_sq=float(inc[f"q{side}"][run, at].sum()))


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
        outage_rows = (("sliced", args.alpha, 0.8, f"agentctl (30-min slices within steps), α = {args.alpha:g}"),
                       ("sliced", args.alpha, 0.7, f"agentctl, 70% success instead of 80%, α = {args.alpha:g}"),
                       ("steps", args.alpha, 0.8, f"one slice per step, α = {args.alpha:g}"),
                       ("plug-in", args.alpha, 0.8, f"per step, tilt re-estimated at every look (the previous "
                                                    f"judge's z-test), α = {args.alpha:g}"),
                       ("pooled", args.alpha, 0.8, f"steps pooled (the old judge's data), α = {args.alpha:g}"))
        print(f"\n| shared SMS outage after promotion ({OUTAGE_MINUTES} min at 80%, from minute {OUTAGE_START} of "
              f"the 50% step; looks every minute for 4 h) | false rollbacks, 95% interval |")
        print("|---|---|")
        for how, alpha, depth, name in outage_rows:
            runs = [(n, [args.seed, 77, zlib.crc32(how.encode()), int(100 * depth), i], alpha, how, depth)
                    for i, n in enumerate(_chunks(args.runs))]
            rolled = np.concatenate(list(pool.map(outage_task, runs)))
            print(f"| {name} | {_interval(int(rolled.sum()), args.runs)} |")
    print(f"\n(O'Brien–Fleming: one-sided, C = {design[0]:.3f}, N_max = {design[1]:.3f} × fixed-horizon N; "
          f"{time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
