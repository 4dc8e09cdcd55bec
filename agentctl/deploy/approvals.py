"""Approval requests: opened by the requester's refused command, approved by the approver's own command.

A request is a file `requests/<id>.json` on the deployments ref. `agentctl approve ID` by a
person holding one of its approver roles (never the requester) records the approval and runs
the action in the same commit. A rollback request also becomes executable by its requester
once the assessment window (`approvals.rollback.assessment_minutes`) has passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from agentctl.clock import isoformat, parse_iso

DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "disable-one": {"roles": ["operations", "engineering", "oncall"]},
    "disable-many": {"approvers": ["engineering"]},
    "shutdown": {"approvers": ["director"]},
    "rollback": {"roles": ["engineering", "oncall"], "assessment_minutes": 15},
}


def request_path(request_id: str) -> str:
    return f"requests/{request_id}.json"


@dataclass
class Rule:
    """Who may act alone (`roles` or any approver role) and whose approval others need (`approvers`)."""

    name: str
    roles: list[str]
    approvers: list[str]
    assessment_minutes: float = 0

    @property
    def act_alone(self) -> list[str]:
        return sorted(set(self.roles) | set(self.approvers))

    @property
    def approver_roles(self) -> list[str]:
        return self.approvers or self.roles


def rule(policy: dict[str, Any], name: str) -> Rule:
    spec = {**DEFAULT_RULES.get(name, {}), **((policy.get("approvals") or {}).get(name) or {})}
    if name == "deploy-override" and not spec:
        spec = {"roles": list(policy.get("override_roles") or ["engineering"])}
    return Rule(name, list(spec.get("roles") or []), list(spec.get("approvers") or []),
                float(spec.get("assessment_minutes") or 0))


@dataclass
class Request:
    id: str
    action: str  # disable | rollback
    env: str
    agents: list[str]
    params: dict[str, Any]  # what the action needs to run later (version, reason, ...)
    rule: str
    approver_roles: list[str]
    requested_by: str | None  # person id
    requester: str  # actor as text
    reason: str
    created: str
    executable_after: str | None = None  # rollback: when the assessment window ends
    approvals: list[dict[str, Any]] = field(default_factory=list)
    status: str = "pending"  # pending | executed
    executed_commit_of: str | None = None  # id of the audit record that executed it

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Request:
        return cls(**data)

    def assessment_over(self, now: dt.datetime) -> bool:
        return bool(self.executable_after) and parse_iso(self.executable_after) <= now  # type: ignore[arg-type]


def open_request(ctx: Any, action: str, env: str, agents: list[str], params: dict[str, Any], the_rule: Rule,
                 reason: str) -> Request:
    seed = f"{uuid.uuid4().hex}{action}{env}{agents}".encode()
    request_id = "R-" + hashlib.sha256(seed).hexdigest()[:8]
    after = None
    if the_rule.assessment_minutes:
        after = isoformat(ctx.now + dt.timedelta(minutes=the_rule.assessment_minutes))
    return Request(request_id, action, env, agents, params, the_rule.name, the_rule.approver_roles,
                   ctx.person, str(ctx.actor), reason, isoformat(ctx.now), after)


def read_request(snapshot: Any, request_id: str) -> Request | None:
    raw = snapshot.read(request_path(request_id))
    return Request.from_dict(json.loads(raw)) if raw else None


def pending_requests(snapshot: Any) -> list[Request]:
    out = []
    for path in snapshot.list("requests/"):
        raw = snapshot.read(path)
        if raw:
            request = Request.from_dict(json.loads(raw))
            if request.status == "pending":
                out.append(request)
    return sorted(out, key=lambda r: r.created)
