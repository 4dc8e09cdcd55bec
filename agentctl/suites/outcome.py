"""What a suite run produced: per-attempt, per-case and per-suite outcomes, with pass^k."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from math import comb
from typing import Any


@dataclass
class Attempt:
    """One run of one case (a case with `repeats: 5` has five attempts)."""

    repeat: int
    failures: list[str] = field(default_factory=list)
    error: str | None = None  # the provider could not produce a transcript
    transcript: dict[str, Any] | None = None
    duration_ms: float = 0.0
    stale: bool = False  # replayed from a missing or outdated cassette: the agent was never asked

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None

    def to_dict(self) -> dict[str, Any]:
        out = {"repeat": self.repeat, "passed": self.passed, "failures": self.failures, "error": self.error,
               "duration_ms": round(self.duration_ms, 1)}
        if self.stale:
            out["stale"] = True
        return out


@dataclass
class CaseResult:
    suite: str
    name: str
    attempts: list[Attempt]
    threshold: float = 1.0
    description: str = ""

    @property
    def id(self) -> str:
        return f"{self.suite}/{self.name}"

    @property
    def passes(self) -> int:
        return sum(a.passed for a in self.attempts)

    @property
    def pass_rate(self) -> float:
        return self.passes / len(self.attempts) if self.attempts else 0.0

    @property
    def passed(self) -> bool:
        return bool(self.attempts) and self.pass_rate >= self.threshold - 1e-9

    @property
    def status(self) -> str:
        """passed; stale (every miss was a missing or outdated cassette: re-record); error (the provider
        could not answer); or failed (the agent's answer broke an expectation)."""
        if self.passed:
            return "passed"
        missed = [a for a in self.attempts if not a.passed]
        if missed and all(a.stale for a in missed):
            return "stale"
        return "error" if all(a.error for a in missed) else "failed"

    @property
    def message(self) -> str:
        """The first reason an attempt failed: what a reader needs to start fixing."""
        for attempt in self.attempts:
            if attempt.error:
                return attempt.error
            if attempt.failures:
                return attempt.failures[0]
        return ""

    @property
    def failed_attempt(self) -> Attempt | None:
        return next((a for a in self.attempts if not a.passed), None)

    @property
    def duration_ms(self) -> float:
        return sum(a.duration_ms for a in self.attempts)

    @property
    def excerpt(self) -> str:
        failed = self.failed_attempt
        return excerpt(failed.transcript) if failed and failed.transcript else ""

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "id": self.id, "status": self.status, "passes": self.passes,
               "repeats": len(self.attempts), "pass_rate": round(self.pass_rate, 4), "threshold": self.threshold,
               "message": self.message, "attempts": [a.to_dict() for a in self.attempts]}
        if not self.passed:
            out["excerpt"] = self.excerpt
        return out


def excerpt(transcript: dict[str, Any], max_lines: int = 12, width: int = 160) -> str:
    """The last lines of a conversation, one per turn: enough to see what went wrong."""
    lines = []
    for turn in transcript.get("turns") or []:
        role = turn.get("role")
        if role == "tool":
            lines.append(f"  ← {turn.get('name')}: {turn.get('text', '')}")
            continue
        who = "caller" if role == "user" else "agent"
        text = turn.get("text") or ""
        if text or role == "user":
            lines.append(f"{who}: {text}")
        for call in turn.get("tool_calls") or []:
            args = json.dumps(call.get("arguments"), sort_keys=True, ensure_ascii=False)
            lines.append(f"  → {call.get('name')}({args})")
    shown = lines[-max_lines:]
    if len(lines) > max_lines:
        shown.insert(0, f"… {len(lines) - max_lines} earlier lines")
    return "\n".join(line if len(line) <= width else line[: width - 1] + "…" for line in shown)


def pass_hat_k(cases: list[CaseResult]) -> dict[str, float]:
    """pass^k for k = 1..max repeats: the chance that k attempts of a case all pass, averaged over cases.

    Unbiased estimate per case with n attempts and c passes: C(c, k) / C(n, k) (cases with
    fewer than k attempts are left out of that k). pass^1 is the plain pass rate; a flaky case
    drags pass^k down quickly as k grows, which is what a voice flow run k times a day feels like.
    """
    most = max((len(c.attempts) for c in cases), default=0)
    out: dict[str, float] = {}
    for k in range(1, most + 1):
        eligible = [c for c in cases if len(c.attempts) >= k]
        out[str(k)] = round(sum(comb(c.passes, k) / comb(len(c.attempts), k) for c in eligible) / len(eligible), 4)
    return out


@dataclass
class SuiteResult:
    name: str
    kind: str
    path: str
    sha256: str
    provider: str
    cases: list[CaseResult]
    started: str
    finished: str
    error: str | None = None  # the whole suite could not run (e.g. prompt does not render)

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.cases)

    @property
    def status(self) -> str:
        return "passed" if self.passed else "failed"

    @property
    def counts(self) -> dict[str, int]:
        out = {"total": len(self.cases), "passed": 0, "failed": 0, "error": 0, "stale": 0}
        for case in self.cases:
            out[case.status] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"suite": self.name, "kind": self.kind, "path": self.path, "suite_sha256": self.sha256,
                "status": self.status, "error": self.error, "provider": self.provider, "counts": self.counts,
                "pass_k": pass_hat_k(self.cases), "started": self.started, "finished": self.finished,
                "cases": [c.to_dict() for c in self.cases]}
