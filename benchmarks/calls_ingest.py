"""Ingest throughput and peak memory for simulated call records, next to DuckDB's bare load of the same file.

    python benchmarks/calls_ingest.py [--calls 1000000] [--days 30] [--workdir DIR] [--breakdown]

Writes a JSONL file of simulated calls (30% silent SMS failures from day 0 on version 2, and
the 22% → 16% install drift from day 17), then, each in a fresh child process, runs `agentctl calls
ingest` on it, a re-ingest of the same file, and DuckDB alone loading the same file into a table
(`read_json`, auto-detected schema) — the floor. Prints CPU and wall time and peak RSS of each, and the
ratio of agentctl's first ingest to the floor. A second reference, the store's own shape: DuckDB alone reading
the file with its typed schema and writing what the store holds — the calls table and one tool_calls row per
tool call with its SHA-256 response digest — with no check, no judging and no merge. It is what any ingest into
this store pays before it checks a single value. A third, the exact reads: DuckDB alone reading the file in
agentctl's blocks the way an ingest that takes a value only as Python would must read it — each line and each tool
call parsed for its values at their SQL types (`json_transform`, which takes "2" for 2, 2.5 for 2 and true for 1, and
reads the first of two equal keys), for what JSON type each known key held (`json_type`) and for how many keys it
has (`json_keys`) — and writing the store's rows, again with no check, no judging and no merge. `--breakdown`
ingests the file once more, into a scratch store in a child process, and prints where the CPU time of a block
goes: each kind of SQL statement the engine runs, and Python outside them.
The repo with the filled store is left in WORKDIR for benchmarks/check_daily.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agentctl.calls.simulate import ConversionDrift, SilentToolFailure, simulate_lines  # noqa: E402
from agentctl.ops.init import init_repo  # noqa: E402

START = "2026-03-01"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/agentctl-bench-calls"))
    parser.add_argument("--breakdown", action="store_true", help="also print where a block's CPU time goes")
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
            for line in simulate_lines(start=START, days=args.days, calls_per_day=per_day, seed=1,
                                       versions={1: 0.9, 2: 0.1}, faults=faults):
                out.write(line + "\n")
        print(f"simulate: {per_day * args.days:,} records, {data.stat().st_size / 1e9:.2f} GB "
              f"in {time.perf_counter() - started:.0f} s")
    env = {"PYTHONPATH": str(Path(__file__).resolve().parent.parent), "PATH": "/usr/bin:/bin", "HOME": str(args.workdir)}
    db = repo / ".agentctl" / "calls.duckdb"
    db.unlink(missing_ok=True)
    load = os.getloadavg()  # other work on the machine inflates wall times (CPU times far less)
    ingest = _child([sys.executable, "-m", "agentctl", "calls", "ingest", str(data), "--json"], repo, env)
    report = json.loads(ingest["stdout"]) if ingest["stdout"].strip().startswith("{") else {"error": ingest["stderr"][-500:]}
    again = _child([sys.executable, "-m", "agentctl", "calls", "ingest", str(data), "--json"], repo, env)
    floor_db = args.workdir / "floor.duckdb"
    floor_db.unlink(missing_ok=True)
    bare = _child([sys.executable, "-c", FLOOR, str(floor_db), str(data)], repo, env)
    floor_db.unlink(missing_ok=True)
    shaped = _child([sys.executable, "-c", STORE_SHAPE, str(floor_db), str(data)], repo, env)
    floor_db.unlink(missing_ok=True)
    exact = _child([sys.executable, "-c", EXACT_READS, str(floor_db), str(data)], repo, env)
    floor_db.unlink(missing_ok=True)
    print(f"agentctl calls ingest: {report.get('inserted', 0):,} stored, {report.get('rejected')} rejected, "
          f"{ingest['cpu']:.1f} s CPU, {ingest['wall']:.1f} s wall, {report.get('read', 0) / ingest['wall']:,.0f} records/s, "
          f"peak RSS {ingest['rss']:,.0f} MiB")
    print(f"re-ingest of the same file (every event stored): {again['cpu']:.1f} s CPU, {again['wall']:.1f} s wall")
    print(f"DuckDB bare load (floor): {bare['cpu']:.1f} s CPU, {bare['wall']:.1f} s wall, peak RSS {bare['rss']:,.0f} MiB")
    print(f"ratio: {ingest['cpu'] / bare['cpu']:.1f}x CPU, {ingest['wall'] / bare['wall']:.1f}x wall (aim: <= 2.0x)")
    _reference("DuckDB writing the store's shape, unchecked", shaped, bare, ingest)
    _reference("DuckDB doing only the exact reads and the store's writes, unchecked", exact, bare, ingest)
    import duckdb

    print(f"DuckDB {duckdb.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"store: {db.stat().st_size / 1e9:.2f} GB at {db}" if db.exists() else f"no store: {report}")
    if args.breakdown:
        scratch = args.workdir / "breakdown.duckdb"
        scratch.unlink(missing_ok=True)
        split = _child([sys.executable, "-c", BREAKDOWN, str(repo), str(scratch), str(data)], repo, env)
        scratch.unlink(missing_ok=True)
        if not split["stdout"].strip().startswith("{"):
            print(f"breakdown failed: {split['stderr'][-500:]}")
            return
        got = json.loads(split["stdout"])
        blocks = max(1, -(-got["read"] // 122_880))
        print(f"where a block's CPU time goes ({blocks} block{'s' if blocks > 1 else ''} of up to 122,880 lines, in-process, "
              f"{got['total']:.1f} s CPU in all):")
        for label, cpu in sorted(got["statements"].items(), key=lambda kv: -kv[1]):
            if cpu / blocks >= 0.005:
                print(f"  {cpu / blocks:6.3f} s  {label}")
        print(f"  {got['python'] / blocks:6.3f} s  Python outside SQL (start-up, reading the file, the engine's "
              "scratch file, the per-record path)")


FLOOR = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE calls AS SELECT * FROM read_json(?, format = 'newline_delimited')", [sys.argv[2]])
"""

# the store's tables as `agentctl calls ingest` fills them (agentctl/calls/store.py), from a typed read_json of the same
# file: no check of any value, no contract judged, no merge with stored calls, days in UTC
STORE_SHAPE = """
import sys, duckdb
from agentctl.calls.store import CALL_COLUMNS, TOOL_COLUMNS
con = duckdb.connect(sys.argv[1])
con.execute("SET enable_progress_bar = false")
tool = ("STRUCT(tool VARCHAR, contract_version VARCHAR, http_status BIGINT, latency_ms DOUBLE, response JSON, "
        "arguments JSON, error VARCHAR)[]")
columns = {"call_id": "VARCHAR", "agent": "VARCHAR", "bundle_version": "BIGINT", "environment": "VARCHAR",
           "caller_key": "VARCHAR", "started_at": "TIMESTAMPTZ", "ended_at": "TIMESTAMPTZ", "outcome": "VARCHAR",
           "ended_reason": "VARCHAR", "escalated": "BOOLEAN", "turn_latencies_ms": "DOUBLE[]",
           "transcription_confidence": "DOUBLE", "cost_usd": "DOUBLE", "transcript": "VARCHAR", "recording_url": "VARCHAR",
           "platform_agent_version": "VARCHAR", "business": "STRUCT(install_completed BOOLEAN)", "tool_calls": tool}
spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
con.execute("SET TimeZone = 'UTC'")
con.execute(f"CREATE TEMP TABLE r AS SELECT * FROM read_json(?, format = 'newline_delimited', columns = {spec})",
            [sys.argv[2]])
con.execute("CREATE TABLE calls (" + ", ".join(f"{n} {t}" for n, t in CALL_COLUMNS) + ", install_completed BOOLEAN)")
con.execute("CREATE TABLE tool_calls (" + ", ".join(f"{n} {t}" for n, t in TOOL_COLUMNS) + ")")
con.execute("INSERT INTO calls SELECT call_id, agent, bundle_version, environment, caller_key, started_at::TIMESTAMP, "
            "ended_at::TIMESTAMP, started_at::DATE, date_diff('microsecond', started_at, ended_at) / 1e6, outcome, "
            "ended_reason, coalesce(escalated, outcome = 'escalated'), outcome = 'error', turn_latencies_ms, "
            "transcription_confidence, cost_usd, coalesce(len(tool_calls), 0), 'file', now()::TIMESTAMP, transcript, "
            "recording_url, platform_agent_version, business.install_completed FROM r")
con.execute("INSERT INTO tool_calls SELECT call_id, seq, agent, environment, bundle_version, day, t.tool, "
            "t.contract_version, t.contract_version, t.http_status, t.http_status BETWEEN 200 AND 299, NULL, t.latency_ms, "
            "NULL, t.arguments, CASE WHEN t.response IS NOT NULL THEN 'sha256:' || sha256(t.response::VARCHAR) END, "
            "t.error FROM (SELECT call_id, agent, environment, bundle_version, started_at::DATE AS day, unnest(tool_calls) "
            "AS t, generate_subscripts(tool_calls, 1) - 1 AS seq FROM r)")
print("ok")
"""

# the reads an exact ingest needs from DuckDB, block by block as agentctl reads the file (agentctl/calls/bulk.py: the
# record's and each tool call's `Shape`), and the store's rows written from them: no check evaluated, no contract
# judged, no line numbered or fingerprinted, no merge with stored calls, days in UTC
EXACT_READS = """
import os, sys, tempfile, duckdb
from agentctl.calls.bulk import RECORD, TOOL, _text, line_limit
from agentctl.calls.ingest import BULK_BATCH, _byte_blocks
from agentctl.calls.store import CALL_COLUMNS, TOOL_COLUMNS
con = duckdb.connect(sys.argv[1])
con.execute("SET enable_progress_bar = false")
con.execute("SET TimeZone = 'UTC'")
con.execute("CREATE TABLE calls (" + ", ".join(f"{n} {t}" for n, t in CALL_COLUMNS) + ", install_completed BOOLEAN)")
con.execute("CREATE TABLE tool_calls (" + ", ".join(f"{n} {t}" for n, t in TOOL_COLUMNS) + ")")
started = "r.started_at::TIMESTAMPTZ"
for _, block in _byte_blocks(sys.argv[2], None, BULK_BATCH):
    handle, scratch = tempfile.mkstemp(suffix=".lines")
    with os.fdopen(handle, "wb") as out:
        out.write(block)
    con.execute(f"CREATE TEMP TABLE c AS SELECT json_transform(line, {_text(RECORD.structure())}) AS r, "
                f"json_type(line, {RECORD.paths()}) AS ty, len(json_keys(line)) AS nk FROM read_csv(?, "
                "columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '', header = false, "
                f"auto_detect = false, {line_limit()})", [scratch])
    os.unlink(scratch)
    con.execute(f"CREATE TEMP TABLE t AS SELECT call_id, agent, environment, bundle_version, day, seq, "
                f"json_transform(e, {_text(TOOL.structure())}) AS tc, json_type(e, {TOOL.paths()}) AS ty, "
                "len(json_keys(e)) AS nk FROM (SELECT r.call_id AS call_id, r.agent AS agent, r.environment AS environment, "
                f"r.bundle_version AS bundle_version, {started}::DATE AS day, unnest(r.tool_calls) AS e, "
                "generate_subscripts(r.tool_calls, 1) - 1 AS seq FROM c)")
    con.execute(f"INSERT INTO calls SELECT r.call_id, r.agent, r.bundle_version, r.environment, r.caller_key, "
                f"{started}::TIMESTAMP, r.ended_at::TIMESTAMPTZ::TIMESTAMP, {started}::DATE, date_diff('microsecond', "
                f"{started}, r.ended_at::TIMESTAMPTZ) / 1e6, r.outcome, r.ended_reason, coalesce(r.escalated, "
                "r.outcome = 'escalated'), r.outcome = 'error', r.turn_latencies_ms::DOUBLE[], "
                "r.transcription_confidence, r.cost_usd, coalesce(len(r.tool_calls), 0), 'file', now()::TIMESTAMP, "
                "r.transcript, r.recording_url, r.platform_agent_version, "
                "json_extract(r.business, '$.install_completed')::BOOLEAN FROM c")
    con.execute("INSERT INTO tool_calls SELECT call_id, seq, agent, environment, bundle_version, day, tc.tool, "
                "tc.contract_version, tc.contract_version, tc.http_status, coalesce(tc.http_status BETWEEN 200 AND 299, "
                "FALSE), NULL, tc.latency_ms, NULL, tc.arguments, CASE WHEN tc.response IS NOT NULL THEN 'sha256:' || "
                "sha256(tc.response::VARCHAR) END, tc.error FROM t")
    con.execute("DROP TABLE c")
    con.execute("DROP TABLE t")
con.close()
print("ok")
"""

# `agentctl calls ingest` in-process, with each SQL statement's CPU time added up by its kind (what it creates,
# inserts into, updates or drops; every other query as one line)
BREAKDOWN = """
import json, re, sys, time
from pathlib import Path
from agentctl.calls.ingest import ingest_files
from agentctl.calls.record import IngestContext
from agentctl.calls.store import DuckDBCallStore
from agentctl.model.workspace import load_workspace
from agentctl.ops.calls import DEFAULT_MEMORY_LIMIT
started = time.process_time()
ctx = IngestContext.from_workspace(load_workspace(Path(sys.argv[1])))
store = DuckDBCallStore(Path(sys.argv[2]), memory_limit=DEFAULT_MEMORY_LIMIT)
spent = {}
KIND = re.compile(r"\\s*(CREATE (?:OR REPLACE )?TEMP (?:TABLE|VIEW) \\w+|INSERT INTO \\w+|UPDATE \\w+|DELETE FROM \\w+|"
                  r"ALTER TABLE \\w+|DROP)")

class Timed:
    def __init__(self, con):
        self.con = con

    def execute(self, sql, *args):
        begun = time.process_time()
        try:
            return self.con.execute(sql, *args)
        finally:
            kind = KIND.match(sql)
            label = kind.group(1) if kind else "other queries"
            spent[label] = spent.get(label, 0.0) + time.process_time() - begun

    def __getattr__(self, name):
        return getattr(self.con, name)

store.con = Timed(store.con)
stats = ingest_files([sys.argv[3]], store, ctx)
store.con = store.con.con
store.close()
total = time.process_time() - started
print(json.dumps({"read": stats.read, "total": total, "statements": spent, "python": total - sum(spent.values())}))
"""


def _reference(what: str, run: dict[str, Any], bare: dict[str, Any], ingest: dict[str, Any]) -> None:
    """One reference run's line: its CPU, wall and peak RSS, its ratio to the floor and agentctl's ratio to it."""
    if run["stdout"].strip() != "ok":
        print(f"{what}: failed: {run['stderr'][-500:]}")
        return
    print(f"{what}: {run['cpu']:.1f} s CPU ({run['cpu'] / bare['cpu']:.1f}x the floor), {run['wall']:.1f} s wall, "
          f"peak RSS {run['rss']:,.0f} MiB; agentctl is {ingest['cpu'] / run['cpu']:.1f}x this in CPU")


def _child(argv: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run one child process; its wall time, CPU time (user + system) and peak RSS in MiB."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        _, _, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not the maximum over all children
        proc.returncode = 0
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return {"stdout": out.read(), "stderr": err.read(), "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                "rss": usage.ru_maxrss / 1024}


if __name__ == "__main__":
    main()
