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
from typing import TYPE_CHECKING, Any

from agentctl.clock import isoformat, parse_iso
from agentctl.deploy.signing import Verifier, signing_keys
from agentctl.deploy.state import read_state
from agentctl.identity import identity_claims, persons_claimed

if TYPE_CHECKING:
    from agentctl.deploy.context import Context
    from agentctl.store.refstore import RefStore, Snapshot

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
    opened_against: dict[str, dict[str, Any]] | None = None  # each agent's state summary when it was opened
    expires: str | None = None  # after this an approval is refused (open a new request)
    claims: list[str] = field(default_factory=list)  # every identity the requester could claim (identity_claims)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Request:
        return cls(**data)

    def staleness(self, snapshot: Snapshot, now: dt.datetime) -> str | None:
        """Why this request may no longer be carried out (expired, or the state moved on), or None."""

        if self.expires and parse_iso(self.expires) <= now:
            return f"request {self.id} expired at {self.expires} (opened {self.created})"
        for agent, then in (self.opened_against or {}).items():
            current = read_state(snapshot, self.env, agent).summary()
            if current != then:
                return (f"request {self.id} is stale: {agent} in {self.env} was {describe(then)} when it was "
                        f"opened ({self.created}), now {describe(current)}")
        return None

    def assessment_over(self, now: dt.datetime) -> bool:
        return bool(self.executable_after) and parse_iso(self.executable_after) <= now  # type: ignore[arg-type]


REQUEST_TTL_MINUTES = 120  # an incident request older than this is about a state nobody is looking at any more


def describe(summary: dict[str, Any]) -> str:
    """"stable v1, canary v2 at 10%" for a state summary."""
    parts = [f"stable v{summary['stable']}" if summary.get("stable") is not None else "nothing stable"]
    if summary.get("canary") is not None:
        parts.append(f"canary v{summary['canary']} at {summary.get('weight', 0)}%")
    if summary.get("disabled"):
        parts.append("disabled")
    return ", ".join(parts)


def open_request(ctx: Context, action: str, env: str, agents: list[str], params: dict[str, Any], the_rule: Rule,
                 reason: str, snapshot: Snapshot | None = None) -> Request:
    """A new request, carrying each agent's state as of `snapshot` and an expiry (REQUEST_TTL_MINUTES)."""

    seed = f"{uuid.uuid4().hex}{action}{env}{agents}".encode()
    request_id = "R-" + hashlib.sha256(seed).hexdigest()[:8]
    after = None
    if the_rule.assessment_minutes:
        after = isoformat(ctx.now + dt.timedelta(minutes=the_rule.assessment_minutes))

    against = {a: read_state(snapshot, env, a).summary() for a in agents} if snapshot is not None else None
    return Request(request_id, action, env, agents, params, the_rule.name, the_rule.approver_roles,
                   ctx.person, str(ctx.actor), reason, isoformat(ctx.now), after, opened_against=against,
                   expires=isoformat(ctx.now + dt.timedelta(minutes=REQUEST_TTL_MINUTES)),
                   claims=identity_claims(ctx.root))


def self_approval(ctx: Context, request: Request, snapshot: Snapshot, deployments: RefStore) -> str | None:
    """Why the acting user may not approve `request` because they are (or may be) its requester, or None.

    With signing, the request's commit was signed by the requester's key, and the approval is signed by the
    approver's own key (checked before it is published): the two keys and the two people must differ. Without
    a signed request, every identity attribute either side could claim is compared (see identity_claims): an
    overlap in any of them, or a claim that names the requester, refuses.
    """

    authority = ctx.authority or ctx.config
    if ctx.person is not None and ctx.person == request.requested_by:
        return f"{request.id} was requested by you ({ctx.person})"
    keys = signing_keys(authority)
    if keys and snapshot.commit:
        opened = deployments.log(path=request_path(request.id), at=snapshot.commit)
        if opened:
            verdict = Verifier(ctx.root, authority, getattr(deployments, "git_dir", None)).verify([opened[-1]])[0]
            if verdict.signer is not None:
                if verdict.signer == ctx.person:
                    return f"{request.id} was signed by {verdict.signer}'s key, and so would your approval be"
                if ctx.person in keys and keys[ctx.person].split()[:2] == keys[verdict.signer].split()[:2]:
                    return (f"{request.id} was signed with the key agentctl.yaml lists for both {verdict.signer} "
                            f"and {ctx.person}")
                return None  # signed by someone else: the approver's own signature is checked before publishing
    mine = identity_claims(ctx.root)
    shared = sorted(set(mine) & set(request.claims))
    theirs = persons_claimed(request.claims, authority.people) | ({request.requested_by} if request.requested_by else set())
    same_people = sorted(persons_claimed(mine, authority.people) & theirs)
    if shared or same_people:
        labels = {"email": "email", "login": "login", "os": "OS account"}
        said = ", ".join([*(f"{labels[c.partition(':')[0]]} {c.partition(':')[2]}" for c in shared),
                          *(f"person {p}" for p in same_people)])
        return f"{request.id} was requested under an identity you also hold ({said})"
    return None


def read_request(snapshot: Snapshot, request_id: str) -> Request | None:
    raw = snapshot.read(request_path(request_id))
    return Request.from_dict(json.loads(raw)) if raw else None


def pending_requests(snapshot: Snapshot) -> list[Request]:
    out = []
    for path in snapshot.list("requests/"):
        raw = snapshot.read(path)
        if raw:
            request = Request.from_dict(json.loads(raw))
            if request.status == "pending":
                out.append(request)
    return sorted(out, key=lambda r: r.created)
