"""`agentctl test`: run an agent's unit, boundary and end-to-end suites; store results for released bundles.

`AGENT@vN` / `AGENT@latest` test a released bundle (its components are read from git objects)
and record each suite's result on refs/agentctl/results, which the bundle's history links to.
Plain `AGENT` tests the working tree: results are reported, and stored only when the working
tree's components are identical to the latest bundle's (then they validate that bundle).
Suite files and cassettes are always read from the working tree: tests evolve with the repo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from agentctl import __version__
from agentctl.errors import AgentctlError, BadInputError, NotFoundError, ValidationFailed, unknown_environment
from agentctl.model import layout
from agentctl.model.bundle import parse_ref
from agentctl.model.workspace import load_workspace
from agentctl.model.yamlio import load_file
from agentctl.ops.bundles import bundle_config, load_agent_workspace, load_bundle, working_config
from agentctl.repo import RepoLike, as_repo
from agentctl.suites.cassettes import record_command, stale_warnings
from agentctl.suites.model import read_suite_document, suite_from_document
from agentctl.suites.outcome import SuiteResult, pass_hat_k
from agentctl.suites.runner import (
    RunContext,
    default_jobs,
    missing_variables,
    parse_provider,
    run_suite,
    units,
)

if TYPE_CHECKING:
    from agentctl.model.artifacts import Workspace
    from agentctl.ops.bundles import AgentConfig
    from agentctl.suites.model import Suite
    from agentctl.suites.runner import RunContext


class ProgressSink(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, label: str) -> None: ...


@dataclass
class TestRun:
    __test__ = False  # not a pytest class

    agent: str
    target: str  # what was asked for: "install-reminder", "install-reminder@v3"
    version: int | None  # the bundle tested (None = working tree)
    stored_as: int | None  # the bundle version the results were recorded under, if any
    suites: list[SuiteResult]
    result_ids: dict[str, str] = field(default_factory=dict)
    note: str = ""
    junit: str | None = None
    rerecord: dict[str, str] = field(default_factory=dict)  # suite with stale cassettes → command re-recording it

    @property
    def ok(self) -> bool:
        return all(s.passed for s in self.suites)

    @property
    def status(self) -> str:
        return "passed" if self.ok else "failed"

    def to_dict(self) -> dict[str, Any]:
        return {"agent": self.agent, "target": self.target, "version": self.version, "status": self.status,
                "stored_as": self.stored_as, "result_ids": self.result_ids, "note": self.note, "junit": self.junit,
                "counts": {k: v for k, v in summary_counts(self).items() if k != "pass_k"}, "rerecord": self.rerecord,
                "suites": [s.to_dict() for s in self.suites]}


def run_tests(repo: RepoLike, target: str, *, suites: Sequence[str] = (), env: str | None = None,
              provider: str | None = None, record: bool = False, jobs: int | None = None,
              junit: Path | None = None, progress: ProgressSink | None = None,
              replay_only: bool = False) -> TestRun:
    """Run the selected suites of `target` (AGENT, AGENT@latest or AGENT@vN) and return every outcome.

    Raises ValidationFailed (exit 2) for invalid suite files and BadInputError for unknown
    suites, agents, versions or environments. A failing case never raises: check `TestRun.ok`.
    With `replay_only` (the CI gate) only recorded cassettes are replayed: a case whose provider
    or grader would run a command, reach a URL or read ${VAR}s fails with `live_run_refusal`.
    """
    repo = as_repo(repo)
    root = repo.root

    ref = parse_ref(target)
    config, stored_as, note = _resolve(root, ref.agent, target)
    if env is not None and env not in repo.config.environments:
        raise unknown_environment(env, repo.config.environments)
    selected = select_suites(load_agent_suites(root, ref.agent), suites, env)
    ctx = RunContext(root, config, env=env, provider=parse_provider(provider) if provider else None, record=record,
                     jobs=jobs or default_jobs(), progress=progress.advance if progress else None,
                     replay_only=replay_only)
    _require_variables(ctx, selected)
    if progress:
        progress.start(sum(units(s) for s in selected))
    results = [run_suite(ctx, suite) for suite in selected]
    run = TestRun(ref.agent, target, config.version, stored_as, results, note=note)

    run.rerecord = {suite.name: record_command(ref.agent, suite) for suite, result in zip(selected, results, strict=True)
                    if any(c.status == "stale" for c in result.cases)}
    if stored_as is not None:
        from agentctl.store.results import save_result

        for result in results:
            record_ = {**result.to_dict(), "bundle": f"{ref.agent}@v{stored_as}", "target": target,
                       "agentctl_version": __version__, "env": env}
            run.result_ids[result.name] = save_result(root, ref.agent, stored_as, result.name, record_)
    if junit is not None:
        from agentctl.suites.junit import write_junit

        write_junit(junit, results, ref.agent if stored_as is None else f"{ref.agent}@v{stored_as}")
        run.junit = str(junit)
    return run


def _require_variables(ctx: RunContext, selected: Sequence[Suite]) -> None:
    """Refuse (exit 2) before running or recording anything when a provider's ${VAR} is not set."""

    for suite in selected:
        missing = missing_variables(ctx, suite)
        if missing:
            names = list(missing)
            what = (f"the environment variable {names[0]}, which is not set" if len(names) == 1 else
                    f"the environment variables {', '.join(names)}, which are not set")
            raise BadInputError(f"suite {suite.name} needs {what} (its provider uses {missing[names[0]]}); "
                                "nothing was run or recorded",
                                f"export {' '.join(n + '=…' for n in names)} (the deployed runtime's URL and "
                                "credentials) and run again")


def _resolve(root: Path, agent: str, target: str) -> tuple[Any, int | None, str]:
    """(config to test, version to store results under, note for the reader)."""

    if "@" in target:
        bundle = load_bundle(root, target)
        return bundle_config(root, bundle), bundle.version, ""
    # Unchecked on purpose: broken placeholders, drifted KB documents and the like are exactly
    # what the unit suite reports, as named failing cases rather than one validation error.
    config = working_config(root, agent, load_agent_workspace(root, agent, check=False))
    try:
        latest = load_bundle(root, f"{agent}@latest")
    except NotFoundError:
        return config, None, "working tree (no released bundle yet): results are not stored"
    released = bundle_config(root, latest)
    if _comparable(released) == _comparable(config):
        return config, latest.version, f"working tree is identical to {agent}@v{latest.version}: results stored for it"
    return config, None, (f"working tree differs from {agent}@v{latest.version}: results are not stored "
                          f"(release it, then run `agentctl test {agent}@latest`)")


def _comparable(config: AgentConfig) -> dict[str, Any]:
    data = dict(config.to_dict())
    data.pop("version", None)
    return data


def load_agent_suites(root: Path, agent: str) -> list[Any]:
    """Every suite the agent definition lists, loaded and schema-checked (all findings at once)."""

    relpath = layout.agent_file(agent)
    if not (root / relpath).is_file():
        raise NotFoundError(f"no agent named '{agent}' ({relpath} does not exist)", "check the agent name")
    listed = load_file(root / relpath, relpath).data.get("suites") or []
    if not listed:
        raise BadInputError(f"agent '{agent}' lists no test suites",
                            f"add `suites: [suites/unit.yaml, suites/boundary.yaml]` to {relpath}")
    loaded, diagnostics = [], []
    for entry in listed:
        doc, findings = read_suite_document(root, f"{layout.agent_dir(agent)}/{entry}")
        diagnostics += findings
        if doc is not None:
            loaded.append(suite_from_document(doc))
    if any(d.is_error for d in diagnostics):
        raise ValidationFailed(diagnostics)
    return loaded


def select_suites(available: list[Any], wanted: Sequence[str], env: str | None) -> list[Any]:
    """`--suite` picks by name or kind; by default unit+boundary, or the e2e suites when --env is given."""
    if wanted:
        unknown = [w for w in wanted if not any(w in (s.name, s.kind) for s in available)]
        if unknown:
            names = ", ".join(sorted({s.name for s in available}))
            raise BadInputError(f"no suite named {', '.join(unknown)}", f"use one of: {names}")
        chosen = [s for s in available if s.name in wanted or s.kind in wanted]
    else:
        chosen = [s for s in available if (s.kind == "e2e") == (env is not None)]
        if not chosen:
            raise BadInputError("no e2e suite to run against --env" if env else "no unit or boundary suites",
                                "add one to the agent's `suites:`")
    if env is None and any(s.kind == "e2e" for s in chosen):
        raise BadInputError("e2e suites run against a deployed environment", "pass --env (e.g. --env staging)")
    return chosen


def summary_counts(run: TestRun) -> dict[str, Any]:
    """Totals across suites, for the closing line: cases passed, not passed (`failed`), and of those how many
    broke an expectation, could not run (`error`) or replayed a stale cassette (`stale`); pass^k over all cases."""
    cases = [c for s in run.suites for c in s.cases]
    statuses = [c.status for c in cases]
    return {"total": len(cases), "passed": statuses.count("passed"), "failed": len(cases) - statuses.count("passed"),
            "assertions_failed": statuses.count("failed"), "error": statuses.count("error"),
            "stale": statuses.count("stale"), "pass_k": pass_hat_k(cases)}


def cassette_warnings(repo: RepoLike, agents: Sequence[str] | None = None, ws: Workspace | None = None) -> list[Any]:
    """Warnings (Diagnostics) for replay cassettes that no longer match the working tree's prompt, tools or cases.

    `ws` is a workspace already loaded (leniently) by the caller; agents whose config or suites do not
    load are skipped: validate reports those as errors already.
    """

    repo = as_repo(repo)
    root = repo.root
    ws = ws if ws is not None else load_workspace(root, strict=False)
    warnings: list[Any] = []
    for agent in agents if agents is not None else sorted(ws.agents):
        if agent not in ws.agents:
            continue
        try:
            config = working_config(root, agent, ws)
            suites = load_agent_suites(root, agent)
        except AgentctlError:
            continue
        warnings += stale_warnings(root, config, suites)
    return warnings
