"""`agentctl ci`: the pull-request gate, run only for what the change affects."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

from agentctl.ci.context import CiContext
from agentctl.ci.impact import analyse
from agentctl.ci.report import CiReport, StepResult, junit_xml, markdown_report
from agentctl.ci.scoped import load_scoped_workspace
from agentctl.ci.steps import STEPS
from agentctl.fsutil import write_atomic
from agentctl.ops.test import run_tests
from agentctl.repo import RepoLike, as_repo
from agentctl.store.changes import changed_files, resolve_base


def run_ci(repo: RepoLike, base: str | None = None, *, junit: str | Path | None = None,
           environ: Mapping[str, str] | None = None) -> CiReport:
    """Judge the change between `base` (default: see below) and the working tree of the repo at `root`.

    The base is `base` if given, else the pull request's base branch in GitHub Actions
    (`GITHUB_BASE_REF`), else the default branch; the change is everything since the merge base,
    committed or not. Every step runs (validate, impact, discipline, compat, suites, secrets);
    `report.ok` is False when any step found an error. Writes JUnit XML to `junit` when given and
    appends a Markdown report to `$GITHUB_STEP_SUMMARY` when that is set. Raises BadInputError
    (exit 2) for an unknown base or a folder outside git.
    """
    repo = as_repo(repo)
    root = repo.root

    env = os.environ if environ is None else environ
    resolved = resolve_base(root, base, env)
    changes = changed_files(root, resolved.commit)
    impact = analyse(root, changes)
    workspace = load_scoped_workspace(root, impact, [c.path for c in changes if c.status != "D"])
    ctx = CiContext(root, resolved, changes, impact, workspace, run_tests=run_tests)
    report = CiReport(str(root), resolved.ref, resolved.commit,
                      [{"status": c.status, "path": c.path} for c in changes], impact.to_dict())
    for name, run_step in STEPS:
        started = time.perf_counter()
        findings = run_step(ctx)
        report.steps.append(StepResult(name, findings, time.perf_counter() - started))
    if junit:
        write_atomic(Path(junit), junit_xml(report))
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        from agentctl.ci.github import append_step_summary

        append_step_summary(summary, markdown_report(report))
    return report


