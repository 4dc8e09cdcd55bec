"""Expectations on a transcript: what the agent said, which tools it called and how, and how fast.

Every case also gets implicit checks: each tool call's arguments must be valid under the
tool's contract (turn off with `defaults: {args_valid: false}` or `{args_valid: false}` in a
case), no more replies than `max_turns`, no reply slower than `latency_ms`, and no tool call
left without a mocked response. Tools may be named by contract (sms-gateway) or by function
(send_install_link). Text checks ignore case; `regex` is a Python regular expression.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentctl.suites.model import Case
from agentctl.suites.providers.base import ToolCall, Transcript

Grader = Callable[[str, Transcript, dict[str, Any] | None], tuple[bool, str]]


@dataclass
class Tools:
    """The agent's tools, by contract name and by function name."""

    contracts: dict[str, dict[str, Any]]

    def __post_init__(self) -> None:
        names = {name: (c.get("function") or {}).get("name") for name, c in self.contracts.items()}
        self.by_function: dict[str, str] = {function: name for name, function in names.items() if function is not None}

    def contract_name(self, name: str) -> str:
        return self.by_function.get(name, name)

    def function_name(self, name: str) -> str:
        found = (self.contracts.get(name, {}).get("function") or {}).get("name", name)
        return str(found)

    def known(self, name: str) -> bool:
        return name in self.contracts or name in self.by_function


def evaluate(case: Case, transcript: Transcript, tools: Tools, escalation_tools: list[str],
             grader: Grader | None = None) -> list[str]:
    """Every failed expectation for one attempt, as one line each (empty list = the attempt passed)."""
    failures = list(transcript.notes)
    checks_args = case.args_valid and not any(item.get("args_valid") is False for item in case.expect)
    if checks_args:
        failures += invalid_calls(transcript.tool_calls, tools)
    failures += _max_turns(transcript, case.max_turns) + _latency(transcript, case.latency_ms)
    for item in case.expect:
        failures += _evaluate_one(item, transcript, tools, escalation_tools, grader)
    return failures


def invalid_calls(calls: list[ToolCall], tools: Tools) -> list[str]:
    from jsonschema import Draft202012Validator

    out = []
    for call in calls:
        contract_name = tools.contract_name(call.name)
        contract = tools.contracts.get(contract_name)
        if contract is None:
            out.append(f"agent called unknown tool '{call.name}' (tools: {', '.join(sorted(tools.by_function))})")
            continue
        if not isinstance(call.arguments, dict):
            out.append(f"agent called {contract_name} with arguments that are not a JSON object: {str(call.arguments)[:80]!r}")
            continue
        schema = (contract.get("function") or {}).get("parameters") or {}
        for error in sorted(Draft202012Validator(schema).iter_errors(call.arguments), key=lambda e: list(e.path)):
            where = "/".join(str(p) for p in error.absolute_path) or "(arguments)"
            out.append(f"agent called {contract_name} with arguments invalid under contract {contract_name} "
                       f"{contract.get('version', '')}: {where}: {error.message}")
    return out


def escalated(transcript: Transcript, tools: Tools, escalation_tools: list[str]) -> bool:
    wanted = {tools.contract_name(t) for t in escalation_tools}
    return transcript.escalated or any(tools.contract_name(c.name) in wanted for c in transcript.tool_calls)


def _max_turns(transcript: Transcript, limit: int) -> list[str]:
    count = len(transcript.replies)
    return [f"agent took {count} replies, over max_turns {limit}"] if count > limit else []


def _latency(transcript: Transcript, budget: float) -> list[str]:
    slowest = max((t.latency_ms or 0.0 for t in transcript.replies), default=0.0)
    return [f"slowest reply took {slowest:.0f} ms, over the latency budget of {budget:.0f} ms"] if slowest > budget else []


def _texts(transcript: Transcript, which: str) -> list[str]:
    texts = [t.text for t in transcript.replies if t.text]
    if which == "last":
        return texts[-1:]
    if which == "first":
        return texts[:1]
    return texts


def _calls(transcript: Transcript, tools: Tools, name: str) -> list[ToolCall]:
    wanted = tools.contract_name(name)
    return [c for c in transcript.tool_calls if tools.contract_name(c.name) == wanted]


def _show_calls(transcript: Transcript, tools: Tools) -> str:
    shown = [f"{tools.contract_name(c.name)}({json.dumps(c.arguments, sort_keys=True)})" for c in transcript.tool_calls]
    return ", ".join(shown) or "none"


def is_subset(expected: Any, actual: Any) -> bool:
    """Mappings match when every expected key matches; anything else must be equal."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and is_subset(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


def _evaluate_one(item: dict[str, Any], transcript: Transcript, tools: Tools, escalation_tools: list[str],
                  grader: Grader | None) -> list[str]:
    which = item.get("reply", "any")
    texts = _texts(transcript, which)
    scope = "" if which == "any" else f"{which} "
    if "contains" in item:
        needle = item["contains"]
        if not any(needle.lower() in t.lower() for t in texts):
            return [f"no {scope}reply contains {needle!r}"]
    if "not_contains" in item:
        needle = item["not_contains"]
        hit = next((t for t in texts if needle.lower() in t.lower()), None)
        if hit is not None:
            return [f"a {scope}reply contains {needle!r}: {hit[:100]!r}"]
    if "regex" in item and not any(re.search(item["regex"], t) for t in texts):
        return [f"no {scope}reply matches /{item['regex']}/"]
    if "not_regex" in item:
        hit = next((t for t in texts if re.search(item["not_regex"], t)), None)
        if hit is not None:
            return [f"a {scope}reply matches /{item['not_regex']}/: {hit[:100]!r}"]
    if "tool_called" in item:
        return _tool_called(item, transcript, tools)
    if "tool_not_called" in item:
        names = item["tool_not_called"]
        for name in [names] if isinstance(names, str) else names:
            if _calls(transcript, tools, name):
                return [f"expected no call to {tools.contract_name(name)}; calls were: {_show_calls(transcript, tools)}"]
    if "tool_args_match_schema" in item:
        return _args_match_schema(item["tool_args_match_schema"], transcript, tools)
    if "tool_order" in item:
        return _tool_order(item["tool_order"], transcript, tools)
    if item.get("args_valid") is True:
        return invalid_calls(transcript.tool_calls, tools)
    if "escalated" in item:
        actual = escalated(transcript, tools, escalation_tools)
        if actual != item["escalated"]:
            return ["expected the call to be escalated to a human, but it was not" if item["escalated"]
                    else f"expected no escalation, but the call was escalated (calls: {_show_calls(transcript, tools)})"]
    if "max_turns" in item:
        return _max_turns(transcript, item["max_turns"])
    if "latency_ms" in item:
        return _latency(transcript, item["latency_ms"])
    if "llm_rubric" in item:
        if grader is None:
            return ["llm_rubric needs a grader: set `grader:` in the suite or `provider:` on the assertion"]
        passed, reason = grader(item["llm_rubric"], transcript, item.get("provider"))
        if not passed:
            return [f"rubric {item['llm_rubric'][:60]!r} not met: {reason}"]
    return []


def _tool_called(item: dict[str, Any], transcript: Transcript, tools: Tools) -> list[str]:
    name = tools.contract_name(item["tool_called"])
    calls = _calls(transcript, tools, name)
    if "with" in item:
        matching = [c for c in calls if is_subset(item["with"], c.arguments)]
        if not matching:
            return [f"expected a call to {name} with {json.dumps(item['with'], sort_keys=True)}; "
                    f"calls were: {_show_calls(transcript, tools)}"]
        calls = matching
    if "times" in item and len(calls) != item["times"]:
        return [f"expected {item['times']} call(s) to {name}, got {len(calls)}"]
    if not calls:
        return [f"expected a call to {name}; calls were: {_show_calls(transcript, tools)}"]
    return []


def _args_match_schema(spec: dict[str, Any], transcript: Transcript, tools: Tools) -> list[str]:
    from jsonschema import Draft202012Validator

    name = tools.contract_name(spec["tool"])
    calls = _calls(transcript, tools, name)
    if not calls:
        return [f"expected a call to {name} to check its arguments; calls were: {_show_calls(transcript, tools)}"]
    for call in calls:
        error = next(iter(Draft202012Validator(spec["schema"]).iter_errors(call.arguments)), None)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(arguments)"
            return [f"{name} arguments do not match the case's schema: {where}: {error.message}"]
    return []


def _tool_order(order: list[str], transcript: Transcript, tools: Tools) -> list[str]:
    """The named tools must appear in this order (other calls may come between them)."""
    sequence = [tools.contract_name(c.name) for c in transcript.tool_calls]
    position = 0
    for name in (tools.contract_name(n) for n in order):
        try:
            position = sequence.index(name, position) + 1
        except ValueError:
            wanted = " → ".join(tools.contract_name(n) for n in order)
            return [f"expected tool calls in order {wanted}; got {' → '.join(sequence) or 'none'}"]
    return []
