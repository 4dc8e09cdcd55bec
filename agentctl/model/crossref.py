"""Checks that span files: references resolve, owners exist, hashes match, placeholders are declared."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from agentctl.model import layout
from agentctl.model.artifacts import AgentDef, Workspace
from agentctl.model.diagnostics import Diagnostic
from agentctl.model.paths import escape_reason, is_url, refusal_fix
from agentctl.model.prompt import malformed_placeholders, placeholders

Check = Callable[[Workspace], Iterator[Diagnostic]]
CHECKS: list[Check] = []
# what registers the subsystems' checks (agentctl.validation installs its loader when imported): run on first
# use, so a command that never checks a workspace never imports the check modules
_LOADERS: list[Callable[[], None]] = []


def check(fn: Check) -> Check:
    CHECKS.append(fn)
    return fn


def on_first_use(loader: Callable[[], None]) -> None:
    """Run `loader` (which registers checks or notes) before the first workspace check or contract note."""
    _LOADERS.append(loader)


def ensure_registered() -> None:
    while _LOADERS:
        _LOADERS[0]()  # dropped only once it ran: a loader that failed runs again next time (loaders are idempotent)
        _LOADERS.pop(0)


def check_workspace(ws: Workspace) -> list[Diagnostic]:
    """Run every registered cross-file check; each yields diagnostics and none stops the others.

    Subsystems register theirs (see agentctl.validation, whose loader runs here on first use).
    """
    ensure_registered()
    return [d for fn in CHECKS for d in fn(ws)]


def _short(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def _known(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "none"


@check
def people_and_roles(ws: Workspace) -> Iterator[Diagnostic]:
    doc = ws.config.doc
    declared = set(ws.config.data.get("roles") or {})
    if not declared:
        return
    for person, spec in ws.config.people.items():
        for i, role in enumerate(spec.get("roles") or []):
            if role not in declared:
                yield doc.diagnostic(["people", person, "roles", i], f"role '{role}' is not declared under `roles:`",
                                     f"declare it or use one of: {_known(declared)}")
    policy = ws.config.policy
    for i, role in enumerate(policy.get("override_roles") or []):
        if role not in declared:
            yield doc.diagnostic(["policy", "override_roles", i], f"role '{role}' is not declared under `roles:`",
                                 f"use one of: {_known(declared)}")
    for action, rule in (policy.get("approvals") or {}).items():
        for key in ("roles", "approvers"):
            for i, role in enumerate(rule.get(key) or []):
                if role not in declared:
                    yield doc.diagnostic(["policy", "approvals", action, key, i],
                                         f"role '{role}' is not declared under `roles:`", f"use one of: {_known(declared)}")


@check
def environments(ws: Workspace) -> Iterator[Diagnostic]:
    doc = ws.config.doc
    envs = ws.config.environments
    default = ws.config.data.get("default_environment")
    if default and default not in envs:
        yield doc.diagnostic(["default_environment"], f"default environment '{default}' is not defined",
                             f"use one of: {_known(envs)}")
    for name, env in envs.items():
        for i, required in enumerate(env.get("requires") or []):
            if required not in envs:
                yield doc.diagnostic(["environments", name, "requires", i], f"environment '{required}' is not defined",
                                     f"use one of: {_known(envs)}")
        steps = (env.get("rollout") or {}).get("steps")
        if steps and (steps != sorted(set(steps)) or steps[-1] != 100):
            yield doc.diagnostic(["environments", name, "rollout", "steps"],
                                 f"rollout steps {steps} must increase and end at 100", "write them like [10, 50, 100]")
    tz = ws.config.policy.get("timezone")
    if tz:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            yield doc.diagnostic(["policy", "timezone"], f"unknown timezone '{tz}'",
                                 "use an IANA zone name such as America/Chicago or Europe/Berlin")


def _owner_findings(ws: Workspace, kind: str, loaded: dict[str, Any], present: set[str]) -> Iterator[Diagnostic]:
    """Owner checks for agents or tools: `loaded` maps names to their Document, `present` is every file found."""
    people = ws.config.people
    singular = kind[:-1]
    for name in sorted(present):
        owner = ws.config.owner_of(kind, name)
        if owner is None and name in loaded:
            yield loaded[name].diagnostic(["name"], f"{singular} '{name}' has no owner",
                                          f"add `owners: {{{kind}: {{{name}: <person>}}}}` to agentctl.yaml")
        elif owner is not None and owner not in people:
            yield ws.config.doc.diagnostic(["owners", kind, name], f"owner '{owner}' of {singular} '{name}' is not a known person",
                                           f"add '{owner}' under `people:` or use one of: {_known(people)}")
    for name in sorted((ws.config.data.get("owners") or {}).get(kind) or {}):
        if name not in present:
            yield ws.config.doc.diagnostic(["owners", kind, name], f"owners name a {singular} '{name}' that does not exist",
                                           "remove the entry or fix the name", severity="warning", key=True)


@check
def ownership(ws: Workspace) -> Iterator[Diagnostic]:
    """Unowned agents, tools and metrics are errors: unowned things don't get watched."""
    agent_dirs = {p.parent.name for p in (ws.root / layout.BUNDLES_DIR).glob(f"*/{layout.AGENT_FILE}")}
    contract_files = {p.stem for p in (ws.root / layout.CONTRACTS_DIR).glob("*.yaml")}
    yield from _owner_findings(ws, "agents", {n: a.doc for n, a in ws.agents.items()}, agent_dirs)
    yield from _owner_findings(ws, "tools", {n: c.doc for n, c in ws.contracts.items()}, contract_files)
    people = ws.config.people
    for name, metric in ws.config.metrics.items():
        owner = metric.get("owner")
        if not owner:
            yield ws.config.doc.diagnostic(["metrics", name], f"metric '{name}' has no owner",
                                           "add `owner: <person>` — unowned metrics don't get watched", key=True)
        elif owner not in people:
            yield ws.config.doc.diagnostic(["metrics", name, "owner"], f"owner '{owner}' of metric '{name}' is not a known person",
                                           f"add '{owner}' under `people:` or use one of: {_known(people)}")


@check
def agent_references(ws: Workspace) -> Iterator[Diagnostic]:
    for agent in ws.agents.values():
        yield from _agent_refs(ws, agent)


def _agent_refs(ws: Workspace, agent: AgentDef) -> Iterator[Diagnostic]:
    doc = agent.doc
    if agent.prompt not in ws.prompts and not (ws.root / layout.PROMPTS_DIR / agent.prompt).is_dir():
        yield doc.diagnostic(["prompt"], f"agent '{agent.name}' uses prompt '{agent.prompt}', which does not exist",
                             f"create {layout.prompt_meta(agent.prompt)} or use one of: {_known(ws.prompts)}")
    seen: set[str] = set()
    for ref in agent.tools:
        if ref.contract in seen:
            yield doc.diagnostic(["tools", ref.index, "contract"], f"tool '{ref.contract}' is listed twice",
                                 "keep one entry per tool")
        seen.add(ref.contract)
        if ref.contract not in ws.contracts and not (ws.root / layout.contract_file(ref.contract)).is_file():
            yield doc.diagnostic(["tools", ref.index, "contract"],
                                 f"agent '{agent.name}' uses tool '{ref.contract}', which has no contract",
                                 f"create {layout.contract_file(ref.contract)} or use one of: {_known(ws.contracts)}")
    if agent.kb and agent.kb not in ws.kbs and not (ws.root / layout.kb_file(agent.kb)).is_file():
        yield doc.diagnostic(["kb"], f"agent '{agent.name}' uses KB '{agent.kb}', which has no manifest",
                             f"create {layout.kb_file(agent.kb)} (`agentctl kb snapshot {agent.kb} DIR`) or use one of: {_known(ws.kbs)}")
    for i, suite in enumerate(agent.suites):
        escape = escape_reason(ws.root, suite) or escape_reason(ws.root / agent.directory, suite[len(agent.directory) + 1:])
        if escape:
            yield doc.diagnostic(["suites", i], f"suite file '{_short(suite)}' {escape}", refusal_fix("suite file"))
        elif not (ws.root / suite).is_file():
            yield doc.diagnostic(["suites", i], f"suite file '{suite}' does not exist",
                                 "create it or remove it from `suites:`")


@check
def prompt_placeholders(ws: Workspace) -> Iterator[Diagnostic]:
    for prompt in ws.prompts.values():
        declared = prompt.variables
        used = set()
        for ph in placeholders(prompt.text):
            used.add(ph.name)
            if ph.name not in declared:
                yield Diagnostic(prompt.text_path, ph.line, ph.col,
                                 f"prompt uses variable '{ph.name}', which is not declared",
                                 f"declare it under `variables:` in {prompt.doc.relpath}")
        for line, col in malformed_placeholders(prompt.text):
            yield Diagnostic(prompt.text_path, line, col, "malformed placeholder",
                             "write placeholders as {{ variable_name }}")
        for name in sorted(set(declared) - used):
            yield prompt.doc.diagnostic(["variables", name], f"variable '{name}' is declared but never used",
                                        "use it in the template or remove it", severity="warning", key=True)


@check
def kb_documents(ws: Workspace) -> Iterator[Diagnostic]:
    """Local documents must match their recorded size and sha256; remote ones are checked by `kb verify`."""
    for kb in ws.kbs.values():
        for i, entry in enumerate(kb.documents):
            uri = entry["uri"]
            if is_url(uri):
                continue
            escape = escape_reason(ws.root, uri)
            if escape:
                yield kb.doc.diagnostic(["documents", i, "uri"], f"document '{_short(uri)}' {escape}",
                                        refusal_fix("document"))
                continue
            path = ws.root / uri
            if not path.is_file():
                yield kb.doc.diagnostic(["documents", i, "uri"], f"document '{uri}' does not exist",
                                        f"restore it or re-run `agentctl kb snapshot {kb.name} DIR`")
                continue
            size = path.stat().st_size
            if size != entry["size"] or sha256_file(path) != entry["sha256"]:
                yield kb.doc.diagnostic(["documents", i, "sha256"],
                                        f"document '{uri}' changed since the manifest was written (hash or size differ)",
                                        f"re-run `agentctl kb snapshot {kb.name} DIR` and bump the manifest version")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file, read in chunks so large documents never sit whole in memory."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@check
def metrics_source(ws: Workspace) -> Iterator[Diagnostic]:
    """The call store lives inside the repo (under .agentctl/ by default), never elsewhere on the machine."""
    source = ws.config.data.get("metrics_source")
    path = source.get("path") if isinstance(source, dict) else None
    if isinstance(path, str) and path:
        escape = escape_reason(ws.root, path)
        if escape:
            yield ws.config.doc.diagnostic(["metrics_source", "path"], f"metrics_source.path '{_short(path)}' {escape}",
                                           "keep the call store inside the repo, e.g. .agentctl/calls.duckdb")
