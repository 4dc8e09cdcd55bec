"""`validate` for suite files: each listed suite is schema-checked, and its tool names and mocked
responses are checked against the agent's tool contracts, with file:line positions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from agentctl.model.artifacts import AgentDef, Workspace
from agentctl.model.crossref import check
from agentctl.model.diagnostics import Diagnostic

if TYPE_CHECKING:
    from agentctl.model.yamlio import Document


@check
def suite_files(ws: Workspace) -> Iterator[Diagnostic]:
    from agentctl.suites.model import read_suite_document

    for agent in ws.agents.values():
        for relpath in agent.suites:
            if not (ws.root / relpath).is_file():
                continue  # agent_references reports the missing file
            doc, findings = read_suite_document(ws.root, relpath)
            yield from findings
            if doc is not None:
                yield from _tool_references(ws, agent, doc)


def _tool_references(ws: Workspace, agent: AgentDef, doc: Document) -> Iterator[Diagnostic]:
    from agentctl.suites.runner import response_problem

    listed = {ref.contract for ref in agent.tools}  # a contract that failed to load is reported elsewhere
    contracts = {name: ws.contracts[name] for name in listed if name in ws.contracts}
    by_function = {c.data["function"]["name"]: name for name, c in contracts.items()}
    known = ", ".join(sorted(listed)) or "none"
    for i, case in enumerate(doc.data.get("cases") or []):
        for tool, answers in (case.get("tool_responses") or {}).items():
            name = by_function.get(tool, tool)
            if name not in listed:
                yield doc.diagnostic(["cases", i, "tool_responses", tool],
                                     f"case '{case['name']}' mocks tool '{tool}', which agent '{agent.name}' does not use",
                                     f"use one of: {known}", key=True)
                continue
            for j, answer in enumerate(answers if name in contracts else []):
                problem = response_problem(contracts[name].data, answer)
                if problem:
                    yield doc.diagnostic(["cases", i, "tool_responses", tool, j, "body"],
                                         f"mocked {name} response does not match the contract's response schema: {problem}",
                                         f"fix the body or the contract ({contracts[name].doc.relpath})")
        for j, item in enumerate(case.get("expect") or []):
            for key in ("tool_called", "tool_not_called"):
                names = item.get(key)
                for tool in [names] if isinstance(names, str) else names or []:
                    if by_function.get(tool, tool) not in listed:
                        yield doc.diagnostic(["cases", i, "expect", j, key],
                                             f"case '{case['name']}' expects tool '{tool}', which agent "
                                             f"'{agent.name}' does not use", f"use one of: {known}")
