"""`status` and `log`: what runs where right now, and every action that got it there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentctl.clock import parse_iso
from agentctl.deploy.signing import Verifier, require_signed, signing_active
from agentctl.deploy.state import agents_in, parse_message, read_state, state_path
from agentctl.deploy.windows import WindowPolicy, enforced
from agentctl.errors import NotFoundError
from agentctl.model import layout
from agentctl.ops.rollout import steps_of
from agentctl.repo import ConfigRepo, RepoLike, as_repo


@dataclass
class AgentStatus:
    agent: str
    stable: int | None
    canary: int | None
    weight: int
    step: str  # "1/3 (10%)" or ""
    minutes_in_step: float | None
    disabled: dict[str, Any] | None
    aborted: dict[str, Any] | None
    updated: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Signatures:
    """How the records behind a state verified (only when some person signs or the policy requires it)."""

    checked: int
    strict: bool  # policy.require_signed: unsigned records are untrusted too
    verified: int = 0  # signed by the person they name (the rest of the trusted ones are unsigned)
    untrusted: list[dict[str, Any]] = field(default_factory=list)  # Verdict dicts, newest first

    @property
    def ok(self) -> bool:
        return not self.untrusted

    def to_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "verified": self.verified, "require_signed": self.strict, "ok": self.ok,
                "untrusted": self.untrusted}


@dataclass
class StatusReport:
    env: str
    window: dict[str, Any]
    agents: list[AgentStatus] = field(default_factory=list)
    signatures: Signatures | None = None

    @property
    def ok(self) -> bool:
        return self.signatures is None or self.signatures.ok

    def to_dict(self) -> dict[str, Any]:
        return {"env": self.env, "window": self.window, "agents": [a.to_dict() for a in self.agents],
                "signatures": self.signatures.to_dict() if self.signatures else None}


def status(repo: RepoLike, agent: str | None = None, env: str | None = None) -> StatusReport:
    """Stable, canary, weight, step and time in step for each agent in `env`, and whether the window is open."""
    repo = as_repo(repo)

    ctx = repo.context(fall_back_to_head=True)
    env, spec = ctx.environment(env)
    window = WindowPolicy(ctx.policy).check(ctx.now)
    if not enforced(spec):
        window.open, window.rule = True, "not-enforced"
        window.reason = f"change windows are not enforced in {env}"
    snapshot = repo.deployment_state()
    names = [agent] if agent else agents_in(snapshot, env)
    snapshot.read_many([state_path(env, name) for name in names])  # one git process for every agent
    report = StatusReport(env, window.to_dict())
    steps = steps_of(spec)
    for name in names:
        state = read_state(snapshot, env, name)
        if not state.exists:
            raise NotFoundError(f"{name} has no deployment in {env}", f"deploy it: `agentctl deploy {name} --env {env}`")
        canary = state.canary or {}
        live = state.live_canary
        step = f"{canary['step_index'] + 1}/{len(steps)} ({state.weight}%)" if live else ""
        minutes = round((ctx.now - parse_iso(canary["step_started"])).total_seconds() / 60, 1) if live else None
        report.agents.append(AgentStatus(name, state.stable["version"] if state.stable else None,
                                         canary.get("version"), state.weight, step, minutes, state.disabled,
                                         canary.get("aborted"), state.updated))
    report.signatures = verify_states(repo, env, names)
    return report


def verify_states(repo: ConfigRepo, env: str, agents: list[str]) -> Signatures | None:
    """Verify every record that wrote these agents' state in `env` (None when nobody signs)."""

    authority = repo.context(fall_back_to_head=True).authority or repo.config_for(fall_back_to_head=True)
    if not signing_active(authority):
        return None
    entries = {e.commit: e for agent in agents for e in repo.deployments.log(path=state_path(env, agent))}
    strict = require_signed(authority)
    verdicts = Verifier(repo.root, authority, repo.deployments.git_dir).verify(entries.values())
    return Signatures(len(verdicts), strict, sum(1 for v in verdicts if v.status == "verified"),
                      [v.to_dict() for v in verdicts if not v.trusted(strict)])


@dataclass
class LogRecord:
    commit: str
    time: str
    author: str
    action: str
    summary: str
    reason: str
    approvals: list[dict[str, Any]]
    override: Any
    record: dict[str, Any]
    signature: dict[str, Any] | None = None  # with verify: the Verdict, plus "trusted"

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def deployment_log(repo: RepoLike, agent: str, env: str | None = None, *, limit: int | None = None,
                   verify: bool = False) -> list[LogRecord]:
    """Every recorded action on `agent` in `env`, newest first (who, when, what, why, approvals).

    A commit that changed the agent's state shows up even when its message names nothing (one made
    by hand). With `verify` — always under `policy.require_signed` — each record carries its signature
    verdict (see agentctl.deploy.signing). An agent with neither a definition nor a deployment is an error.
    """
    repo = as_repo(repo)

    ctx = repo.context(fall_back_to_head=True)
    env, _spec = ctx.environment(env)
    wrote_state = {e.commit for e in repo.deployments.log(path=state_path(env, agent))}
    if not wrote_state:
        _require_known_agent(repo, agent)
    entries = []
    for entry in repo.deployments.log():
        summary, record = parse_message(entry.message)
        named = record.get("env") == env and agent in (record.get("agents") or [])
        if not named and entry.commit not in wrote_state:
            continue
        entries.append(entry)
        if limit and len(entries) >= limit:
            break
    authority = ctx.authority or ctx.config
    strict = require_signed(authority)
    verifier = Verifier(repo.root, authority, repo.deployments.git_dir)
    verdicts = verifier.verify(entries) if verify or strict else [None] * len(entries)
    out = []
    for entry, verdict in zip(entries, verdicts, strict=True):
        summary, record = parse_message(entry.message)
        signature = None if verdict is None else {**verdict.to_dict(), "trusted": verdict.trusted(strict)}
        out.append(LogRecord(entry.commit, entry.time, f"{entry.author} <{entry.email}>", record.get("action", ""),
                             summary, record.get("reason", ""), record.get("approvals") or [],
                             record.get("override"), record, signature))
    return out


def _require_known_agent(repo: ConfigRepo, agent: str) -> None:
    """NotFoundError with a did-you-mean for an agent with no definition and no deployment anywhere."""
    import difflib


    if (repo.root / layout.agent_file(agent)).is_file():
        return
    snapshot = repo.deployment_state()
    deployed = {a for path in snapshot.list("state/") for a in [path.rsplit("/", 1)[-1].removesuffix(".json")]}
    defined = {p.parent.name for p in (repo.root / layout.BUNDLES_DIR).glob(f"*/{layout.AGENT_FILE}")}
    known = sorted(deployed | defined)
    if agent in known:
        return
    guess = difflib.get_close_matches(agent, known, n=1)
    hint = f"did you mean '{guess[0]}'?" if guess else f"use one of: {', '.join(known) or 'none yet'}"
    raise NotFoundError(f"no agent named '{agent}' (agents: {', '.join(known) or 'none yet'})", hint)
