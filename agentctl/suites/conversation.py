"""The conversation loop for chat-style providers: send user turns, answer tool calls from mocks.

Each user turn is sent; while the model answers with tool calls, each call is answered by the
next mocked response the case declares for that tool (already checked against the contract's
response schema), and the model is asked again. The loop stops after `max_turns` model replies.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from agentctl.suites.providers.base import (
    CaseRequest,
    ProviderError,
    ToolCall,
    Transcript,
    Turn,
    parse_arguments,
)

Complete = Callable[[list[dict[str, Any]]], dict[str, Any]]


def tool_result_content(response: dict[str, Any]) -> str:
    """What the model sees as a tool's result: the HTTP status and the JSON body."""
    return json.dumps({"status": response.get("status", 200), "body": response.get("body")}, sort_keys=True)


def converse(case: CaseRequest, complete: Complete) -> Transcript:
    """Run the case's user turns through `complete` (one chat completion per call)."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": case.system_prompt}]
    transcript = Transcript()
    remaining = {name: list(answers) for name, answers in case.tool_responses.items()}
    replies = 0
    try:
        for user in case.turns:
            messages.append({"role": "user", "content": user["user"]})
            transcript.turns.append(Turn("user", user["user"]))
            while True:
                if replies >= case.max_turns:
                    transcript.notes.append(f"conversation did not finish within max_turns ({case.max_turns} replies)")
                    return transcript
                started = time.perf_counter()
                message = complete(messages)
                replies += 1
                latency = round((time.perf_counter() - started) * 1000, 1)
                calls = [_tool_call(raw, i) for i, raw in enumerate(message.get("tool_calls") or [])]
                transcript.turns.append(Turn("assistant", message.get("content") or "", calls, latency))
                messages.append(_assistant_message(message))
                if not calls:
                    break
                for call in calls:
                    content = _answer(call, remaining, transcript)
                    messages.append({"role": "tool", "tool_call_id": call.id, "content": content})
                    transcript.turns.append(Turn("tool", content, name=call.name))
    except ProviderError as exc:
        transcript.error = str(exc)
    return transcript


def _tool_call(raw: Any, index: int) -> ToolCall:
    if not isinstance(raw, dict) or not isinstance(raw.get("function"), dict) or "name" not in raw["function"]:
        raise ProviderError(f"model reply has a malformed tool call (#{index + 1}): {json.dumps(raw)[:120]}")
    fn = raw["function"]
    return ToolCall(str(fn["name"]), parse_arguments(fn.get("arguments", "{}")), str(raw.get("id") or f"call_{index}"))


def _assistant_message(message: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
    if message.get("tool_calls"):
        out["tool_calls"] = message["tool_calls"]
    return out


def _answer(call: ToolCall, remaining: dict[str, list[dict[str, Any]]], transcript: Transcript) -> str:
    answers = remaining.get(call.name)
    if not answers:
        declared = "no mocked response" if call.name not in remaining else "no mocked response left"
        transcript.notes.append(f"agent called {call.name} but the case has {declared} for it "
                                "(add one under tool_responses)")
        return json.dumps({"status": 500, "body": {"error": "no mocked response in the test case"}})
    return tool_result_content(answers.pop(0))
