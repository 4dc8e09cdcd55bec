"""GitHub Actions output: annotation escaping, and golden annotations + step summary for the SMS gateway PR."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.ci.context import Finding
from agentctl.ci.github import annotation
from tests.helpers import RepoDir
from tests.ops.test_ci import require_sender_id, sms_v1  # noqa: F401 - fixture

GOLDEN_ANNOTATIONS = """\
::notice file=bundles/install-reminder/agent.yaml,title=agentctl ci%3A impact::agent 'install-reminder' is affected: tool contract sms-gateway
::error file=tool-contracts/sms-gateway.yaml,line=34,col=18,title=request-property-became-required::'sender_id' was optional and is now required: payloads that omit it are rejected or silently dropped (used by install-reminder)
::error file=tool-contracts/sms-gateway.yaml,line=2,col=10,title=breaking-change-without-major-bump::1.4.0 → 1.5.0 has breaking changes (request-property-became-required); release it as 2.0.0 (used by install-reminder)
"""

GOLDEN_SUMMARY = """\
previous step's summary
## ❌ agentctl ci: gate failed

Compared with `main` (`{base}`): 1 changed file, 1 affected agent, 2 errors, 0 warnings.

| step | result |
|---|---|
| validate | ✅ passed |
| impact | ✅ passed |
| discipline | ✅ passed |
| compat | ❌ failed |
| suites | ✅ passed |
| secrets | ✅ passed |

### Findings

| level | step | location | rule | message |
|---|---|---|---|---|
| error | compat | `tool-contracts/sms-gateway.yaml:34:18` | `request-property-became-required` | 'sender_id' was optional and is now required: payloads that omit it are rejected or silently dropped (used by install-reminder) |
| error | compat | `tool-contracts/sms-gateway.yaml:2:10` | `breaking-change-without-major-bump` | 1.4.0 → 1.5.0 has breaking changes (request-property-became-required); release it as 2.0.0 (used by install-reminder) |

### Affected agents

- **install-reminder**: tool contract sms-gateway
"""


def test_pr_in_github_actions_golden_annotations_and_summary(sms_v1: RepoDir, cli, monkeypatch,  # noqa: F811
                                                             tmp_path: Path) -> None:
    require_sender_id(sms_v1, "1.5.0")
    sms_v1.git("commit", "-qam", "sender_id is required")
    summary = tmp_path / "summary.md"
    summary.write_text("previous step's summary\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = cli("ci", "--base", "main", cwd=sms_v1.path)
    assert result.exit_code == 1
    emitted = "".join(line + "\n" for line in result.stdout.splitlines() if line.startswith("::"))
    assert emitted == GOLDEN_ANNOTATIONS
    base = sms_v1.git("rev-parse", "main").strip()[:12]
    assert summary.read_text("utf-8") == GOLDEN_SUMMARY.format(base=base)


@pytest.mark.parametrize(("finding", "expected"), [
    pytest.param(Finding("validate", "error", "prompts/a,b/x:y.yaml", 3, 5, "50% off\r\nnext line", "r:1,2"),
                 "::error file=prompts/a%2Cb/x%3Ay.yaml,line=3,col=5,title=r%3A1%2C2::50%25 off%0D%0Anext line",
                 id="escapes-data-and-properties"),
    pytest.param(Finding("secrets", "warning", "kb/a.md", 7, None, "x", None),
                 "::warning file=kb/a.md,line=7,title=agentctl ci%3A secrets::x", id="no-column"),
    pytest.param(Finding("suites", "notice", None, None, None, "no file", None),
                 "::notice title=agentctl ci%3A suites::no file", id="no-file"),
])
def test_annotation_escaping(finding: Finding, expected: str) -> None:
    assert annotation(finding) == expected


def test_no_annotations_outside_actions(sms_v1: RepoDir, cli) -> None:  # noqa: F811
    require_sender_id(sms_v1, "1.5.0")
    result = cli("ci", cwd=sms_v1.path)
    assert result.exit_code == 1
    assert not any(line.startswith("::") for line in result.stdout.splitlines())
