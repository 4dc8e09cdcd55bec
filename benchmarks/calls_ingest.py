"""Ingest throughput and peak memory for simulated call records.

    python benchmarks/calls_ingest.py [--calls 10000000] [--days 30] [--workdir DIR] [--keep]

Writes a JSONL file of simulated calls (30% silent SMS failures from day 0 on version 2, and
the 22% → 16% install drift from day 17), then runs `agentctl calls ingest` on it in a child
process and prints wall time, records per second, and the child's peak RSS (ru_maxrss).
The repo with the filled store is left in WORKDIR for benchmarks/check_daily.py.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agentctl.calls.simulate import ConversionDrift, SilentToolFailure, simulate_calls  # noqa: E402
from agentctl.ops.init import init_repo  # noqa: E402

START = "2026-03-01"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/agentctl-bench-calls"))
    args = parser.parse_args()
    repo = args.workdir / "repo"
    if not (repo / "agentctl.yaml").exists():
        init_repo(repo)
    data = args.workdir / f"calls-{args.calls}.jsonl"
    per_day = args.calls // args.days
    if not data.exists():
        started = time.perf_counter()
        faults = [SilentToolFailure(tool="sms-gateway", share=0.3, versions=frozenset({2})),
                  ConversionDrift(start_day=17, days=14, from_rate=0.22, to_rate=0.16)]
        with data.open("w") as out:
            for record in simulate_calls(start=START, days=args.days, calls_per_day=per_day, seed=1,
                                         versions={1: 0.9, 2: 0.1}, faults=faults):
                out.write(json.dumps(record, separators=(",", ":")) + "\n")
        print(f"simulate: {per_day * args.days:,} records, {data.stat().st_size / 1e9:.2f} GB "
              f"in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "agentctl", "calls", "ingest", str(data), "--json"], cwd=repo,
                          capture_output=True, text=True, env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent),
                                                               "PATH": "/usr/bin:/bin", "HOME": str(args.workdir)})
    wall = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else {"error": proc.stderr[-500:]}
    print(f"ingest: {report.get('inserted', 0):,} stored, {report.get('rejected')} rejected, {wall:.0f} s wall, "
          f"{report.get('read', 0) / wall:,.0f} records/s, peak RSS {peak_mib:,.0f} MiB")
    db = repo / ".agentctl" / "calls.duckdb"
    print(f"store: {db.stat().st_size / 1e9:.2f} GB at {db}")


if __name__ == "__main__":
    main()
