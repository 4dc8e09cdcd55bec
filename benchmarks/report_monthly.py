"""`agentctl report monthly` over a quarter of 1M calls, against the bare DuckDB queries behind it.

    python benchmarks/report_monthly.py [--calls 1000000] [--workdir DIR] [--runs 3]

The store is filled by a vectorised generator written in DuckDB SQL (the quarter story's shape: 30%
silent SMS failures and installs 22% → ~15% for the two weeks from Oct 12, fixed Oct 26): the
record-by-record simulator makes ~5,000 calls/s on this machine, so 1M calls through it and
`calls ingest` would take minutes of set-up for a benchmark about reading. The repo is made by
`agentctl init`. Prints the report's median seconds, the floor (the hand-written aggregate queries
the report's charts and checks need, run bare), and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FILL_CALLS = """
CREATE OR REPLACE TABLE gen AS
SELECT i, DATE '2026-09-01' + CAST(i // {per_day} AS INTEGER) AS day, random() AS r_answer, random() AS r_agree,
       random() AS r_silent, random() AS r_install, random() AS r_escalate, random() AS r_len
FROM range({calls}) t(i);
INSERT INTO calls BY NAME
SELECT 'c' || i AS call_id, 'install-reminder' AS agent,
       CASE WHEN day < DATE '2026-10-12' THEN 1 WHEN day < DATE '2026-10-26' THEN 2 ELSE 3 END AS bundle_version,
       'production' AS environment, 'drv_' || (i % 400000) AS caller_key,
       day + INTERVAL 13 HOUR + to_seconds(CAST((i % {per_day}) * 36000 / {per_day} AS BIGINT)) AS started_at,
       day + INTERVAL 13 HOUR + to_seconds(CAST((i % {per_day}) * 36000 / {per_day} + 60 + r_len * 180 AS BIGINT))
         AS ended_at,
       day, 60 + r_len * 180 AS handle_time_s,
       CASE WHEN r_answer >= 0.86 THEN 'no_answer' WHEN r_escalate < 0.08 THEN 'escalated' ELSE 'completed' END
         AS outcome,
       'customer-ended-call' AS ended_reason, r_answer < 0.86 AND r_escalate < 0.08 AS escalated, false AS is_error,
       [500 + r_len * 400, 450 + r_agree * 500, 600 + r_install * 300] AS turn_latencies_ms,
       0.9 + r_len * 0.05 AS transcription_confidence, (60 + r_len * 180) * 0.0015 AS cost_usd,
       CASE WHEN r_answer < 0.86 THEN 2 ELSE 0 END AS tool_call_count, 'bench' AS source,
       TIMESTAMP '2026-12-01' AS ingested_at,
       r_answer < 0.86 AND r_agree < 0.9 AND NOT (day BETWEEN DATE '2026-10-12' AND DATE '2026-10-25' AND r_silent < 0.3)
         AND r_install < 0.22 / (0.86 * 0.9) AS install_completed
FROM gen;
INSERT INTO tool_calls BY NAME
SELECT 'c' || i AS call_id, 0 AS seq, 'install-reminder' AS agent, 'production' AS environment,
       CASE WHEN day < DATE '2026-10-12' THEN 1 WHEN day < DATE '2026-10-26' THEN 2 ELSE 3 END AS bundle_version, day,
       'sms-gateway' AS tool, '2.0.0' AS contract_version, '2.0.0' AS judged_by, 200 AS http_status, true AS http_ok,
       NOT (day BETWEEN DATE '2026-10-12' AND DATE '2026-10-25' AND r_silent < 0.3) AS contract_ok,
       200 + r_len * 200 AS latency_ms
FROM gen WHERE r_answer < 0.86 AND r_agree < 0.9;
DROP TABLE gen;
"""

FLOOR = [
    "SELECT day, count(*), avg(CASE WHEN install_completed THEN 1.0 ELSE 0.0 END) FROM calls "
    "WHERE environment = 'production' AND agent = 'install-reminder' AND day BETWEEN DATE '{first}' AND DATE '{last}' "
    "GROUP BY day",
    "SELECT strftime(day, '%Y-%m'), count(*), sum(CASE WHEN install_completed THEN 1 ELSE 0 END), "
    "sum(handle_time_s) / 60 * 0.09 FROM calls WHERE environment = 'production' AND agent = 'install-reminder' "
    "AND day BETWEEN DATE '2026-09-01' AND DATE '{last}' GROUP BY 1",
    "SELECT date_trunc('week', day), tool, count(*), avg(http_ok::INT), avg(contract_ok::INT) FROM tool_calls "
    "WHERE environment = 'production' AND agent = 'install-reminder' AND day BETWEEN DATE '{first}' AND DATE '{last}' "
    "GROUP BY ALL",
    # what the month's daily-check findings read: every metric per day (calls, then tool calls)
    "SELECT day, avg(is_error::INT), avg(escalated::INT), avg(transcription_confidence), "
    "var_samp(transcription_confidence), list_aggregate(flatten(list(turn_latencies_ms)), 'quantile_cont', 0.95), "
    "avg(install_completed::INT) FROM calls WHERE environment = 'production' "
    "AND day BETWEEN DATE '{check_first}' AND DATE '{last}' GROUP BY day",
    "SELECT day, avg(contract_ok::INT) FILTER (WHERE contract_ok IS NOT NULL), avg(http_ok::INT) FROM tool_calls "
    "WHERE environment = 'production' AND tool = 'sms-gateway' AND day BETWEEN DATE '{check_first}' AND DATE '{last}' "
    "GROUP BY day",
]


def main() -> None:
    import duckdb

    from agentctl.calls.store import DuckDBCallStore
    from agentctl.ops.init import init_repo
    from agentctl.ops.report import monthly_report
    from agentctl.repo import ConfigRepo

    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/agentctl-bench-report"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    repo = args.workdir / f"repo-{args.calls}"
    path = repo / ".agentctl" / "calls.duckdb"
    if not path.exists():
        init_repo(repo)
        started = time.perf_counter()
        store = DuckDBCallStore(path)
        store.add_business_column("install_completed", "BOOLEAN")
        store.con.execute("SELECT setseed(0.42)")
        store.con.execute(FILL_CALLS.format(calls=args.calls, per_day=args.calls // 91))
        store.close()
        print(f"filled {args.calls:,} calls in {time.perf_counter() - started:.1f} s (vectorised SQL generator)")
    con = duckdb.connect(str(path), read_only=True)
    total = con.execute("SELECT count(*) FROM calls").fetchone()[0]
    tools = con.execute("SELECT count(*) FROM tool_calls").fetchone()[0]
    params = {"first": "2026-09-02", "last": "2026-11-30", "check_first": "2026-10-15"}
    floor = []
    for _ in range(args.runs):
        started = time.perf_counter()
        for sql in FLOOR:
            con.execute(sql.format(**params)).fetchall()
        floor.append(time.perf_counter() - started)
    con.close()
    ours = []
    for run in range(args.runs):
        started = time.perf_counter()
        with ConfigRepo(repo) as handle:
            report = monthly_report(handle, month="2026-11", out=args.workdir / f"out-{run}")
        ours.append(time.perf_counter() - started)
    f, o = statistics.median(floor), statistics.median(ours)
    print(f"{total:,} calls, {tools:,} tool calls stored")
    print(f"report monthly (md + html, {len(report.files)} files): {o:.2f} s median of {args.runs}")
    print(f"floor (the bare DuckDB aggregates behind it): {f:.2f} s; ratio {o / f:.1f}")
    print(report.summary)


if __name__ == "__main__":
    main()
