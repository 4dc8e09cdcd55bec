"""Plan the requests of a live contract test: the examples, then invalid variants of them.

Pure functions over a parsed contract. Negative probes exist for the failure that hurt most:
a backend that answers 2xx to a request it cannot act on. Each probe is kept only when the
contract's own request schema really rejects it, so a probe never blames a backend for
accepting a valid request.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

SMELL = "the silent-success smell"

# A value of each JSON type, to put where another type is expected.
_SAMPLES: list[tuple[str, Any]] = [("integer", 12345), ("string", "not-a-number"), ("boolean", True),
                                   ("array", ["x"]), ("object", {"x": 1})]


@dataclass(frozen=True)
class Probe:
    """One request to send and what the backend must do with it."""

    name: str
    payload: dict[str, Any]
    expect: str  # "success" (an example) or "reject" (an invalid request)
    accepted_means: str = ""  # for "reject": what a 2xx reveals, as a sentence fragment
    example: dict[str, Any] | None = None


def plan_probes(contract: dict[str, Any]) -> list[Probe]:
    """Every example as a success probe, then negative probes derived from the first example."""
    examples = [e for e in contract.get("examples") or [] if isinstance(e.get("request"), dict)]
    probes = [Probe(f"example: {e.get('name') or i + 1}", e["request"], "success", example=e)
              for i, e in enumerate(examples)]
    if not examples:
        return probes
    return probes + _optional_probes(contract, examples[0]["request"]) + _negative_probes(contract, examples[0]["request"])


def _optional_probes(contract: dict[str, Any], base: dict[str, Any]) -> list[Probe]:
    """The first example without each optional field it sets: the contract claims the provider accepts that,
    and a provider that still needs the field fails it by the success criteria (a field made optional is
    exactly such a claim)."""
    schema = (contract.get("request") or {}).get("schema") or {}
    required = set(schema.get("required") or [])
    in_path = set(path_params(str((contract.get("backend") or {}).get("url", ""))))
    return [Probe(f"optional omitted: {field}", {k: v for k, v in base.items() if k != field}, "success")
            for field in schema.get("properties") or {}
            if field in base and field not in required and field not in in_path]


def path_params(url: str) -> list[str]:
    """Names of `{param}` placeholders in a URL path."""
    return re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", url)


def _negative_probes(contract: dict[str, Any], base: dict[str, Any]) -> list[Probe]:
    from jsonschema import Draft202012Validator

    schema = (contract.get("request") or {}).get("schema") or {}
    properties = schema.get("properties") or {}
    in_path = set(path_params(str((contract.get("backend") or {}).get("url", ""))))
    validator = Draft202012Validator(schema)
    candidates: list[Probe] = []
    for field in schema.get("required") or []:
        if field in base and field not in in_path:
            payload = {k: v for k, v in base.items() if k != field}
            candidates.append(Probe(f"missing required: {field}", payload, "reject",
                                    f"a request without required field '{field}'"))
    for field, prop in properties.items():
        if field in in_path or not isinstance(prop, dict):
            continue
        wrong = _wrong_type(prop)
        if wrong is not None:
            kind, value = wrong
            expected = prop["type"] if isinstance(prop["type"], str) else " or ".join(prop["type"])
            candidates.append(Probe(f"wrong type: {field} ({kind})", {**copy.deepcopy(base), field: value}, "reject",
                                    f"'{field}' as {kind} instead of {expected}"))
        if isinstance(prop.get("enum"), list):
            value = _outside_enum(prop["enum"])
            candidates.append(Probe(f"enum violation: {field}", {**copy.deepcopy(base), field: value}, "reject",
                                    f"'{field}' = {value!r}, outside its enum"))
        if isinstance(prop.get("pattern"), str):
            value = "!! not a match !!"
            candidates.append(Probe(f"pattern violation: {field}", {**copy.deepcopy(base), field: value}, "reject",
                                    f"'{field}' = {value!r}, which does not match its pattern"))
    return [p for p in candidates if not validator.is_valid(p.payload)]


def _wrong_type(prop: dict[str, Any]) -> tuple[str, Any] | None:
    declared = prop.get("type")
    if not declared:
        return None
    allowed = {declared} if isinstance(declared, str) else set(declared)
    if "number" in allowed:
        allowed.add("integer")  # every integer is a number
    for kind, value in _SAMPLES:
        if kind not in allowed:
            return kind, value
    return None


def _outside_enum(values: list[Any]) -> Any:
    candidate = "not-an-allowed-value"
    while candidate in values:
        candidate += "-x"
    return candidate
