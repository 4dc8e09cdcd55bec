"""Prompt templates: `{{ variable }}` placeholders, typed declarations, deterministic rendering."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from agentctl.errors import BadInputError

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_MALFORMED = re.compile(r"\{\{(?!\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\})")


@dataclass(frozen=True)
class Placeholder:
    name: str
    line: int  # 1-based, in the template file
    col: int


def placeholders(text: str) -> Iterator[Placeholder]:
    """Every `{{ name }}` in `text`, with its position."""
    for match in PLACEHOLDER.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        yield Placeholder(match.group(1), line, col)


def malformed_placeholders(text: str) -> Iterator[tuple[int, int]]:
    """Positions of `{{` that do not open a well-formed placeholder."""
    for match in _MALFORMED.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        yield line, col


def check_value(name: str, spec: Mapping[str, Any], value: Any) -> str | None:
    """Why `value` does not fit the declared variable, or None when it does."""
    kind = spec.get("type", "string")
    ok = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "date": isinstance(value, (dt.date, str)) and _is_date(value),
        "enum": value in spec.get("values", []),
    }.get(kind, True)
    if ok:
        return None
    if kind == "enum":
        return f"variable '{name}' is {value!r}, not one of {', '.join(spec.get('values', []))}"
    return f"variable '{name}' must be a {kind}, got {value!r}"


def _is_date(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def render(text: str, declared: Mapping[str, Mapping[str, Any]], values: Mapping[str, Any]) -> str:
    """Substitute every placeholder; refuse missing, undeclared or mistyped values.

    Rendering is a pure string substitution, so the same inputs always give the same bytes.
    """
    problems = [f"'{k}' is not a declared variable" for k in values if k not in declared]
    for name, spec in declared.items():
        if name not in values:
            if spec.get("required", True):
                problems.append(f"no value for required variable '{name}'")
            continue
        reason = check_value(name, spec, values[name])
        if reason:
            problems.append(reason)
    used = {p.name for p in placeholders(text)}
    problems += [f"template uses '{n}', which is not declared" for n in sorted(used - set(declared))]
    if problems:
        raise BadInputError("cannot render prompt: " + "; ".join(problems),
                            "pass a value for every declared variable and declare every placeholder")

    def substitute(match: re.Match[str]) -> str:
        value = values.get(match.group(1), "")
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    return PLACEHOLDER.sub(substitute, text)


def example_values(declared: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Values from each variable's `example` (or a type-appropriate stand-in), for previews and unit suites."""
    stand_in = {"string": "example", "integer": 1, "number": 1.0, "boolean": True, "date": "2026-01-01"}
    out: dict[str, Any] = {}
    for name, spec in declared.items():
        if "example" in spec:
            out[name] = spec["example"]
        elif spec.get("type") == "enum":
            out[name] = spec.get("values", [""])[0]
        else:
            out[name] = stand_in.get(spec.get("type", "string"), "example")
    return out
