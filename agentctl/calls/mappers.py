"""Map the end-of-call payloads of common voice platforms onto agentctl's call record.

Platforms do not know which agentctl agent, bundle and environment served a call, so the
mappers read them from the metadata `agentctl serve` (or `resolve --format`) attached to the
call: `agentctl_bundle` ("install-reminder@v2") and `agentctl_env` — for Vapi in
`call.assistantOverrides.metadata`, `assistant.metadata` or `call.metadata`, for Retell in the
call's `metadata`. The older `agentctl_agent`/`agentctl_version` keys still work, and the
command line's defaults fill any gap. A platform's own agent version (Retell's
`agent_version`) is kept apart as `platform_agent_version`, never taken for the bundle version.

Field names follow the platforms' published references: Vapi's ServerMessageEndOfCallReport
(https://docs.vapi.ai/server-url/end-of-call-report, performanceMetrics from
https://docs.vapi.ai/changelog/2025/8/9) and Retell's call object and disconnection reasons
(https://docs.retellai.com/api-references/get-call, https://docs.retellai.com/reliability/debug-call-disconnect).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from agentctl.calls.record import RecordError, _kind

Defaults = dict[str, Any]  # agent, environment, bundle_version
BUNDLE_TAG = re.compile(r"^(?P<agent>[a-z0-9][a-z0-9-]*)@v(?P<version>[0-9]+)$")


def detect(obj: Any) -> str:
    """'vapi', 'retell' or 'record' for one parsed JSON line."""
    if isinstance(obj, dict):
        message = obj.get("message")
        if isinstance(message, dict) and message.get("type") == "end-of-call-report":
            return "vapi"
        if obj.get("type") == "end-of-call-report":
            return "vapi"
        if "call_id" in obj and "call_status" in obj and ("start_timestamp" in obj or "end_timestamp" in obj):
            return "retell"
        if isinstance(obj.get("call"), dict) and "call_status" in obj["call"]:
            return "retell"
    return "record"


def _identity(meta: dict[str, Any], defaults: Defaults) -> dict[str, Any]:
    agent, version = meta.get("agentctl_agent"), meta.get("agentctl_version")
    tag = meta.get("agentctl_bundle")
    if isinstance(tag, str):
        found = BUNDLE_TAG.match(tag)
        if not found:
            raise RecordError(f"metadata agentctl_bundle is {tag!r}, not a bundle tag like install-reminder@v2")
        agent, version = found["agent"], int(found["version"])
    if isinstance(version, str) and version.lstrip("v").isdigit():
        version = int(version.lstrip("v"))
    out = {"agent": agent if agent is not None else defaults.get("agent"),
           "environment": meta.get("agentctl_env", defaults.get("environment")),
           "bundle_version": version if version is not None else defaults.get("bundle_version")}
    missing = [k for k, v in out.items() if v is None]
    if missing:
        raise RecordError(f"cannot tell the {', '.join(missing)} of this call: set agentctl_bundle and agentctl_env "
                          "in the call metadata (agentctl serve does) or pass --agent/--version/--env")
    return out


def _business(analysis: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in analysis.items() if isinstance(v, (bool, int, float, str)) or v is None}


def _body(content: Any) -> Any:
    if isinstance(content, str):
        try:
            return json.loads(content)
        except (ValueError, RecursionError):
            return content
    return content


def _obj(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """parent[key] as an object ({} when absent or null); any other type is a reject naming the field."""
    value = parent.get(key)
    if value is None or value == "" or value == []:
        return {}
    if not isinstance(value, dict):
        raise RecordError(f"'{where or key}' must be an object, got {_kind(value)}")
    return value


def _items(parent: dict[str, Any], key: str, where: str, *, objects: bool = True) -> list[Any]:
    """parent[key] as a list ([] when absent or null), of objects unless `objects` is False."""
    value = parent.get(key)
    if value is None or value == "" or value == {}:
        return []
    if not isinstance(value, list):
        raise RecordError(f"'{where}' must be a list, got {_kind(value)}")
    if objects:
        for item in value:
            if not isinstance(item, dict):
                raise RecordError(f"'{where}' must hold objects, got {_kind(item)}")
    return value


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"'{where}' must be a string, got {_kind(value)}")
    return value


def _key(value: Any) -> Any:
    """A tool-call id usable as a dict key (a list or object id never matches anything)."""
    return value if isinstance(value, (str, int, float, bool)) or value is None else object()


def from_vapi(obj: dict[str, Any], defaults: Defaults) -> dict[str, Any]:
    """A Vapi server message of type end-of-call-report → call record."""
    report = _obj(obj, "message", "") if "message" in obj else obj
    call = _obj(report, "call", "call")
    meta = {**_obj(_obj(report, "assistant", "assistant"), "metadata", "assistant.metadata"),
            **_obj(_obj(call, "assistant", "call.assistant"), "metadata", "call.assistant.metadata"),
            **_obj(_obj(call, "assistantOverrides", "call.assistantOverrides"), "metadata",
                   "call.assistantOverrides.metadata"),
            **_obj(call, "metadata", "call.metadata")}
    artifact = _obj(report, "artifact", "artifact") or _obj(call, "artifact", "call.artifact")
    messages = _items(artifact, "messages", "artifact.messages") or _items(report, "messages", "messages")
    results = {_key(m.get("toolCallId")): m for m in messages if m.get("role") == "tool_call_result"}
    tools = []
    for m in messages:
        for tc in _items(m, "toolCalls", "messages[].toolCalls") if m.get("role") == "tool_calls" else []:
            fn = _obj(tc, "function", "toolCalls[].function")
            args = fn.get("arguments")
            entry: dict[str, Any] = {"tool": fn.get("name") or "unknown", "arguments": _args(args)}
            result = results.get(_key(tc.get("id")))
            if result is None:
                entry["error"] = "no tool result in the report"
            else:
                # Vapi records what the tool returned, not the HTTP status of the tool's backend: the status
                # stays unknown unless the tool server put it in the result's metadata
                status = _obj(result, "metadata", "tool_call_result.metadata").get("http_status")
                if isinstance(status, int):
                    entry["http_status"] = status
                if result.get("error"):
                    entry["error"] = str(result["error"])
                else:
                    entry["response"] = _body(result.get("result"))
            tools.append(entry)
    ended = _text(report.get("endedReason") or call.get("endedReason"), "endedReason")
    analysis = _obj(report, "analysis", "analysis") or _obj(call, "analysis", "call.analysis")
    turns = _items(_obj(artifact, "performanceMetrics", "artifact.performanceMetrics"), "turnLatencies",
                   "artifact.performanceMetrics.turnLatencies", objects=False)
    latencies = [t["turnLatency"] for t in turns if isinstance(t, dict) and isinstance(t.get("turnLatency"), (int, float))]
    ended_at = report.get("endedAt") or call.get("endedAt") or _ms(report.get("timestamp"))
    record = {
        "call_id": call.get("id") or report.get("id"), **_identity(meta, defaults),
        "caller_key": (_obj(call, "customer", "call.customer") or _obj(report, "customer", "customer")).get("number"),
        "started_at": report.get("startedAt") or call.get("startedAt") or call.get("createdAt") or ended_at,
        "ended_at": ended_at,
        "outcome": _vapi_outcome(ended), "ended_reason": ended or None,
        "escalated": _vapi_outcome(ended) == "escalated",
        "cost_usd": report.get("cost", call.get("cost")), "tool_calls": tools,
        "business": _business(_obj(analysis, "structuredData", "analysis.structuredData")),
        "transcript": artifact.get("transcript") or report.get("transcript"),
        "recording_url": artifact.get("recordingUrl") or report.get("recordingUrl")
        or _obj(_obj(artifact, "recording", "artifact.recording"), "mono", "artifact.recording.mono").get("combinedUrl"),
        "turn_latencies_ms": latencies or None,
    }
    return {k: v for k, v in record.items() if v is not None}


def _vapi_outcome(reason: str) -> str:
    if "forward" in reason or "transfer" in reason:
        return "escalated"
    if "voicemail" in reason:
        return "voicemail"
    if reason in ("customer-did-not-answer", "customer-busy") or "no-answer" in reason:
        return "no_answer"
    if "error" in reason or "failed" in reason or "fault" in reason:
        return "error"
    if "silence" in reason or reason.startswith("customer-did-not"):
        return "abandoned"
    return "completed"


def from_retell(obj: dict[str, Any], defaults: Defaults) -> dict[str, Any]:
    """A Retell call object, or a call_ended/call_analyzed webhook (`{"event", "call"}`) → call record."""
    call = _obj(obj, "call", "call") if "call" in obj else obj
    meta = {**_obj(call, "metadata", "metadata")}
    analysis = _obj(call, "call_analysis", "call_analysis")
    tools: list[dict[str, Any]] = []
    pending: dict[Any, dict[str, Any]] = {}
    for item in _items(call, "transcript_with_tool_calls", "transcript_with_tool_calls"):
        if item.get("role") == "tool_call_invocation":
            entry = {"tool": item.get("name") or "unknown", "arguments": _args(item.get("arguments")),
                     "error": "no tool result in the transcript"}
            pending[_key(item.get("tool_call_id"))] = entry
            tools.append(entry)
        elif item.get("role") == "tool_call_result" and _key(item.get("tool_call_id")) in pending:
            entry = pending.pop(_key(item["tool_call_id"]))
            entry.pop("error", None)
            if item.get("successful") is False:  # Retell says the call to the tool's endpoint failed
                entry["error"] = "Retell reports the tool call unsuccessful"
                entry["response"] = _body(item.get("content"))
            else:
                entry["response"] = _body(item.get("content"))
            if isinstance(item.get("http_status"), int):
                entry["http_status"] = item["http_status"]
    reason = _text(call.get("disconnection_reason"), "disconnection_reason")
    latency = _obj(_obj(call, "latency", "latency"), "e2e", "latency.e2e").get("values")
    cost = _obj(call, "call_cost", "call_cost").get("combined_cost")
    outcome = _retell_outcome(reason, call.get("call_status"))
    ended_at = _ms(call.get("end_timestamp"))
    record = {
        "call_id": call.get("call_id"), **_identity(meta, defaults),
        "caller_key": call.get("from_number") if call.get("direction") == "inbound" else call.get("to_number"),
        "started_at": _ms(call.get("start_timestamp")) or ended_at, "ended_at": ended_at,
        "outcome": outcome, "ended_reason": reason or None,
        "escalated": outcome == "escalated", "tool_calls": tools,
        "cost_usd": cost / 100 if isinstance(cost, (int, float)) and abs(cost) < 1e300 else cost,  # Retell: cents
        "business": _business(_obj(analysis, "custom_analysis_data", "call_analysis.custom_analysis_data")),
        "transcript": call.get("transcript"), "recording_url": call.get("recording_url"),
        "platform_agent_version": call.get("agent_version"),
    }
    if isinstance(latency, list):
        record["turn_latencies_ms"] = latency
    return {k: v for k, v in record.items() if v is not None}


RETELL_OUTCOMES = {
    "call_transfer": "escalated", "transfer_bridged": "escalated",
    "voicemail_reached": "voicemail", "machine_detected": "voicemail",
    "ivr_reached": "no_answer", "dial_no_answer": "no_answer", "dial_busy": "no_answer", "dial_failed": "no_answer",
    "invalid_destination": "no_answer", "user_declined": "no_answer", "marked_as_spam": "no_answer",
    "inactivity": "abandoned",
}


def _retell_outcome(reason: str, status: str | None) -> str:
    if reason in RETELL_OUTCOMES:
        return RETELL_OUTCOMES[reason]
    if status == "error" or reason.startswith("error") or reason.startswith("telephony_provider") \
            or reason in ("sip_routing_error", "concurrency_limit_reached", "no_valid_payment"):
        return "error"
    if status == "not_connected":
        return "no_answer"
    return "completed"


def _args(value: Any) -> Any:
    parsed = _body(value) if value else None
    return parsed if isinstance(parsed, dict) else None


def _ms(value: Any) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return value if isinstance(value, str) else None
    try:
        return dt.datetime.fromtimestamp(value / 1000, dt.timezone.utc).isoformat()
    except (OverflowError, ValueError, OSError):
        raise RecordError(f"timestamp {_kind(value)} is not a time in milliseconds since 1970") from None


MAPPERS = {"vapi": from_vapi, "retell": from_retell}
