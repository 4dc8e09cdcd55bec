"""backlog.yaml: the improvement backlog the weekly review grooms. Priority = occurrences × impact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentctl.review.scoring import ReviewFinding

BACKLOG_FILE = "backlog.yaml"


def load_backlog(root: Path) -> dict[str, Any]:
    from agentctl.errors import ValidationFailed
    from agentctl.model.schema import validate_document
    from agentctl.model.yamlio import load_file

    path = Path(root) / BACKLOG_FILE
    if not path.exists():
        return {"items": []}
    doc = load_file(path, BACKLOG_FILE)
    errors = [d for d in validate_document(doc, "backlog") if d.is_error]
    if errors:
        raise ValidationFailed(errors)
    data: dict[str, Any] = doc.data
    data.setdefault("items", [])
    return data


def merge_findings(backlog: dict[str, Any], agent: str, week: str, found: list[ReviewFinding],
                   owner: str | None) -> list[dict[str, Any]]:
    """Add each finding as an item, or count it into the open item with the same pattern. Returns touched items.

    A call already counted in an item is not counted again, so closing the same review twice changes nothing.
    An item marked done that recurs is reopened.
    """
    items: list[dict[str, Any]] = backlog["items"]
    touched = []
    for finding in found:
        item = next((i for i in items if i["agent"] == agent and i["pattern"] == finding.pattern), None)
        if item is None:
            number = max((int(i["id"].split("-")[1]) for i in items), default=0) + 1
            item = {"id": f"B-{number}", "agent": agent, "pattern": finding.pattern, "criterion": finding.criterion,
                    "occurrences": 0, "impact": finding.impact, "priority": 0, "owner": owner, "status": "open",
                    "first_seen": week, "last_seen": week, "calls": []}
            items.append(item)
        new = [c for c in finding.calls if c not in item.setdefault("calls", [])]
        if not new and item["occurrences"]:
            continue
        item["calls"] += new
        item["occurrences"] += len(new)
        item["impact"] = max(int(item["impact"]), finding.impact)
        item["priority"] = item["occurrences"] * item["impact"]
        item["last_seen"] = max(item.get("last_seen") or week, week)
        if item["status"] in ("done", "wont-fix") and new:
            item["status"] = "open"
        touched.append(item)
    items.sort(key=lambda i: (i["status"] in ("done", "wont-fix"), -i["priority"], int(i["id"].split("-")[1])))
    return touched


def github_payload(item: dict[str, Any], logins: dict[str, str]) -> dict[str, Any]:
    """The body of POST /repos/{owner}/{repo}/issues (GitHub REST "Create an issue": title, body, labels, assignees)."""
    body = (f"**Pattern** ({item['agent']}): {item['pattern']}\n\n"
            f"- occurrences: {item['occurrences']} (first seen {item['first_seen']}, last seen {item['last_seen']})\n"
            f"- impact: {item['impact']} / 5 · priority (occurrences × impact): {item['priority']}\n"
            f"- calls: {', '.join(item.get('calls') or [])}\n\n"
            f"From the weekly call review; backlog item {item['id']} in backlog.yaml.")
    payload: dict[str, Any] = {"title": f"[{item['id']}] {item['agent']}: {item['pattern'][:180]}", "body": body,
                               "labels": ["call-review", f"agent:{item['agent']}"]}
    if item.get("owner") in logins:
        payload["assignees"] = [logins[item["owner"]]]
    return payload
