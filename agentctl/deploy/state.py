"""Deployment state on `refs/agentctl/deployments`: one JSON file per environment and agent.

Layout on the ref:
    state/<env>/<agent>.json   stable, canary, disabled, earlier stables, every version deployed here
    requests/<id>.json         approval requests (see approvals.py)
Every action is one commit whose message is a one-line summary, a blank line, and the JSON
audit record (action, env, agents, changes, actor, person, reason, approvals, override,
evidence), so `agentctl log` reads the history straight from the ref.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.clock import isoformat
from agentctl.deploy.signing import CONFIGURE_FIX, refuse_untrusted, require_signed, signing_active
from agentctl.errors import PolicyRefused
from agentctl.store.refstore import Change, LogEntry, RefStore

if TYPE_CHECKING:
    from agentctl.deploy.context import Context
    from agentctl.store.refstore import RefStore, Snapshot

DEPLOY_REF = "refs/agentctl/deployments"
INCIDENT_PATIENCE_S = 120.0  # rollback, abort, disable, approve retry a lost race this long (backoff), then exit 4
HISTORY_LIMIT = 50


def state_path(env: str, agent: str) -> str:
    return f"state/{env}/{agent}.json"


@dataclass
class AgentState:
    env: str
    agent: str
    stable: dict[str, Any] | None = None  # {version, since}
    canary: dict[str, Any] | None = None  # {version, weight, step_index, step_started, started, aborted}
    disabled: dict[str, Any] | None = None  # {by, reason, since}
    stable_history: list[int] = field(default_factory=list)  # earlier stables, oldest first
    deployed: list[int] = field(default_factory=list)  # every version that reached this environment
    updated: str | None = None
    pins: dict[str, dict[str, str]] = field(default_factory=dict)  # "N" → {commit, content_hash} as deployed

    @property
    def exists(self) -> bool:
        return self.updated is not None

    @property
    def weight(self) -> int:
        """Canary weight in percent (0 without a live canary)."""
        return int(self.canary["weight"]) if self.canary else 0

    @property
    def live_canary(self) -> bool:
        return self.weight > 0

    def summary(self) -> dict[str, Any]:
        return {"stable": self.stable["version"] if self.stable else None,
                "canary": self.canary["version"] if self.canary else None,
                "weight": self.weight, "disabled": self.disabled is not None}

    def make_stable(self, version: int, when: str) -> None:
        """`version` becomes stable at 100%; any canary ends."""
        if self.stable and self.stable["version"] != version:
            self.stable_history = [*self.stable_history, self.stable["version"]][-HISTORY_LIMIT:]
        self.stable = {"version": version, "since": when}
        self.canary = None
        self.mark_deployed(version)

    def mark_deployed(self, version: int) -> None:
        if version not in self.deployed:
            self.deployed = sorted([*self.deployed, version])

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentState:
        return cls(data["env"], data["agent"], stable=data.get("stable"), canary=data.get("canary"),
                   disabled=data.get("disabled"), stable_history=list(data.get("stable_history") or []),
                   deployed=list(data.get("deployed") or []), updated=data.get("updated"),
                   pins=dict(data.get("pins") or {}))


def read_state(snapshot: Snapshot, env: str, agent: str) -> AgentState:
    raw = snapshot.read(state_path(env, agent))
    return AgentState.from_dict(json.loads(raw)) if raw else AgentState(env, agent)


def agents_in(snapshot: Snapshot, env: str) -> list[str]:
    return sorted(Path(p).stem for p in snapshot.list(f"state/{env}/"))


def store(root: Path) -> RefStore:
    return RefStore(root, DEPLOY_REF)


@dataclass
class Planned:
    """What one action will write: new agent states, request files, and its audit record."""

    summary: str
    record: dict[str, Any]
    states: list[AgentState] = field(default_factory=list)
    files: dict[str, bytes | None] = field(default_factory=dict)
    write: bool = True  # False: nothing to do (summary says why), no commit
    refuse_after: Exception | None = None  # raised once the commit landed (a request was opened)


@dataclass
class Outcome:
    action: str
    env: str
    agents: list[str]
    summary: str
    changed: bool
    commit: str | None
    record: dict[str, Any]
    states: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def new_record(ctx: Context, action: str, env: str, agents: list[str], reason: str) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex[:16], "action": action, "env": env, "agents": agents, "changes": {},
            "actor": str(ctx.actor), "person": ctx.person, "roles": sorted(ctx.roles), "reason": reason,
            "approvals": [], "override": None, "evidence": {}, "at": isoformat(ctx.now),
            "config": getattr(ctx, "config_commit", None)}


def commit_action(ctx: Context, action: str, env: str, agents: list[str],
                  plan: Callable[[Snapshot], Planned | None], *, retries: int = 0, patience_s: float = 0.0) -> Outcome:
    """Run `plan` on the latest state and publish its result as one commit (CAS; see RefStore.update).

    `plan` returns None for "nothing to do". On a lost race it runs again (policy re-checked)
    up to `retries` times (or for `patience_s` seconds: incident actions), then ConflictError (exit 4).
    """

    if env:
        ctx.require_person(action, env)
    last: dict[str, Planned | None] = {}
    deployments = ctx.deployments or store(ctx.root)
    sign_with = ctx.signing_key(action)
    guard = StateGuard(ctx, deployments, action)

    def mutate(snapshot: Snapshot) -> Change | None:
        guard.check_state(snapshot.commit)
        planned = plan(snapshot)
        last["planned"] = planned
        if planned is None or not planned.write:
            return None
        files = dict(planned.files)
        for state in planned.states:
            before = read_state(snapshot, state.env, state.agent)
            planned.record["changes"][state.agent] = {"from": before.summary(), "to": state.summary()}
            state.updated = isoformat(ctx.now)
            files[state_path(state.env, state.agent)] = _json(state.to_dict())
        message = f"{planned.summary}\n\n{json.dumps(planned.record, sort_keys=True)}\n"
        return Change(files, message)

    commit = deployments.update(mutate, ctx.author(), retries=retries, when=isoformat(ctx.now),
                                patience_s=patience_s, sign_with=sign_with,
                                check=guard.check_own if sign_with else None)
    planned = last.get("planned")
    if planned is not None and planned.refuse_after is not None:
        raise planned.refuse_after
    if planned is None or not planned.write:
        summary = planned.summary if planned else "nothing to do"
        return Outcome(action, env, agents, summary, False, None, {}, {})
    return Outcome(action, env, planned.record.get("agents", agents), planned.summary, True, commit, planned.record,
                   {s.agent: s.to_dict() for s in planned.states})


class StateGuard:
    """With signing in use: nothing is built on a forged state, and our own signature must name us."""

    def __init__(self, ctx: Context, deployments: RefStore, action: str) -> None:
        authority = ctx.authority or ctx.config
        self.ctx, self.deployments, self.action = ctx, deployments, action
        self.active = signing_active(authority)
        self.strict = require_signed(authority)
        self._verifier: Any = None
        self._own_checked = False

    @property
    def verifier(self) -> Any:
        if self._verifier is None:
            from agentctl.deploy.signing import Verifier

            self._verifier = Verifier(self.ctx.root, self.ctx.authority or self.ctx.config,
                                      getattr(self.deployments, "git_dir", None))
        return self._verifier

    def check_state(self, head: str | None) -> None:
        """Refuse (exit 3) to act on a state whose history holds a forged (or, strictly, unsigned) record."""
        if not self.active or head is None:
            return

        entries = [e for e in self.deployments.log(at=head) if e.commit not in self.verifier.verdicts]
        refuse_untrusted(self.verifier.verify(entries), self.strict,
                         f"{self.action} on the current deployment state")

    def check_own(self, commit: str) -> None:
        """Our freshly signed record must verify as signed by the acting person (once per command)."""
        if self._own_checked:
            return

        message = self.deployments.git.text("log", "-1", "--format=%B", commit)
        verdict = self.verifier.verify([LogEntry(commit, "", "", "", message)])[0]
        self.verifier.verdicts.pop(commit, None)
        if verdict.status != "verified":
            who = self.ctx.person or str(self.ctx.actor)
            raise PolicyRefused(f"{self.action} refused: the key configured here is not {who}'s signing_key in the "
                                f"committed agentctl.yaml ({verdict.detail}); nothing was written", CONFIGURE_FIX)
        self._own_checked = True


def parse_message(message: str) -> tuple[str, dict[str, Any]]:
    """(summary, audit record) of an action commit; records that are not JSON read as empty."""
    summary, _, body = message.partition("\n\n")
    try:
        record = json.loads(body) if body.strip() else {}
    except json.JSONDecodeError:
        record = {}
    return summary.strip(), record if isinstance(record, dict) else {}


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()
