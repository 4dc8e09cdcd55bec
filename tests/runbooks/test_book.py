"""Reading runbooks: front matter positions, numbered steps, which steps a machine may run."""

from __future__ import annotations

import pytest

from agentctl.errors import ValidationFailed
from agentctl.runbooks.book import parse_runbook
from tests.helpers import REPO_ROOT

TEXT = """---
owner: wei
triggers: {tools: [sms-gateway]}
---
# Gateway down

1. Probe it: `agentctl contracts verify {tool} --env {env}`
   (a 200 without a message id is a failure).
2. Disable the agent: `agentctl disable {agent} --reason "gateway down"`.
3. Call the provider.
"""


def test_steps_commands_and_who_runs_them() -> None:
    book = parse_runbook(TEXT, "runbooks/gateway.md")
    assert (book.name, book.owner, book.title) == ("gateway", "wei", "Gateway down")
    assert [(s.number, s.line, s.runnable) for s in book.steps] == [(1, 7, True), (2, 9, False), (3, 10, False)]
    assert book.steps[0].text.endswith("(a 200 without a message id is a failure).")
    assert book.steps[0].placeholders() == ["tool", "env"]
    assert book.steps[1].command == ["disable", "{agent}", "--reason", "gateway down"]  # a decision: not run
    assert book.triggered_by(tool="sms-gateway") and not book.triggered_by(metric="error_rate")


def test_front_matter_errors_point_at_the_file_line() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_runbook(TEXT.replace("owner: wei\n", "owner: wei\ntriggers: [oops]\n", 1).replace(
            "triggers: {tools: [sms-gateway]}\n", ""), "runbooks/gateway.md")
    assert str(caught.value.diagnostics[0]).startswith("runbooks/gateway.md:3:11: ")


def test_no_front_matter() -> None:
    with pytest.raises(ValidationFailed, match=r"runbooks/x.md:1:1: runbook has no front matter — start the file"):
        parse_runbook("# Just text\n1. do things\n", "runbooks/x.md")


@pytest.mark.parametrize("name", ["tool-failure", "quality-degradation", "escalation"])
def test_shipped_runbooks_start_with_a_command_step(name: str) -> None:
    book = parse_runbook((REPO_ROOT / "runbooks" / f"{name}.md").read_text(), f"runbooks/{name}.md")
    assert book.steps[0].runnable and any(not s.runnable for s in book.steps)
