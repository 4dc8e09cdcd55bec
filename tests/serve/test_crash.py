"""A record answered 200 survives kill -9 of the server: it is fsync'd in the journal before the answer, and the
restarted server replays what the killed one left there into the store before it serves."""

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


def start(repo: RepoDir, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    log = log_path.open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "agentctl", "serve", "--port", str(port), "--log-level", "warning"],
                            cwd=repo.path, env=env, stdout=log, stderr=log)
    log.close()
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, log_path.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "server did not become ready"
        time.sleep(0.1)


@pytest.mark.slow
def test_kill_9_after_a_200_loses_nothing(canary_repo: RepoDir, tmp_path: Path) -> None:
    port = free_port()
    proc = start(canary_repo, port, tmp_path / "serve.log")
    try:
        report = vapi_end_of_call_report("crash-1", "+15555550142", "install-reminder@v2")
        response = httpx.post(f"http://127.0.0.1:{port}/webhooks/vapi", json=report,
                              headers={"X-Vapi-Secret": VAPI_SECRET}, timeout=30)
        assert (response.status_code, response.json()) == (200, {"stored": 1})
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # restarted, the server takes what the journal holds into the store before it answers /readyz
    proc = start(canary_repo, port, tmp_path / "serve.log")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert rows(canary_repo, "SELECT call_id, bundle_version FROM calls") == [("crash-1", 2)]
    assert sorted(p.name for p in (canary_repo.path / ".agentctl" / "serve-journal").iterdir()) == ["drain.lock"]


def test_a_journal_left_by_a_killed_writer_is_replayed_in_order(canary_repo: RepoDir) -> None:
    """Frames of a segment whose writer is gone (no lock on it) reach the store in order — a later event of a call
    merges into the earlier one — and a torn last frame (written, never answered) is skipped."""
    from agentctl.calls.mappers import from_retell
    from agentctl.calls.record import IngestContext, normalize
    from agentctl.repo import ConfigRepo
    from agentctl.serve.journal import encode
    from agentctl.serve.service import build_service
    from agentctl.serve.writer import journal_dir
    from tests.serve.payloads import retell_call_analyzed, retell_call_ended

    ctx = IngestContext.from_workspace(ConfigRepo(canary_repo.path).workspace)
    ended = normalize(from_retell(retell_call_ended("r-1", "+15555550142", "install-reminder@v2"), {}), ctx)
    analyzed = normalize(from_retell(retell_call_analyzed("r-1", "+15555550142", "install-reminder@v2", installed=True), {}), ctx)
    folder = journal_dir(canary_repo.path)
    folder.mkdir(parents=True)
    frames = encode("serve:retell:call_ended", [ended]) + encode("serve:retell:call_analyzed", [analyzed])
    (folder / "00000000000000000001-99999-1.open").write_bytes(frames + encode("serve:api", [ended])[:-3])
    service = build_service(ConfigRepo(canary_repo.path))
    service.writer.close()
    assert rows(canary_repo, "SELECT call_id, outcome, install_completed, source FROM calls") == [
        ("r-1", "completed", True, "serve:retell:call_analyzed")]
    assert not list(folder.glob("*.open"))
