"""Placeholder for the success-criteria judge (replaced by the real module)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_MISSING = object()


@dataclass
class Judgement:
    ok: bool
    http_ok: bool
    reasons: list[str] = field(default_factory=list)


def _lookup(body: Any, path: str) -> Any:
    node = body
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def judge_response(success: dict, status: int | None, body: Any) -> Judgement:
    allowed = success.get("status")
    http_ok = status is not None and (status in allowed if allowed else 200 <= status < 300)
    reasons = [] if http_ok else [f"HTTP {status} is not a success status"]
    for criterion in success.get("criteria") or []:
        path = criterion["path"]
        value = _lookup(body, path)
        if "exists" in criterion and (value is not _MISSING) != bool(criterion["exists"]):
            reasons.append(f"{path} is missing" if criterion["exists"] else f"{path} is present")
            continue
        if value is _MISSING:
            if any(k in criterion for k in ("equals", "in", "matches", "not_empty")):
                reasons.append(f"{path} is missing")
            continue
        if "equals" in criterion and value != criterion["equals"]:
            reasons.append(f"{path} is {value!r}, expected {criterion['equals']!r}")
        if "in" in criterion and value not in criterion["in"]:
            reasons.append(f"{path} is {value!r}, not one of {criterion['in']!r}")
        if "matches" in criterion and not (isinstance(value, str) and re.search(criterion["matches"], value)):
            reasons.append(f"{path} {value!r} does not match {criterion['matches']!r}")
        if criterion.get("not_empty") and value in (None, "", [], {}):
            reasons.append(f"{path} is empty")
    return Judgement(not reasons, http_ok, reasons)
