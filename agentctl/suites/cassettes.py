"""Stale replay cassettes, found before `test` runs: a prompt, tool or case edit makes every affected
cassette answer a request nobody sends any more, so those cases fail at `test` and `deploy` refuses.

`validate` and `release` call this to warn early, with the command that re-records them; the check
only renders each case's request and compares its hash with the cassette's (no provider runs).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.errors import AgentctlError
from agentctl.model.diagnostics import Diagnostic
from agentctl.suites.model import Suite


@dataclass
class SuiteCassettes:
    """The replayed cases of one suite, and which of their cassettes no longer fit."""

    agent: str
    suite: Suite
    total: int = 0
    missing: list[str] = field(default_factory=list)    # "case (repeat N)" without a cassette
    outdated: list[str] = field(default_factory=list)   # recorded for a different prompt, tools or case

    @property
    def stale(self) -> int:
        return len(self.missing) + len(self.outdated)

    @property
    def record_command(self) -> str:
        return record_command(self.agent, self.suite)

    def diagnostic(self) -> Diagnostic:
        parts = [f"{len(self.outdated)} recorded for a different prompt, tools or case" if self.outdated else "",
                 f"{len(self.missing)} never recorded" if self.missing else ""]
        first = (self.outdated or self.missing)[0]
        message = (f"{self.stale} of {self.total} replay cassettes of suite '{self.suite.name}' are stale "
                   f"({', '.join(p for p in parts if p)}; first: {first}): those cases fail at `agentctl test`, "
                   "and deploy refuses a bundle whose required suites did not pass")
        key = ["provider"] if "provider" in (self.suite.doc.data or {}) else []
        return self.suite.doc.diagnostic(key, message, f"re-record them: {self.record_command}",
                                         severity="warning", key=bool(key))


def record_command(agent: str, suite: Suite) -> str:
    """The command that re-records `suite`'s cassettes: the suite's own `live:` provider, else one to name."""
    command = f"agentctl test {agent} --suite {suite.name} --record"
    if ((suite.provider or {}).get("live")):
        return command
    return f"{command} --provider 'command:CMD' (or openai-compatible:BASE_URL#MODEL)"


def check_cassettes(root: Path, config: Any, suites: Sequence[Suite]) -> list[SuiteCassettes]:
    """For every conversation suite of `config`'s agent, its replayed cases and the stale cassettes among them."""
    from agentctl.suites.providers.base import ProviderError
    from agentctl.suites.providers.replay import cassette_path, request_hash
    from agentctl.suites.runner import RunContext, build_request, cassette_folder

    ctx = RunContext(root, config, jobs=1)
    found = []
    for suite in suites:
        if suite.kind == "unit":
            continue
        report = SuiteCassettes(config.agent, suite)
        folder = cassette_folder(ctx, suite)
        for case in suite.cases:
            if (case.provider or suite.provider or {"type": "replay"}).get("type") != "replay":
                continue
            for repeat in range(1, case.repeats + 1):
                try:
                    request = build_request(ctx, suite, case, repeat)
                except (ProviderError, AgentctlError, ValueError):
                    continue  # a mock that breaks its contract, a prompt that does not render: reported elsewhere
                report.total += 1
                label = f"{case.name} (repeat {repeat})" if case.repeats > 1 else case.name
                path = cassette_path(folder, request)
                if not path.is_file():
                    report.missing.append(label)
                elif _recorded_hash(path) != request_hash(request):
                    report.outdated.append(label)
        if report.total:
            found.append(report)
    return found


def _recorded_hash(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("request_sha256") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def stale_warnings(root: Path, config: Any, suites: Sequence[Suite]) -> list[Diagnostic]:
    """One warning per suite with stale cassettes, at the suite file's `provider:` line."""
    return [report.diagnostic() for report in check_cassettes(root, config, suites) if report.stale]
