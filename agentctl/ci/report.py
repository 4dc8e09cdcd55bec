"""The gate's result as data, and its Markdown (step summary) and JUnit forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentctl.ci.context import Finding


@dataclass
class StepResult:
    name: str
    findings: list[Finding]
    seconds: float = 0.0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def status(self) -> str:
        return "failed" if self.errors else "warnings" if self.warnings else "passed"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "seconds": round(self.seconds, 4),
                "findings": [f.to_dict() for f in self.findings]}


@dataclass
class CiReport:
    root: str
    base_ref: str
    base_commit: str
    changed: list[dict[str, str]]  # [{"status": "M", "path": ...}]
    impact: dict[str, Any]
    steps: list[StepResult] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for s in self.steps for f in s.findings]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def affected_agents(self) -> dict[str, list[str]]:
        agents: dict[str, list[str]] = self.impact.get("agents", {})
        return agents

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "root": self.root, "base": {"ref": self.base_ref, "commit": self.base_commit},
                "changed": self.changed, "affected_agents": self.affected_agents, "impact": self.impact,
                "steps": [s.to_dict() for s in self.steps],
                "summary": {"errors": len(self.errors), "warnings": len(self.warnings)}}


_ICONS = {"passed": "✅ passed", "warnings": "⚠️ warnings", "failed": "❌ failed"}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def markdown_report(report: CiReport) -> str:
    """The step summary: pass/fail header, one row per step, a table of findings, the affected agents."""
    verdict = "✅ agentctl ci: gate passed" if report.ok else "❌ agentctl ci: gate failed"
    lines = [f"## {verdict}", "",
             f"Compared with `{report.base_ref}` (`{report.base_commit[:12]}`): "
             f"{_count(len(report.changed), 'changed file')}, {_count(len(report.affected_agents), 'affected agent')}, "
             f"{_count(len(report.errors), 'error')}, {_count(len(report.warnings), 'warning')}.", "",
             "| step | result |", "|---|---|"]
    lines += [f"| {s.name} | {_ICONS[s.status]} |" for s in report.steps]
    shown = [f for f in report.findings if f.step != "impact"]
    if shown:
        lines += ["", "### Findings", "", "| level | step | location | rule | message |", "|---|---|---|---|---|"]
        for f in shown:
            where = f"`{f.location}`" if f.file else ""
            rule = f"`{f.rule}`" if f.rule else ""
            lines.append(f"| {f.level} | {f.step} | {where} | {rule} | {_cell(f.message)} |")
    lines += ["", "### Affected agents", ""]
    if report.affected_agents:
        lines += [f"- **{agent}**: {_cell(', '.join(why))}" for agent, why in sorted(report.affected_agents.items())]
    else:
        lines.append("None: the change touches no agent.")
    return "\n".join(lines) + "\n"


def junit_xml(report: CiReport) -> str:
    """JUnit XML with one testcase per step; a step with errors is a failure listing them."""
    import xml.etree.ElementTree as ET

    failures = sum(1 for s in report.steps if s.errors)
    suite = ET.Element("testsuite", name="agentctl ci", tests=str(len(report.steps)), failures=str(failures),
                       errors="0", skipped="0", time=f"{sum(s.seconds for s in report.steps):.3f}")
    for s in report.steps:
        case = ET.SubElement(suite, "testcase", classname="agentctl.ci", name=s.name, time=f"{s.seconds:.3f}")
        if s.errors:
            failure = ET.SubElement(case, "failure", message=f"{_count(len(s.errors), 'error')} in {s.name}",
                                    type="gate")
            failure.text = "\n".join(str(f) for f in s.errors)
        others = [f for f in s.findings if not f.is_error]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(f"{f.level}: {f}" for f in others)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
