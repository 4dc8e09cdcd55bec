"""Vapi end-of-call reports and Retell call objects become call records."""

from __future__ import annotations

import json
from pathlib import Path

from agentctl.calls.mappers import detect, from_retell, from_vapi
from agentctl.calls.record import IngestContext, normalize
from agentctl.ops.calls import ingest_calls
from tests.helpers import RepoDir

VAPI = {"message": {
    "type": "end-of-call-report", "endedReason": "customer-ended-call", "cost": 0.21,
    "startedAt": "2026-03-10T15:00:00.000Z", "endedAt": "2026-03-10T15:02:30.000Z",
    "call": {"id": "vapi-1", "customer": {"number": "+15555550142"},
             "metadata": {"agentctl_agent": "install-reminder", "agentctl_version": "v12", "agentctl_env": "production"}},
    "analysis": {"structuredData": {"install_completed": True}},
    "artifact": {"messages": [
        {"role": "tool_calls", "toolCalls": [{"id": "t1", "function": {"name": "send_install_link",
                                                                       "arguments": "{\"driver_id\": \"drv_1\"}"}}]},
        {"role": "tool_call_result", "toolCallId": "t1", "result": "{\"status\": \"failed\"}"},
    ]}}}
RETELL = {"call_id": "retell-1", "agent_id": "ag_1", "call_status": "ended", "direction": "outbound",
          "to_number": "+15555550199", "start_timestamp": 1773154800000, "end_timestamp": 1773154920000,
          "disconnection_reason": "call_transfer", "call_cost": {"combined_cost": 18},
          "latency": {"e2e": {"values": [800, 950]}},
          "call_analysis": {"custom_analysis_data": {"install_completed": False}},
          "transcript_with_tool_calls": [
              {"role": "tool_call_invocation", "tool_call_id": "x", "name": "transfer_to_human",
               "arguments": "{\"reason\": \"asked_for_human\"}"},
              {"role": "tool_call_result", "tool_call_id": "x", "content": "{\"handoff_id\": \"ho_9\"}"}]}
CTX = IngestContext(frozenset({"install-reminder"}), frozenset({"production"}))


def test_detects_platform_shapes() -> None:
    assert (detect(VAPI), detect(RETELL), detect({"call_id": "x"})) == ("vapi", "retell", "record")


def test_vapi_report() -> None:
    record = from_vapi(VAPI, {})
    assert (record["call_id"], record["bundle_version"], record["outcome"], record["caller_key"]) == (
        "vapi-1", 12, "completed", "+15555550142")
    # Vapi relays the tool's answer, not its backend's HTTP status: none is invented
    assert record["tool_calls"] == [{"tool": "send_install_link", "arguments": {"driver_id": "drv_1"},
                                     "response": {"status": "failed"}}]
    assert record["business"] == {"install_completed": True}
    normalize(record, CTX)


def test_retell_call_uses_defaults_for_what_it_cannot_know() -> None:
    record = from_retell(RETELL, {"agent": "install-reminder", "environment": "production", "bundle_version": 4})
    assert (record["bundle_version"], record["outcome"], record["escalated"], record["cost_usd"]) == (4, "escalated", True, 0.18)
    assert record["started_at"] == "2026-03-10T15:00:00+00:00" and record["turn_latencies_ms"] == [800, 950]
    assert record["tool_calls"][0]["response"] == {"handoff_id": "ho_9"}
    normalize(record, CTX)


def test_ingest_mixed_platform_file_judges_by_function_name(example_repo: RepoDir, tmp_path: Path) -> None:
    path = tmp_path / "hooks.jsonl"
    path.write_text(json.dumps(VAPI) + "\n" + json.dumps(RETELL) + "\n")
    report = ingest_calls(example_repo.path, [str(path)], defaults={"agent": "install-reminder",
                                                                    "environment": "production", "bundle_version": 4})
    assert (report.inserted, report.rejected) == (2, 0)


def test_platform_payload_without_identity_is_rejected(example_repo: RepoDir, tmp_path: Path) -> None:
    path = tmp_path / "hooks.jsonl"
    path.write_text(json.dumps(RETELL) + "\n")
    report = ingest_calls(example_repo.path, [str(path)], rejects_path=tmp_path / "r.jsonl")
    assert report.first_rejects[0]["reason"].startswith("cannot tell the agent, environment, bundle_version of this call")


def test_vapi_report_served_by_agentctl_serve() -> None:
    from tests.serve.payloads import vapi_end_of_call_report

    report = vapi_end_of_call_report("v-9", "+15555550142", "install-reminder@v2", sms_response={"status": "queued"})
    record = from_vapi(report, {})
    assert (record["agent"], record["bundle_version"], record["environment"]) == ("install-reminder", 2, "production")
    assert record["turn_latencies_ms"] == [950, 1030]  # artifact.performanceMetrics.turnLatencies[].turnLatency
    assert record["recording_url"] == "https://storage.vapi.ai/v-9-mono.wav" and record["transcript"].startswith("AI:")
    rows = normalize(record, IngestContext.from_workspace(_workspace()))
    # no HTTP status is invented: answered (the platform relayed a body), judged on the contract's criteria
    assert (rows.tools[0]["tool"], rows.tools[0]["http_status"], rows.tools[0]["http_ok"], rows.tools[0]["contract_ok"],
            rows.tools[0]["reasons"]) == ("sms-gateway", None, True, False, "message_id is missing")


def _workspace():  # type: ignore[no-untyped-def]
    from agentctl.model.workspace import load_workspace
    from tests.helpers import REPO_ROOT

    return load_workspace(REPO_ROOT)


def test_vapi_ended_reasons_and_bundle_from_assistant_overrides() -> None:
    from agentctl.calls.mappers import _vapi_outcome

    assert [_vapi_outcome(r) for r in ("customer-did-not-answer", "customer-busy", "voicemail", "assistant-forwarded-call",
                                       "silence-timed-out", "pipeline-error-openai-llm-failed", "customer-ended-call")] == [
        "no_answer", "no_answer", "voicemail", "escalated", "abandoned", "error", "completed"]
    outbound = {"message": {"type": "end-of-call-report", "endedReason": "customer-did-not-answer",
                            "endedAt": "2026-03-10T15:00:30Z",
                            "call": {"id": "v-out", "createdAt": "2026-03-10T15:00:00Z", "customer": {"number": "+1555"},
                                     "assistantOverrides": {"metadata": {"agentctl_bundle": "install-reminder@v3",
                                                                         "agentctl_env": "production"}}}}}
    record = from_vapi(outbound, {})
    assert (record["bundle_version"], record["outcome"], record["started_at"]) == (3, "no_answer", "2026-03-10T15:00:00Z")


def test_retell_outcomes_successful_flag_and_own_agent_version() -> None:
    from tests.serve.payloads import retell_call

    outcomes = {reason: from_retell(retell_call("x", "+1", "install-reminder@v2", reason=reason), {})["outcome"]
                for reason in ("transfer_bridged", "machine_detected", "ivr_reached", "voicemail_reached", "user_hangup",
                               "dial_no_answer", "error_llm_websocket_open")}
    assert outcomes == {"transfer_bridged": "escalated", "machine_detected": "voicemail", "ivr_reached": "no_answer",
                        "voicemail_reached": "voicemail", "user_hangup": "completed", "dial_no_answer": "no_answer",
                        "error_llm_websocket_open": "error"}
    failed = from_retell(retell_call("x", "+1", "install-reminder@v2", successful=False), {})
    assert failed["bundle_version"] == 2 and failed["platform_agent_version"] == 4  # Retell's own version, apart
    rows = normalize(failed, IngestContext.from_workspace(_workspace()))
    assert (rows.tools[0]["http_ok"], rows.tools[0]["contract_ok"], rows.tools[0]["reasons"]) == (
        False, False, "Retell reports the tool call unsuccessful")
