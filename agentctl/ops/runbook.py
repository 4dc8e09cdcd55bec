"""`agentctl runbook run|list`: execute a runbook's command steps until the first step that needs a person."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentctl.errors import BadInputError
from agentctl.runbooks.book import load_all, load_runbook

if TYPE_CHECKING:
    from agentctl.repo import ConfigRepo
    from agentctl.runbooks.book import Runbook

STEP_TIMEOUT_S = 300
OUTPUT_TAIL = 40  # lines of a step's output kept in the report


@dataclass
class StepResult:
    number: int
    text: str
    kind: str  # "ran" | "human" | "not-reached"
    command: str | None = None
    exit_code: int | None = None
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.kind != "ran" or self.exit_code == 0

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "text": self.text, "kind": self.kind, "command": self.command,
                "exit_code": self.exit_code, "ok": self.ok, "output": self.output}


@dataclass
class RunbookRun:
    runbook: Runbook
    values: dict[str, str]
    steps: list[StepResult] = field(default_factory=list)

    @property
    def failed(self) -> list[StepResult]:
        return [s for s in self.steps if not s.ok]

    @property
    def stopped_at(self) -> StepResult | None:
        return next((s for s in self.steps if s.kind == "human"), None)

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        stop = self.stopped_at
        return {"runbook": self.runbook.name, "owner": self.runbook.owner, "title": self.runbook.title,
                "decision_rights": self.runbook.decision_rights, "values": self.values, "ok": self.ok,
                "stopped_at": stop.number if stop else None, "steps": [s.to_dict() for s in self.steps]}


def list_runbooks(repo: ConfigRepo) -> list[Runbook]:
    books, problems = load_all(repo.root)
    if problems:
        from agentctl.errors import ValidationFailed

        raise ValidationFailed(problems)
    return list(books.values())


def run_runbook(repo: ConfigRepo, name: str, *, tool: str | None = None, agent: str | None = None,
                env: str | None = None) -> RunbookRun:
    """Run the command steps of runbook `name` in order, stopping at the first step that needs a person.

    Each command runs as its own `agentctl` process in the repo (so it behaves exactly as when the
    on-call types it) with {tool}, {agent} and {env} filled in; its exit code and output are kept.
    A command step that fails does not stop the run: the diagnosis steps before a human decision
    all run, so the person sees every result.
    """

    book = load_runbook(repo.root, name)
    values = {k: v for k, v in {"tool": tool, "agent": agent, "env": env or "production"}.items() if v}
    run = RunbookRun(book, values)
    stopped = False
    for step in book.steps:
        if stopped:
            run.steps.append(StepResult(step.number, step.text, "not-reached"))
            continue
        if not step.runnable:
            run.steps.append(StepResult(step.number, step.text, "human"))
            stopped = True
            continue
        missing = [p for p in step.placeholders() if p not in values]
        if missing:
            raise BadInputError(f"{book.path}:{step.line}:1: step {step.number} needs {{{missing[0]}}}",
                                f"pass --{missing[0]} to `agentctl runbook run {book.name}`")
        args = [part.format(**values) if "{" in part else part for part in step.command or []]
        run.steps.append(_execute(repo, step.number, step.text, args))
    return run


def _execute(repo: ConfigRepo, number: int, text: str, args: list[str]) -> StepResult:
    command = "agentctl " + " ".join(args)
    env = {**os.environ, "COLUMNS": "160"}
    try:
        proc = subprocess.run([sys.executable, "-m", "agentctl", *args], cwd=repo.root, capture_output=True,
                              text=True, timeout=STEP_TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired:
        return StepResult(number, text, "ran", command, 1, f"timed out after {STEP_TIMEOUT_S} s")
    lines = (proc.stdout + proc.stderr).rstrip("\n").splitlines()
    return StepResult(number, text, "ran", command, proc.returncode, "\n".join(lines[-OUTPUT_TAIL:]))
