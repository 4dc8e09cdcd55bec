"""The provider interface: how one case is executed, and the transcript it gives back.

Every provider answers `run(CaseRequest) -> Transcript`. `command` and `http` providers get
the whole case as JSON and return the whole transcript; `openai-compatible` is driven turn by
turn by `agentctl.suites.conversation`; `replay` reads a recorded transcript from a cassette.
A provider never raises for a broken agent: it returns a Transcript whose `error` is one line.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


class ProviderError(Exception):
    """One line saying why a case could not be executed; becomes the case's error."""


@dataclass
class ToolCall:
    name: str  # the function name the model used, e.g. send_install_link
    arguments: Any  # a dict when the model produced valid JSON, else the raw string
    id: str = ""


@dataclass
class Turn:
    role: str  # "user" | "assistant" | "tool"
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    latency_ms: float | None = None
    name: str = ""  # for tool turns: the function that answered


@dataclass
class Transcript:
    turns: list[Turn] = field(default_factory=list)
    escalated: bool = False
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # runner findings, e.g. a tool called with no mock left
    stale: bool = False  # a replay with no cassette, or one recorded for another request: re-record, not a bug

    @property
    def replies(self) -> list[Turn]:
        return [t for t in self.turns if t.role == "assistant"]

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [call for t in self.replies for call in t.tool_calls]

    def to_dict(self) -> dict[str, Any]:
        """The documented transcript JSON, leaving out empty fields so cassettes stay readable."""
        turns = []
        for turn in self.turns:
            out: dict[str, Any] = {"role": turn.role, "text": turn.text}
            if turn.tool_calls:
                out["tool_calls"] = [asdict(c) for c in turn.tool_calls]
            if turn.latency_ms is not None:
                out["latency_ms"] = turn.latency_ms
            if turn.name:
                out["name"] = turn.name
            turns.append(out)
        data: dict[str, Any] = {"turns": turns, "escalated": self.escalated}
        if self.error:
            data["error"] = self.error
        if self.notes:
            data["notes"] = self.notes
        return data


@dataclass
class CaseRequest:
    """Everything a provider needs to run one attempt of one case (the JSON sent to command/http)."""

    agent: str
    version: int | None
    suite: str
    case: str
    repeat: int
    system_prompt: str
    model: dict[str, Any]
    tools: list[dict[str, Any]]
    turns: list[dict[str, str]]
    tool_responses: dict[str, list[dict[str, Any]]]  # keyed by function name
    context: dict[str, Any]
    max_turns: int
    env: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def fingerprint(self) -> dict[str, Any]:
        """What a recorded answer depends on: change any of it and the cassette no longer applies."""
        return {k: v for k, v in self.to_dict().items() if k in
                ("system_prompt", "model", "tools", "turns", "tool_responses", "context", "max_turns")}


class Provider(Protocol):
    description: str

    def run(self, case: CaseRequest) -> Transcript: ...


def transcript_from_json(data: Any, source: str) -> Transcript:
    """Read a transcript in the documented JSON shape; ProviderError names what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
        raise ProviderError(f"{source} replied without a 'turns' list (see docs/test-suites.md for the shape)")
    turns = []
    for i, raw in enumerate(data["turns"]):
        if not isinstance(raw, dict) or raw.get("role") not in ("user", "assistant", "tool"):
            raise ProviderError(f"{source} reply: turns[{i}] needs a role of user, assistant or tool")
        calls = []
        for j, call in enumerate(raw.get("tool_calls") or []):
            if not isinstance(call, dict) or not isinstance(call.get("name"), str):
                raise ProviderError(f"{source} reply: turns[{i}].tool_calls[{j}] needs a 'name'")
            calls.append(ToolCall(call["name"], parse_arguments(call.get("arguments", {})), str(call.get("id", ""))))
        latency = raw.get("latency_ms")
        turns.append(Turn(raw["role"], str(raw.get("text") or ""), calls,
                          float(latency) if isinstance(latency, (int, float)) else None, str(raw.get("name") or "")))
    error = data.get("error")
    return Transcript(turns, bool(data.get("escalated", False)), str(error) if error else None,
                      [str(n) for n in data.get("notes") or []])


def parse_arguments(raw: Any) -> Any:
    """Tool-call arguments arrive as a dict or as a JSON string; malformed JSON stays a string."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def describe(spec: dict[str, Any]) -> str:
    kind = spec.get("type", "?")
    detail = {"command": " ".join(spec.get("command") or []), "http": spec.get("url", ""),
              "openai-compatible": f"{spec.get('base_url', '')} {spec.get('model', '')}".strip(),
              "replay": spec.get("cassettes", "cassettes")}.get(kind, "")
    return f"{kind}: {detail}" if detail else kind
