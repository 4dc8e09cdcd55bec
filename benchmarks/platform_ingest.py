"""Ingest of Vapi end-of-call reports and of a CSV of the same calls: the engine route (payloads and rows mapped
to record lines, then calls.bulk), the per-record route, and DuckDB's bare load of the same file (the floor).

    python benchmarks/platform_ingest.py [--calls 100000] [--days 10] [--workdir DIR] [--mapping]

Simulates calls (`simulate_lines`: 30% silent SMS failures on version 2), writes each as a Vapi
end-of-call-report server message shaped like tests/serve/payloads.py (after
https://docs.vapi.ai/server-url/end-of-call-report and the performanceMetrics of
https://docs.vapi.ai/changelog/2025/8/9), and the same calls as a CSV with a header row (business fields as
business.NAME, tool calls and latencies as JSON). Then, each in a fresh child process with its own rusage,
for each file: `ingest_calls` through the engine route, the same through the per-record route (the store's
set-based path switched off), a re-ingest through the engine route, and DuckDB alone loading the file into a
table (`read_json` / `read_csv`, detected schema). Prints CPU (user + system) and wall time and peak RSS of
each, with the ratios. With --mapping, also the Vapi mapping alone: in Python (what the engine route does)
and as SQL over the payload JSON (a partial mapping, without the mapper's checks).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agentctl.calls.simulate import Fault, SilentToolFailure, simulate_lines  # noqa: E402
from agentctl.ops.init import init_repo  # noqa: E402
from benchmarks.calls_ingest import _child  # noqa: E402

START = "2026-03-01"
ENDED_REASON = {"completed": "customer-ended-call", "escalated": "assistant-forwarded-call",
                "no_answer": "customer-did-not-answer", "voicemail": "voicemail", "abandoned": "silence-timed-out",
                "error": "pipeline-error-openai-llm-failed"}
INGEST = """
import json, sys
from pathlib import Path
from agentctl.calls.store import DuckDBCallStore
from agentctl.ops.calls import ingest_calls
repo, path, fmt, route = sys.argv[1:5]
if route == "per-record":
    DuckDBCallStore.bulk_ingest = None  # the store's set-based path off: every record through Python
report = ingest_calls(Path(repo), [path], fmt=fmt)
print(json.dumps({"read": report.read, "inserted": report.inserted, "duplicates": report.duplicates,
                  "rejected": report.rejected}))
"""
FLOOR = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
reader = "read_csv(?, header = true)" if sys.argv[2].endswith(".csv") else "read_json(?, format = 'newline_delimited')"
con.execute(f"CREATE TABLE calls AS SELECT * FROM {reader}", [sys.argv[2]])
"""


MAP_PYTHON = """
import json, sys
from agentctl.calls.mappers import from_vapi
with open(sys.argv[1], "rb") as f:
    for line in f:
        json.dumps(from_vapi(json.loads(line), {}), separators=(",", ":")).encode("ascii")
"""
# the mapping as SQL over the payload JSON, partial: the scalar fields, the outcome, tool calls joined to their
# results by id; none of the mapper's per-field type checks (which give the exact reject reasons)
MAP_SQL = r'''
import sys, duckdb
con = duckdb.connect()
con.execute(f"""
CREATE TEMP TABLE m AS
WITH src AS (SELECT row_number() OVER () AS n, message AS m FROM read_json('{sys.argv[1]}', format = 'newline_delimited',
             columns = {{message: 'JSON'}})),
msgs AS (SELECT n, unnest(json_extract(m, '$.artifact.messages[*]')) AS e FROM src),
calls AS (SELECT n, e->'toolCalls'->0 AS tc FROM msgs WHERE e->>'role' = 'tool_calls'),
results AS (SELECT n, e->>'toolCallId' AS id, e FROM msgs WHERE e->>'role' = 'tool_call_result'),
tools AS (SELECT c.n, list(json_object('tool', c.tc->'function'->>'name', 'arguments', json(c.tc->'function'->>'arguments'),
            'http_status', r.e->'metadata'->'http_status', 'response', json(r.e->>'result'))) AS tool_calls
          FROM calls c LEFT JOIN results r ON r.n = c.n AND r.id = c.tc->>'id' GROUP BY c.n)
SELECT src.n, json_object(
  'call_id', m->'call'->>'id',
  'agent', split_part(m->'assistant'->'metadata'->>'agentctl_bundle', '@v', 1),
  'bundle_version', try_cast(split_part(m->'assistant'->'metadata'->>'agentctl_bundle', '@v', 2) AS INTEGER),
  'environment', m->'assistant'->'metadata'->>'agentctl_env',
  'caller_key', m->'customer'->>'number',
  'started_at', m->>'startedAt', 'ended_at', m->>'endedAt',
  'outcome', CASE WHEN contains(m->>'endedReason', 'forward') THEN 'escalated'
                  WHEN contains(m->>'endedReason', 'voicemail') THEN 'voicemail'
                  WHEN m->>'endedReason' IN ('customer-did-not-answer', 'customer-busy') THEN 'no_answer'
                  WHEN contains(m->>'endedReason', 'error') THEN 'error'
                  WHEN contains(m->>'endedReason', 'silence') THEN 'abandoned' ELSE 'completed' END,
  'ended_reason', m->>'endedReason', 'cost_usd', m->'cost',
  'business', m->'analysis'->'structuredData',
  'transcript', m->'artifact'->>'transcript', 'recording_url', m->'artifact'->>'recordingUrl',
  'turn_latencies_ms', json_extract(m, '$.artifact.performanceMetrics.turnLatencies[*].turnLatency'),
  'tool_calls', coalesce(to_json(tools.tool_calls), '[]')) AS line
FROM src LEFT JOIN tools USING (n)""")
'''


def vapi_report(record: dict[str, Any]) -> dict[str, Any]:
    """A canonical call record as the Vapi end-of-call-report that describes it."""
    reason = record.get("ended_reason") or ENDED_REASON[record["outcome"]]
    messages: list[dict[str, Any]] = []
    for i, tool in enumerate(record.get("tool_calls", [])):
        tid = f"call_tool_{i}"
        messages.append({"role": "tool_calls", "toolCalls": [{"id": tid, "type": "function", "function": {
            "name": tool["tool"], "arguments": json.dumps({"driver_id": record.get("caller_key")})}}]})
        result: dict[str, Any] = {"role": "tool_call_result", "name": tool["tool"], "toolCallId": tid}
        if tool.get("error"):
            result["error"] = tool["error"]
        else:
            result["result"] = json.dumps(tool.get("response"))
        if tool.get("http_status") is not None:
            result["metadata"] = {"http_status": tool["http_status"]}
        messages.append(result)
    return {"message": {
        "type": "end-of-call-report", "endedReason": reason,
        "startedAt": record["started_at"], "endedAt": record["ended_at"], "cost": record.get("cost_usd"),
        "customer": {"number": record.get("caller_key")},
        "assistant": {"name": record["agent"], "metadata": {
            "agentctl_bundle": f"{record['agent']}@v{record['bundle_version']}",
            "agentctl_env": record["environment"]}},
        "call": {"id": record["call_id"], "type": "inboundPhoneCall", "status": "ended", "endedReason": reason,
                 "customer": {"number": record.get("caller_key")}},
        "artifact": {"transcript": "AI: Hi, this is Riley from Roadwise.\nUser: Sure, text me the link.\n",
                     "recordingUrl": f"https://storage.vapi.ai/{record['call_id']}-mono.wav", "messages": messages,
                     "performanceMetrics": {"turnLatencies": [
                         {"turnLatency": ms} for ms in record.get("turn_latencies_ms") or []]}},
        "analysis": {"summary": "", "structuredData": record.get("business", {})},
    }}


CSV_COLUMNS = ["call_id", "agent", "bundle_version", "environment", "caller_key", "started_at", "ended_at", "outcome",
               "ended_reason", "escalated", "turn_latencies_ms", "transcription_confidence", "cost_usd",
               "business.install_completed", "tool_calls"]


def csv_row(record: dict[str, Any]) -> list[Any]:
    cells = []
    for column in CSV_COLUMNS:
        value = (record.get("business", {}).get(column[len("business."):]) if column.startswith("business.")
                 else record.get(column))
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, dict)):
            value = json.dumps(value, separators=(",", ":"))
        cells.append("" if value is None else value)
    return cells


def generate(workdir: Path, calls: int, days: int) -> tuple[Path, Path]:
    vapi, table = workdir / f"vapi-{calls}.jsonl", workdir / f"calls-{calls}.csv"
    if vapi.exists() and table.exists():
        return vapi, table
    started = time.perf_counter()
    faults: list[Fault] = [SilentToolFailure(tool="sms-gateway", share=0.3, versions=frozenset({2}))]
    with vapi.open("w") as out, table.open("w", newline="") as sheet:
        writer = csv.writer(sheet)
        writer.writerow(CSV_COLUMNS)
        for line in simulate_lines(start=START, days=days, calls_per_day=calls // days, seed=1,
                                   versions={1: 0.9, 2: 0.1}, faults=faults):
            record = json.loads(line)
            out.write(json.dumps(vapi_report(record), separators=(",", ":")) + "\n")
            writer.writerow(csv_row(record))
    print(f"generated {calls // days * days:,} calls: {vapi.stat().st_size / 1e6:,.0f} MB of Vapi reports, "
          f"{table.stat().st_size / 1e6:,.0f} MB of CSV in {time.perf_counter() - started:.0f} s")
    return vapi, table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/agentctl-bench-platform"))
    parser.add_argument("--mapping", action="store_true", help="also time the Vapi mapping alone, Python and SQL")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    repo = args.workdir / "repo"
    if not (repo / "agentctl.yaml").exists():
        init_repo(repo)
    vapi, table = generate(args.workdir, args.calls, args.days)
    env = {"PYTHONPATH": str(Path(__file__).resolve().parent.parent), "PATH": "/usr/bin:/bin", "HOME": str(args.workdir)}
    db = repo / ".agentctl" / "calls.duckdb"
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    for path, fmt in ((vapi, "vapi"), (table, "csv")):
        runs: dict[str, dict[str, Any]] = {}
        for route in ("engine", "per-record"):
            db.unlink(missing_ok=True)
            runs[route] = _child([sys.executable, "-c", INGEST, str(repo), str(path), fmt, route], repo, env)
            if route == "engine":
                runs["re-ingest"] = _child([sys.executable, "-c", INGEST, str(repo), str(path), fmt, route], repo, env)
        floor_db = args.workdir / "floor.duckdb"
        floor_db.unlink(missing_ok=True)
        runs["floor"] = _child([sys.executable, "-c", FLOOR, str(floor_db), str(path)], repo, env)
        floor_db.unlink(missing_ok=True)
        print(f"\n{fmt} ({path.name}, {path.stat().st_size / 1e6:,.0f} MB):")
        for name, run in runs.items():
            report = run["stdout"].strip().splitlines()[-1] if run["stdout"].strip() else run["stderr"][-300:]
            label = {"engine": "agentctl, engine route", "per-record": "agentctl, per-record route",
                     "re-ingest": "agentctl, re-ingest (engine route)", "floor": "DuckDB bare load (floor)"}[name]
            print(f"  {label:36} {run['cpu']:7.1f} s CPU {run['wall']:7.1f} s wall  peak RSS {run['rss']:6,.0f} MiB"
                  + ("" if name == "floor" else f"  {report}"))
        cpu = {name: run["cpu"] for name, run in runs.items()}
        print(f"  ratios (CPU): engine/floor {cpu['engine'] / cpu['floor']:.1f}x, per-record/floor "
              f"{cpu['per-record'] / cpu['floor']:.1f}x, per-record/engine {cpu['per-record'] / cpu['engine']:.1f}x")
    if args.mapping:  # the mapping alone: Python (json.loads + from_vapi + json.dumps) against SQL over the JSON
        python = _child([sys.executable, "-c", MAP_PYTHON, str(vapi)], repo, env)
        sql = _child([sys.executable, "-c", MAP_SQL, str(vapi)], repo, env)
        print(f"\nmapping {vapi.name} alone: Python {python['cpu']:.1f} s CPU, SQL (partial) {sql['cpu']:.1f} s CPU"
              + (f" — {(python['stderr'] + sql['stderr'])[-300:]}" if python["stderr"] or sql["stderr"] else ""))
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
