"""GitHub Actions output: workflow-command annotations and the job's step summary.

Escaping follows the runner's workflow-command rules: in the message `%`, CR and LF are
percent-encoded; in properties (file, title, …) `:` and `,` are encoded too, because they
separate the properties.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from agentctl.ci.context import Finding


def in_actions(environ: Mapping[str, str] | None = None) -> bool:
    return (os.environ if environ is None else environ).get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """`::error file=F,line=L,col=C,title=RULE::message` for one finding."""
    props = []
    if finding.file:
        props.append(f"file={escape_property(finding.file)}")
        if finding.line:
            props.append(f"line={finding.line}")
            if finding.col:
                props.append(f"col={finding.col}")
    props.append(f"title={escape_property(finding.rule or f'agentctl ci: {finding.step}')}")
    return f"::{finding.level} {','.join(props)}::{escape_data(finding.message)}"


def annotation_lines(findings: Iterable[Finding]) -> list[str]:
    return [annotation(f) for f in findings]


def append_step_summary(path: str | Path, markdown: str) -> None:
    """Append to $GITHUB_STEP_SUMMARY (the runner collects it after the step; other steps append too)."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(markdown if markdown.endswith("\n") else markdown + "\n")
