"""`command` provider: run any executable with the case as JSON on stdin; read the transcript from stdout.

The command runs from the repo root. A first word of `python` or `python3` means the
interpreter running agentctl, so a suite's script works the same in every virtualenv and CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from agentctl.suites.providers.base import (
    CaseRequest,
    ProviderError,
    Transcript,
    describe,
    transcript_from_json,
)

DEFAULT_TIMEOUT_S = 30.0


class CommandProvider:
    def __init__(self, spec: dict[str, Any], root: Path) -> None:
        command = list(spec.get("command") or [])
        if not command:
            raise ProviderError("command provider needs `command: [executable, args...]`")
        if command[0] in ("python", "python3"):
            command[0] = sys.executable
        self.command = command
        self.root = root
        self.timeout_s = float(spec.get("timeout_s", DEFAULT_TIMEOUT_S))
        self.description = describe(spec)

    def run(self, case: CaseRequest) -> Transcript:
        started = time.perf_counter()
        try:
            proc = subprocess.run(self.command, input=json.dumps(case.to_dict()), capture_output=True, text=True,
                                  cwd=self.root, timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            return Transcript(error=f"command timed out after {self.timeout_s:g}s: {self.description}")
        except OSError as exc:
            return Transcript(error=f"command could not start: {exc.strerror or exc}: {self.command[0]}")
        elapsed = (time.perf_counter() - started) * 1000
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["(no stderr)"])[-1]
            return Transcript(error=f"command exited with status {proc.returncode}: {last}")
        try:
            data = json.loads(proc.stdout)
        except ValueError as exc:
            return Transcript(error=f"command printed malformed JSON ({exc}); it must print one transcript object")
        try:
            transcript = transcript_from_json(data, "command")
        except ProviderError as exc:
            return Transcript(error=str(exc))
        fill_latency(transcript, elapsed)
        return transcript


def fill_latency(transcript: Transcript, elapsed_ms: float) -> None:
    """Agents that do not time their own turns get the wall time shared across their replies."""
    replies = [t for t in transcript.replies if t.latency_ms is None]
    for turn in replies:
        turn.latency_ms = round(elapsed_ms / len(replies), 1)
