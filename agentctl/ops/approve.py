"""`approve`: an approver's own command records the approval and carries out the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agentctl.clock import isoformat
from agentctl.deploy.approvals import pending_requests, read_request, request_path, self_approval
from agentctl.deploy.state import INCIDENT_PATIENCE_S, Outcome, Planned, commit_action, new_record, read_state
from agentctl.errors import BadInputError, NotFoundError, PolicyRefused
from agentctl.ops.disable import apply_disable
from agentctl.ops.rollback import apply_rollback
from agentctl.repo import RepoLike, as_repo

if TYPE_CHECKING:
    from agentctl.store.refstore import Snapshot


@dataclass
class PendingList:
    requests: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"requests": self.requests}


def pending(repo: RepoLike) -> PendingList:
    """Open approval requests, oldest first."""
    repo = as_repo(repo)

    return PendingList([r.to_dict() for r in pending_requests(repo.deployment_state())])


def approve(repo: RepoLike, request_id: str, *, reason: str = "") -> Outcome:
    """Approve request `request_id` and run its action in the same commit.

    The approver needs one of the request's approver roles and may not be its requester.
    """
    repo = as_repo(repo)

    ctx = repo.context(fall_back_to_head=True)
    now = isoformat(ctx.now)
    holder: dict[str, Any] = {}

    def plan(snapshot: Snapshot) -> Planned:
        request = read_request(snapshot, request_id)
        if request is None:
            raise NotFoundError(f"no approval request {request_id}", "see `agentctl approve --list`")
        holder["env"], holder["agents"] = request.env, request.agents
        ctx.require_person("approve", request.env)
        if request.status != "pending":
            raise BadInputError(f"request {request_id} was already {request.status}", "nothing to approve")
        if not ctx.has_any(request.approver_roles):
            raise PolicyRefused(f"{ctx.actor} may not approve {request_id} ({request.rule})",
                                f"ask {ctx.who_may(request.approver_roles)} to run `agentctl approve {request_id}`")
        stale = request.staleness(snapshot, ctx.now)
        if stale:
            again = (f"agentctl rollback {request.agents[0]}@v{request.params.get('version')} --env {request.env}"
                     if request.action == "rollback" else
                     f"agentctl disable {' '.join(request.agents)} --env {request.env} --reason \"…\"")
            raise PolicyRefused(f"{stale}; nothing was done",
                                f"check `agentctl status --env {request.env}`; if it is still needed, the requester "
                                f"opens a new request: `{again}`")
        mine = self_approval(ctx, request, snapshot, repo.deployments)
        if mine:
            raise PolicyRefused(f"{mine}; an approval must come from someone else; nothing was done",
                                f"ask {ctx.who_may(request.approver_roles)}")
        record = new_record(ctx, request.action, request.env, request.agents, request.reason)
        record["requested_by"] = {"person": request.requested_by, "actor": request.requester}
        approval = {"by": ctx.person, "actor": str(ctx.actor), "at": now, "reason": reason}
        request.approvals.append(approval)
        request.status, request.executed_commit_of = "executed", record["id"]
        record["approvals"], record["request"] = request.approvals, request.id
        files: dict[str, bytes | None] = {request_path(request.id): request.to_bytes()}
        if request.action == "disable":
            by = request.requested_by or request.requester
            states = apply_disable(snapshot, request.env, request.agents, by, request.reason, now)
            summary = f"disable {', '.join(request.agents)} in {request.env} (approved {request.id})"
        elif request.action == "rollback":
            state = read_state(snapshot, request.env, request.agents[0])
            text, changed = apply_rollback(state, int(request.params["version"]), now)
            states = [state] if changed else []
            summary = f"{text} (approved {request.id})"
        else:
            raise BadInputError(f"request {request_id} has an unknown action {request.action}", "")
        return Planned(summary, record, states, files=files)

    outcome = commit_action(ctx, "approve", "", [], plan, patience_s=INCIDENT_PATIENCE_S)
    outcome.env, outcome.agents = holder.get("env", ""), holder.get("agents", [])
    return outcome
