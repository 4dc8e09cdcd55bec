"""`rollback`: one command makes a known-good bundle stable at 100% and ends any canary.

Known-good means the bundle was stable in that environment before. The bundle is read from
git objects (tag → bundle file), and agentctl.yaml falls back to the committed copy, so a
broken working tree never blocks a rollback. Exempt from change windows by default. The
command retries a lost race (re-checking policy on the new state): it must land during an
incident.

Assessment window (`approvals.rollback`): a person with one of `roles` (default engineering,
oncall) rolls back at once. Anyone else opens a request that becomes executable after
`assessment_minutes` (the requester re-runs the same command) or as soon as an approver runs
`agentctl approve ID`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentctl.clock import isoformat
from agentctl.deploy.approvals import open_request, pending_requests, request_path, rule
from agentctl.deploy.guards import check_window
from agentctl.deploy.state import (
    INCIDENT_PATIENCE_S,
    AgentState,
    Outcome,
    Planned,
    commit_action,
    new_record,
    read_state,
)
from agentctl.errors import BadInputError, PolicyRefused
from agentctl.model.bundle import BundleRef, parse_ref
from agentctl.ops.bundles import load_bundle
from agentctl.repo import RepoLike, as_repo

if TYPE_CHECKING:
    from agentctl.store.refstore import Snapshot


def rollback_target(state: AgentState, version: int | None) -> int:
    """The version to roll back to: `version` if it was stable here before, else the previous stable."""
    known_good = [*state.stable_history, *([state.stable["version"]] if state.stable else [])]
    if not state.exists or not known_good:
        raise BadInputError(f"{state.agent} has never been stable in {state.env}", "nothing to roll back to")
    if version is None:
        current: int | None = state.stable["version"] if state.stable else None
        if state.canary and current is not None:
            return int(current)  # undo the newest change: end the canary, the stable it was measured against stays
        earlier = [v for v in state.stable_history if v != current]
        if not earlier:
            raise BadInputError(f"{state.agent} has no earlier stable bundle in {state.env}",
                                f"name one: `agentctl rollback {state.agent}@vN --env {state.env}`")
        return earlier[-1]
    if version not in known_good:
        good = ", ".join(f"v{v}" for v in sorted(set(known_good)))
        raise BadInputError(f"{state.agent}@v{version} was never stable in {state.env} (known good: {good})",
                            "roll back to a known-good version, or use `agentctl deploy` for a new one")
    return version


def apply_rollback(state: AgentState, version: int, when: str) -> tuple[str, bool]:
    """Make `version` stable at 100%; returns (summary, changed)."""
    before = state.summary()
    if before["stable"] == version and not state.canary:
        return f"{state.agent}@v{version} is already stable in {state.env} with no canary", False
    live = state.live_canary
    state.make_stable(version, when)
    ended = (f", canary v{before['canary']} ended (was {before['weight']}%)" if live
             else f", canary v{before['canary']} ended" if before["canary"] else "")
    move = f"v{version} stays stable" if before["stable"] == version else f"v{before['stable']} → v{version} stable"
    return f"rollback {state.agent} in {state.env}: {move} at 100%{ended}", True


def rollback(repo: RepoLike, ref: str, env: str | None = None, *, reason: str = "", override: bool = False) -> Outcome:
    """Roll AGENT[@vN] back in `env`.

    Without @vN: with a canary (live or aborted), the canary ends and the stable it was measured
    against stays at 100%; without one, the previous stable comes back.
    """
    repo = as_repo(repo)
    root = repo.root

    ctx = repo.context(fall_back_to_head=True)
    env, spec = ctx.environment(env)
    parsed = parse_ref(ref)
    named = parsed.version if "@" in ref and parsed.version is not None else None
    if named is not None:
        load_bundle(root, BundleRef(parsed.agent, named))  # it must exist in git objects
    agent, now = parsed.agent, isoformat(ctx.now)
    window_override = check_window(ctx, env, spec, "rollback", override, reason)
    policy_rule = rule(ctx.policy, "rollback")

    def plan(snapshot: Snapshot) -> Planned:
        state = read_state(snapshot, env, agent)
        version = rollback_target(state, named)
        record = new_record(ctx, "rollback", env, [agent], reason)
        record["override"] = [window_override] if window_override else None
        files: dict[str, bytes | None] = {}
        if not ctx.has_any(policy_rule.act_alone):
            mine = [r for r in pending_requests(snapshot) if r.action == "rollback" and r.env == env
                    and r.agents == [agent] and r.params.get("version") == version
                    and r.requester == str(ctx.actor) and r.staleness(snapshot, ctx.now) is None]
            if not mine:
                request = open_request(ctx, "rollback", env, [agent], {"version": version, "reason": reason},
                                       policy_rule, reason, snapshot)
                record.update(action="request", request=request.id)
                refusal = PolicyRefused(
                    f"rollback of {agent} to v{version} in {env} needs an approval or the "
                    f"{policy_rule.assessment_minutes:g}-minute assessment: request {request.id} opened",
                    f"ask {ctx.who_may(policy_rule.approver_roles)} to run `agentctl approve {request.id}`, "
                    f"or run this command again after {request.executable_after}")
                return Planned(f"request {request.id}: rollback {agent} to v{version} in {env}", record,
                               files={request_path(request.id): request.to_bytes()}, refuse_after=refusal)
            request = mine[0]
            if not request.assessment_over(ctx.now):
                raise PolicyRefused(f"request {request.id} (rollback of {agent} to v{version} in {env}) is in its "
                                    f"assessment window until {request.executable_after}",
                                    f"wait, or ask {ctx.who_may(policy_rule.approver_roles)} to run "
                                    f"`agentctl approve {request.id}`")
            request.status, request.executed_commit_of = "executed", record["id"]
            record["approvals"] = [{"assessment_minutes": policy_rule.assessment_minutes, "since": request.created}]
            record["request"] = request.id
            files[request_path(request.id)] = request.to_bytes()
        summary, changed = apply_rollback(state, version, now)
        return Planned(summary, record, [state] if changed else [], files=files, write=changed or bool(files))

    return commit_action(ctx, "rollback", env, [agent], plan, patience_s=INCIDENT_PATIENCE_S)
