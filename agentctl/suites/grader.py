"""`llm_rubric` grading: ask a provider whether a transcript meets a rubric written in plain words.

Graders are `openai-compatible` (a chat model asked to answer JSON {"pass": bool, "reason": str})
or `command` (gets {"rubric", "transcript"} on stdin, prints {"pass", "reason"}).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from agentctl.suites.providers.base import ProviderError, Transcript

INSTRUCTIONS = ("You grade phone-call transcripts of a voice agent against a rubric. Answer with one JSON object "
                'and nothing else: {"pass": true or false, "reason": "one sentence"}.')


def transcript_text(transcript: Transcript) -> str:
    lines = []
    for turn in transcript.turns:
        if turn.role == "tool":
            lines.append(f"[tool {turn.name} answered] {turn.text}")
            continue
        calls = "".join(f" [calls {c.name}({json.dumps(c.arguments, sort_keys=True)})]" for c in turn.tool_calls)
        lines.append(f"{'caller' if turn.role == 'user' else 'agent'}: {turn.text}{calls}".rstrip())
    return "\n".join(lines)


def grade(rubric: str, transcript: Transcript, spec: dict[str, Any], root: Path) -> tuple[bool, str]:
    """(passed, reason); a grader that cannot answer fails the assertion with the reason why."""
    try:
        if spec.get("type") == "openai-compatible":
            return _grade_chat(rubric, transcript, spec)
        if spec.get("type") == "command":
            return _grade_command(rubric, transcript, spec, root)
    except ProviderError as exc:
        return False, f"grader error: {exc}"
    return False, f"grader type {spec.get('type')!r} cannot grade; use openai-compatible or command"


def _verdict(data: Any, source: str) -> tuple[bool, str]:
    if not isinstance(data, dict) or not isinstance(data.get("pass"), bool):
        raise ProviderError(f"{source} did not answer {{\"pass\": true|false, \"reason\": ...}}")
    return data["pass"], str(data.get("reason", ""))


def _grade_chat(rubric: str, transcript: Transcript, spec: dict[str, Any]) -> tuple[bool, str]:
    from agentctl.suites.providers.http import expand
    from agentctl.suites.providers.openai_compat import OpenAICompatibleProvider, chat

    provider = OpenAICompatibleProvider(spec)
    url = expand(spec["base_url"]).rstrip("/") + "/chat/completions"
    body = {"model": spec.get("model", "default"), "temperature": 0, "messages": [
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": f"Rubric: {rubric}\n\nTranscript:\n{transcript_text(transcript)}"}]}
    message = chat(url, body, provider.headers(), provider.timeout_s)
    content = (message.get("content") or "").strip().removeprefix("```json").removeprefix("```").removesuffix("```")
    try:
        data = json.loads(content)
    except ValueError:
        raise ProviderError(f"grader replied with text that is not JSON: {content[:80]!r}") from None
    return _verdict(data, "grader")


def _grade_command(rubric: str, transcript: Transcript, spec: dict[str, Any], root: Path) -> tuple[bool, str]:
    command = list(spec.get("command") or [])
    if command and command[0] in ("python", "python3"):
        command[0] = sys.executable
    try:
        proc = subprocess.run(command, input=json.dumps({"rubric": rubric, "transcript": transcript.to_dict()}),
                              capture_output=True, text=True, cwd=root, timeout=float(spec.get("timeout_s", 30)))
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProviderError(f"grader command failed: {exc}") from None
    if proc.returncode != 0:
        raise ProviderError(f"grader command exited with status {proc.returncode}")
    try:
        return _verdict(json.loads(proc.stdout), "grader command")
    except ValueError:
        raise ProviderError("grader command printed malformed JSON") from None
