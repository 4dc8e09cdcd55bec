"""The gate's steps, in the order they run. Each is independent: `(ctx) -> list[Finding]`.

A step never stops the others, so one run reports every problem a pull request has.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentctl.ci.context import CiContext, Finding
from agentctl.model import layout

Step = Callable[[CiContext], list[Finding]]
STEPS: list[tuple[str, Step]] = []


def step(name: str) -> Callable[[Step], Step]:
    def register(fn: Step) -> Step:
        STEPS.append((name, fn))
        return fn

    return register


def agent_of(relpath: str | None) -> str | None:
    """The agent whose folder holds `relpath`, if any."""
    parts = (relpath or "").split("/")
    return parts[1] if len(parts) >= 3 and parts[0] == layout.BUNDLES_DIR else None


def component_files(ctx: CiContext) -> set[str]:
    """The main file of every changed component (where diagnostics about the change itself land)."""
    files: set[str] = set()
    for kind, name in ctx.impact.components:
        files.add({"prompt": layout.prompt_meta(name), "contract": layout.contract_file(name),
                   "kb": layout.kb_file(name), "agent": layout.agent_file(name)}.get(kind, name))
    return files


@step("validate")
def validate_changed(ctx: CiContext) -> list[Finding]:
    """Schema and cross-file diagnostics in the changed files, and in the affected agents' definitions."""
    scope = set(ctx.changed_paths) | component_files(ctx)
    folders = tuple(f"{layout.agent_dir(a)}/" for a in ctx.impact.agents) + tuple(
        f"{layout.PROMPTS_DIR}/{n}/" for n in ctx.impact.names("prompt"))
    findings = []
    for d in ctx.workspace.diagnostics:
        if d.file in scope or d.file.startswith(folders) or ctx.impact.everything:
            message = f"{d.message} — {d.fix}" if d.fix else d.message
            findings.append(Finding("validate", d.severity, d.file, d.line, d.col, message, None, agent_of(d.file)))
    return findings


@step("impact")
def report_impact(ctx: CiContext) -> list[Finding]:
    """One notice per affected agent naming what reached it (no errors: this is for reviewers)."""
    return [Finding("impact", "notice", layout.agent_file(agent), None, None,
                    f"agent '{agent}' is affected: {', '.join(why)}", None, agent)
            for agent, why in sorted(ctx.impact.agents.items())]


@step("discipline")
def artifact_discipline(ctx: CiContext) -> list[Finding]:
    from agentctl.ci.discipline import check_discipline

    return check_discipline(ctx)


@step("compat")
def contract_compatibility(ctx: CiContext) -> list[Finding]:
    """Every changed contract against its base version: breaking without a major bump fails."""
    from agentctl.contracts.compat import Level, diff_contracts

    findings: list[Finding] = []
    overrides = ((ctx.workspace.config.data.get("contracts") or {}).get("rules")) or None
    levels = {Level.ERR: "error", Level.WARN: "warning", Level.INFO: "notice"}
    for name in ctx.impact.names("contract"):
        relpath = layout.contract_file(name)
        contract = ctx.workspace.contracts.get(name)
        old = ctx.base_data(relpath)
        if contract is None or not isinstance(old, dict):
            continue  # deleted, invalid (validate says why) or brand new: nothing to compare with
        try:
            report = diff_contracts(old, contract.data, overrides=overrides)
        except ValueError as exc:
            findings.append(Finding("compat", "error", layout.CONFIG_FILE, None, None,
                                    f"{exc} — fix `contracts.rules` in {layout.CONFIG_FILE}"))
            continue
        users = sorted(a for a, why in ctx.impact.agents.items() if f"tool contract {name}" in why)
        used_by = f" (used by {', '.join(users)})" if users else ""
        # a breaking change released as a new major version is honest: agents opt in by widening their range
        major_bump = _major_bumped(old.get("version"), contract.version)
        for change in report.changes:
            line, col = contract.doc.position([int(p) if p.isdigit() else p for p in change.path.split(".")])
            level = "warning" if change.level is Level.ERR and major_bump else levels[change.level]
            tail = f"; released as major version {contract.version}" if level != levels[change.level] else ""
            findings.append(Finding("compat", level, relpath, line, col, f"{change.message}{tail}{used_by}",
                                    change.rule))
    return findings


def _major_bumped(old: object, new: str) -> bool:
    from agentctl.contracts.semver import parse_version

    try:
        return parse_version(new).major > parse_version(str(old)).major
    except ValueError:
        return False


@step("suites")
def affected_suites(ctx: CiContext) -> list[Finding]:
    return run_affected_suites(ctx)


def run_affected_suites(ctx: CiContext) -> list[Finding]:
    """Unit and boundary suites of each affected agent, offline (replayed tool calls)."""
    findings: list[Finding] = []
    for name in sorted(ctx.impact.agents):
        agent = ctx.workspace.agents.get(name)
        if agent is None or not agent.suites:
            continue
        findings += _run_suites(ctx.root, name, agent.suites, ctx.run_tests)
        # trust model (agentctl.ci.trust): what the change names that would run is reported, never executed
        from agentctl.ci.trust import agent_trust_findings

        findings += agent_trust_findings(ctx, name, agent.suites)
    return findings


def _run_suites(root: Path, agent: str, suites: list[str], run_tests: Callable[..., Any] | None) -> list[Finding]:
    """The one place the gate calls the suite runner: unit and boundary suites, offline by replay only.

    Returns one error Finding per failed case (naming the case), nothing when all pass. Cases
    skipped because they need a live provider or grader are left to agentctl.ci.trust to report.
    """
    from agentctl.ci.trust import GATED_KINDS, skipped_for_trust
    from agentctl.errors import AgentctlError

    if run_tests is None:
        return [Finding("suites", "error", layout.agent_file(agent), None, None,
                        f"suites of '{agent}' could not run: no suite runner was given to the gate",
                        "suite-error", agent)]
    try:
        run = run_tests(root, agent, suites=GATED_KINDS, replay_only=True)
    except AgentctlError as exc:
        return [Finding("suites", "error", layout.agent_file(agent), None, None,
                        f"suites of '{agent}' could not run: {exc}", "suite-error", agent)]
    findings = []
    for suite in run.suites:
        if suite.error:
            findings.append(Finding("suites", "error", suite.path, None, None, f"{suite.name}: {suite.error}",
                                    "suite-error", agent))
        findings += [Finding("suites", "error", suite.path, None, None, f"{case.id}: {case.message}",
                             "suite-case-failed", agent) for case in suite.cases
                     if not case.passed and not skipped_for_trust(case)]
    return findings


@step("secrets")
def secret_scan(ctx: CiContext) -> list[Finding]:
    """Credentials and real phone numbers in any line the change adds, in any commit, in any text file."""
    from agentctl.ci.secret_scan import secret_findings

    return secret_findings(ctx)
