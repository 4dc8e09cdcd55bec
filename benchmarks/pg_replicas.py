"""Several `agentctl serve` replicas sharing one PostgreSQL call store, ingesting end-of-call webhooks at once.

    python benchmarks/pg_replicas.py [--calls 50000] [--replicas 4] [--clients 64] [--seed 1]

Uses $AGENTCTL_TEST_PG_DSN, else starts a throwaway PostgreSQL (tests/calls/pg_server.py). Builds a
config repo (install-reminder v1 stable, v2 a 10% canary in staging) whose metrics_source is that
database, starts --replicas `agentctl serve` processes on their own loopback ports, and sends:
- half the calls as Vapi end-of-call reports, every second one sent again to another replica;
- half as Retell calls, each as call_ended + call_analyzed posted at the same moment to two
  different replicas (every fourth call_ended sent a third time to a third replica).
Then checks the store: exactly --calls calls, every Retell pair merged (the ended call's fields
and the analysis' install_completed), one tool call per call: 0 lost, 0 duplicated. Prints
webhooks/s, calls/s and p50/p99 answer latency. tests/calls/test_pg_replicas.py runs it small.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VAPI_SECRET = "bench-vapi-secret"
RETELL_KEY = "key_bench_retell"
ENV = "staging"


@dataclass
class Request:
    replica: int
    path: str
    body: bytes
    signed: bool = False  # a Retell webhook: signed when sent (the signature carries a timestamp)


@dataclass
class Outcome:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    retries: int = 0  # requests sent again after a dropped connection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def workload(calls: int, replicas: int, seed: int = 1) -> tuple[list[list[Request]], int, int]:
    """(jobs — the requests of one job are sent at the same moment —, Vapi calls, Retell calls)."""
    from tests.serve.payloads import retell_call_analyzed, retell_call_ended, vapi_end_of_call_report

    rng = random.Random(seed)
    vapi, retell = calls - calls // 2, calls // 2
    jobs: list[list[Request]] = []
    for i in range(vapi):
        bundle = f"install-reminder@v{2 if i % 10 == 0 else 1}"
        payload = vapi_end_of_call_report(f"v-{i}", f"+1555{i:07d}", bundle, installed=rng.random() < 0.3)
        payload["message"]["assistant"]["metadata"]["agentctl_env"] = ENV
        body = json.dumps(payload).encode()
        first = rng.randrange(replicas)
        jobs.append([Request(first, "/webhooks/vapi", body)])
        if i % 2 == 0:  # the platform retried: the same report again, to another replica, later
            jobs.append([Request((first + 1) % replicas, "/webhooks/vapi", body)])
    for i in range(retell):
        bundle = f"install-reminder@v{2 if i % 10 == 0 else 1}"
        ended = retell_call_ended(f"r-{i}", f"+1666{i:07d}", bundle)
        analyzed = retell_call_analyzed(f"r-{i}", f"+1666{i:07d}", bundle, installed=rng.random() < 0.3)
        for event in (ended, analyzed):
            event["call"]["metadata"]["agentctl_env"] = ENV
        first = rng.randrange(replicas)
        pair = [Request(first, "/webhooks/retell", json.dumps(ended).encode(), True),
                Request((first + 1) % replicas, "/webhooks/retell", json.dumps(analyzed).encode(), True)]
        rng.shuffle(pair)
        jobs.append(pair)
        if i % 4 == 0:
            jobs.append([Request((first + 2) % replicas, "/webhooks/retell", json.dumps(ended).encode(), True)])
    rng.shuffle(jobs)
    return jobs, vapi, retell


async def send(urls: list[str], jobs: list[list[Request]], clients: int) -> Outcome:
    import httpx

    from agentctl.serve.signatures import retell_signature

    outcome = Outcome()
    queue = list(reversed(jobs))
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        async def one(request: Request) -> None:
            headers = {"Content-Type": "application/json"}
            if request.signed:
                headers["X-Retell-Signature"] = retell_signature(request.body, RETELL_KEY)
            else:
                headers["X-Vapi-Secret"] = VAPI_SECRET
            start = time.perf_counter()
            for attempt in range(3):  # as the platforms do: a dropped connection is retried (ingest is idempotent)
                try:
                    response = await client.post(urls[request.replica] + request.path, content=request.body,
                                                 headers=headers)
                    break
                except httpx.TransportError as exc:
                    if attempt == 2:
                        outcome.failures.append(f"{request.path}: {type(exc).__name__}: {exc}")
                        return
                    outcome.retries += 1
            outcome.latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                outcome.failures.append(f"{request.path}: {response.status_code} {response.text[:300]}")

        async def worker() -> None:
            while queue:
                await asyncio.gather(*(one(r) for r in queue.pop()))

        begin = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        outcome.seconds = time.perf_counter() - begin
    return outcome


def start_replicas(root: Path, env: dict[str, str], count: int, log_dir: Path) -> tuple[list[Any], list[str]]:
    import httpx

    procs, urls = [], []
    for i in range(count):
        port = free_port()
        with (log_dir / f"serve-{i}.log").open("wb") as log:  # the child keeps its own descriptor
            procs.append(subprocess.Popen([sys.executable, "-m", "agentctl", "serve", "--env", ENV, "--port",
                                           str(port), "--log-level", "warning"], cwd=root, env=env, stdout=log,
                                          stderr=log))
        urls.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 120
    for proc, url, i in zip(procs, urls, range(count), strict=True):
        while True:
            if proc.poll() is not None:
                stop_replicas(procs)
                raise RuntimeError(f"replica {i} exited: {(log_dir / f'serve-{i}.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                stop_replicas(procs)
                raise RuntimeError(f"replica {i} did not become ready")
            time.sleep(0.1)
    return procs, urls


def stop_replicas(procs: list[Any]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def verify(dsn: str, schema: str, vapi: int, retell: int) -> dict[str, int]:
    """What the shared store holds after the run."""
    from agentctl.calls.pgstore import PostgresCallStore

    with PostgresCallStore(dsn, schema=schema, read_only=True) as store:
        calls, distinct = store.query("SELECT count(*), count(DISTINCT call_id) FROM calls")[0]
        vapi_stored = store.query("SELECT count(*) FROM calls WHERE call_id LIKE 'v-%'")[0][0]
        merged = store.query("SELECT count(*) FROM calls WHERE call_id LIKE 'r-%' AND install_completed IS NOT NULL "
                             "AND ended_reason IS NOT NULL AND transcript IS NOT NULL")[0][0]
        tools, tool_calls = store.query("SELECT count(*), count(DISTINCT call_id) FROM tool_calls")[0]
        doubled = store.query("SELECT count(*) FROM (SELECT call_id, seq FROM tool_calls GROUP BY call_id, seq "
                              "HAVING count(*) > 1) AS d")[0][0]
    expected = vapi + retell
    return {"expected": expected, "calls": calls, "lost": expected - distinct, "duplicated": calls - distinct,
            "vapi": vapi_stored, "retell_pairs_merged": merged, "retell_pairs": retell, "tool_calls": tools,
            "calls_with_tool_calls": tool_calls, "duplicated_tool_calls": doubled}


def serve_env(dsn: str) -> dict[str, str]:
    return {**os.environ, "AGENTCTL_PG_DSN": dsn, "VAPI_WEBHOOK_SECRET": VAPI_SECRET, "RETELL_API_KEY": RETELL_KEY,
            "AGENTCTL_SERVE_TOKEN": "bench-token", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}


def point_at_postgres(root: Path, schema: str) -> None:
    config = root / "agentctl.yaml"
    text = config.read_text("utf-8")
    old = "metrics_source:\n  type: duckdb\n  path: .agentctl/calls.duckdb\n"
    assert old in text, "agentctl.yaml has no default metrics_source"
    config.write_text(text.replace(old, "metrics_source:\n  type: postgres\n  dsn_env: AGENTCTL_PG_DSN\n"
                                        f"  schema: {schema}\n"), "utf-8")
    subprocess.run(["git", "commit", "-qam", "call store on PostgreSQL"], cwd=root, check=True)


def run(root: Path, dsn: str, schema: str, *, calls: int, replicas: int = 4, clients: int = 64,
        seed: int = 1, log_dir: Path) -> tuple[Outcome, dict[str, int], int]:
    """(what the senders saw, what the store holds, webhooks sent) for one run against `root`'s store."""
    from agentctl.calls.pgstore import PostgresCallStore

    PostgresCallStore(dsn, schema=schema).close()  # migrate once up front (replicas would race for it too)
    jobs, vapi, retell = workload(calls, replicas, seed)
    procs, urls = start_replicas(root, serve_env(dsn), replicas, log_dir)
    try:
        outcome = asyncio.run(send(urls, jobs, clients))
    finally:
        stop_replicas(procs)
    return outcome, verify(dsn, schema, vapi, retell), sum(len(job) for job in jobs)


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--replicas", type=int, default=4)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from benchmarks.deploy_fixture import make_canary_repo
    from tests.calls import pg_server

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with pg_server.running() as dsn, tempfile.TemporaryDirectory() as tmp:
        root = make_canary_repo(Path(tmp) / "repo")
        point_at_postgres(root, schema)
        outcome, store, sent = run(root, dsn, schema, calls=args.calls, replicas=args.replicas,
                                   clients=args.clients, seed=args.seed, log_dir=Path(tmp))
    print(f"{args.replicas} serve replicas, one PostgreSQL, {args.calls:,} calls as {sent:,} webhooks "
          f"({args.clients} concurrent clients):")
    print(f"  {sent / outcome.seconds:9,.0f} webhooks/s   {args.calls / outcome.seconds:9,.0f} calls/s   "
          f"p50 {pct(outcome.latencies, 50):6.1f} ms   p99 {pct(outcome.latencies, 99):6.1f} ms   "
          f"({outcome.seconds:.1f} s)")
    print(f"  retried after a dropped connection: {outcome.retries}; failed requests: {len(outcome.failures)}" + (f" (first: {outcome.failures[0]})" if outcome.failures
                                                            else ""))
    print("  store: " + ", ".join(f"{k} {v:,}" for k, v in store.items()))
    ok = (not outcome.failures and store["calls"] == store["expected"] and store["lost"] == 0
          and store["duplicated"] == 0 and store["retell_pairs_merged"] == store["retell_pairs"]
          and store["tool_calls"] == store["expected"] and store["duplicated_tool_calls"] == 0)
    print("  verdict: " + ("exact — 0 lost, 0 duplicated, every pair merged" if ok else "MISMATCH"))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
