"""Platform payloads shaped after the platforms' published API references.

Vapi server messages — every message is POSTed as {"message": {"type", "call", "phoneNumber", "customer", …}}:
  https://docs.vapi.ai/server-url/events (assistant-request, end-of-call-report; responses)
  https://docs.vapi.ai/server-url/end-of-call-report (endedReason, artifact: transcript, recordingUrl, messages)
  https://docs.vapi.ai/changelog/2025/8/9 (artifact.performanceMetrics.turnLatencies[].turnLatency)
  ServerMessageEndOfCallReport / TurnLatency schemas of the Vapi OpenAPI document
  (https://raw.githubusercontent.com/api-evangelist/vapi/refs/heads/main/json-schema/vapi-servermessageendofcallreport-schema.json)
  https://docs.vapi.ai/server-url/server-authentication (X-Vapi-Secret)
Vapi tool-calls — {"message": {"type": "tool-calls", "toolCallList": [{"id", "name", "arguments"}],
  "toolWithToolCallList": [{"type": "function", "function", "server", "toolCall": {"id", "type", "function": {"name",
  "arguments"}}}], "call", "assistant"}}, answered {"results": [{"toolCallId", "name", "result" | "error", "metadata"}]}:
  https://docs.vapi.ai/tools/custom-tools (request format; server response format)
  ServerMessageToolCalls / ServerMessageResponseToolCalls / ToolCallResult schemas of the Vapi OpenAPI document
  (https://schemas.apis.io/schemas/vapi/vapi-servermessageresponsetoolcalls/, .../vapi-toolcallresult/)
Vapi HMAC credential — HMACAuthenticationPlan {secretKey, algorithm, signatureHeader (default x-signature),
  timestampHeader (default x-timestamp), signaturePrefix, includeTimestamp (default true), payloadFormat (default
  "{timestamp}.{body}"), signatureEncoding (default hex), secretIsBase64}:
  https://schemas.apis.io/schemas/vapi/vapi-hmacauthenticationplan/
Retell webhooks:
  https://docs.retellai.com/features/inbound-call-webhook ({"event": "call_inbound", "call_inbound": {agent_id,
  from_number, to_number}} and the {"call_inbound": {override_agent_id, override_agent_version, dynamic_variables,
  metadata}} answer)
  https://docs.retellai.com/features/webhook (call_started / call_ended / call_analyzed with the call object)
  https://docs.retellai.com/api-references/get-call (call object: call_id, agent_version, call_status,
  start/end_timestamp, transcript, recording_url, transcript_with_tool_calls, disconnection_reason, call_analysis)
  https://docs.retellai.com/reliability/debug-call-disconnect (disconnection reasons)
  https://docs.retellai.com/features/secure-webhook (X-Retell-Signature, verified with the API key)
"""

from __future__ import annotations

import copy
import json
from typing import Any

SERVED_NUMBER = "+15555550100"


def vapi_assistant_request(caller: str, call_id: str = "call-vapi-1") -> dict[str, Any]:
    return {"message": {
        "type": "assistant-request", "timestamp": 1795976000000,
        "phoneNumber": {"id": "pn_7f3a", "number": SERVED_NUMBER, "provider": "vapi"},
        "customer": {"number": caller},
        "call": {"id": call_id, "orgId": "org_1", "type": "inboundPhoneCall", "status": "ringing",
                 "phoneNumberId": "pn_7f3a", "customer": {"number": caller},
                 "createdAt": "2026-11-24T16:00:00.000Z"}}}


def vapi_tool_calls(call_id: str, caller: str, bundle: str, calls: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    """A tool-calls server message for the assistant agentctl answered (its metadata names the bundle)."""
    return {"message": {
        "type": "tool-calls", "timestamp": 1795976030000,
        "toolCallList": [{"id": tid, "name": name, "arguments": args} for tid, name, args in calls],
        "toolWithToolCallList": [
            {"type": "function", "function": {"name": name}, "messages": [],
             "toolCall": {"id": tid, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}}
            for tid, name, args in calls],
        "phoneNumber": {"id": "pn_7f3a", "number": SERVED_NUMBER},
        "customer": {"number": caller},
        "assistant": {"name": bundle, "metadata": {"agentctl_bundle": bundle, "agentctl_env": "production"}},
        "call": {"id": call_id, "orgId": "org_1", "type": "inboundPhoneCall", "status": "in-progress",
                 "phoneNumberId": "pn_7f3a", "customer": {"number": caller}}}}


def vapi_end_of_call_report(call_id: str, caller: str, bundle: str, *, sms_response: dict[str, Any] | None = None,
                            ended_reason: str = "customer-ended-call", installed: bool | None = True,
                            started: str = "2026-11-24T16:10:00.000Z", ended: str = "2026-11-24T16:12:30.000Z",
                            ) -> dict[str, Any]:
    """A report for a call that got its assistant from agentctl serve (so assistant.metadata carries the bundle)."""
    sms = sms_response if sms_response is not None else {"message_id": "msg_1", "status": "queued"}
    metadata = {"agentctl_bundle": bundle, "agentctl_env": "production", "agentctl_track": "stable"}
    messages = [
        {"role": "bot", "message": "Hi, this is Riley from Roadwise.", "time": 1795976001000, "secondsFromStart": 0.4,
         "duration": 2100},
        {"role": "user", "message": "Sure, text me the link.", "time": 1795976006000, "secondsFromStart": 6.1,
         "duration": 1500},
        {"role": "tool_calls", "time": 1795976008000, "secondsFromStart": 8.0, "toolCalls": [
            {"id": "call_tool_1", "type": "function", "function": {
                "name": "send_install_link",
                "arguments": json.dumps({"driver_id": "drv_1042", "phone_number": caller, "platform": "android"})}}]},
        {"role": "tool_call_result", "time": 1795976009000, "secondsFromStart": 9.0, "name": "send_install_link",
         "toolCallId": "call_tool_1", "result": json.dumps(sms)},
    ]
    report: dict[str, Any] = {
        "type": "end-of-call-report", "timestamp": 1795976150000, "endedReason": ended_reason,
        "startedAt": started, "endedAt": ended, "cost": 0.12,
        "phoneNumber": {"id": "pn_7f3a", "number": SERVED_NUMBER},
        "customer": {"number": caller},
        "assistant": {"name": "install-reminder", "metadata": metadata},
        "call": {"id": call_id, "type": "inboundPhoneCall", "phoneNumberId": "pn_7f3a", "customer": {"number": caller},
                 "status": "ended", "endedReason": ended_reason},
        "artifact": {
            "transcript": "AI: Hi, this is Riley from Roadwise.\nUser: Sure, text me the link.\n",
            "recordingUrl": f"https://storage.vapi.ai/{call_id}-mono.wav",
            "messages": messages,
            "performanceMetrics": {"turnLatencies": [
                {"modelLatency": 420, "voiceLatency": 180, "transcriberLatency": 150, "endpointingLatency": 200,
                 "turnLatency": 950},
                {"modelLatency": 510, "voiceLatency": 170, "transcriberLatency": 140, "endpointingLatency": 210,
                 "turnLatency": 1030}],
                "turnLatencyAverage": 990}},
        "analysis": {"summary": "Driver agreed to receive the link.",
                     "structuredData": {} if installed is None else {"install_completed": installed}},
    }
    return {"message": report}


def retell_call_inbound(caller: str) -> dict[str, Any]:
    return {"event": "call_inbound", "call_inbound": {"agent_id": "agent_stable_v1", "agent_version": 3,
                                                       "from_number": caller, "to_number": SERVED_NUMBER}}


def retell_call(call_id: str, caller: str, bundle: str, *, reason: str = "user_hangup",
                sms_content: dict[str, Any] | None = None, successful: bool = True) -> dict[str, Any]:
    sms = sms_content if sms_content is not None else {"message_id": "msg_2", "status": "sent"}
    return {
        "call_type": "phone_call", "from_number": caller, "to_number": SERVED_NUMBER, "direction": "inbound",
        "call_id": call_id, "agent_id": "agent_canary_v2", "agent_version": 4, "call_status": "ended",
        "metadata": {"agentctl_bundle": bundle, "agentctl_env": "production"},
        "retell_llm_dynamic_variables": {},
        "start_timestamp": 1795976400000, "end_timestamp": 1795976520000, "duration_ms": 120000,
        "transcript": "Agent: Hi, this is Riley from Roadwise.\nUser: Text me the link.\n",
        "recording_url": f"https://dxc03zgurdly9.cloudfront.net/{call_id}/recording.wav",
        "transcript_with_tool_calls": [
            {"role": "agent", "content": "Hi, this is Riley from Roadwise."},
            {"role": "tool_call_invocation", "tool_call_id": "tc_1", "name": "send_install_link",
             "arguments": json.dumps({"driver_id": "drv_7", "phone_number": caller, "platform": "ios"})},
            {"role": "tool_call_result", "tool_call_id": "tc_1", "content": json.dumps(sms), "successful": successful},
        ],
        "latency": {"e2e": {"p50": 900, "values": [880, 940]}},
        "disconnection_reason": reason,
        "call_cost": {"combined_cost": 14},
    }


def retell_call_ended(call_id: str, caller: str, bundle: str, **kw: Any) -> dict[str, Any]:
    return {"event": "call_ended", "call": retell_call(call_id, caller, bundle, **kw)}


def retell_call_analyzed(call_id: str, caller: str, bundle: str, *, installed: bool, **kw: Any) -> dict[str, Any]:
    call = copy.deepcopy(retell_call(call_id, caller, bundle, **kw))
    call["call_analysis"] = {"call_summary": "Driver installed the app during the call.", "user_sentiment": "Positive",
                             "call_successful": True, "custom_analysis_data": {"install_completed": installed}}
    return {"event": "call_analyzed", "call": call}
