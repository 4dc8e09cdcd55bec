"""Vapi tool-calls answered by agentctl: the backend is called per the bundle's tool contract (a real HTTP server
on 127.0.0.1), its answer judged by the contract's success criteria, the result handed back in Vapi's shape
(payload references in tests/serve/payloads.py). Also Vapi's HMAC credential on the same endpoint."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.helpers import RepoDir
from tests.serve.conftest import LiveServer, dumps, start_server
from tests.serve.payloads import vapi_tool_calls

AGENT = "install-reminder"
ARGS = {"driver_id": "drv_1042", "phone_number": "+15555550142", "platform": "android"}


def configure(repo: Any, vapi_extra: str) -> None:
    text = repo.read("agentctl.yaml").replace(
        '      numbers: {"+15555550100": install-reminder}\n    retell:',
        '      numbers: {"+15555550100": install-reminder}\n' + vapi_extra + "    retell:", 1)
    repo.gen({"agentctl.yaml": text}, commit="serve: vapi settings")


@pytest.fixture
def gateway_server(canary_repo: RepoDir, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    monkeypatch.setenv("SMS_GATEWAY_TOKEN", "gw-token")
    configure(canary_repo, f"      tool_urls: {{sms-gateway: \"{httpserver.url_for('/v2/messages')}\"}}\n")
    server = start_server(canary_repo.path)
    yield server
    server.stop()


def test_tool_calls_go_to_the_contract_backend_and_a_200_failed_is_a_contract_failure(gateway_server: LiveServer, httpserver: HTTPServer, canary_repo: RepoDir) -> None:
    from tests.serve.conftest import VAPI_SECRET

    headers = {"X-Vapi-Secret": VAPI_SECRET}
    # the founding incident: the gateway answers 200 and sends nothing
    httpserver.expect_ordered_request("/v2/messages", method="POST", json=ARGS,
                                      headers={"Authorization": "Bearer gw-token"}).respond_with_json(
        {"status": "failed", "error": "sender_id is required"}, status=200)
    httpserver.expect_ordered_request("/v2/messages", method="POST").respond_with_json(
        {"message_id": "msg_7f3a9c", "status": "queued"}, status=202)
    with gateway_server.client() as client:
        failed = client.post("/webhooks/vapi", json=vapi_tool_calls(
            "call-t1", "+15555550142", f"{AGENT}@v2", [("call_sms_1", "send_install_link", ARGS)]), headers=headers)
        assert failed.status_code == 200, failed.text
        [result] = failed.json()["results"]
        assert result["toolCallId"] == "call_sms_1" and result["name"] == "send_install_link" and "result" not in result
        assert result["error"] == ('sms-gateway did not do it (HTTP 200, contract not met: message_id is missing; '
                                   "status is 'failed', expected one of queued, sent): "
                                   '{"status":"failed","error":"sender_id is required"}')
        assert result["metadata"]["http_status"] == 200 and result["metadata"]["agentctl_contract_ok"] is False
        assert result["metadata"]["agentctl_contract"] == "sms-gateway@2.0.0"
        sent = client.post("/webhooks/vapi", json=vapi_tool_calls(
            "call-t2", "+15555550143", f"{AGENT}@v1", [("call_sms_2", "send_install_link", ARGS)]), headers=headers)
        [ok] = sent.json()["results"]
        assert ok["result"] == '{"message_id":"msg_7f3a9c","status":"queued"}' and "error" not in ok
        assert ok["metadata"]["http_status"] == 202 and ok["metadata"]["agentctl_contract_ok"] is True
        metrics = client.get("/metrics").text
    httpserver.check_assertions()
    assert ('agentctl_live_tool_calls_total{agent="install-reminder",bundle="install-reminder@v2",'
            'contract_verdict="fail",env="production",http_verdict="ok",tool="sms-gateway"} 1.0') in metrics
    assert ('agentctl_live_tool_calls_total{agent="install-reminder",bundle="install-reminder@v1",'
            'contract_verdict="ok",env="production",http_verdict="ok",tool="sms-gateway"} 1.0') in metrics


def test_tool_calls_for_unknown_functions_or_unreadable_lists_are_answered_or_refused(gateway_server: LiveServer) -> None:
    from tests.serve.conftest import VAPI_SECRET

    headers = {"X-Vapi-Secret": VAPI_SECRET}
    with gateway_server.client() as client:
        unknown = client.post("/webhooks/vapi", json=vapi_tool_calls(
            "call-t3", "+15555550142", f"{AGENT}@v2", [("call_x", "order_pizza", {})]), headers=headers)
        assert unknown.json() == {"results": [{"toolCallId": "call_x", "name": "order_pizza", "error":
                                               "install-reminder@v2 has no tool contract for the function order_pizza"}]}
        empty = client.post("/webhooks/vapi", json={"message": {"type": "tool-calls"}}, headers=headers)
        assert (empty.status_code, empty.json()) == (
            400, {"error": "tool-calls message without toolCallList (or toolWithToolCallList)"})


def test_vapi_hmac_credential_is_checked_in_constant_time_with_a_replay_window(canary_repo: RepoDir, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentctl.serve.settings import HmacPlan
    from agentctl.serve.signatures import vapi_hmac_signature

    monkeypatch.setenv("VAPI_HMAC_SECRET", "hmac-key")
    monkeypatch.delenv("VAPI_WEBHOOK_SECRET")
    configure(canary_repo, "      hmac: {signature_header: x-vapi-signature, tolerance_s: 60}\n")
    plan = HmacPlan.from_config({"signature_header": "x-vapi-signature"})
    body = dumps({"message": {"type": "status-update", "status": "in-progress"}})
    server = start_server(canary_repo.path)
    try:
        with server.client() as client:
            def post(signature: str | None, timestamp: str) -> Any:
                headers = {"x-timestamp": timestamp, "content-type": "application/json"}
                if signature is not None:
                    headers["x-vapi-signature"] = signature
                return client.post("/webhooks/vapi", content=body, headers=headers)

            now = str(int(time.time()))
            good = vapi_hmac_signature(plan, "hmac-key", body, now)
            assert post(good, now).status_code == 200
            replayed = post(good, now)
            assert (replayed.status_code, replayed.json()) == (
                401, {"error": "x-vapi-signature was already used (a replayed request)"})
            old = str(int(time.time()) - 3600)
            stale = post(vapi_hmac_signature(plan, "hmac-key", body, old), old)
            assert stale.status_code == 401  # an hour old, give or take the second the request takes
            assert re.fullmatch(r"x-timestamp is 360[01] s off \(tolerance 60 s\)", stale.json()["error"])
            forged = post(vapi_hmac_signature(plan, "not-our-key", body, now), now)
            assert (forged.status_code, forged.json()) == (401, {"error": "x-vapi-signature does not match the body"})
            assert post(None, now).json() == {"error": "missing x-vapi-signature header (Vapi HMAC credential)"}
            assert json.loads(client.get("/readyz").text)["settings"]["platforms"]["vapi"] == "hmac"
    finally:
        server.stop()
