"""`status` and `log`: what runs where right now, and every action that got it there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentctl.clock import parse_iso
from agentctl.repo import RepoLike, as_repo


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
class StatusReport:
    env: str
    window: dict[str, Any]
    agents: list[AgentStatus] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"env": self.env, "window": self.window, "agents": [a.to_dict() for a in self.agents]}


def status(repo: RepoLike, agent: str | None = None, env: str | None = None) -> StatusReport:
    """Stable, canary, weight, step and time in step for each agent in `env`, and whether the window is open."""
    repo = as_repo(repo)
    from agentctl.deploy.state import agents_in, read_state, state_path
    from agentctl.deploy.windows import WindowPolicy, enforced
    from agentctl.errors import NotFoundError
    from agentctl.ops.rollout import steps_of

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
    return report


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

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def deployment_log(repo: RepoLike, agent: str, env: str | None = None, *, limit: int | None = None) -> list[LogRecord]:
    """Every recorded action on `agent` in `env`, newest first (who, when, what, why, approvals)."""
    repo = as_repo(repo)
    from agentctl.deploy.state import parse_message

    ctx = repo.context(fall_back_to_head=True)
    env, _spec = ctx.environment(env)
    out = []
    for entry in repo.deployments.log():
        summary, record = parse_message(entry.message)
        if record.get("env") != env or agent not in (record.get("agents") or []):
            continue
        out.append(LogRecord(entry.commit, entry.time, f"{entry.author} <{entry.email}>", record.get("action", ""),
                             summary, record.get("reason", ""), record.get("approvals") or [],
                             record.get("override"), record))
        if limit and len(out) >= limit:
            break
    return out
