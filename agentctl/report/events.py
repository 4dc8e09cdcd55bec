"""Chart markers: every deploy, promote, rollback and tool-contract version change on an agent.

Deployment actions come from the audit records on `refs/agentctl/deployments` (what the state was
before and after), contract changes from the contract files' git history, releases from the
`AGENT@vN` tags. Each becomes an `Event` with a short label such as `v12 10%`, `v12 100%`,
`rollback → v11` or `sms-gateway 1.3.0 → 2.0.0`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEPLOY, CONTRACT, RELEASE = "deploy", "contract", "release"


@dataclass(frozen=True)
class Event:
    at: dt.datetime  # aware, UTC
    day: dt.date  # in the team's timezone, like the call store's `day`
    kind: str  # deploy | contract | release
    label: str
    detail: str = ""

    def to_row(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "at": self.at.isoformat(), "kind": self.kind, "label": self.label,
                "detail": self.detail}


def deployment_label(action: str, before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """`v12 10%`, `v12 100%`, `rollback → v11`, `abort v12`, `disabled`, `enabled` (None: nothing to show)."""
    if action == "rollback":
        return f"rollback → v{after.get('stable')}"
    if action == "abort":
        return f"abort v{before.get('canary')}"
    if action in ("disable", "enable"):
        return f"{action}d"
    if after.get("stable") != before.get("stable") and after.get("stable") is not None:
        return f"v{after['stable']} 100%"
    if after.get("canary") is not None and after.get("weight"):
        return f"v{after['canary']} {after['weight']}%"
    return None


def deployment_events(root: Path, agent: str, environments: Sequence[str], tz: Any) -> list[Event]:
    from agentctl.clock import parse_iso
    from agentctl.deploy.state import parse_message, store

    events = []
    for entry in store(root).log():
        _summary, record = parse_message(entry.message)
        if record.get("env") not in environments or agent not in (record.get("agents") or []):
            continue
        change = (record.get("changes") or {}).get(agent) or {}
        label = deployment_label(str(record.get("action", "")), change.get("from") or {}, change.get("to") or {})
        if label is None:
            continue
        at = parse_iso(str(record.get("at") or entry.time))
        if len(environments) > 1:
            label = f"{label} ({record['env']})"
        detail = f"{record.get('action')} by {record.get('person') or entry.author}: {record.get('reason') or ''}".strip()
        events.append(Event(at.astimezone(dt.timezone.utc), at.astimezone(tz).date(), DEPLOY, label,
                            detail.rstrip(":")))
    return sorted(events, key=lambda e: e.at)


def contract_events(root: Path, tools: Sequence[str], tz: Any) -> list[Event]:
    """One event per committed version change of each tool's contract (the commit that introduced it)."""
    from agentctl.clock import parse_iso
    from agentctl.errors import AgentctlError
    from agentctl.ops.contracts import WORKING_TREE, contract_history

    events = []
    for tool in tools:
        try:
            entries = [e for e in contract_history(root, tool).entries if e.commit != WORKING_TREE and e.date]
        except AgentctlError:
            continue
        oldest_first = list(reversed(entries))
        for before, after in zip(oldest_first, oldest_first[1:], strict=False):
            at = parse_iso(after.date)
            events.append(Event(at.astimezone(dt.timezone.utc), at.astimezone(tz).date(), CONTRACT,
                                f"{tool} {before.version} → {after.version}", after.changes[:200]))
    return sorted(events, key=lambda e: e.at)


def release_events(root: Path, agent: str, tz: Any) -> list[Event]:
    from agentctl.clock import parse_iso
    from agentctl.errors import AgentctlError
    from agentctl.ops.history import agent_history

    try:
        rows = agent_history(root, agent).rows
    except AgentctlError:
        return []
    events = []
    for row in rows:
        if not row.date:
            continue
        at = parse_iso(row.date)
        events.append(Event(at.astimezone(dt.timezone.utc), at.astimezone(tz).date(), RELEASE, f"release v{row.version}",
                            row.note[:200]))
    return events


def agent_events(root: Path, agent: str, tools: Sequence[str], environments: Sequence[str], tz: Any,
                 first: dt.date, last: dt.date) -> list[Event]:
    """Every event on `agent` whose day falls in [first, last], in time order."""
    found = (deployment_events(root, agent, environments, tz) + contract_events(root, tools, tz)
             + release_events(root, agent, tz))
    return sorted((e for e in found if first <= e.day <= last), key=lambda e: (e.at, e.kind))
