"""`agentctl serve` in-process for the demo, and simulated calls sent to it as Vapi webhooks.

The service is the real one (`agentctl.serve.service.build_service` + `create_app`) under uvicorn on an
ephemeral 127.0.0.1 port, in a thread. Each simulated call is what Vapi would send
(https://docs.vapi.ai/server-url/events):

1. `assistant-request` → serve answers `{"assistant": …}` with the sticky-routed bundle, whose
   `metadata.agentctl_bundle` names the version that takes the call;
2. when the driver agrees to the text, the tool call really goes to the SMS gateway with the request
   that version's `sms-gateway` contract produces (`sender_id` only if the contract has it);
3. `end-of-call-report` with the tool call and the gateway's answer in `artifact.messages`
   (role `tool_calls` / `tool_call_result`) → serve stores the call, judged by the contract.

Calls of one batch go out concurrently so serve's writer commits them together.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

REPORT_THREADS = 32
SERVICE_NUMBER = "+15555550100"  # the example's serve.platforms.vapi.numbers entry


class LiveService:
    """The real `serve` app running under uvicorn in a thread; `refresh()` re-reads the deployment ref."""

    def __init__(self, repo: Any) -> None:
        import uvicorn

        from agentctl.serve.app import create_app
        from agentctl.serve.service import build_service

        self.service = build_service(repo, envs=["production"], allow_unsigned=["vapi", "retell", "api"])
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.service), log_level="warning", access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="demo-serve", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveService:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("agentctl serve did not start")
            time.sleep(0.01)
        return self

    def refresh(self) -> None:
        """Pick up a deployment change now instead of at the next poll."""
        self.service.live.refresh()

    def settle(self) -> None:
        """Wait until the call writer has closed the store, so the judge and the checks can read it."""
        deadline = time.monotonic() + 10
        while getattr(self.service.writer, "_store", None) is not None and time.monotonic() < deadline:
            time.sleep(0.005)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._sock.close()


@dataclass
class DayTally:
    """What one batch of calls did, as the HTTP layer and as the contract see it."""

    calls: int = 0
    by_version: dict[int, int] = field(default_factory=dict)
    texts: int = 0
    http_2xx: int = 0
    judged_ok: int = 0  # the gateway's answer met the contract's success criteria
    installs: int = 0
    webhooks: int = 0
    refused: list[str] = field(default_factory=list)

    def add(self, other: DayTally) -> None:
        self.calls += other.calls
        for k, v in other.by_version.items():
            self.by_version[k] = self.by_version.get(k, 0) + v
        self.texts += other.texts
        self.http_2xx += other.http_2xx
        self.judged_ok += other.judged_ok
        self.installs += other.installs
        self.webhooks += other.webhooks
        self.refused += other.refused

    @property
    def http_rate(self) -> float:
        return self.http_2xx / self.texts if self.texts else 0.0

    @property
    def judged_rate(self) -> float:
        return self.judged_ok / self.texts if self.texts else 0.0


class Caller:
    """Sends simulated calls to serve and the gateway; `contracts[version]` is each bundle's SMS request shape."""

    def __init__(self, serve_url: str, gateway_url: str, contracts: dict[int, dict[str, Any]], seed: int) -> None:
        self.serve_url, self.gateway_url = serve_url, gateway_url
        self.contracts = contracts
        self.rng = random.Random(seed)
        self.number = 0

    def batch(self, calls: int, start: dt.datetime, end: dt.datetime) -> DayTally:
        """`calls` calls spread over [start, end); returns what happened."""
        plans = []
        span = (end - start).total_seconds()
        for i in range(calls):
            self.number += 1
            at = start + dt.timedelta(seconds=span * (i + self.rng.random()) / calls)
            phone = f"+1555{self.rng.randrange(10**7):07d}"
            plans.append((f"demo-call-{self.number:05d}", phone, at, self.rng.random(), self.rng.random(),
                          self.rng.random()))
        return self._send(plans)

    def _send(self, plans: list[tuple[Any, ...]]) -> DayTally:
        """Three waves, like a day of calls: every call is routed, texts go out, every report comes in.

        The reports go out from a few threads at once so serve's writer commits them together.
        """
        from concurrent.futures import ThreadPoolExecutor

        import httpx

        tally = DayTally(calls=len(plans))
        with httpx.Client(timeout=30) as client:
            routed = [self._route(client, plan) for plan in plans]
            texts = [self._text(client, plan, r) for plan, r in zip(plans, routed, strict=True)]
            reports = [self._report(plan, r, t) for plan, r, t in zip(plans, routed, texts, strict=True)]
            url = f"{self.serve_url}/webhooks/vapi"
            with ThreadPoolExecutor(REPORT_THREADS) as pool:
                stored = list(pool.map(lambda r: client.post(url, json=r), [r for r in reports if r is not None]))
        tally.webhooks = len(plans) + len(stored)
        for answer in stored:
            if answer.status_code != 200:
                tally.refused.append(f"end-of-call-report {answer.status_code}: {answer.text[:200]}")
        for r, t in zip(routed, texts, strict=True):
            if isinstance(r, str):
                tally.refused.append(r)
                continue
            version = r[1]
            tally.by_version[version] = tally.by_version.get(version, 0) + 1
            if t is not None:
                tally.texts += 1
                tally.http_2xx += 200 <= t["status"] < 300
                tally.judged_ok += t["sent"]
                tally.installs += t["installed"]
        return tally

    @staticmethod
    def _call(plan: tuple[Any, ...]) -> dict[str, Any]:
        call_id, phone = plan[0], plan[1]
        return {"id": call_id, "type": "inboundPhoneCall", "phoneNumberId": "pn-roadwise", "customer": {"number": phone}}

    def _route(self, client: Any, plan: tuple[Any, ...]) -> Any:
        at = plan[2]
        routed = client.post(f"{self.serve_url}/webhooks/vapi", json={"message": {
            "type": "assistant-request", "call": self._call(plan), "phoneNumber": {"number": SERVICE_NUMBER},
            "timestamp": int(at.timestamp() * 1000)}})
        if routed.status_code != 200:
            return f"assistant-request {routed.status_code}: {routed.text[:120]}"
        assistant = routed.json()["assistant"]
        return assistant, int(str(assistant["metadata"]["agentctl_bundle"]).rsplit("@v", 1)[1])

    def _text(self, client: Any, plan: tuple[Any, ...], routed: Any) -> dict[str, Any] | None:
        call_id, phone, _at, agree, install, shape = plan
        if isinstance(routed, str) or agree >= 0.9:  # 90% of drivers agree to get the link by text
            return None
        arguments = {"driver_id": f"drv_{call_id[-5:]}", "phone_number": phone,
                     "platform": "android" if shape < 0.6 else "ios"}
        answer = client.post(self.gateway_url, json=sms_request(self.contracts[routed[1]], arguments))
        body = answer.json()
        sent = bool(body.get("message_id")) and body.get("status") in ("queued", "sent")
        return {"arguments": arguments, "status": answer.status_code, "body": body, "sent": sent,
                "installed": install < (0.24 if sent else 0.02)}

    def _report(self, plan: tuple[Any, ...], routed: Any, text: dict[str, Any] | None) -> dict[str, Any] | None:
        if isinstance(routed, str):
            return None
        call_id, _phone, at, agree, _install, shape = plan
        duration = 60 + int(120 * shape)
        messages: list[dict[str, Any]] = [
            {"role": "bot", "message": "Hi, this is Roadwise calling about your first shift.", "secondsFromStart": 0.5}]
        ended = "assistant-forwarded-call" if agree > 0.96 else "customer-ended-call"  # > 0.96: to driver support
        if text is not None:
            tool_id = f"tc_{call_id[-5:]}"
            messages += [
                {"role": "tool_calls", "toolCalls": [{"id": tool_id, "type": "function", "function": {
                    "name": "send_install_link", "arguments": json.dumps(text["arguments"])}}],
                 "secondsFromStart": 30.0},
                {"role": "tool_call_result", "toolCallId": tool_id, "name": "send_install_link",
                 "result": json.dumps(text["body"]), "metadata": {"http_status": text["status"]},
                 "secondsFromStart": 30.4}]
        installed = bool(text and text["installed"])
        ended_at = at + dt.timedelta(seconds=duration)
        return {"message": {
            "type": "end-of-call-report", "endedReason": ended, "call": self._call(plan), "assistant": routed[0],
            "startedAt": _iso(at), "endedAt": _iso(ended_at), "cost": round(duration / 60 * 0.09, 4),
            "artifact": {"messages": messages, "transcript": "AI: Hi, this is Roadwise calling about your first shift."},
            "analysis": {"structuredData": {"install_completed": installed}},
            "timestamp": int(ended_at.timestamp() * 1000)}}


def sms_request(contract: dict[str, Any], arguments: dict[str, Any]) -> dict[str, Any]:
    """The gateway request a bundle's `sms-gateway` contract produces for the tool's arguments.

    Fields come from the contract's first example (the agent's tool server fills them the same
    way); `sender_id` is sent only when the contract's request schema has it.
    """
    example = ((contract.get("examples") or [{}])[0].get("request") or {})
    properties = ((contract.get("request") or {}).get("schema") or {}).get("properties") or {}
    link = "https://get.roadwise.example/" + ("a" if arguments["platform"] == "android" else "i")
    request: dict[str, Any] = {"to": arguments["phone_number"],
                               "body": f"Roadwise: install the Driver app before your first shift: {link}",
                               "reference": arguments["driver_id"]}
    if "sender_id" in properties and example.get("sender_id"):
        request["sender_id"] = example["sender_id"]
    return request


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
