"""End-to-end canary benchmark: the example's analysis policy judged through the real call path.

Where benchmarks/canary_detection.py studies one metric on Bernoulli draws, this one runs what
`canary watch` runs: simulated calls (agentctl.canary.traffic, sticky routing at a 10% canary) are
normalised and judged against the tool contracts (agentctl.calls.record), appended to a DuckDB
call store, aggregated per arm in SQL (agentctl.canary.arms) and judged on every metric of the
Install Reminder policy (agentctl.canary.policy + agentctl.analysis.judge) after every batch.

Scenarios (seeded, one in-memory store per run):
  (a) 30% of the canary's SMS sends fail silently (HTTP 200, status failed): canary calls and canary
      SMS sends until the judge says rollback, and which metric failed;
  (c) A/A (both arms healthy, same version behaviour): how often the judge says rollback at any of
      the looks — the false-alarm rate under watch-style repeated evaluation, all metrics together.

Usage::

    python benchmarks/canary_watch.py [--runs 200] [--seed 1] [--batch 100] [--aa-calls 3000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AGENT, ENV, SALT = "install-reminder", "production", "roadwise-2026"
START = dt.datetime(2026, 3, 3, 16, 0, tzinfo=dt.timezone.utc)


def _setup():
    from agentctl.calls.record import IngestContext
    from agentctl.canary.judging import judged_definition
    from agentctl.canary.policy import load_policy
    from agentctl.model.workspace import load_workspace

    ws = load_workspace(ROOT)
    policy = load_policy(ws, AGENT)
    # What the judge compares (latency as the mean of log latency). Delayed metrics (install_rate matures
    # after 48 h) have no matured call within a run's few hours, so they are left out: no data.
    defs = [judged_definition(m.name, ws.config.metrics[m.name])[0] for m in policy.metrics if not m.matures_after_s]
    return IngestContext.from_workspace(ws), policy, defs


def one_run(args: tuple[str, int, int, int]) -> tuple[str, int | None, int | None, str | None]:
    """(scenario, canary calls at rollback, canary SMS sends at rollback, failing metric) of one seeded run."""
    from agentctl.analysis.judge import judge
    from agentctl.calls.record import normalize
    from agentctl.calls.simulate import SilentToolFailure
    from agentctl.calls.store import DuckDBCallStore
    from agentctl.canary.arms import arm_stats
    from agentctl.canary.traffic import canary_traffic

    scenario, seed, batch, cap = args
    ctx, policy, defs = _setup()
    faults = [SilentToolFailure(versions=frozenset({2}), share=0.3)] if scenario == "a" else []
    store = DuckDBCallStore(None)
    store.add_business_column("install_completed", "BOOLEAN")
    canary_calls = 0
    try:
        for look in range(cap // batch):
            start = START + dt.timedelta(minutes=5 * look)
            records = canary_traffic(agent=AGENT, env=ENV, salt=SALT, stable=1, canary=2, weight=10, start=start,
                                     end=start + dt.timedelta(minutes=5), calls=batch,
                                     seed=seed * 1000 + look, faults=faults)
            canary_calls += sum(r["bundle_version"] == 2 for r in records)
            store.append([normalize(r, ctx) for r in records], "bench", None)
            stats, _ = arm_stats(store, defs, agent=AGENT, env=ENV, versions=[1, 2], since=START,
                                 until=start + dt.timedelta(minutes=5))
            decision = judge(policy.metrics, stats[2], stats[1], alpha=policy.alpha, elapsed_s=300 * (look + 1),
                             min_duration_s=policy.min_duration_minutes * 60)
            if decision.overall == "rollback":
                failed = next(m for m in decision.metrics if m.verdict == "fail")
                sms = stats[2].get("sms_success")
                return scenario, canary_calls, sms.n if sms else 0, failed.name
    finally:
        store.close()
    return scenario, None, None, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="seeded runs per scenario (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=100, help="calls (both arms) between looks (default 100)")
    parser.add_argument("--detect-calls", type=int, default=3000, help="call cap per (a) run (default 3000)")
    parser.add_argument("--aa-calls", type=int, default=3000, help="calls per A/A run (default 3000)")
    parser.add_argument("--jobs", type=int, default=2)
    opts = parser.parse_args()
    began = time.perf_counter()
    work = [("a", opts.seed * 100_000 + i, opts.batch, opts.detect_calls) for i in range(opts.runs)]
    work += [("c", opts.seed * 100_000 + 50_000 + i, opts.batch, opts.aa_calls) for i in range(opts.runs)]
    with ProcessPoolExecutor(opts.jobs) as pool:
        results = list(pool.map(one_run, work, chunksize=4))
    detect = [r for r in results if r[0] == "a"]
    aa = [r for r in results if r[0] == "c"]
    caught = [r for r in detect if r[1] is not None]
    _, policy, _ = _setup()
    print(f"command: `python {shlex.join(['benchmarks/canary_watch.py', *sys.argv[1:]])}`  ")
    print(f"policy: {policy.source} (alpha {policy.alpha:g} family-wise, {len(policy.metrics)} metrics: "
          f"{', '.join(m.name for m in policy.metrics)}); 10% canary; a look after every {opts.batch} calls\n")
    print("| scenario | runs | looks per run | median canary calls | p90 canary calls | median canary SMS sends "
          "| rolled back | metric named |")
    print("|---|---|---|---|---|---|---|---|")
    if caught:
        calls = sorted(r[1] for r in caught)
        sends = sorted(r[2] for r in caught)
        named = sorted({r[3] for r in caught})
        print(f"| (a) 30% silent SMS failures in the canary | {len(detect)} | ≤ {opts.detect_calls // opts.batch} | "
              f"{statistics.median(calls):g} | {calls[int(0.9 * (len(calls) - 1))]} | {statistics.median(sends):g} | "
              f"{100 * len(caught) / len(detect):.1f}% | {', '.join(named)} |")
    false = [r for r in aa if r[1] is not None]
    print(f"| (c) A/A, both arms healthy | {len(aa)} | {opts.aa_calls // opts.batch} | – | – | – | "
          f"{100 * len(false) / len(aa):.1f}% (false alarms) | {', '.join(sorted({r[3] for r in false})) or '–'} |")
    print(f"\n({time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
