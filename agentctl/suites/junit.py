"""JUnit XML: one <testsuite> per suite, one <testcase> per case, so CI systems show each case."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from agentctl.suites.outcome import SuiteResult


def junit_xml(suites: Sequence[SuiteResult], name: str) -> bytes:
    """The XML document for `suites` (failure message = the first failing assertion)."""
    root = ET.Element("testsuites", name=name)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in suites:
        counts = suite.counts
        node = ET.SubElement(root, "testsuite", name=f"{name}/{suite.name}", tests=str(counts["total"]),
                             failures=str(counts["failed"]),
                             errors=str(counts["error"] + counts["stale"] + (1 if suite.error else 0)),
                             skipped="0", timestamp=suite.started, file=suite.path,
                             time=f"{sum(c.duration_ms for c in suite.cases) / 1000:.3f}")
        props = ET.SubElement(node, "properties")
        ET.SubElement(props, "property", name="provider", value=suite.provider)
        ET.SubElement(props, "property", name="suite_sha256", value=suite.sha256)
        if suite.error:
            error = ET.SubElement(node, "error", message=suite.error, type="SuiteError")
            error.text = suite.error
        for case in suite.cases:
            item = ET.SubElement(node, "testcase", classname=f"{name}.{suite.name}", name=case.name,
                                 time=f"{case.duration_ms / 1000:.3f}")
            if not case.passed:
                tag = "error" if case.status in ("error", "stale") else "failure"
                detail = f"{case.passes}/{len(case.attempts)} attempts passed (needs {case.threshold:.0%})"
                failure = ET.SubElement(item, tag, message=case.message, type=tag.capitalize())
                failure.text = f"{case.message}\n{detail}"
                if case.excerpt:
                    ET.SubElement(item, "system-out").text = case.excerpt
        for key in totals:
            totals[key] += int(node.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def write_junit(path: Path, suites: Sequence[SuiteResult], name: str) -> None:
    """Write the report atomically, so CI never picks up half a file."""
    from agentctl.fsutil import write_atomic

    write_atomic(path, junit_xml(suites, name))
