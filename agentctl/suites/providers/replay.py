"""`replay` provider: recorded transcripts ("cassettes"), so CI runs are deterministic, offline and free.

One JSON file per case and repeat: `<cassettes>/<suite>/<case>.r<N>.json`. Each holds the
sha256 of the request it answered (rendered prompt, tools, model settings, user turns, mocked
tool responses). Change any of those and the cassette no longer matches: the case fails and
says to re-record with a live provider (`agentctl test AGENT --suite S --record`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from agentctl import clock
from agentctl.suites.providers.base import CaseRequest, Provider, Transcript, describe, transcript_from_json

DEFAULT_DIR = "cassettes"


def request_hash(case: CaseRequest) -> str:
    canonical = json.dumps(case.fingerprint(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def cassette_path(folder: Path, case: CaseRequest) -> Path:
    return folder / case.suite / f"{case.case}.r{case.repeat}.json"


class ReplayProvider:
    def __init__(self, spec: dict[str, Any], folder: Path, record_hint: str) -> None:
        self.folder = folder
        self.record_hint = record_hint
        self.description = describe(spec)

    def run(self, case: CaseRequest) -> Transcript:
        path = cassette_path(self.folder, case)
        label = f"{case.suite}/{case.case} (repeat {case.repeat})"
        if not path.is_file():
            return Transcript(error=f"no cassette for {label}: record it with a live provider: {self.record_hint}",
                              stale=True)
        try:
            data = json.loads(path.read_text("utf-8"))
        except ValueError as exc:
            return Transcript(error=f"cassette {path.name} is not valid JSON ({exc}): {self.record_hint}")
        if data.get("request_sha256") != request_hash(case):
            return Transcript(error=f"stale cassette for {label}: it was recorded for a different prompt, tools or "
                                    f"case (request hash differs): re-record with a live provider: {self.record_hint}",
                              stale=True)
        return transcript_from_json(data.get("transcript"), f"cassette {path.name}")


class RecordingProvider:
    """Runs a live provider and writes what it answered as the cassette for that case and repeat."""

    def __init__(self, live: Provider, folder: Path) -> None:
        self.live = live
        self.folder = folder
        self.description = f"{live.description} (recording)"

    def run(self, case: CaseRequest) -> Transcript:
        transcript = self.live.run(case)
        if transcript.error is None:
            write_cassette(cassette_path(self.folder, case), {
                "case": f"{case.suite}/{case.case}", "repeat": case.repeat, "request_sha256": request_hash(case),
                "recorded_with": self.live.description, "recorded_at": clock.isoformat(clock.now()),
                "transcript": transcript.to_dict()})
        return transcript


def write_cassette(path: Path, data: dict[str, Any]) -> None:
    from agentctl.fsutil import write_atomic

    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def prune_cassettes(folder: Path, suite: str, keep: set[str]) -> list[str]:
    """After a full re-record, drop cassettes of cases or repeats that no longer exist."""
    removed = []
    for path in sorted((folder / suite).glob("*.json")) if (folder / suite).is_dir() else []:
        if path.name not in keep:
            path.unlink()
            removed.append(path.name)
    return removed
