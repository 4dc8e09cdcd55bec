"""Simulated call records per second: the numpy generator behind `agentctl simulate`, next to the per-record one.

    python benchmarks/simulate.py [--calls 1000000] [--days 30] [--out FILE]

Writes `--calls` records as JSONL (to FILE, or nowhere) with `simulate_lines`, the generator `agentctl
simulate` uses, and reports CPU and wall time; then times `simulate_calls` + `json.dumps` (the per-record
path tests use) on a 1% sample and scales it up, for comparison. Aim: 1M records in <= 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agentctl.calls.simulate import ConversionDrift, SilentToolFailure, simulate_calls, simulate_lines  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path(os.devnull))
    args = parser.parse_args()
    per_day = args.calls // args.days
    faults = [SilentToolFailure(tool="sms-gateway", share=0.3, versions=frozenset({2})),
              ConversionDrift(start_day=17, days=14, from_rate=0.22, to_rate=0.16)]
    common: dict[str, Any] = {"start": "2026-03-01", "seed": 1, "versions": {1: 0.9, 2: 0.1}, "faults": faults}
    cpu, wall = time.process_time(), time.perf_counter()
    count = 0
    with args.out.open("w") as out:
        for line in simulate_lines(days=args.days, calls_per_day=per_day, **common):
            out.write(line + "\n")
            count += 1
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"simulate_lines (agentctl simulate): {count:,} records, {cpu:.1f} s CPU, {wall:.1f} s wall, "
          f"{count / wall:,.0f} records/s (aim: 1M in <= 30 s)")
    sample_days = max(1, args.days // 100)
    sample_cpu = time.process_time()
    sample = 0
    for record in simulate_calls(days=sample_days, calls_per_day=per_day, **common):
        json.dumps(record, separators=(",", ":"))
        sample += 1
    sample_cpu = time.process_time() - sample_cpu
    print(f"simulate_calls per record: {sample:,} records in {sample_cpu:.1f} s CPU, "
          f"≈ {sample_cpu * count / sample:.0f} s CPU for {count:,}")


if __name__ == "__main__":
    main()
