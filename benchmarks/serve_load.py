"""`agentctl serve` under load on loopback, next to the floor of a bare Starlette endpoint.

    python benchmarks/serve_load.py [--clients 20] [--requests 3000] [--rate 200] [--seconds 5] [--calls 4000]

Starts `agentctl serve` (install-reminder v1 stable, v2 a 10% canary) and a bare Starlette
"hello" app under uvicorn, each in its own process, then prints for each from one run:
- closed loop: N concurrent clients sending Vapi assistant-requests as fast as answered
  (requests/s, p50/p99 latency);
- open loop: assistant-requests paced at --rate per second (p50/p99: the figure to hold under
  Vapi's 7.5 s and Retell's 10 s limits);
- ingest: end-of-call reports (one call each) from N concurrent clients, stored durably before
  each 200 — calls/s; and the same calls as 500-record JSONL batches on POST /v1/calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.deploy_fixture import make_canary_repo  # noqa: E402

SECRET = "bench-secret"
FLOOR_APP = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
async def hello(request):
    await request.body()
    return JSONResponse({"assistant": {"name": "hello"}})
app = Starlette(routes=[Route("/webhooks/vapi", hello, methods=["POST"]), Route("/healthz", hello)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


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


def assistant_request(i: int) -> dict:
    caller = f"+1555{i:07d}"
    return {"message": {"type": "assistant-request", "call": {"id": f"c{i}", "customer": {"number": caller}},
                        "phoneNumber": {"number": "+15555550100"}}}


def report(i: int) -> dict:
    from tests.serve.payloads import vapi_end_of_call_report

    payload = vapi_end_of_call_report(f"bench-{i}", f"+1555{i:07d}", f"install-reminder@v{1 + (i % 10 == 0)}")
    payload["message"]["assistant"]["metadata"]["agentctl_env"] = "staging"
    return payload


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000


async def closed_loop(url: str, clients: int, bodies: list[bytes]) -> tuple[float, list[float]]:
    import httpx

    latencies: list[float] = []
    queue = list(reversed(bodies))
    headers = {"X-Vapi-Secret": SECRET, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=clients)) as client:
        async def worker() -> None:
            while queue:
                body = queue.pop()
                start = time.perf_counter()
                response = await client.post("/webhooks/vapi", content=body, headers=headers)
                latencies.append(time.perf_counter() - start)
                assert response.status_code == 200, response.text
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return time.perf_counter() - start, latencies


async def open_loop(url: str, rate: float, seconds: float) -> tuple[float, list[float]]:
    import httpx

    latencies: list[float] = []
    headers = {"X-Vapi-Secret": SECRET, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=200)) as client:
        async def one(i: int) -> None:
            start = time.perf_counter()
            response = await client.post("/webhooks/vapi", content=json.dumps(assistant_request(i)).encode(),
                                         headers=headers)
            latencies.append(time.perf_counter() - start)
            assert response.status_code == 200
        tasks = []
        begin = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        return time.perf_counter() - begin, latencies


def line(name: str, count: int, seconds: float, latencies: list[float], unit: str = "req/s") -> None:
    print(f"  {name:<44} {count / seconds:9,.0f} {unit:<8} p50 {pct(latencies, 50):6.1f} ms   p99 {pct(latencies, 99):6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--calls", type=int, default=4000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_canary_repo(Path(tmp) / "repo")
        env = {**os.environ, "VAPI_WEBHOOK_SECRET": SECRET, "RETELL_API_KEY": "k", "AGENTCTL_SERVE_TOKEN": "t",
               "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        serve_port, floor_port = free_port(), free_port()
        procs = [subprocess.Popen([sys.executable, "-m", "agentctl", "serve", "--env", "staging", "--port", str(serve_port),
                                   "--log-level", "warning"], cwd=root, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                 subprocess.Popen([sys.executable, "-c", FLOOR_APP, str(floor_port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        try:
            serve_url, floor_url = f"http://127.0.0.1:{serve_port}", f"http://127.0.0.1:{floor_port}"
            wait_ready(f"{serve_url}/readyz")
            wait_ready(f"{floor_url}/healthz")
            bodies = [json.dumps(assistant_request(i)).encode() for i in range(args.requests)]
            print(f"assistant-request, {args.clients} concurrent clients, {args.requests:,} requests (closed loop):")
            asyncio.run(closed_loop(floor_url, args.clients, bodies[:200]))  # warm-up
            asyncio.run(closed_loop(serve_url, args.clients, bodies[:200]))
            seconds, lat = asyncio.run(closed_loop(floor_url, args.clients, bodies))
            line("floor: bare Starlette hello endpoint", len(bodies), seconds, lat)
            seconds, lat = asyncio.run(closed_loop(serve_url, args.clients, bodies))
            line("agentctl serve /webhooks/vapi", len(bodies), seconds, lat)
            print(f"assistant-request paced at {args.rate:g}/s for {args.seconds:g} s (open loop):")
            seconds, lat = asyncio.run(open_loop(floor_url, args.rate, args.seconds))
            line("floor: bare Starlette hello endpoint", len(lat), seconds, lat)
            seconds, lat = asyncio.run(open_loop(serve_url, args.rate, args.seconds))
            line("agentctl serve /webhooks/vapi", len(lat), seconds, lat)
            print(f"ingest, {args.calls:,} calls (durable before each 200):")
            reports = [json.dumps(report(i)).encode() for i in range(args.calls)]
            seconds, lat = asyncio.run(closed_loop(serve_url, 50, reports))
            line("end-of-call-report webhooks, 50 concurrent", len(reports), seconds, lat, "calls/s")
            import httpx

            records = []
            for i in range(args.calls, 2 * args.calls):
                from agentctl.calls.mappers import from_vapi

                records.append(json.dumps(from_vapi(report(i), {})))
            start = time.perf_counter()
            batch_lat = []
            with httpx.Client(base_url=serve_url, timeout=60) as client:
                for at in range(0, len(records), 500):
                    t0 = time.perf_counter()
                    body = ("\n".join(records[at:at + 500]) + "\n").encode()
                    response = client.post("/v1/calls", content=body, headers={"Authorization": "Bearer t"})
                    assert response.status_code == 200, response.text
                    batch_lat.append(time.perf_counter() - t0)
            line("POST /v1/calls, JSONL batches of 500", len(records), time.perf_counter() - start, batch_lat, "calls/s")
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=30)


if __name__ == "__main__":
    main()
