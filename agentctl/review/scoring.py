"""Completeness of a scored review file and the scores it adds up to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentctl.model.diagnostics import Diagnostic
from agentctl.model.yamlio import Document
from agentctl.review.rubric import NA, Criterion, Rubric


def normalise(score: Any) -> Any:
    """What a reviewer typed → the canonical score (yes/no/n/a in any case; 1-5 as int)."""
    if isinstance(score, bool):
        return "yes" if score else "no"
    if isinstance(score, str):
        text = score.strip().lower()
        if text in ("na", "n/a", "n.a.", "not applicable"):
            return NA
        if text.isdigit():
            return int(text)
        return text
    return score


def completeness(doc: Document, rubric: Rubric, people: dict[str, Any]) -> list[Diagnostic]:
    """Every reason the review cannot be closed yet, in file order."""
    problems: list[Diagnostic] = []
    data = doc.data
    reviewer = data.get("reviewer")
    if not reviewer:
        problems.append(doc.diagnostic(["reviewer"], "the review has no reviewer",
                                       f"write `reviewer: <person>` (one of: {', '.join(sorted(people))})"))
    elif people and reviewer not in people:
        problems.append(doc.diagnostic(["reviewer"], f"reviewer '{reviewer}' is not a person in agentctl.yaml",
                                       f"use one of: {', '.join(sorted(people))}"))
    for i, call in enumerate(data.get("calls") or []):
        scores = call.get("scores") or {}
        for criterion in rubric.criteria:
            entry = scores.get(criterion.id)
            where: list[str | int] = ["calls", i, "scores", criterion.id]
            score = normalise(entry.get("score")) if isinstance(entry, dict) else None
            if score is None:
                # a null value has no position of its own: point at its key
                problems.append(doc.diagnostic(where + (["score"] if isinstance(entry, dict) else []),
                                               f"call {call.get('call_id')}: criterion '{criterion.id}' is not scored",
                                               f"write {_choices(criterion)}", key=True))
                continue
            if score not in criterion.allowed():
                problems.append(doc.diagnostic(where + ["score"],
                                               f"call {call.get('call_id')}: '{criterion.id}' score {score!r} is not "
                                               f"on its {criterion.scale} scale", f"write {_choices(criterion)}"))
                continue
            if criterion.evidence_required and score != NA and not ((entry or {}).get("evidence") or "").strip():
                problems.append(doc.diagnostic(where + ["evidence"],
                                               f"call {call.get('call_id')}: '{criterion.id}' needs evidence",
                                               "quote the transcript line or tool verdict that justifies the score"))
    return sorted(problems, key=lambda d: (d.line, d.col))


def _choices(criterion: Criterion) -> str:
    return {"1-5": "a score from 1 to 5", "yes-no-na": "yes, no or n/a"}.get(criterion.scale, "yes or no")


@dataclass
class Scores:
    overall: float | None
    criteria: dict[str, float | None]
    calls: dict[str, float | None]
    auto_failed: list[str] = field(default_factory=list)


def score_review(data: dict[str, Any], rubric: Rubric) -> Scores:
    """Per call: weighted mean of its criteria on 0..1 (n/a left out; a failed auto-fail criterion makes it 0).
    Per criterion: mean over the calls it applied to. Overall: mean of the call scores."""
    per_criterion: dict[str, list[float]] = {c.id: [] for c in rubric.criteria}
    calls: dict[str, float | None] = {}
    auto_failed = []
    for call in data.get("calls") or []:
        total = weight = 0.0
        failed = False
        for criterion in rubric.criteria:
            score = normalise(((call.get("scores") or {}).get(criterion.id) or {}).get("score"))
            value = criterion.value(score)
            if value is None:
                continue
            per_criterion[criterion.id].append(value)
            total += value * criterion.weight
            weight += criterion.weight
            failed = failed or (criterion.auto_fail and criterion.failed(score))
        if failed:
            auto_failed.append(call["call_id"])
        calls[call["call_id"]] = 0.0 if failed else (round(total / weight, 4) if weight else None)
    scored = [v for v in calls.values() if v is not None]
    return Scores(round(sum(scored) / len(scored), 4) if scored else None,
                  {k: round(sum(v) / len(v), 4) if v else None for k, v in per_criterion.items()}, calls, auto_failed)


@dataclass
class ReviewFinding:
    pattern: str
    criterion: str
    impact: int
    calls: list[str]


def findings(data: dict[str, Any], rubric: Rubric) -> list[ReviewFinding]:
    """Failed criteria (or any score with a `finding:` written), grouped by pattern."""
    grouped: dict[str, ReviewFinding] = {}
    for call in data.get("calls") or []:
        for criterion in rubric.criteria:
            entry = (call.get("scores") or {}).get(criterion.id) or {}
            score = normalise(entry.get("score"))
            written = (entry.get("finding") or "").strip()
            if not written and not criterion.failed(score):
                continue
            pattern = written or f"{criterion.id}: {criterion.question}"
            impact = entry.get("impact") or (5 if criterion.auto_fail else 3 if criterion.weight >= 2 else 2)
            item = grouped.setdefault(pattern, ReviewFinding(pattern, criterion.id, int(impact), []))
            item.impact = max(item.impact, int(impact))
            if call["call_id"] not in item.calls:
                item.calls.append(call["call_id"])
    return list(grouped.values())
