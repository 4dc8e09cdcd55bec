"""Rubrics (rubrics/<agent>.yaml): the criteria the weekly call review scores every sampled call on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentctl.errors import NotFoundError, ValidationFailed
from agentctl.model.diagnostics import Diagnostic

RUBRICS_DIR = "rubrics"
YES, NO, NA = "yes", "no", "n/a"


@dataclass(frozen=True)
class Criterion:
    id: str
    question: str
    weight: float
    scale: str  # yes-no | yes-no-na | 1-5
    auto_fail: bool
    evidence_required: bool

    def allowed(self) -> list[Any]:
        if self.scale == "1-5":
            return [1, 2, 3, 4, 5]
        return [YES, NO, NA] if self.scale == "yes-no-na" else [YES, NO]

    def value(self, score: Any) -> float | None:
        """The score as 0..1 (None for n/a)."""
        if score == NA:
            return None
        if self.scale == "1-5":
            return (int(score) - 1) / 4
        return 1.0 if score == YES else 0.0

    def failed(self, score: Any) -> bool:
        return score == NO or (self.scale == "1-5" and score in (1, 2))


@dataclass
class Rubric:
    agent: str
    owner: str
    version: int
    path: str
    criteria: list[Criterion]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "version": self.version, "owner": self.owner}


def rubric_paths(root: Path) -> dict[str, Path]:
    folder = Path(root) / RUBRICS_DIR
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def validate_rubric_file(path: Path, agent: str, agents: set[str], people: dict[str, Any]) -> Iterator[Diagnostic]:
    from agentctl.model.schema import validate_document
    from agentctl.model.yamlio import load_file

    relpath = f"{RUBRICS_DIR}/{path.name}"
    try:
        doc = load_file(path, relpath)
    except ValidationFailed as exc:
        yield from exc.diagnostics
        return
    found = validate_document(doc, "rubric")
    yield from found
    if any(d.is_error for d in found):
        return
    data = doc.data
    if data["agent"] != agent:
        yield doc.diagnostic(["agent"], f"rubric file for '{agent}' says agent '{data['agent']}'",
                             f"rename the file to {RUBRICS_DIR}/{data['agent']}.yaml or fix `agent:`")
    elif agents and agent not in agents:
        yield doc.diagnostic(["agent"], f"no agent '{agent}'", f"use one of: {', '.join(sorted(agents))}")
    if people and data["owner"] not in people:
        yield doc.diagnostic(["owner"], f"rubric owner '{data['owner']}' is not a person in agentctl.yaml",
                             f"use one of: {', '.join(sorted(people))}")
    seen: set[str] = set()
    for i, criterion in enumerate(data["criteria"]):
        if criterion["id"] in seen:
            yield doc.diagnostic(["criteria", i, "id"], f"criterion id '{criterion['id']}' is used twice",
                                 "give every criterion its own id")
        seen.add(criterion["id"])


def load_rubric(root: Path, agent: str) -> Rubric:
    """The agent's rubric, validated; NotFoundError when the agent has none."""
    from agentctl.model.schema import validate_document
    from agentctl.model.yamlio import load_file

    path = rubric_paths(root).get(agent)
    if path is None:
        raise NotFoundError(f"agent '{agent}' has no rubric ({RUBRICS_DIR}/{agent}.yaml)",
                            "write one (see rubrics/install-reminder.yaml from `agentctl init`) before reviewing calls")
    doc = load_file(path, f"{RUBRICS_DIR}/{path.name}")
    errors = [d for d in validate_document(doc, "rubric") if d.is_error]
    if errors:
        raise ValidationFailed(errors)
    data = doc.data
    criteria = [Criterion(c["id"], c["question"], float(c["weight"]), c["scale"], bool(c.get("auto_fail")),
                          c.get("evidence") == "required") for c in data["criteria"]]
    return Rubric(data["agent"], data["owner"], int(data.get("version", 1)), f"{RUBRICS_DIR}/{path.name}", criteria)
