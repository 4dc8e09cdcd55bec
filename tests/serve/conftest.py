"""A real `agentctl serve` on a loopback port, over a config repo with a 10% production canary."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.deploy.builders import production_canary
from tests.helpers import RepoDir

VAPI_SECRET = "vapi-server-url-secret"
RETELL_KEY = "key_retell_test_api_key"
TOKEN = "serve-token"
SERVE_SECTION = """
serve:
  environments: [production]
  poll_interval_s: 0.2
  platforms:
    vapi:
      numbers: {"+15555550100": install-reminder}
    retell:
      numbers: {"+15555550100": install-reminder}
      bundles:
        install-reminder@v1: {agent_id: agent_stable_v1, agent_version: 3}
        install-reminder@v2: {agent_id: agent_canary_v2, agent_version: 4}
"""


@dataclass
class LiveServer:
    url: str
    service: Any
    server: Any
    thread: threading.Thread

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        _RUNNING.discard(self)

    def __hash__(self) -> int:
        return id(self)


_RUNNING: set[LiveServer] = set()


def start_server(root: Any, **options: Any) -> LiveServer:
    import uvicorn

    from agentctl.repo import ConfigRepo
    from agentctl.serve.app import create_app
    from agentctl.serve.service import build_service

    service = build_service(ConfigRepo(root), **options)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(service), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    live = LiveServer(f"http://127.0.0.1:{sock.getsockname()[1]}", service, server, thread)
    _RUNNING.add(live)
    return live


@pytest.fixture
def canary_repo(example_repo: RepoDir, monkeypatch: pytest.MonkeyPatch) -> RepoDir:
    production_canary(example_repo)
    config = example_repo.read("agentctl.yaml").split("\nserve:")[0].rstrip() + "\n"
    example_repo.gen({"agentctl.yaml": config + SERVE_SECTION}, commit="serve config")
    monkeypatch.setenv("VAPI_WEBHOOK_SECRET", VAPI_SECRET)
    monkeypatch.setenv("RETELL_API_KEY", RETELL_KEY)
    monkeypatch.setenv("AGENTCTL_SERVE_TOKEN", TOKEN)
    return example_repo


@pytest.fixture
def live(canary_repo: RepoDir) -> Iterator[LiveServer]:
    server = start_server(canary_repo.path)
    yield server
    server.stop()


def settle() -> None:
    """Let every running server's writer commit and close the store, as between calls in production."""
    for server in list(_RUNNING):
        assert server.service.writer.settle(), "the call writer did not settle"


def rows(repo: RepoDir, sql: str) -> list[tuple[Any, ...]]:
    from agentctl.calls.store import open_store
    from agentctl.repo import ConfigRepo

    settle()
    store = open_store(repo.path, ConfigRepo(repo.path).config.data, read_only=True)
    try:
        return store.query(sql)
    finally:
        store.close()


def dumps(payload: Any) -> bytes:
    return json.dumps(payload).encode()
