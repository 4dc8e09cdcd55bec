"""Ingest and `check daily` on PostgreSQL vs DuckDB over the same simulated calls, each next to its floor.

    python benchmarks/pg_store.py [--calls 1000000] [--days 30] [--runs 3] [--workdir DIR]

Uses $AGENTCTL_TEST_PG_DSN, else starts a throwaway PostgreSQL (tests/calls/pg_server.py: fsync
off, as a test server). Writes the JSONL of benchmarks/calls_ingest.py (30% silent SMS failures on
version 2, the install drift from day 17), then in child processes:
- `agentctl calls ingest` into a DuckDB repo and into a PostgreSQL repo (wall and client CPU);
- floors: DuckDB's bare `read_json` load of the file, and a bare PostgreSQL COPY of exactly the
  rows agentctl stored (calls and tool calls, into unindexed tables, from CSV files written beforehand);
- `check daily` on the drift's third day, median of --runs, on both, next to the hand-written
  aggregate queries for the same 17-day window on each backend (the floor any implementation pays).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.calls_ingest import FLOOR, START, _child  # noqa: E402

HAND_CALLS = """SELECT agent, day, count(*), avg(CASE WHEN is_error THEN 1.0 ELSE 0.0 END),
       avg(CASE WHEN escalated THEN 1.0 ELSE 0.0 END), avg(transcription_confidence), var_samp(transcription_confidence),
       avg(CASE WHEN install_completed THEN 1.0 ELSE 0.0 END)
FROM calls WHERE environment = 'production' AND day BETWEEN '{first}' AND '{last}' GROUP BY agent, day"""
HAND_LATENCY = """SELECT agent, day, quantile_cont(latency, 0.95) FROM (SELECT agent, day, unnest(turn_latencies_ms) AS latency
FROM calls WHERE environment = 'production' AND day BETWEEN '{first}' AND '{last}') AS s GROUP BY agent, day"""
HAND_TOOLS = """SELECT agent, day, avg(CASE WHEN contract_ok THEN 1.0 ELSE 0.0 END) FILTER (WHERE contract_ok IS NOT NULL),
       avg(CASE WHEN http_ok THEN 1.0 ELSE 0.0 END)
FROM tool_calls WHERE environment = 'production' AND tool = 'sms-gateway' AND day BETWEEN '{first}' AND '{last}'
GROUP BY agent, day"""

PG_FLOOR = """
import sys, psycopg
dsn, schema, calls_csv, tools_csv = sys.argv[1:5]
with psycopg.connect(dsn, autocommit=True) as conn:
    conn.execute(f'SET search_path TO "{schema}"')
    for table, path in (("floor_calls", calls_csv), ("floor_tool_calls", tools_csv)):
        with conn.cursor() as cur, open(path, "rb") as fh:
            with cur.copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy:
                while block := fh.read(1 << 20):
                    copy.write(block)
"""


def generate(path: Path, calls: int, days: int) -> None:
    from agentctl.calls.simulate import ConversionDrift, SilentToolFailure, simulate_calls

    faults = [SilentToolFailure(tool="sms-gateway", share=0.3, versions=frozenset({2})),
              ConversionDrift(start_day=17, days=14, from_rate=0.22, to_rate=0.16)]
    with path.open("w") as out:
        for record in simulate_calls(start=START, days=days, calls_per_day=calls // days, seed=1,
                                     versions={1: 0.9, 2: 0.1}, faults=faults):
            out.write(json.dumps(record, separators=(",", ":")) + "\n")


def median_seconds(runs: int, work: Any) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--date", default="2026-03-19")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    from agentctl.ops.init import init_repo
    from benchmarks.pg_replicas import point_at_postgres
    from tests.calls import pg_server

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    tmp = tempfile.TemporaryDirectory() if args.workdir is None else None
    work = Path(tmp.name) if tmp is not None else args.workdir
    work.mkdir(parents=True, exist_ok=True)
    with pg_server.running() as dsn:
        os.environ["AGENTCTL_PG_DSN"] = dsn  # `check daily` runs in this process
        try:
            run(args, dsn, schema, work, init_repo, point_at_postgres)
        finally:
            import psycopg

            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            if tmp is not None:
                tmp.cleanup()


def run(args: Any, dsn: str, schema: str, work: Path, init_repo: Any, point_at_postgres: Any) -> None:
    import duckdb
    import psycopg

    data = work / f"calls-{args.calls}.jsonl"
    if not data.exists():
        generate(data, args.calls, args.days)
    duck_repo, pg_repo = work / "duck", work / "pg"
    for repo in (duck_repo, pg_repo):
        if not (repo / "agentctl.yaml").exists():
            init_repo(repo)
    (duck_repo / ".agentctl" / "calls.duckdb").unlink(missing_ok=True)
    point_at_postgres(pg_repo, schema)
    env = {"PYTHONPATH": str(Path(__file__).resolve().parent.parent), "PATH": "/usr/bin:/bin", "HOME": str(work),
           "AGENTCTL_PG_DSN": dsn}
    command = [sys.executable, "-m", "agentctl", "calls", "ingest", str(data), "--json"]
    duck = _child(command, duck_repo, env)
    pg = _child(command, pg_repo, env)
    reports = [json.loads(r["stdout"]) if r["stdout"].strip().startswith("{") else {"error": r["stderr"][-800:]}
               for r in (duck, pg)]
    floor_db = work / "floor.duckdb"
    floor_db.unlink(missing_ok=True)
    duck_floor = _child([sys.executable, "-c", FLOOR, str(floor_db), str(data)], duck_repo, env)
    floor_db.unlink(missing_ok=True)
    # the PostgreSQL floor: COPY of the very rows agentctl stored, from CSV written beforehand (not timed)
    calls_csv, tools_csv = work / "floor-calls.csv", work / "floor-tools.csv"
    con = duckdb.connect(str(duck_repo / ".agentctl" / "calls.duckdb"), read_only=True)
    con.execute(f"COPY (SELECT * REPLACE ('{{' || array_to_string(turn_latencies_ms, ',') || '}}' AS turn_latencies_ms) "
                f"FROM calls) TO '{calls_csv}' (FORMAT csv, HEADER false)")
    con.execute(f"COPY tool_calls TO '{tools_csv}' (FORMAT csv, HEADER false)")
    con.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("CREATE TABLE floor_calls (LIKE calls)")
        conn.execute("CREATE TABLE floor_tool_calls (LIKE tool_calls)")
    pg_floor = _child([sys.executable, "-c", PG_FLOOR, dsn, schema, str(calls_csv), str(tools_csv)], work, env)
    for name, result, report in (("DuckDB", duck, reports[0]), ("PostgreSQL", pg, reports[1])):
        print(f"ingest {name:<10}: {report.get('inserted', 0):,} stored, {report.get('rejected')} rejected, "
              f"{result['wall']:.1f} s wall, {result['cpu']:.1f} s client CPU, "
              f"{report.get('read', 0) / result['wall']:,.0f} records/s, peak RSS {result['rss']:,.0f} MiB"
              + (f"  ERROR {report['error']}" if "error" in report else ""))
    print(f"floor DuckDB: bare read_json load of the file {duck_floor['wall']:.1f} s wall "
          f"→ agentctl {duck['wall'] / duck_floor['wall']:.1f}x")
    print(f"floor PostgreSQL: bare COPY of the stored rows (calls + tool calls, no indexes) {pg_floor['wall']:.1f} s wall "
          f"→ agentctl {pg['wall'] / pg_floor['wall']:.1f}x" + (f"  ERROR {pg_floor['stderr'][-500:]}"
                                                                  if pg_floor['stderr'].strip() else ""))
    check(args, duck_repo, pg_repo)


def check(args: Any, duck_repo: Path, pg_repo: Path) -> None:
    from agentctl.analysis.metrics import render
    from agentctl.ops.check import check_daily
    from agentctl.repo import ConfigRepo

    day = dt.date.fromisoformat(args.date)
    first, last = day - dt.timedelta(days=17), day
    findings = {}
    for name, repo in (("DuckDB", duck_repo), ("PostgreSQL", pg_repo)):
        report: list[Any] = []
        seconds = median_seconds(args.runs, lambda repo=repo, report=report: report.append(
            check_daily(repo, date=args.date, post=False)))
        handle = ConfigRepo(repo)
        store = handle.calls()
        dialect = getattr(store, "dialect", "duckdb")
        sqls = [render(q.format(first=first, last=last), dialect) for q in (HAND_CALLS, HAND_LATENCY, HAND_TOOLS)]
        hand = median_seconds(args.runs, lambda store=store, sqls=sqls: [store.query(s) for s in sqls])
        handle.close()
        findings[name] = sorted((f.id, f.status) for f in report[-1].findings)
        breached = [f for f in report[-1].findings if f.status != "ok"]
        print(f"check daily {name:<10}: {seconds:.2f} s (median of {args.runs}), hand-written aggregates "
              f"{hand:.2f} s → {seconds / hand:.1f}x; {len(breached)} finding(s): "
              + ", ".join(sorted({f.metric for f in breached})))
    print("same findings on both: " + ("yes" if findings["DuckDB"] == findings["PostgreSQL"] else "NO"))


if __name__ == "__main__":
    main()
