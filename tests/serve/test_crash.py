"""A record answered 200 survives kill -9 of the server: ingest is durable before the answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import REPO_ROOT, RepoDir
from tests.serve.conftest import VAPI_SECRET, rows
from tests.serve.payloads import vapi_end_of_call_report


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_kill_9_after_a_200_loses_nothing(canary_repo: RepoDir, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "agentctl", "serve", "--port", str(port), "--log-level", "warning"],
                            cwd=canary_repo.path, env=env, stdout=log, stderr=log)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.1)
        report = vapi_end_of_call_report("crash-1", "+15555550142", "install-reminder@v2")
        response = httpx.post(f"{url}/webhooks/vapi", json=report, headers={"X-Vapi-Secret": VAPI_SECRET}, timeout=30)
        assert (response.status_code, response.json()) == (200, {"stored": 1})
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()
    assert proc.returncode == -signal.SIGKILL
    assert rows(canary_repo, "SELECT call_id, bundle_version FROM calls") == [("crash-1", 2)]
