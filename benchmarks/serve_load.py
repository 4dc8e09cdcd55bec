"""`agentctl serve` under load on loopback, next to the floor of a bare Starlette endpoint.

    python benchmarks/serve_load.py [--workers 1] [--clients 20] [--requests 3000] [--rate 200] [--seconds 10]
                                    [--calls 4000] [--ingest-clients 256]

Starts `agentctl serve` (install-reminder v1 stable, v2 a 10% canary) and a bare Starlette
"hello" app under uvicorn, each in its own process, then prints for each from one run:
- closed loop: N concurrent keep-alive clients sending Vapi assistant-requests as fast as they
  are answered (requests/s, p50/p99 latency);
- open loop: assistant-requests scheduled on a clock at --rate per second; each latency is
  measured from the request's *scheduled* time, so a server (or client) that falls behind
  shows it in p99 instead of quietly sending fewer requests (no coordinated omission). Prints
  p50/p99 and the achieved rate beside the floor at the same rate — the aim is p99 < 50 ms
  at 200/s (Vapi allows 7.5 s, Retell 10 s);
- ingest: end-of-call reports (one call each) from --ingest-clients concurrent connections,
  each fsync'd in the journal before its 200 — calls/s answered (aim ≥ 2,000); then the time
  until the drainer has moved all of them into the store (calls/s stored, end to end), with
  the store commits it made; and the same calls as 500-record JSONL batches on POST /v1/calls.

`--workers N` runs `serve --workers N` (N event loops, the parent drains) and the floor with as
many uvicorn workers. Server CPU is that of the whole process tree (workers + drainer), read from
/proc: the machine-independent figure; "≈ N/CPU-s" is how many one idle core would take.

The load generator is a small asyncio HTTP/1.1 keep-alive client (TCP_NODELAY, one write per
request), not httpx: httpx costs several ms of client CPU per request, which on a 2-core box
measures the client, not the server. The machine's load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.deploy_fixture import make_canary_repo  # noqa: E402

SECRET = "bench-secret"
FLOOR_APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
async def hello(request):
    await request.body()
    return JSONResponse({"assistant": {"name": "hello"}})
app = Starlette(routes=[Route("/webhooks/vapi", hello, methods=["POST"]), Route("/healthz", hello)])
"""
_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"not ready: {url}")


class Connection:
    """One keep-alive HTTP/1.1 connection: a request is one write, the answer is read by Content-Length."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # asyncio does this too; be explicit
        return cls(reader, writer)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {len(body)}\r\n{head}\r\n".encode()
                          + body)
        header = await self.reader.readuntil(b"\r\n\r\n")
        found = _LENGTH.search(header)
        answer = await self.reader.readexactly(int(found[1])) if found else b""
        return int(header[9:12]), answer

    def close(self) -> None:
        self.writer.close()


class Pool:
    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[Connection] = []
        self.opened = 0

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        conn = self.idle.pop() if self.idle else None
        if conn is not None:
            try:
                result = await conn.post(path, body, headers)
            except (asyncio.IncompleteReadError, ConnectionError):
                conn.close()  # the server closed an idle keep-alive connection: reconnect, as any client does
            else:
                self.idle.append(conn)
                return result
        conn = await Connection.open(self.port)
        self.opened += 1
        result = await conn.post(path, body, headers)
        self.idle.append(conn)
        return result

    def close(self) -> None:
        for conn in self.idle:
            conn.close()


VAPI_HEADERS = {"X-Vapi-Secret": SECRET, "Content-Type": "application/json"}


def assistant_request(i: int) -> dict[str, Any]:
    caller = f"+1555{i:07d}"
    return {"message": {"type": "assistant-request", "call": {"id": f"c{i}", "customer": {"number": caller}},
                        "phoneNumber": {"number": "+15555550100"}}}


def report(i: int) -> dict[str, Any]:
    from tests.serve.payloads import vapi_end_of_call_report

    payload = vapi_end_of_call_report(f"bench-{i}", f"+1555{i:07d}", f"install-reminder@v{1 + (i % 10 == 0)}")
    payload["message"]["assistant"]["metadata"]["agentctl_env"] = "staging"
    return payload


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000


async def closed_loop(port: int, clients: int, bodies: list[bytes]) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue = list(reversed(bodies))
    pool = Pool(port)

    async def worker() -> None:
        while queue:
            body = queue.pop()
            start = time.perf_counter()
            status, answer = await pool.post("/webhooks/vapi", body, VAPI_HEADERS)
            latencies.append(time.perf_counter() - start)
            assert status == 200, answer

    # connect first, so connection set-up is not in the figure
    await asyncio.gather(*(pool.post("/healthz", b"", {}) for _ in range(clients)))
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - start
    pool.close()
    return elapsed, latencies


async def open_loop(port: int, rate: float, seconds: float, body_of: Callable[[int], bytes],
                    warm: int = 20) -> tuple[float, list[float], int]:
    """Requests scheduled every 1/rate s; latency from the scheduled time. Returns (elapsed, latencies, late)."""
    latencies: list[float] = []
    pool = Pool(port)
    await asyncio.gather(*(pool.post("/healthz", b"", {}) for _ in range(warm)))
    bodies = [body_of(i) for i in range(int(rate * seconds))]
    late = 0

    async def one(due: float, body: bytes) -> None:
        status, answer = await pool.post("/webhooks/vapi", body, VAPI_HEADERS)
        latencies.append(time.perf_counter() - due)
        assert status == 200, answer

    tasks = []
    begin = time.perf_counter() + 0.05
    for i, body in enumerate(bodies):
        due = begin + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.001:
            late += 1  # the generator itself fell behind; the wait still counts in the latency
        tasks.append(asyncio.create_task(one(due, body)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - begin
    pool.close()
    return elapsed, latencies, late


def run_closed(port: int, clients: int, bodies: list[bytes]) -> tuple[float, list[float]]:
    return asyncio.run(closed_loop(port, clients, bodies))


def run_open(port: int, rate: float, seconds: float) -> tuple[float, list[float], int]:
    return asyncio.run(open_loop(port, rate, seconds, lambda i: json.dumps(assistant_request(10**6 + i)).encode()))


def line(name: str, count: int, seconds: float, latencies: list[float], unit: str = "req/s", extra: str = "",
         cpu: float | None = None) -> None:
    used = "" if cpu is None else f"   server CPU {cpu / count * 1000:.2f} ms each (≈ {count / max(cpu, 1e-9):,.0f}/CPU-s)"
    print(f"  {name:<40} {count / seconds:8,.0f} {unit:<8} p50 {pct(latencies, 50):7.1f} ms   "
          f"p99 {pct(latencies, 99):7.1f} ms{used}{extra}", flush=True)


def measured(pid: int, run: Callable[[], Any]) -> tuple[Any, float]:
    before = cpu_s(pid)
    result = run()
    return result, cpu_s(pid) - before


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process and its children have used: what a request costs, whatever else
    the machine runs (with --workers, the workers and the draining parent)."""
    total = 0.0
    for proc in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def wait_drained(root: Path, timeout: float = 300) -> float:
    """Seconds until the journal holds no call the store has not committed (sealed or open segments)."""
    from agentctl.serve.writer import journal_dir

    start = time.perf_counter()
    folder = journal_dir(root)
    while time.perf_counter() - start < timeout:
        if not any(p.suffix in (".ready", ".open") and p.stat().st_size for p in folder.iterdir()
                   if p.exists()):
            return time.perf_counter() - start
        time.sleep(0.01)
    raise SystemExit("the journal did not drain")


def scrape(url: str, name: str) -> float:
    import httpx

    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(float(m[1]) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.MULTILINE))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1, help="serve --workers N (and as many floor workers)")
    parser.add_argument("--clients", type=int, default=20, help="closed-loop concurrent connections")
    parser.add_argument("--requests", type=int, default=3000, help="closed-loop assistant-requests")
    parser.add_argument("--rate", type=float, default=200, help="open-loop assistant-requests per second")
    parser.add_argument("--seconds", type=float, default=10, help="open-loop duration")
    parser.add_argument("--calls", type=int, default=4000, help="end-of-call reports (and as many via /v1/calls)")
    parser.add_argument("--ingest-clients", type=int, default=256,
                        help="concurrent webhook connections (Little's law: 2,000 calls/s × 0.1 s = 200 in flight)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["closed", "open", "ingest", "batch"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_canary_repo(Path(tmp) / "repo")
        env = {**os.environ, "VAPI_WEBHOOK_SECRET": SECRET, "RETELL_API_KEY": "k", "AGENTCTL_SERVE_TOKEN": "t",
               "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        serve_port, floor_port = free_port(), free_port()
        (Path(tmp) / "floor_app.py").write_text(FLOOR_APP)
        procs = [subprocess.Popen([sys.executable, "-m", "agentctl", "serve", "--env", "staging", "--port", str(serve_port),
                                   "--log-level", "warning", "--workers", str(args.workers)], cwd=root, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                 subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", tmp, "floor_app:app", "--port",
                                   str(floor_port), "--log-level", "warning", "--no-access-log",
                                   "--workers", str(args.workers)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        try:
            serve_url, floor_url = f"http://127.0.0.1:{serve_port}", f"http://127.0.0.1:{floor_port}"
            wait_ready(f"{serve_url}/readyz")
            wait_ready(f"{floor_url}/healthz")
            print(f"serve --workers {args.workers}; {load()}")
            bodies = [json.dumps(assistant_request(i)).encode() for i in range(args.requests)]
            asyncio.run(closed_loop(floor_port, args.clients, bodies[:300]))  # warm-up
            asyncio.run(closed_loop(serve_port, args.clients, bodies[:300]))
            if "closed" not in args.skip:
                print(f"assistant-request, {args.clients} concurrent clients, {args.requests:,} requests (closed loop):")
                for name, port, proc in (("floor: bare Starlette hello endpoint", floor_port, procs[1]),
                                         ("agentctl serve /webhooks/vapi", serve_port, procs[0])):
                    (seconds, lat), cpu = measured(proc.pid, partial(run_closed, port, args.clients, bodies))
                    line(name, len(bodies), seconds, lat, cpu=cpu)
            if "open" not in args.skip:
                print(f"assistant-request scheduled at {args.rate:g}/s for {args.seconds:g} s (open loop, latency "
                      f"from the scheduled time; {load()}):")
                for name, port, proc in (("floor: bare Starlette hello endpoint", floor_port, procs[1]),
                                         ("agentctl serve /webhooks/vapi", serve_port, procs[0])):
                    (seconds, lat, late), cpu = measured(proc.pid, partial(run_open, port, args.rate, args.seconds))
                    line(name, len(lat), seconds, lat, extra=f"   ({late} sent late by the generator)", cpu=cpu)
            if "ingest" not in args.skip:
                print(f"ingest, {args.calls:,} end-of-call reports from {args.ingest_clients} connections "
                      f"(each durable before its 200; {load()}):")
                reports = [json.dumps(report(i)).encode() for i in range(args.calls)]
                (seconds, lat), cpu = measured(procs[1].pid, lambda: asyncio.run(
                    closed_loop(floor_port, args.ingest_clients, reports)))
                line("floor: bare Starlette, same bodies", len(reports), seconds, lat, "calls/s", cpu=cpu)
                commits = scrape(serve_url, "agentctl_store_commits_total")
                before, client_before = cpu_s(procs[0].pid), time.process_time()
                seconds, lat = asyncio.run(closed_loop(serve_port, args.ingest_clients, reports))
                answered_cpu = cpu_s(procs[0].pid) - before
                client_cpu = time.process_time() - client_before
                drained = wait_drained(root)
                cpu = cpu_s(procs[0].pid) - before
                commits = scrape(serve_url, "agentctl_store_commits_total") - commits
                line("end-of-call-report webhooks (answered)", len(reports), seconds, lat, "calls/s",
                     cpu=answered_cpu)
                print(f"  {'  … all in the store':<40} {len(reports) / (seconds + drained):8,.0f} calls/s "
                      f"(drained {drained:.2f} s after the last answer; {commits:.0f} store commits, "
                      f"{len(reports) / max(commits, 1):.0f} calls each)   server CPU incl. the drain "
                      f"{cpu / len(reports) * 1000:.2f} ms each (≈ {len(reports) / max(cpu, 1e-9):,.0f}/CPU-s)",
                      flush=True)
                each, generator = cpu / len(reports), client_cpu / len(reports)
                cores = min(args.workers, 2)  # one process: one event loop, one core (its threads share the GIL)
                print(f"  {'  … on 2 idle cores':<40} ≈ {cores / each:,.0f} calls/s for the server alone "
                      f"({cores} event loop{'s' if cores > 1 else ''}); ≈ {min(cores / each, 2 / (each + generator)):,.0f}"
                      f" calls/s with this load generator on the same cores "
                      f"(it used {generator * 1000:.2f} ms CPU per call)", flush=True)
            if "batch" not in args.skip:
                import httpx

                from agentctl.calls.mappers import from_vapi

                records = [json.dumps(from_vapi(report(i), {})) for i in range(args.calls, 2 * args.calls)]
                start, before = time.perf_counter(), cpu_s(procs[0].pid)
                batch_lat = []
                with httpx.Client(base_url=serve_url, timeout=60) as client:
                    for at in range(0, len(records), 500):
                        t0 = time.perf_counter()
                        body = ("\n".join(records[at:at + 500]) + "\n").encode()
                        response = client.post("/v1/calls", content=body, headers={"Authorization": "Bearer t"})
                        assert response.status_code == 200, response.text
                        batch_lat.append(time.perf_counter() - t0)
                line("POST /v1/calls, JSONL batches of 500", len(records), time.perf_counter() - start, batch_lat,
                     "calls/s", cpu=cpu_s(procs[0].pid) - before)
            print(load())
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=30)


if __name__ == "__main__":
    main()
