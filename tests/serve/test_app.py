"""`agentctl serve` on a real loopback port: routing, the live ref, ingest, signatures and bad input.

Payload shapes come from the platforms' published references (cited in tests/serve/payloads.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentctl.serve.signatures import retell_signature
from tests.helpers import RepoDir, Result
from tests.serve.conftest import RETELL_KEY, TOKEN, VAPI_SECRET, LiveServer, dumps, rows
from tests.serve.payloads import (
    retell_call_analyzed,
    retell_call_ended,
    retell_call_inbound,
    vapi_assistant_request,
    vapi_end_of_call_report,
)

AGENT = "install-reminder"
VAPI = {"X-Vapi-Secret": VAPI_SECRET}


def retell_headers(body: bytes, key: str = RETELL_KEY, timestamp_ms: int | None = None) -> dict[str, str]:
    return {"X-Retell-Signature": retell_signature(body, key, timestamp_ms), "Content-Type": "application/json"}


def assistant_bundle(client: httpx.Client, caller: str) -> str:
    response = client.post("/webhooks/vapi", json=vapi_assistant_request(caller), headers=VAPI)
    assert response.status_code == 200, response.text
    return str(response.json()["assistant"]["metadata"]["agentctl_bundle"])


def test_assistant_request_routes_ten_percent_of_callers_to_the_canary_and_sticks(live: LiveServer) -> None:
    router = live.service.live.routers["production"]
    callers = [f"+1555{i:07d}" for i in range(10_000)]
    # all 10,000 callers through the router the endpoint uses (hash only; no I/O) ...
    share = sum(router.assign(AGENT, c)[0] == "canary" for c in callers) / len(callers)
    assert 0.09 <= share <= 0.11
    with live.client() as client:
        # ... and a sample over HTTP gets exactly the bundle the router assigns, call after call
        for caller in callers[:150]:
            expected = f"{AGENT}@v{router.assign(AGENT, caller)[1]}"
            assert assistant_bundle(client, caller) == expected
        canary_caller = next(c for c in callers if router.assign(AGENT, c)[0] == "canary")
        assert {assistant_bundle(client, canary_caller) for _ in range(5)} == {f"{AGENT}@v2"}
        answer = client.post("/webhooks/vapi", json=vapi_assistant_request(canary_caller), headers=VAPI).json()
    assistant = answer["assistant"]
    assert assistant["metadata"]["agentctl_track"] == "canary"
    assert assistant["model"]["model"] == "gpt-4o-mini"
    assert assistant["model"]["messages"][0]["content"].startswith("# Role")
    send = next(t for t in assistant["model"]["tools"] if t["function"]["name"] == "send_install_link")
    assert send["type"] == "function" and send["function"]["parameters"]["required"] == ["driver_id", "phone_number",
                                                                                         "platform"]
    # the answer is encoded once per bundle and state; per caller only the metadata differs, exactly as rendered fresh
    from agentctl.platforms import vapi_assistant

    stable_caller = next(c for c in callers if router.assign(AGENT, c)[0] == "stable")
    with live.client() as client:
        for caller in (canary_caller, stable_caller, stable_caller):
            answer = client.post("/webhooks/vapi", json=vapi_assistant_request(caller), headers=VAPI)
            assert answer.headers["content-type"] == "application/json"
            assert answer.json() == {"assistant": vapi_assistant(router.resolve(AGENT, caller).to_dict())}


def test_abort_reaches_the_next_request_without_a_restart(live: LiveServer, canary_repo: RepoDir) -> None:
    from agentctl.ops.rollout import abort
    from tests.deploy.builders import as_person

    router = live.service.live.routers["production"]
    caller = next(f"+1666{i:07d}" for i in range(10_000) if router.assign(AGENT, f"+1666{i:07d}")[0] == "canary")
    with live.client() as client:
        assert assistant_bundle(client, caller) == f"{AGENT}@v2"
        with as_person("ines"):
            abort(canary_repo.path, AGENT, "production", reason="SMS failures on the canary")
        deadline = time.monotonic() + 10  # poll interval is 0.2 s; generous for a busy machine
        while assistant_bundle(client, caller) != f"{AGENT}@v1":
            assert time.monotonic() < deadline, "abort did not reach the service"
            time.sleep(0.05)
        assert client.get("/readyz").json()["reloads"] >= 2


def test_silent_sms_failures_in_end_of_call_reports_fail_the_canary_on_the_contract(live: LiveServer, canary_repo: RepoDir, cli: Callable[..., Result]) -> None:
    silent = {"status": "queued"}  # HTTP 200 from the gateway, but no message id: nothing was sent
    with live.client() as client:
        for i in range(30):
            for bundle, sms in ((f"{AGENT}@v2", silent), (f"{AGENT}@v1", None)):
                report = vapi_end_of_call_report(f"{bundle}-{i}", f"+1777{i:07d}", bundle, sms_response=sms)
                response = client.post("/webhooks/vapi", json=report, headers=VAPI)
                assert response.status_code == 200, response.text
        metrics = client.get("/metrics").text
    assert ('agentctl_tool_calls_total{agent="install-reminder",bundle="install-reminder@v2",contract_verdict="fail",'
            'env="production",http_verdict="ok",tool="sms-gateway"} 30.0') in metrics
    assert rows(canary_repo, "SELECT bundle_version, count(*) FILTER (WHERE http_ok), count(*) FILTER (WHERE contract_ok) "
                             "FROM tool_calls GROUP BY 1 ORDER BY 1") == [(1, 30, 30), (2, 30, 0)]
    result = cli("canary", "evaluate", AGENT, "--env", "production", "--json", cwd=canary_repo.path)
    evaluation = json.loads(result.stdout)
    sms = next(m for m in evaluation["metrics"] if m["name"] == "sms_success")
    assert sms["verdict"] == "fail" and evaluation["overall"] == "rollback", sms


def test_end_of_call_report_keeps_latency_transcript_and_recording(live: LiveServer, canary_repo: RepoDir) -> None:
    report = vapi_end_of_call_report("vapi-rec-1", "+15555550142", f"{AGENT}@v2")
    with live.client() as client:
        assert client.post("/webhooks/vapi", json=report, headers=VAPI).json() == {"stored": 1}
        # Vapi may send the same report twice: stored once
        assert client.post("/webhooks/vapi", json=report, headers=VAPI).status_code == 200
    assert rows(canary_repo, "SELECT call_id, bundle_version, caller_key, turn_latencies_ms, recording_url, "
                             "transcript LIKE 'AI: Hi%', install_completed FROM calls") == [
        ("vapi-rec-1", 2, "+15555550142", [950.0, 1030.0], "https://storage.vapi.ai/vapi-rec-1-mono.wav", True, True)]


def test_retell_call_inbound_then_ended_then_analyzed_is_one_record_with_the_outcome(live: LiveServer, canary_repo: RepoDir) -> None:
    caller = "+15555550177"
    with live.client() as client:
        body = dumps(retell_call_inbound(caller))
        answer = client.post("/webhooks/retell", content=body, headers=retell_headers(body)).json()["call_inbound"]
        bundle = answer["metadata"]["agentctl_bundle"]
        version = int(bundle.rsplit("@v", 1)[1])
        assert answer["override_agent_id"] == {1: "agent_stable_v1", 2: "agent_canary_v2"}[version]
        assert answer["override_agent_version"] == {1: 3, 2: 4}[version] and answer["dynamic_variables"] == {}
        for payload in (retell_call_ended("retell-9", caller, bundle),
                        retell_call_analyzed("retell-9", caller, bundle, installed=True)):
            body = dumps(payload)
            response = client.post("/webhooks/retell", content=body, headers=retell_headers(body))
            assert response.status_code == 200, response.text
    assert rows(canary_repo, "SELECT call_id, bundle_version, platform_agent_version, outcome, install_completed, "
                             "recording_url IS NOT NULL, tool_call_count FROM calls") == [
        ("retell-9", version, "4", "completed", True, True, 1)]


def test_bad_or_missing_signatures_are_refused_and_nothing_is_stored(live: LiveServer, canary_repo: RepoDir) -> None:
    report = vapi_end_of_call_report("forged-1", "+15555550100", f"{AGENT}@v2")
    ended = dumps(retell_call_ended("forged-2", "+15555550100", f"{AGENT}@v2"))
    old = int(time.time() * 1000) - 3_600_000
    with live.client() as client:
        assert client.post("/webhooks/vapi", json=report).json() == {"error": "missing X-Vapi-Secret header"}
        wrong = client.post("/webhooks/vapi", json=report, headers={"X-Vapi-Secret": "guess"})
        assert (wrong.status_code, wrong.json()) == (401, {"error": "wrong X-Vapi-Secret"})
        forged = client.post("/webhooks/retell", content=ended, headers=retell_headers(ended, key="key_not_ours"))
        assert (forged.status_code, forged.json()) == (401, {"error": "X-Retell-Signature does not match the body"})
        replayed = client.post("/webhooks/retell", content=ended, headers=retell_headers(ended, timestamp_ms=old))
        assert replayed.status_code == 401 and "s off (tolerance 300 s)" in replayed.json()["error"]
        assert client.post("/v1/calls", content=b"{}").status_code == 401
    assert rows(canary_repo, "SELECT count(*) FROM calls") == [(0,)]


def test_oversized_and_garbage_bodies_get_4xx_with_a_reason(live: LiveServer, canary_repo: RepoDir) -> None:
    with live.client() as client:
        big = client.post("/webhooks/vapi", content=b"{" + b" " * (1024 * 1024) + b"}", headers=VAPI)
        assert (big.status_code, big.json()) == (413, {"error": "request body over 1048576 bytes"})
        garbage = client.post("/webhooks/vapi", content=b"\x00not json{", headers=VAPI)
        assert garbage.status_code == 400 and garbage.json()["error"].startswith("malformed JSON: ")
        shapeless = client.post("/webhooks/vapi", json={"type": "end-of-call-report"}, headers=VAPI)
        assert shapeless.status_code == 400
        body = dumps({"event": "call_ended"})
        assert client.post("/webhooks/retell", content=body, headers=retell_headers(body)).status_code == 400
        unknown = client.get("/v1/resolve", params={"agent": "refund-bot", "key": "+1"},
                             headers={"Authorization": f"Bearer {TOKEN}"})
        assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown agent 'refund-bot'")
        unmarked = vapi_end_of_call_report("nobundle", "+1", f"{AGENT}@v2")
        unmarked["message"]["assistant"]["metadata"] = {}
        refused = client.post("/webhooks/vapi", json=unmarked, headers=VAPI)
        assert refused.status_code == 422 and "cannot tell the agent" in refused.json()["error"]
        assert client.post("/webhooks/vapi", json={"message": {"type": "status-update"}}, headers=VAPI).json() == {}
    assert rows(canary_repo, "SELECT count(*) FROM calls") == [(0,)]


def test_v1_resolve_matches_resolve_json_and_v1_calls_takes_records(live: LiveServer, canary_repo: RepoDir, cli: Callable[..., Result]) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with live.client() as client:
        served = client.get("/v1/resolve", params={"agent": AGENT, "env": "production", "key": "+15555550142"},
                            headers=auth).json()
        record = {"call_id": "api-1", "agent": AGENT, "bundle_version": 2, "environment": "production",
                  "started_at": "2026-11-24T16:00:00Z", "ended_at": "2026-11-24T16:01:00Z", "outcome": "completed",
                  "transcript": "Agent: hello", "recording_url": "s3://calls/api-1.wav"}
        jsonl = (json.dumps(record) + "\n" + json.dumps({**record, "call_id": "api-2"}) + "\n").encode()
        assert client.post("/v1/calls", content=jsonl, headers=auth).json() == {"stored": 2}
        bad = client.post("/v1/calls", content=jsonl + b'{"call_id": "api-3"}\n', headers=auth)
        assert bad.status_code == 422 and bad.json()["rejects"] == [{"line": 3, "reason": "missing required field 'agent'"}]
    cli_json = json.loads(cli("resolve", AGENT, "--env", "production", "--key", "+15555550142", "--json",
                              cwd=canary_repo.path).stdout)
    assert served == json.loads(json.dumps(cli_json)) and served["bundle"].startswith(f"{AGENT}@v")
    assert rows(canary_repo, "SELECT call_id, transcript, recording_url FROM calls ORDER BY 1") == [
        ("api-1", "Agent: hello", "s3://calls/api-1.wav"), ("api-2", "Agent: hello", "s3://calls/api-1.wav")]


def test_a_platform_without_its_secret_is_refused_at_start(canary_repo: RepoDir, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RETELL_API_KEY")
    result = cli("serve", "--port", "0", cwd=canary_repo.path)
    assert result.exit_code == 2
    assert ("no secret set for retell (RETELL_API_KEY): refusing to accept unsigned requests — export the "
            "variable(s), or for local testing pass --allow-unsigned PLATFORM") in result.stderr


@pytest.mark.slow
def test_a_broken_fetch_keeps_the_last_good_state_and_says_so(canary_repo: RepoDir, tmp_path: Path) -> None:
    import shutil
    import subprocess

    from tests.serve.conftest import start_server

    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(canary_repo.path), str(origin)], check=True)
    canary_repo.git("remote", "add", "origin", str(origin))
    server = start_server(canary_repo.path)
    try:
        with server.client() as client:
            assert client.get("/readyz").json()["status"] == "ready"
            shutil.move(origin, tmp_path / "gone.git")
            deadline = time.monotonic() + 10
            while (ready := client.get("/readyz").json())["status"] != "stale":
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert "cannot fetch refs/agentctl/deployments from origin" in ready["error"]
            assert assistant_bundle(client, "+15555550142").startswith(f"{AGENT}@v")
    finally:
        server.stop()


def test_a_state_whose_bundle_is_not_the_pinned_one_is_never_served(live: LiveServer, canary_repo: RepoDir) -> None:
    """A deployed version whose bundle in this clone differs from its deploy pin: keep the last good state."""
    import json as _json

    from agentctl.deploy.state import read_state, state_path, store
    from agentctl.store.refstore import Author, Change

    router = live.service.live.routers["production"]
    canary_caller = next(f"+1888{i:07d}" for i in range(10_000) if router.assign(AGENT, f"+1888{i:07d}")[0] == "canary")
    served = live.service.live.commit

    def tamper(snapshot: Any) -> Change:  # the canary goes to 100%, pinned to content this clone does not have
        state = read_state(snapshot, "production", AGENT)
        assert state.canary is not None
        state.canary["weight"] = 100
        state.pins["2"] = {**state.pins["2"], "content_hash": "f" * 64}
        return Change({state_path("production", AGENT): _json.dumps(state.to_dict()).encode()}, "tampered pins\n")

    refused = store(canary_repo.path).update(tamper, Author("Ines Duarte", "ines@roadwise.example"))
    with live.client() as client:
        deadline = time.monotonic() + 10
        while (ready := client.get("/readyz").json())["refused_state"] != refused:
            assert time.monotonic() < deadline, ready
            time.sleep(0.05)
        assert ready["status"] == "stale" and ready["state_commit"] == served
        assert ready["error"].startswith(f"deployment state {refused[:12]} is not served: {AGENT}@v2 in production: "
                                         "this clone's bundle (commit ")
        assert ready["error"].endswith(f"content ffffffffffff); still serving {served[:12]}")
        # still the last good state: 10% canary, so a stable caller is not moved onto the unpinned bundle
        stable_caller = next(f"+1888{i:07d}" for i in range(10_000)
                             if router.assign(AGENT, f"+1888{i:07d}")[0] == "stable")
        assert assistant_bundle(client, stable_caller) == f"{AGENT}@v1"
        assert assistant_bundle(client, canary_caller) == f"{AGENT}@v2"


def test_under_require_signed_a_state_of_unsigned_records_is_never_served(canary_repo: RepoDir, tmp_path: Path) -> None:
    """policy.require_signed: the canary's records were written unsigned, so serve loads no state at all —
    /readyz says why (503) and a call is answered 503, never routed by a state nobody can vouch for."""
    from tests.deploy.builders import give_signing_keys, make_key
    from tests.serve.conftest import start_server

    _, public = make_key(tmp_path / "keys", "ines")
    give_signing_keys(canary_repo, {"ines": public}, require_signed=True)
    server = start_server(canary_repo.path)
    try:
        with server.client() as client:
            ready = client.get("/readyz")
            assert ready.status_code == 503
            body = ready.json()
            assert body["status"] == "not ready" and body["state_commit"] is None
            assert body["error"].startswith(f"deployment state {str(body['refused_state'])[:12]} is not served: "
                                            "serve refused: ")
            assert "unsigned" in body["error"]
            answer = client.post("/webhooks/vapi", json=vapi_assistant_request("+15550001111"), headers=VAPI)
            assert answer.status_code == 503
            assert answer.json()["error"].startswith("no trusted deployment state is loaded yet: deployment state ")
    finally:
        server.stop()
