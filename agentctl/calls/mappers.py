"""Map the end-of-call payloads of common voice platforms onto agentctl's call record.

Platforms do not know which agentctl agent, bundle version and environment served a call,
so the mappers read them from the call's metadata (`agentctl_agent`, `agentctl_version`,
`agentctl_env` — set them when starting the call) and fall back to the defaults given on the
command line. Business outcomes come from the platform's structured analysis fields.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from agentctl.calls.record import RecordError

Defaults = dict[str, Any]  # agent, environment, bundle_version


def detect(obj: Any) -> str:
    """'vapi', 'retell' or 'record' for one parsed JSON line."""
    if isinstance(obj, dict):
        message = obj.get("message")
        if isinstance(message, dict) and message.get("type") == "end-of-call-report":
            return "vapi"
        if obj.get("type") == "end-of-call-report":
            return "vapi"
        if "start_timestamp" in obj and "call_id" in obj and "call_status" in obj:
            return "retell"
        if isinstance(obj.get("call"), dict) and "start_timestamp" in obj["call"]:
            return "retell"
    return "record"


def _identity(meta: dict[str, Any], defaults: Defaults) -> dict[str, Any]:
    version = meta.get("agentctl_version", defaults.get("bundle_version"))
    if isinstance(version, str) and version.lstrip("v").isdigit():
        version = int(version.lstrip("v"))
    out = {"agent": meta.get("agentctl_agent", defaults.get("agent")),
           "environment": meta.get("agentctl_env", defaults.get("environment")), "bundle_version": version}
    missing = [k for k, v in out.items() if v is None]
    if missing:
        raise RecordError(f"cannot tell the {', '.join(missing)} of this call: set agentctl_agent/agentctl_version/"
                          "agentctl_env in the call metadata or pass --agent/--version/--env")
    return out


def _business(analysis: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in analysis.items() if isinstance(v, (bool, int, float, str)) or v is None}


def _body(content: Any) -> Any:
    if isinstance(content, str):
        try:
            return json.loads(content)
        except ValueError:
            return content
    return content


def from_vapi(obj: dict[str, Any], defaults: Defaults) -> dict[str, Any]:
    """A Vapi server message of type end-of-call-report → call record."""
    report = obj.get("message", obj)
    call = report.get("call") or {}
    meta = {**((report.get("assistant") or {}).get("metadata") or {}), **(call.get("metadata") or {})}
    artifact = report.get("artifact") or {}
    messages = artifact.get("messages") or report.get("messages") or []
    results = {m.get("toolCallId"): m for m in messages if m.get("role") == "tool_call_result"}
    tools, latencies = [], []
    for m in messages:
        if m.get("role") == "bot" and isinstance(m.get("duration"), (int, float)) and m.get("secondsFromStart"):
            latencies.append(float(m["duration"]))
        for tc in m.get("toolCalls") or [] if m.get("role") == "tool_calls" else []:
            fn = tc.get("function") or {}
            result = results.get(tc.get("id")) or {}
            args = fn.get("arguments")
            entry = {"tool": fn.get("name") or "unknown", "arguments": _body(args) if args else None}
            if result:
                meta_result = result.get("metadata") or {}
                entry["http_status"] = meta_result.get("http_status", 200)
                entry["response"] = _body(result.get("result"))
                if "latency_ms" in meta_result:
                    entry["latency_ms"] = meta_result["latency_ms"]
            else:
                entry["http_status"] = None
                entry["error"] = "no tool result in the report"
            tools.append(entry)
    ended = report.get("endedReason") or ""
    analysis = report.get("analysis") or {}
    record = {
        "call_id": call.get("id") or report.get("id"), **_identity(meta, defaults),
        "caller_key": (call.get("customer") or {}).get("number"),
        "started_at": report.get("startedAt") or call.get("startedAt"),
        "ended_at": report.get("endedAt") or call.get("endedAt"),
        "outcome": _vapi_outcome(ended), "ended_reason": ended or None,
        "escalated": "forward" in ended or "transfer" in ended,
        "cost_usd": report.get("cost"), "tool_calls": tools,
        "business": _business(analysis.get("structuredData") or {}),
    }
    if latencies:
        record["turn_latencies_ms"] = latencies
    return {k: v for k, v in record.items() if v is not None}


def _vapi_outcome(reason: str) -> str:
    if "forward" in reason or "transfer" in reason:
        return "escalated"
    if "voicemail" in reason:
        return "voicemail"
    if "no-answer" in reason or "busy" in reason:
        return "no_answer"
    if "error" in reason or "failed" in reason:
        return "error"
    if "silence" in reason or "customer-did-not" in reason:
        return "abandoned"
    return "completed"


def from_retell(obj: dict[str, Any], defaults: Defaults) -> dict[str, Any]:
    """A Retell call object (or a call_ended/call_analyzed webhook with a `call` field) → call record."""
    call = obj.get("call", obj)
    meta = {**(call.get("metadata") or {})}
    if "agentctl_version" not in meta and call.get("agent_version") is not None and defaults.get("bundle_version") is None:
        meta["agentctl_version"] = call["agent_version"]
    analysis = call.get("call_analysis") or {}
    tools, pending = [], {}
    for item in call.get("transcript_with_tool_calls") or []:
        if item.get("role") == "tool_call_invocation":
            entry = {"tool": item.get("name") or "unknown", "arguments": _body(item.get("arguments")),
                     "http_status": None, "error": "no tool result in the transcript"}
            pending[item.get("tool_call_id")] = entry
            tools.append(entry)
        elif item.get("role") == "tool_call_result" and item.get("tool_call_id") in pending:
            entry = pending.pop(item["tool_call_id"])
            entry.pop("error", None)
            entry["http_status"] = item.get("http_status", 200)
            entry["response"] = _body(item.get("content"))
    reason = call.get("disconnection_reason") or ""
    latency = ((call.get("latency") or {}).get("e2e") or {}).get("values")
    cost = (call.get("call_cost") or {}).get("combined_cost")
    record = {
        "call_id": call.get("call_id"), **_identity(meta, defaults),
        "caller_key": call.get("from_number") if call.get("direction") == "inbound" else call.get("to_number"),
        "started_at": _ms(call.get("start_timestamp")), "ended_at": _ms(call.get("end_timestamp")),
        "outcome": _retell_outcome(reason, call.get("call_status")), "ended_reason": reason or None,
        "escalated": reason == "call_transfer", "tool_calls": tools,
        "cost_usd": cost / 100 if isinstance(cost, (int, float)) else None,  # Retell reports cents
        "business": _business(analysis.get("custom_analysis_data") or {}),
    }
    if isinstance(latency, list):
        record["turn_latencies_ms"] = latency
    return {k: v for k, v in record.items() if v is not None}


def _retell_outcome(reason: str, status: str | None) -> str:
    if reason == "call_transfer":
        return "escalated"
    if reason == "voicemail_reached":
        return "voicemail"
    if reason in ("dial_no_answer", "dial_busy", "dial_failed"):
        return "no_answer"
    if status == "error" or reason.startswith("error"):
        return "error"
    if reason == "inactivity":
        return "abandoned"
    return "completed"


def _ms(value: Any) -> str | None:
    if not isinstance(value, (int, float)):
        return value
    return dt.datetime.fromtimestamp(value / 1000, dt.timezone.utc).isoformat()


MAPPERS = {"vapi": from_vapi, "retell": from_retell}
