"""No layer imports a higher one: model ← subsystems ← ops ← cli/serve (walks every import, function-level too)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import agentctl
from agentctl.layers import upward
from tests.helpers import RepoDir

PACKAGE = Path(agentctl.__file__).parent


def test_no_module_imports_a_higher_layer() -> None:
    assert upward(PACKAGE) == []


def test_the_walk_finds_an_upward_import_at_any_depth(tmp_path) -> None:
    fake = tmp_path / "agentctl"
    (fake / "model").mkdir(parents=True)
    (fake / "canary").mkdir()
    (fake / "model" / "crossref.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from agentctl.ops.canary import evaluate\n"  # annotations only: allowed
        "def checks():\n    from agentctl.canary import checks\n")
    (fake / "canary" / "arms.py").write_text("from ..ops import canary\nfrom agentctl.model import layout\n")
    assert upward(fake) == [
        "agentctl/canary/arms.py:1: agentctl.canary.arms (subsystems) imports agentctl.ops (ops)",
        "agentctl/model/crossref.py:5: agentctl.model.crossref (model) imports agentctl.canary (subsystems)",
    ]


def test_validation_checks_are_registered_by_their_subsystems() -> None:
    from agentctl.model.crossref import CHECKS
    from agentctl.validation import load_checks

    load_checks()
    owners = {fn.__module__ for fn in CHECKS}
    assert {"agentctl.analysis.metric_checks", "agentctl.canary.checks", "agentctl.suites.checks",
            "agentctl.contracts.lifecycle", "agentctl.model.immutability"} <= owners


def test_the_check_modules_load_when_a_workspace_is_first_checked(example_repo: RepoDir) -> None:
    """Importing the ops API installs the checks' loader; only checking a workspace imports the check modules,
    and then every one of them runs (a command that never loads a workspace never pays for them)."""
    code = ("import sys, json\n"
            "import agentctl.ops, agentctl.ops.status\n"
            "from agentctl.validation import CHECK_MODULES\n"
            "before = [m for m in CHECK_MODULES if m in sys.modules]\n"
            "from agentctl.model.workspace import load_workspace\n"
            f"load_workspace(__import__('pathlib').Path({str(example_repo.path)!r}))\n"
            "from agentctl.model.crossref import CHECKS\n"
            "print(json.dumps([before, [m for m in CHECK_MODULES if m not in sys.modules],"
            " sorted({fn.__module__ for fn in CHECKS})]))\n")
    before, missing, owners = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                                        check=True).stdout)
    assert (before, missing) == ([], [])
    assert {"agentctl.analysis.metric_checks", "agentctl.canary.checks", "agentctl.deploy.checks",
            "agentctl.model.immutability", "agentctl.report.checks"} <= set(owners)


def test_a_check_loader_that_failed_runs_again_next_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from agentctl.model import crossref

    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ImportError("a check module failed to import")

    monkeypatch.setattr(crossref, "_LOADERS", [flaky])
    with pytest.raises(ImportError):
        crossref.ensure_registered()
    crossref.ensure_registered()
    assert calls == [1, 1] and crossref._LOADERS == []
