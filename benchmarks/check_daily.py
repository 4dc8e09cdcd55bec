"""`check daily` against a hand-written DuckDB query over the same data.

    python benchmarks/check_daily.py [--workdir DIR] [--date 2026-03-19] [--runs 3]

Uses the repo filled by benchmarks/calls_ingest.py. The hand-written query computes the same
daily aggregates for the same 17-day window in two statements (calls, tool_calls) — the
floor any implementation has to pay. Prints median seconds of each, their ratio, and the
check's findings (the drift of install_rate must be flagged on drift day 3 = 2026-03-19).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agentctl.ops.check import check_daily  # noqa: E402

HAND_CALLS = """
SELECT agent, day, count(*),
       avg(CASE WHEN is_error THEN 1.0 ELSE 0.0 END), avg(CASE WHEN escalated THEN 1.0 ELSE 0.0 END),
       avg(transcription_confidence), var_samp(transcription_confidence),
       list_aggregate(flatten(list(turn_latencies_ms)), 'quantile_cont', 0.95),
       avg(CASE WHEN install_completed THEN 1.0 ELSE 0.0 END)
FROM calls WHERE environment = 'production' AND day BETWEEN DATE '{first}' AND DATE '{last}' GROUP BY agent, day
"""
HAND_TOOLS = """
SELECT agent, day, avg(CASE WHEN contract_ok THEN 1.0 ELSE 0.0 END) FILTER (WHERE contract_ok IS NOT NULL),
       avg(CASE WHEN http_ok THEN 1.0 ELSE 0.0 END)
FROM tool_calls WHERE environment = 'production' AND tool = 'sms-gateway'
  AND day BETWEEN DATE '{first}' AND DATE '{last}' GROUP BY agent, day
"""


def main() -> None:
    import datetime as dt

    import duckdb

    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/agentctl-bench-calls"))
    parser.add_argument("--date", default="2026-03-19")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    repo = args.workdir / "repo"
    day = dt.date.fromisoformat(args.date)
    first, last = day - dt.timedelta(days=17), day
    con = duckdb.connect(str(repo / ".agentctl" / "calls.duckdb"), read_only=True)
    total = con.execute("SELECT count(*) FROM calls").fetchone()[0]
    hand = []
    for _ in range(args.runs):
        started = time.perf_counter()
        con.execute(HAND_CALLS.format(first=first, last=last)).fetchall()
        con.execute(HAND_TOOLS.format(first=first, last=last)).fetchall()
        hand.append(time.perf_counter() - started)
    con.close()
    ours = []
    for _ in range(args.runs):
        started = time.perf_counter()
        report = check_daily(repo, date=args.date, post=False)
        ours.append(time.perf_counter() - started)
    h, o = statistics.median(hand), statistics.median(ours)
    print(f"{total:,} calls stored; hand-written query {h:.2f} s, check daily {o:.2f} s, ratio {o / h:.2f}")
    for f in report.findings:
        print(f"  {f.status:8} {f.metric:26} {f.value if f.value is None else round(f.value, 4)!s:>10} "
              f"trend={f.trend:13} {f.detail}")


if __name__ == "__main__":
    main()
