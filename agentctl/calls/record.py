"""The call record: checked against agentctl/schemas/call-record.schema.json, judged, flattened into rows.

jsonschema would take ~100 µs a record; ingest must keep up with millions, so the checks
below are written out by hand to mirror the schema (a test keeps the two in agreement)
and produce one short reason per bad record. Tool calls are judged here, once, against the
contract's success criteria, so every later query reads a stored verdict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from agentctl.contracts.success import judge_response

OUTCOMES = ("completed", "escalated", "no_answer", "voicemail", "abandoned", "error")
REQUIRED = ("call_id", "agent", "bundle_version", "environment", "started_at", "ended_at", "outcome")
KNOWN_KEYS = frozenset(REQUIRED + ("caller_key", "ended_reason", "escalated", "turn_latencies_ms",
                                   "transcription_confidence", "cost_usd", "business", "tool_calls",
                                   "transcript", "recording_url", "platform_agent_version"))
TOOL_KEYS = frozenset(("tool", "contract_version", "arguments", "http_status", "latency_ms", "response",
                       "response_digest", "response_fields", "error"))
BUSINESS_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
RESERVED_COLUMNS = frozenset(("call_id", "agent", "bundle_version", "environment", "caller_key", "started_at",
                              "ended_at", "day", "handle_time_s", "outcome", "ended_reason", "escalated", "is_error",
                              "turn_latencies_ms", "transcription_confidence", "cost_usd", "tool_call_count",
                              "source", "ingested_at", "transcript", "recording_url", "platform_agent_version"))
UTC = dt.timezone.utc
MAX_INT = 2**31 - 1  # the store's INTEGER columns


class RecordError(ValueError):
    """One record is unusable; the message says which field and why."""


@dataclass(frozen=True)
class ContractRule:
    name: str
    version: str
    success: dict[str, Any]


@dataclass
class IngestContext:
    """What records are checked against: the repo's agents, environments and tool contracts."""

    agents: frozenset[str]
    environments: frozenset[str]
    contracts: dict[str, ContractRule] = field(default_factory=dict)  # by contract name and by function name
    timezone: Any = UTC  # calendar days are counted in the team's timezone

    @classmethod
    def from_workspace(cls, ws: Any) -> IngestContext:
        from zoneinfo import ZoneInfo

        contracts: dict[str, ContractRule] = {}
        for name, contract in ws.contracts.items():
            rule = ContractRule(name, contract.version, contract.success)
            contracts[name] = rule
            contracts.setdefault(contract.data["function"]["name"], rule)
        tz_name = ws.config.policy.get("timezone")
        return cls(frozenset(ws.agents), frozenset(ws.config.environments), contracts,
                   ZoneInfo(tz_name) if tz_name else UTC)


@dataclass
class CallRows:
    call: dict[str, Any]
    business: dict[str, Any]
    tools: list[dict[str, Any]]


def normalize(record: Any, ctx: IngestContext) -> CallRows:
    """Check one record and turn it into table rows; raise RecordError naming the first problem."""
    if not isinstance(record, dict):
        raise RecordError(f"a record must be a JSON object, got {_kind(record)}")
    for key in REQUIRED:
        if key not in record:
            raise RecordError(f"missing required field '{key}'")
    unknown = [k for k in record if k not in KNOWN_KEYS and not k.startswith("x-")]
    if unknown:
        raise RecordError(f"unknown field '{unknown[0]}'")
    call_id = _string(record, "call_id")
    agent = _string(record, "agent")
    if agent not in ctx.agents:
        raise RecordError(f"unknown agent '{agent}' (agents: {', '.join(sorted(ctx.agents)) or 'none'})")
    env = _string(record, "environment")
    if env not in ctx.environments:
        raise RecordError(f"unknown environment '{env}' (environments: {', '.join(sorted(ctx.environments))})")
    version = record["bundle_version"]
    if not _is_int(version) or not 1 <= version <= MAX_INT:
        raise RecordError(f"'bundle_version' must be a whole number ≥ 1, got {_kind(version)}")
    started, ended = _time(record, "started_at"), _time(record, "ended_at")
    if ended < started:
        raise RecordError("'ended_at' is before 'started_at'")
    outcome = record["outcome"]
    if outcome not in OUTCOMES:
        raise RecordError(f"'outcome' is {outcome!r}, not one of {', '.join(OUTCOMES)}")
    escalated = record.get("escalated", outcome == "escalated")
    if not isinstance(escalated, bool):
        raise RecordError(f"'escalated' must be true or false, got {_kind(escalated)}")
    latencies = record.get("turn_latencies_ms")
    if latencies is not None:
        if not isinstance(latencies, list) or not all(_is_number(x) and x >= 0 for x in latencies):
            raise RecordError("'turn_latencies_ms' must be a list of numbers ≥ 0")
        latencies = [float(x) for x in latencies]
    tools = [_tool_row(i, t, ctx) for i, t in enumerate(_list(record, "tool_calls"))]
    call = {
        "call_id": call_id, "agent": agent, "bundle_version": int(version), "environment": env,
        "caller_key": _optional_string(record, "caller_key"),
        "started_at": started.replace(tzinfo=None), "ended_at": ended.replace(tzinfo=None),
        "day": started.astimezone(ctx.timezone).date(),
        "handle_time_s": (ended - started).total_seconds(), "outcome": outcome,
        "ended_reason": _optional_string(record, "ended_reason"), "escalated": escalated,
        "is_error": outcome == "error", "turn_latencies_ms": latencies,
        "transcription_confidence": _optional_number(record, "transcription_confidence", 0.0, 1.0),
        "cost_usd": _optional_number(record, "cost_usd", 0.0, None), "tool_call_count": len(tools),
        "transcript": _optional_string(record, "transcript"), "recording_url": _optional_string(record, "recording_url"),
        "platform_agent_version": _platform_version(record),
    }
    return CallRows(call, _business(record), tools)


def _tool_row(seq: int, tool: Any, ctx: IngestContext) -> dict[str, Any]:
    where = f"tool_calls[{seq}]"
    if not isinstance(tool, dict):
        raise RecordError(f"'{where}' must be an object, got {_kind(tool)}")
    if "tool" not in tool:
        raise RecordError(f"'{where}' is missing 'tool'")
    unknown = [k for k in tool if k not in TOOL_KEYS and not k.startswith("x-")]
    if unknown:
        raise RecordError(f"unknown field '{where}.{unknown[0]}'")
    name = tool["tool"]
    if not isinstance(name, str) or not name:
        raise RecordError(f"'{where}.tool' must be a non-empty string")
    status = tool.get("http_status")
    if status is not None and not (_is_int(status) and 100 <= status <= 599):
        raise RecordError(f"'{where}.http_status' must be an HTTP status code or null, got {_kind(status)}")
    latency = tool.get("latency_ms")
    if latency is not None and not (_is_number(latency) and latency >= 0):
        raise RecordError(f"'{where}.latency_ms' must be a number ≥ 0, got {_kind(latency)}")
    fields = tool.get("response_fields")
    if fields is not None and not isinstance(fields, dict):
        raise RecordError(f"'{where}.response_fields' must be an object")
    arguments = tool.get("arguments")
    if arguments is not None and not isinstance(arguments, dict):
        raise RecordError(f"'{where}.arguments' must be an object")
    rule = ctx.contracts.get(name)
    has_body = "response" in tool or fields is not None
    body = tool.get("response", fields)
    error = tool.get("error")
    # a platform that relays the tool's answer but not its HTTP status (Vapi, Retell): answered, status unknown
    answered_without_status = status is None and has_body and not error
    http_ok = (status is not None and 200 <= status < 300) or answered_without_status
    if rule is None:
        contract_ok, reasons, judged_by, tool_name = None, "no contract", None, name
    elif not has_body and status is not None and http_ok:
        contract_ok, reasons, judged_by, tool_name = None, "not judged: no response body recorded", rule.version, rule.name
    elif status is None and error:
        contract_ok, reasons, judged_by, tool_name = False, str(error), rule.version, rule.name
    elif answered_without_status:
        criteria_only = {k: v for k, v in rule.success.items() if k != "status"}
        verdict = judge_response(criteria_only, 200, body)
        contract_ok, reasons, judged_by, tool_name = verdict.ok, "; ".join(verdict.reasons), rule.version, rule.name
    else:
        verdict = judge_response(rule.success, status, body)
        contract_ok, reasons, judged_by, tool_name = verdict.ok, "; ".join(verdict.reasons), rule.version, rule.name
    digest = tool.get("response_digest")
    if digest is None and "response" in tool:
        digest = response_digest(tool["response"])
    return {"seq": seq, "tool": tool_name, "contract_version": _optional_string(tool, "contract_version", where),
            "judged_by": judged_by, "http_status": status, "http_ok": http_ok, "contract_ok": contract_ok,
            "latency_ms": None if latency is None else float(latency), "reasons": reasons or None,
            "arguments": None if arguments is None else minified(arguments, ascii_only=True),
            "response_digest": digest, "error": _optional_string(tool, "error", where)}


def response_digest(response: Any) -> str:
    """`sha256:` + SHA-256 of the response as minified JSON, keys in the order received — what the engine computes
    on the set-based path (`sha256(json(response))` in DuckDB), so both paths give one digest for one response."""
    text = minified(response)
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


EXPONENT = re.compile(r"[0-9]e[-+]")  # how Python writes a float below 1e-4 or from 1e16 on
CONTROL = re.compile(r"(?<!\\)((?:\\\\)*)\\u00([01][0-9a-f])")  # a control character's escape (not an escaped backslash)


def minified(value: Any, *, ascii_only: bool = False) -> str:
    """`value` as minified JSON written as DuckDB's JSON writer (yyjson) writes it, so a digest or an arguments text
    is the same whichever path stored it: a float in plain notation from 1e-6 up to 1e21 (`0.00001`,
    `10000000000000000.0`) and as `2.5e-7`, `1e21` beyond, where Python writes `1e-05`, `1e+16`; a control
    character as `\\u001F`, where Python writes `\\u001f`."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=ascii_only)
    if EXPONENT.search(text) is not None:
        text = _written(value, ascii_only)
    if "\\u00" in text:
        text = CONTROL.sub(lambda found: f"{found.group(1)}\\u00{found.group(2).upper()}", text)
    return text


def _written(value: Any, ascii_only: bool) -> str:
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(key), ensure_ascii=ascii_only) + ":" + _written(item, ascii_only)
                              for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_written(item, ascii_only) for item in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def float_text(value: float) -> str:
    """A float as yyjson writes it: its shortest round-trip digits (Python's repr), plain from 1e-6 up to 1e21
    (integral ones with `.0`), otherwise `d.ddde±x` without `+` or leading zeros in the exponent."""
    text = json.dumps(value)  # repr, or NaN / Infinity / -Infinity as both write them
    if "e" not in text or "n" in text:
        return text
    mantissa, exponent = text.split("e")
    sign, digits = ("-", mantissa[1:]) if mantissa.startswith("-") else ("", mantissa)
    digits, power = digits.replace(".", ""), int(exponent)
    if -6 <= power < 21:
        point = power + 1  # where the decimal point falls in the digits
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{sign}{digits}{'0' * (point - len(digits))}.0"
        return f"{sign}{digits[:point]}.{digits[point:]}"
    return f"{sign}{digits[0]}{'.' + digits[1:] if len(digits) > 1 else ''}e{power}"


def _business(record: dict[str, Any]) -> dict[str, Any]:
    business = record.get("business")
    if business is None:
        return {}
    if not isinstance(business, dict):
        raise RecordError(f"'business' must be an object, got {_kind(business)}")
    for key, value in business.items():
        if not BUSINESS_NAME.match(key) or key in RESERVED_COLUMNS:
            raise RecordError(f"business field name '{key}' is not allowed (lowercase letters, digits, _; not a record field)")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value and not _is_number(value):
            raise RecordError(f"'business.{key}' is too large a number, got {_kind(value)}")
        if value is not None and not isinstance(value, (bool, int, float, str)):
            raise RecordError(f"'business.{key}' must be true/false, a number or a string, got {_kind(value)}")
    return business


def _platform_version(record: dict[str, Any]) -> str | None:
    value = record.get("platform_agent_version")
    if value is None or isinstance(value, str):
        return value
    if _is_int(value):
        return str(value)
    raise RecordError(f"'platform_agent_version' must be a string, a whole number or null, got {_kind(value)}")


def _string(record: dict[str, Any], key: str) -> str:
    value = record[key]
    if not isinstance(value, str) or not value:
        raise RecordError(f"'{key}' must be a non-empty string, got {_kind(value)}")
    return value


def _optional_string(record: dict[str, Any], key: str, where: str = "") -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise RecordError(f"'{where + '.' if where else ''}{key}' must be a string or null, got {_kind(value)}")
    return value


def _optional_number(record: dict[str, Any], key: str, low: float, high: float | None) -> float | None:
    value = record.get(key)
    if value is None:
        return None
    if not _is_number(value) or value < low or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f"≥ {low:g}"
        raise RecordError(f"'{key}' must be a number {bounds}, got {_kind(value)}")
    return float(value)


def _list(record: dict[str, Any], key: str) -> list[Any]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"'{key}' must be a list, got {_kind(value)}")
    return value


def _time(record: dict[str, Any], key: str) -> dt.datetime:
    value = record[key]
    if not isinstance(value, str):
        raise RecordError(f"'{key}' must be an ISO 8601 timestamp string, got {_kind(value)}")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        raise RecordError(f"'{key}' is {value!r}, not an ISO 8601 timestamp") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return value == value and -1e308 < value < 1e308  # NaN, infinities and ints beyond a double are not numbers here


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    return repr(value)
