"""`disable` / `enable`: take agents out of service (and back), with the escalation table as policy.

Default policy (`approvals` in agentctl.yaml): operations, engineering or on-call may disable
one agent alone (`disable-one`); several agents need an engineering approval (`disable-many`);
all agents — a shutdown — need a director approval (`shutdown`). A person holding an approver
role acts at once; anyone else opens a request an approver executes with `agentctl approve`.
disable retries a lost race (incident action); enable follows the change window.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agentctl.clock import isoformat
from agentctl.deploy.approvals import open_request, request_path, rule
from agentctl.deploy.guards import check_window
from agentctl.deploy.state import (
    INCIDENT_PATIENCE_S,
    AgentState,
    Outcome,
    Planned,
    agents_in,
    commit_action,
    new_record,
    read_state,
)
from agentctl.errors import BadInputError, NotFoundError, PolicyRefused
from agentctl.model import layout
from agentctl.repo import RepoLike, as_repo

if TYPE_CHECKING:
    from agentctl.store.refstore import Snapshot


def known_agents(root: Path, snapshot: Snapshot, env: str) -> list[str]:
    """Agents deployed in `env` plus agents defined in the repo."""
    defined = {p.parent.name for p in (root / layout.BUNDLES_DIR).glob(f"*/{layout.AGENT_FILE}")}
    return sorted(defined | set(agents_in(snapshot, env)))


def escalation(agents: list[str], known: list[str], all_agents: bool) -> str:
    if all_agents or (len(known) > 1 and set(agents) >= set(known)):
        return "shutdown"
    return "disable-many" if len(agents) > 1 else "disable-one"


def apply_disable(snapshot: Snapshot, env: str, agents: list[str], by: str, reason: str, when: str) -> list[AgentState]:
    states = [read_state(snapshot, env, a) for a in agents]
    for state in states:
        if state.disabled is None:
            state.disabled = {"by": by, "reason": reason, "since": when}
    return states


def disable(repo: RepoLike, agents: list[str], env: str | None = None, *, all_agents: bool = False,
            reason: str = "") -> Outcome:
    """Disable AGENTS (or every agent with `all_agents`) in `env`; exit 3 and a request when approval is needed."""
    repo = as_repo(repo)
    root = repo.root

    ctx = repo.context(fall_back_to_head=True)
    env, _spec = ctx.environment(env)
    if not reason.strip():
        raise BadInputError("disable needs --reason", 'say why, e.g. --reason "SMS gateway rejects every send"')
    if not agents and not all_agents:
        raise BadInputError("name the agents to disable", "pass AGENT… or --all")
    now = isoformat(ctx.now)

    def plan(snapshot: Snapshot) -> Planned:
        known = known_agents(root, snapshot, env)
        chosen = known if all_agents else sorted(set(agents))
        unknown = [a for a in chosen if a not in known]
        if unknown:
            raise NotFoundError(f"unknown agent {', '.join(unknown)} (known: {', '.join(known)})", "check the name")
        kind = escalation(chosen, known, all_agents)
        policy_rule = rule(ctx.policy, kind)
        record = new_record(ctx, "disable", env, chosen, reason)
        record["evidence"] = {"escalation": kind}
        what = "shutdown (all agents)" if kind == "shutdown" else ", ".join(chosen)
        if not ctx.has_any(policy_rule.act_alone):
            request = open_request(ctx, "disable", env, chosen, {"reason": reason}, policy_rule, reason,
                                   snapshot)
            record.update(action="request", request=request.id)
            refusal = PolicyRefused(
                f"disable {what} in {env} needs approval ({kind}): request {request.id} opened",
                f"ask {ctx.who_may(policy_rule.approver_roles)} to run `agentctl approve {request.id}`")
            return Planned(f"request {request.id}: disable {what} in {env}", record,
                           files={request_path(request.id): request.to_bytes()}, refuse_after=refusal)
        before = {a: read_state(snapshot, env, a).disabled for a in chosen}
        states = [s for s in apply_disable(snapshot, env, chosen, ctx.person or str(ctx.actor), reason, now)
                  if before[s.agent] is None]
        if not states:
            return Planned(f"{what} already disabled in {env}", record, write=False)
        record["evidence"]["authority"] = sorted(ctx.roles & set(policy_rule.act_alone))
        return Planned(f"disable {what} in {env}", record, states)

    return commit_action(ctx, "disable", env, agents, plan, patience_s=INCIDENT_PATIENCE_S)


def enable(repo: RepoLike, agents: list[str], env: str | None = None, *, reason: str = "",
           override: bool = False) -> Outcome:
    """Put disabled AGENTS back in service in `env` (same roles as disable-one; follows change windows)."""
    repo = as_repo(repo)

    ctx = repo.context()
    env, spec = ctx.environment(env)
    window_override = check_window(ctx, env, spec, "enable", override, reason)
    policy_rule = rule(ctx.policy, "disable-one")
    if not ctx.has_any(policy_rule.act_alone):
        raise PolicyRefused(f"{ctx.actor} may not enable agents in {env}",
                            f"ask {ctx.who_may(policy_rule.act_alone)} to run it")

    def plan(snapshot: Snapshot) -> Planned:
        states = [read_state(snapshot, env, a) for a in sorted(set(agents))]
        missing = [s.agent for s in states if not s.exists]
        if missing:
            raise NotFoundError(f"{', '.join(missing)} has no deployment in {env}", "see `agentctl status`")
        record = new_record(ctx, "enable", env, [s.agent for s in states], reason)
        record["override"] = [window_override] if window_override else None
        changed = [s for s in states if s.disabled is not None]
        for state in changed:
            state.disabled = None
        names = ", ".join(s.agent for s in states)
        if not changed:
            return Planned(f"{names} not disabled in {env}", record, write=False)
        return Planned(f"enable {', '.join(s.agent for s in changed)} in {env}", record, changed)

    return commit_action(ctx, "enable", env, agents, plan)
