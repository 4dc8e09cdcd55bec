"""Judge one tool response against a contract's success criteria.

HTTP 200 proves only that a server answered. A contract's `success:` block says what proves
the call did its job (a message id, a status of `queued`), and this module is the one place
that decides it — for ingested call records and for live contract verification alike.

Pure: no I/O, no imports beyond the standard library, so it can run millions of times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_MISSING = object()
DEFAULT_OK_STATUSES = range(200, 300)


@dataclass(frozen=True)
class Judgement:
    ok: bool  # the contract's criteria hold (implies an accepted status)
    http_ok: bool  # the status alone looks fine (2xx) — what a naive dashboard reports
    reasons: list[str] = field(default_factory=list)  # why `ok` is False, one line per failed criterion

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "http_ok": self.http_ok, "reasons": list(self.reasons)}


def judge_response(success: dict[str, Any], status: int | None, body: Any) -> Judgement:
    """Judge a response (`status` None = no response at all) by the contract's `success:` block."""
    http_ok = status is not None and 200 <= status < 300
    reasons: list[str] = []
    accepted = success.get("status")
    if status is None:
        reasons.append("no response (timeout or connection error)")
    elif accepted and status not in accepted:
        reasons.append(f"HTTP status {status}, expected one of {_join(accepted)}")
    elif not accepted and not http_ok:
        reasons.append(f"HTTP status {status}, expected 2xx")
    if status is not None:
        for criterion in success.get("criteria") or []:
            problem = check_criterion(criterion, body)
            if problem:
                reasons.append(problem)
    return Judgement(ok=not reasons, http_ok=http_ok, reasons=reasons)


def check_criterion(criterion: dict[str, Any], body: Any) -> str | None:
    """None when `criterion` holds for `body`, else one sentence saying what was wrong."""
    path = criterion["path"]
    value = lookup(body, path)
    present = value is not _MISSING
    if "exists" in criterion and bool(criterion["exists"]) != present:
        return f"{path} is missing" if criterion["exists"] else f"{path} is present, expected it absent"
    needs_value = any(k in criterion for k in ("equals", "in", "matches", "not_empty"))
    if not needs_value:
        return None
    if not present:
        return f"{path} is missing"
    if criterion.get("not_empty") and value in (None, "", [], {}):
        return f"{path} is empty"
    if "equals" in criterion and value != criterion["equals"]:
        return f"{path} is {_show(value)}, expected {_show(criterion['equals'])}"
    if "in" in criterion and value not in criterion["in"]:
        return f"{path} is {_show(value)}, expected one of {_join(criterion['in'])}"
    if "matches" in criterion and not (isinstance(value, str) and _regex(criterion["matches"]).search(value)):
        return f"{path} is {_show(value)}, expected it to match /{criterion['matches']}/"
    return None


def lookup(body: Any, path: str) -> Any:
    """The value at dot path `path` (list items by index: `data.items.0.id`), or a private MISSING marker.

    A flat mapping that holds the whole path as one key (`{"data.items.0.id": ...}`, as call
    records store the fields criteria need) is honoured first.
    """
    if isinstance(body, dict) and path in body:
        return body[path]
    node = body
    for part in path.split("."):
        if isinstance(node, dict):
            if part not in node:
                return _MISSING
            node = node[part]
        elif isinstance(node, list) and part.lstrip("-").isdigit():
            index = int(part)
            if not -len(node) <= index < len(node):
                return _MISSING
            node = node[index]
        else:
            return _MISSING
    return node


def is_missing(value: Any) -> bool:
    return value is _MISSING


def needed_paths(success: dict[str, Any]) -> list[str]:
    """The response paths the criteria read — what a record must keep when it drops the body."""
    return [c["path"] for c in success.get("criteria") or []]


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _regex(pattern: str) -> re.Pattern[str]:
    compiled = _REGEX_CACHE.get(pattern)
    if compiled is None:
        compiled = _REGEX_CACHE[pattern] = re.compile(pattern)
    return compiled


def _show(value: Any) -> str:
    return "null" if value is None else repr(value)


def _join(values: Any) -> str:
    return ", ".join(str(v) for v in values)
