"""Read a runbook: YAML front matter (owner, triggers, decision rights) and numbered steps.

A step is *runnable* when it names a read-only agentctl command in backticks
(`agentctl contracts verify {tool} --env production`); every other step needs a person,
and `runbook run` stops there. Placeholders {tool}, {agent} and {env} are filled from the
run's options.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.errors import BadInputError, NotFoundError, ValidationFailed
from agentctl.model.diagnostics import Diagnostic

RUNBOOKS_DIR = "runbooks"
# commands that only read state or probe a sandbox/production endpoint with test data: safe to run unattended
RUNNABLE = (("contracts", "verify"), ("contracts", "history"), ("contracts", "diff"), ("canary", "evaluate"),
            ("check", "daily"), ("metrics",), ("status",), ("log",), ("history",), ("window",))
_STEP = re.compile(r"^(\d+)\.\s+(.*)$")
_COMMAND = re.compile(r"`agentctl ([^`]+)`")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass
class Step:
    number: int
    text: str
    line: int
    command: list[str] | None  # the agentctl arguments (placeholders unfilled), or None

    @property
    def runnable(self) -> bool:
        return self.command is not None and any(tuple(self.command[:len(v)]) == v for v in RUNNABLE)

    def placeholders(self) -> list[str]:
        return _PLACEHOLDER.findall(" ".join(self.command or []))

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "text": self.text, "line": self.line,
                "command": " ".join(self.command) if self.command else None, "runnable": self.runnable}


@dataclass
class Runbook:
    name: str
    path: str
    owner: str
    title: str
    triggers: dict[str, list[str]] = field(default_factory=dict)
    decision_rights: dict[str, Any] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)

    def first_steps(self, count: int = 2) -> list[str]:
        return [f"{s.number}. {s.text}" for s in self.steps[:count]]

    def triggered_by(self, *, metric: str | None = None, tool: str | None = None, event: str | None = None) -> bool:
        return bool((metric and metric in self.triggers.get("metrics", [])) or
                    (tool and tool in self.triggers.get("tools", [])) or
                    (event and event in self.triggers.get("events", [])))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "owner": self.owner, "title": self.title,
                "triggers": self.triggers, "decision_rights": self.decision_rights,
                "steps": [s.to_dict() for s in self.steps]}


def runbook_name(ref: str) -> str:
    """`tool-failure`, `runbooks/tool-failure.md` or `tool-failure.md` → `tool-failure`."""
    name = ref.rsplit("/", 1)[-1]
    return name[:-3] if name.endswith(".md") else name


def runbook_paths(root: Path) -> dict[str, Path]:
    folder = Path(root) / RUNBOOKS_DIR
    return {p.stem: p for p in sorted(folder.glob("*.md"))} if folder.is_dir() else {}


def load_runbook(root: Path, ref: str) -> Runbook:
    name = runbook_name(ref)
    paths = runbook_paths(root)
    if name not in paths:
        raise NotFoundError(f"no runbook '{name}' in {RUNBOOKS_DIR}/",
                            f"use one of: {', '.join(paths) or 'none yet'} (or write {RUNBOOKS_DIR}/{name}.md)")
    return parse_runbook(paths[name].read_text("utf-8"), f"{RUNBOOKS_DIR}/{name}.md")


def load_all(root: Path) -> tuple[dict[str, Runbook], list[Diagnostic]]:
    """Every runbook that parses, and the diagnostics of those that do not."""
    books: dict[str, Runbook] = {}
    problems: list[Diagnostic] = []
    for name, path in runbook_paths(root).items():
        try:
            books[name] = parse_runbook(path.read_text("utf-8"), f"{RUNBOOKS_DIR}/{name}.md")
        except ValidationFailed as exc:
            problems += exc.diagnostics
    return books, problems


def parse_runbook(text: str, relpath: str) -> Runbook:
    """Parse one runbook; raise ValidationFailed (file:line:col) when the front matter is missing or wrong."""
    from agentctl.model.schema import validate_document
    from agentctl.model.yamlio import parse_text

    lines = text.splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in (line.strip() for line in lines[1:]):
        raise ValidationFailed([Diagnostic(relpath, 1, 1, "runbook has no front matter",
                                           "start the file with a --- block holding at least `owner: <person>`")])
    end = next(i for i, line in enumerate(lines) if i > 0 and line.strip() == "---")
    # a blank first line stands in for the opening ---, so YAML positions are the file's own lines
    doc = parse_text("\n" + "\n".join(lines[1:end]) + "\n", relpath)
    if not isinstance(doc.data, dict):
        raise ValidationFailed([Diagnostic(relpath, 2, 1, "front matter must be a mapping", "write `owner: <person>`")])
    errors = [d for d in validate_document(doc, "runbook") if d.is_error]
    if errors:
        raise ValidationFailed(errors)
    steps: list[Step] = []
    title = doc.data.get("title") or ""
    for number, line in enumerate(lines[end + 1:], start=end + 2):
        match = _STEP.match(line)
        if match:
            steps.append(Step(int(match[1]), match[2].strip(), number, None))
        elif steps and line.startswith((" ", "\t")) and line.strip() and steps[-1].line + 10 > number:
            steps[-1].text += " " + line.strip()
        elif not title and line.startswith("# "):
            title = line[2:].strip()
        elif steps and not line.strip():
            continue
    for step in steps:
        command = _COMMAND.search(step.text)
        if command:
            try:
                step.command = shlex.split(command[1])
            except ValueError as exc:
                raise BadInputError(f"{relpath}:{step.line}:1: step {step.number}'s command cannot be read ({exc})",
                                    "close the quotes in the backticked command") from None
    data = doc.data
    return Runbook(runbook_name(relpath), relpath, data["owner"], title,
                   {k: list(v) for k, v in (data.get("triggers") or {}).items()},
                   dict(data.get("decision_rights") or {}), steps)
