"""The gate's trust model: a pull request's files are data, never code.

`agentctl ci` runs on changes nobody has reviewed yet (a pull request, perhaps from a fork).
Whatever a suite file names that would run — a `command` or `http` / `openai-compatible`
provider, a grader, a `${VAR}` read from the CI environment — is therefore never executed by
the gate: suites run in replay-only mode (`agentctl.suites.runner.RunContext.replay_only`) and
this module reports each live spec the gate skipped, at its file:line:

- defined or changed by the change (compared with the base): an **error** — the gate cannot
  vouch for tests it did not run, and a change must not be able to turn its own tests off by
  swapping them to a provider the gate skips;
- unchanged from the base: a **warning** — it was reviewed when it landed; it still is not run
  here, a maintainer runs it live;
- a replay provider's `live:` (used only by `agentctl test --record`) changed: a **notice**, so the
  maintainer who records cassettes reads it first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agentctl.ci.context import Finding
from agentctl.suites.runner import LIVE_RUN_NEEDED

if TYPE_CHECKING:
    from agentctl.ci.context import CiContext
    from agentctl.model.yamlio import Document
    from agentctl.suites.outcome import CaseResult

RULE = "needs-maintainer-run"
GATED_KINDS = ("unit", "boundary")  # the suite kinds the gate runs (by replay)


@dataclass(frozen=True)
class LiveSpec:
    """One provider or grader in a suite file that would execute something if the gate ran it."""

    path: tuple[str | int, ...]  # where in the YAML document
    key: tuple[str, ...]  # the same place, stable across reordering (cases by name), for the base comparison
    role: str  # "provider" | "grader" | "live provider"
    spec: dict[str, Any]
    cases: tuple[str, ...]  # the cases it would have run ("" = every case of the suite)


def live_specs(data: Any) -> Iterator[LiveSpec]:
    """Every non-replay provider, grader and replay `live:` spec in a parsed suite file."""
    if not isinstance(data, dict):
        return
    cases = [c for c in data.get("cases") or [] if isinstance(c, dict)]
    suite_provider = data.get("provider")
    if isinstance(suite_provider, dict):
        if suite_provider.get("type") != "replay":
            overridden = {c.get("name") for c in cases if isinstance(c.get("provider"), dict)}
            yield LiveSpec(("provider",), ("provider",), "provider", suite_provider,
                           tuple(str(c.get("name")) for c in cases if c.get("name") not in overridden))
        elif isinstance(suite_provider.get("live"), dict):
            yield LiveSpec(("provider", "live"), ("provider", "live"), "live provider", suite_provider["live"], ())
    if isinstance(data.get("grader"), dict):
        yield LiveSpec(("grader",), ("grader",), "grader", data["grader"], ())
    for i, raw in enumerate(data.get("cases") or []):
        if not isinstance(raw, dict):
            continue
        name = str(raw.get("name"))
        provider = raw.get("provider")
        if isinstance(provider, dict) and provider.get("type") != "replay":
            yield LiveSpec(("cases", i, "provider"), ("cases", name, "provider"), "provider", provider, (name,))
        for j, item in enumerate(raw.get("expect") or []):
            if isinstance(item, dict) and isinstance(item.get("provider"), dict):
                yield LiveSpec(("cases", i, "expect", j, "provider"), ("cases", name, "expect", str(j), "provider"),
                               "grader", item["provider"], (name,))


def _spec_at(specs: list[LiveSpec], key: tuple[str, ...]) -> dict[str, Any] | None:
    return next((s.spec for s in specs if s.key == key), None)


def suite_trust_findings(doc: Document, base_data: Any, agent: str) -> list[Finding]:
    """One finding per live spec of a suite file: what the gate did not run, and why."""
    from agentctl.suites.providers.base import describe

    base_specs = list(live_specs(base_data))
    kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
    gated = kind in GATED_KINDS
    findings = []
    for spec in live_specs(doc.data):
        changed = _spec_at(base_specs, spec.key) != spec.spec
        line, col = doc.position(list(spec.path))
        what = f"{spec.role} `{describe(spec.spec)}`"
        origin = "defined or changed by this change" if changed else "unchanged from the base"
        if not gated or spec.role == "live provider":  # the gate never runs it: a change is for the maintainer
            if changed:
                use = (f"of a {kind} suite: the gate never runs {kind} suites; review it before running "
                       f"`agentctl test {agent} --env ...`") if not gated else (
                    f"is used only when a maintainer records cassettes — review it before running "
                    f"`agentctl test {agent} --record`")
                findings.append(Finding("suites", "notice", doc.relpath, line, col, f"{what} ({origin}) {use}",
                                        RULE, agent))
            continue
        scope = f"cases {', '.join(spec.cases)}" if spec.cases else "its cases"
        if changed:
            findings.append(Finding(
                "suites", "error", doc.relpath, line, col,
                f"{what} ({origin}) was not run for {scope}: the gate never executes commands, URLs, graders or "
                f"${{VAR}}s from a change; it {LIVE_RUN_NEEDED} — replay cassettes recorded by a maintainer instead: "
                f"`provider: {{type: replay, live: ...}}`, then `agentctl test {agent} --record`", RULE, agent))
        else:
            findings.append(Finding(
                "suites", "warning", doc.relpath, line, col,
                f"{what} ({origin}) was not run for {scope}: the gate only replays recorded cassettes; it "
                f"{LIVE_RUN_NEEDED} (`agentctl test {agent}`)", RULE, agent))
    return findings


def agent_trust_findings(ctx: CiContext, agent: str, suite_paths: list[str]) -> list[Finding]:
    """The live specs of every suite file an affected agent lists (unreadable files: validate reports them)."""
    from agentctl.errors import ValidationFailed
    from agentctl.model.yamlio import load_file

    findings: list[Finding] = []
    for relpath in suite_paths:
        try:
            doc = load_file(ctx.root / relpath, relpath)
        except ValidationFailed:
            continue
        findings += suite_trust_findings(doc, ctx.base_data(relpath), agent)
    return findings


def skipped_for_trust(case: CaseResult) -> bool:
    """True when every failed attempt of the case failed only because a live provider or grader was not run."""
    failed = [a for a in case.attempts if not a.passed]
    reasons = [r for a in failed for r in ([a.error] if a.error else a.failures)]
    return bool(failed) and all(LIVE_RUN_NEEDED in (r or "") for r in reasons)
