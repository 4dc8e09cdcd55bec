"""`agentctl serve --workers 2`: /metrics counts the calls every worker routed (prometheus_client multiprocess mode
in a temporary directory that serve makes and removes); calls either worker journaled reach the store through the
parent's drainer."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import REPO_ROOT, RepoDir
from tests.serve.conftest import VAPI_SECRET, rows
from tests.serve.payloads import vapi_assistant_request, vapi_end_of_call_report
from tests.serve.test_crash import free_port


@pytest.mark.slow
def test_two_workers_share_one_metrics_view_and_clean_up(canary_repo: RepoDir, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TMPDIR": str(tmp_path)}
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "agentctl", "serve", "--port", str(port), "--workers", "2",
                             "--log-level", "warning"], cwd=canary_repo.path, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        pids: set[int] = set()
        while len(pids) < 2:  # both workers up: fresh connections land on either
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            try:
                pids.add(httpx.get(f"{url}/healthz", timeout=2).json()["pid"])
            except httpx.TransportError:
                time.sleep(0.1)
        [metrics_dir] = list(tmp_path.glob("agentctl-serve-metrics-*"))
        served: dict[int, int] = {}
        sent = 0
        while sent < 40 or len(served) < 2:  # at least 40, and until both workers have routed some
            assert sent < 400, f"every request went to one worker: {served}"
            with httpx.Client(base_url=url, timeout=10) as client:  # a new connection each: either worker answers
                answer = client.post("/webhooks/vapi", json=vapi_assistant_request(f"+1999{sent:07d}"),
                                     headers={"X-Vapi-Secret": VAPI_SECRET})
                assert answer.status_code == 200, answer.text
                pid = client.get("/healthz").json()["pid"]
                served[pid] = served.get(pid, 0) + 1
            sent += 1
        for _ in range(4):  # whichever worker answers /metrics counts every routed call
            text = httpx.get(f"{url}/metrics", timeout=10).text
            routed = sum(float(m[1]) for m in re.finditer(r'^agentctl_routed_calls_total\{[^}]*platform="vapi"[^}]*\} (\S+)$',
                                                          text, re.MULTILINE))
            assert routed == sent, (served, text)
        reported: set[int] = set()
        for i in range(20):  # end-of-call reports on new connections: both workers journal some
            with httpx.Client(base_url=url, timeout=10) as client:
                report = vapi_end_of_call_report(f"w-{i}", f"+1888{i:07d}", "install-reminder@v2")
                answer = client.post("/webhooks/vapi", json=report, headers={"X-Vapi-Secret": VAPI_SECRET})
                assert (answer.status_code, answer.json()) == (200, {"stored": 1}), answer.text
                reported.add(client.get("/healthz").json()["pid"])
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    assert not metrics_dir.exists(), "serve left its metrics directory behind"
    assert proc.returncode == 0, (tmp_path / "serve.log").read_text()
    # every report answered 200 is in the store after a clean stop (the parent drains what the workers journaled)
    assert rows(canary_repo, "SELECT count(*), count(DISTINCT call_id) FROM calls WHERE call_id LIKE 'w-%'") == [
        (20, 20)], f"reports answered by workers {reported}"
