"""A local fake SMS gateway for `agentctl demo`: a real HTTP server on 127.0.0.1 (ephemeral port).

It behaves like the provider in the founding incident. Until `require_sender_id()` is called it
queues every well-formed message. Afterwards (the provider's API change the team never made) a
message without `sender_id` to a destination that has no default sender on the account is
answered **HTTP 200 `{"status": "failed"}`** and nothing is sent — the silent failure. Which
destinations those are is fixed by the number (its last digit is 0, 1 or 2: 30% of drivers), so
the same driver always gets the same answer. A `sender_id` the account has not registered is
refused the same way (200, status failed).

Standard library only (`http.server`): the demo needs no extra dependency.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REGISTERED_SENDERS = frozenset({"ROADWISE"})
NO_DEFAULT_SENDER_DIGITS = frozenset("012")  # destinations the account has no default sender for: 30%
PATH = "/v2/messages"
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


@dataclass
class GatewayLog:
    """What the gateway did, for the demo's narration (counts only)."""

    accepted: int = 0
    failed: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the demo sends a batch of texts at once
    daemon_threads = True


def _invalid(body: Any) -> str | None:
    """Why the gateway refuses a request outright (HTTP 400), or None."""
    if not isinstance(body, dict):
        return "expected a JSON object"
    if not isinstance(body.get("to"), str) or not E164.match(body["to"]):
        return "to must be an E.164 phone number"
    if not isinstance(body.get("body"), str) or not body["body"]:
        return "body must be a non-empty string"
    for name in ("sender_id", "reference"):
        if name in body and not isinstance(body[name], str):
            return f"{name} must be a string"
    return None


class FakeSmsGateway:
    """Start with `start()` (or as a context manager); `url` is the messages endpoint."""

    def __init__(self) -> None:
        self.requires_sender_id = False
        self.log = GatewayLog()
        self._lock = threading.Lock()
        self._next_id = 1000
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- the provider's side of the story ----------------------------------------------------------
    def require_sender_id(self) -> None:
        """The provider's API change: sender_id becomes required (old requests still get HTTP 200)."""
        self.requires_sender_id = True

    def answer(self, body: Any) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) for one POST body."""
        problem = _invalid(body)
        if problem:
            return self._count(400, {"status": "rejected", "error": problem}, "malformed")
        sender = body.get("sender_id")
        if sender is not None and sender not in REGISTERED_SENDERS:
            return self._count(200, {"status": "failed", "error": f"sender_id '{sender}' is not registered"},
                               "unregistered sender_id")
        if sender is None and self.requires_sender_id and body["to"][-1:] in NO_DEFAULT_SENDER_DIGITS:
            # the incident: HTTP 200, a well-formed answer, and no message
            return self._count(200, {"status": "failed", "error": "sender_id is required"}, "sender_id missing")
        with self._lock:
            self._next_id += 1
            message_id = f"msg_{self._next_id:06d}"
        return self._count(202, {"message_id": message_id, "status": "queued"}, None)

    def _count(self, status: int, body: dict[str, Any], reason: str | None) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if reason is None:
                self.log.accepted += 1
            else:
                if status == 200:
                    self.log.failed += 1
                else:
                    self.log.rejected += 1
                self.log.reasons[reason] = self.log.reasons.get(reason, 0) + 1
        return status, body

    # -- the HTTP server ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the gateway is not running")
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}{PATH}"

    def start(self) -> FakeSmsGateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # answer in one segment, not after a delayed ACK

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.path.split("?")[0] != PATH:
                    self._reply(404, {"status": "rejected", "error": f"no route {self.path}"})
                    return
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    self._reply(400, {"status": "rejected", "error": "malformed JSON"})
                    return
                self._reply(*gateway.answer(body))

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                return

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-sms-gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSmsGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
