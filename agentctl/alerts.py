"""Post a report to a Slack-compatible incoming webhook, tagging owners.

The payload is `{"text": ..., "blocks": [...]}`: Slack renders the blocks, other chat tools
(Mattermost, Rocket.Chat, Teams via bridges) read `text`. An owner with a `slack:` member id
in agentctl.yaml is tagged as `<@U0123>` (a real mention); others are named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_BLOCK_TEXT = 2900  # Slack rejects section text over 3000 characters


@dataclass
class PostResult:
    ok: bool
    status: int | None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "status": self.status, "error": self.error}


def mention_for(people: dict[str, dict[str, Any]]) -> Any:
    """A function owner-id → how to tag them in chat."""

    def mention(owner: str | None) -> str:
        if not owner:
            return "—"
        person = people.get(owner) or {}
        if person.get("slack"):
            return f"<@{person['slack']}>"
        return f"@{owner}"

    return mention


def finding_line(finding: Any, mention: Any) -> str:
    """One chat line per finding: what, where, owner, runbook with its owner and first steps, ack/escalation."""
    text = (f"*{finding.metric}* · {finding.agent} · {finding.environment}: {finding.status} — "
            f"{finding.detail or finding.status} (owner {mention(finding.owner)}")
    if finding.runbook:
        text += f", runbook {finding.runbook}"
        if getattr(finding, "runbook_owner", None):
            text += f" owned by {mention(finding.runbook_owner)}"
    text += ")"
    steps = getattr(finding, "first_steps", None)
    if steps:
        text += " — first steps: " + " ".join(steps)
    ack = getattr(finding, "ack", None)
    if ack:
        text += f" — acknowledged by {mention(ack.get('by'))}: {ack.get('note')}"
    elif getattr(finding, "repeated", False):
        text += f" — repeated, nobody acknowledged it: {mention(getattr(finding, 'escalate_to', None))}"
    return text


def runbook_lines(root: Any, metrics: list[str], values: dict[str, str] | None = None) -> list[str]:
    """For the metrics that failed: the runbook to open, its owner and first steps (once per runbook).

    The runbook is the metric's `runbook:` in agentctl.yaml, else one whose triggers name the metric.
    """
    from pathlib import Path

    from agentctl.model.yamlio import load_file
    from agentctl.runbooks.book import load_all, runbook_name

    books = load_all(Path(root))[0]
    config = load_file(Path(root) / "agentctl.yaml", "agentctl.yaml").data.get("metrics") or {}
    seen: dict[str, dict[str, str]] = {}  # runbook → placeholder values (the metric's tool fills {tool})
    for metric in metrics:
        spec = config.get(metric) or {}
        ref = spec.get("runbook")
        book = books.get(runbook_name(ref)) if ref else None
        book = book or next((b for b in books.values() if b.triggered_by(metric=metric)), None)
        if book is not None and book.name not in seen:
            seen[book.name] = {**({"tool": spec["tool"]} if spec.get("tool") else {}), **(values or {})}
    lines = []
    for name, fill in seen.items():
        steps = " ".join(books[name].first_steps(2))
        for key, value in fill.items():
            steps = steps.replace("{" + key + "}", value)
        lines.append(f"↳ runbook *{name}* (owner @{books[name].owner}): {steps}")
    return lines


def build_payload(title: str, body_markdown: str, lines: list[str]) -> dict[str, Any]:
    """`text` carries the whole report; blocks carry a header and one section per finding line."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    chunk = ""
    for line in lines:
        if len(chunk) + len(line) + 1 > MAX_BLOCK_TEXT:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
            chunk = ""
        chunk += line + "\n"
    if chunk:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    return {"text": body_markdown, "blocks": blocks[:50]}


def post_webhook(url: str, payload: dict[str, Any], timeout_s: float = 10.0) -> PostResult:
    """POST `payload` as JSON; failures come back as a result, never as an exception."""
    import httpx

    try:
        response = httpx.post(url, json=payload, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return PostResult(False, None, f"{type(exc).__name__}: {exc}")
    if response.status_code >= 300:
        return PostResult(False, response.status_code, f"webhook answered HTTP {response.status_code}: {response.text[:200]}")
    return PostResult(True, response.status_code)
