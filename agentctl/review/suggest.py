"""Optional pre-scoring of a review sample through the suites' `llm_rubric` grader.

The grader's answers are written under each call's `suggestion:` — never into `scores:`. A person
listens to the call and decides; the suggestion only says where to look first.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from agentctl.review.rubric import Rubric

SUGGESTED_BY = "llm-rubric grader — a suggestion, not a score: the reviewer decides"
_SPEAKER = re.compile(r"^\s*(ai|agent|assistant|bot|driver|caller|user|customer)\s*:\s*(.*)$", re.I)


def transcript_of(call: dict[str, Any]) -> Any:
    """The call's transcript text (and its judged tool calls) as a suites Transcript."""
    from agentctl.suites.providers.base import Transcript, Turn

    turns = []
    for line in str(call.get("transcript") or "").splitlines():
        match = _SPEAKER.match(line)
        if match:
            role = "assistant" if match[1].lower() in ("ai", "agent", "assistant", "bot") else "user"
            turns.append(Turn(role, match[2]))
        elif line.strip():
            turns.append(Turn("assistant", line.strip()))
    for tool in call.get("tool_calls") or []:
        reasons = f" ({tool['reasons']})" if tool.get("reasons") else ""
        turns.append(Turn("tool", f"HTTP {tool.get('http_status')} — {tool['verdict']}{reasons}", name=tool["tool"]))
    return Transcript(turns)


def suggest_scores(calls: list[dict[str, Any]], rubric: Rubric, grader: dict[str, Any], root: Path) -> int:
    """Ask the grader about every yes/no criterion of every call with a transcript; returns calls graded."""
    from agentctl.suites.grader import grade

    graded = 0
    for call in calls:
        if not call.get("transcript"):
            continue
        transcript = transcript_of(call)
        answers = {}
        for criterion in rubric.criteria:
            if criterion.scale == "1-5":
                continue
            passed, reason = grade(criterion.question, transcript, grader, root)
            answers[criterion.id] = {"suggested": "yes" if passed else "no", "reason": reason}
        call["suggestion"] = {"by": SUGGESTED_BY, "scores": answers}
        graded += 1
    return graded
