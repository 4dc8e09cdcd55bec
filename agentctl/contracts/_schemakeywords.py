"""Per-keyword comparisons (type, enum/const, limits, pattern, format) for one schema node.

Every check here answers one question: did the set of valid values shrink or grow? Shrinking
breaks an input side (request, function); growing breaks the response side.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

# emit(rule_suffix, path_suffix, message)
Emit = Callable[[str, str, str], None]

_UPPER = {
    "maxLength": "max-length-decreased",
    "maximum": "maximum-decreased",
    "exclusiveMaximum": "maximum-decreased",
    "maxItems": "max-items-decreased",
    "maxProperties": "constraint-tightened",
}
_LOWER = {
    "minLength": "min-length-increased",
    "minimum": "minimum-increased",
    "exclusiveMinimum": "minimum-increased",
    "minItems": "min-items-increased",
    "minProperties": "constraint-tightened",
}


def _fmt(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, frozenset):
        return "|".join(sorted(value)) if value else "nothing"
    return json.dumps(value, sort_keys=True, default=str)


def _canon(value: object) -> str:
    # JSON text tells 1 from true and 1 from "1", which Python equality does not.
    return json.dumps(value, sort_keys=True, default=str)


# --------------------------------------------------------------------------- type


def schema_types(schema: dict[str, Any]) -> frozenset[str] | None:
    """The declared JSON types (``nullable: true`` adds null); None means any type."""
    declared = schema.get("type")
    if declared is None:
        return None
    types = {declared} if isinstance(declared, str) else {t for t in declared if isinstance(t, str)}
    if schema.get("nullable") is True:
        types.add("null")
    return frozenset(types)


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """True when every value valid for ``narrow`` is valid for ``wide`` (integer is a number)."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def compare_types(old: dict[str, Any], new: dict[str, Any], is_input: bool, emit: Emit) -> bool:
    """Report type changes; return False when the types are unrelated and deeper diffs are noise."""
    old_t, new_t = schema_types(old), schema_types(new)
    widened, narrowed = _covers(new_t, old_t), _covers(old_t, new_t)
    if old_t == new_t or (widened and narrowed):
        return True
    what = f"type {_fmt(old_t)} → {_fmt(new_t)}"
    if is_input:
        if widened:
            emit("type-widened", ".type", f"{what}: everything valid before is still accepted")
        else:
            emit("type-changed", ".type", f"{what}: values of the old type are now rejected")
    elif narrowed:
        emit("type-narrowed", ".type", f"{what}: the agent receives a subset of what it handled before")
    elif widened and old_t is not None and new_t is not None and new_t - old_t == {"null"}:
        emit("became-nullable", ".type", f"{what}: the agent may now receive null where it never did")
    else:
        emit("type-changed", ".type", f"{what}: the agent may receive values it cannot handle")
    return widened or narrowed


# --------------------------------------------------------------------------- enum / const


def _enum(schema: dict[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    return list(values) if isinstance(values, list) else None


def compare_enum(old: dict[str, Any], new: dict[str, Any], is_input: bool, emit: Emit) -> None:
    """Report enum/const values that appeared or disappeared."""
    old_e, new_e = _enum(old), _enum(new)
    if old_e is None and new_e is None:
        return
    if old_e is None:
        emit("enum-added", ".enum", f"values restricted to {_fmt(new_e)} where any value was allowed")
        return
    if new_e is None:
        emit(
            "enum-removed", ".enum", f"the restriction to {_fmt(old_e)} was dropped: any value is allowed now"
        )
        return
    old_keys, new_keys = {_canon(v) for v in old_e}, {_canon(v) for v in new_e}
    removed = [v for v in old_e if _canon(v) not in new_keys]
    added = [v for v in new_e if _canon(v) not in old_keys]
    if removed:
        effect = "payloads using them are rejected" if is_input else "the agent no longer receives them"
        emit("enum-value-removed", ".enum", f"value(s) {_fmt(removed)} removed: {effect}")
    if not is_input and None in added:
        emit(
            "became-nullable", ".enum", "null was added to the allowed values: the agent may now receive null"
        )
        added = [v for v in added if v is not None]
    if added:
        effect = (
            "existing payloads stay valid"
            if is_input
            else "code that switches on the value may not handle them"
        )
        emit("enum-value-added", ".enum", f"value(s) {_fmt(added)} added: {effect}")


# --------------------------------------------------------------------------- limits


def _number(value: object) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return Fraction(str(value))


def _tightened(old: dict[str, Any], new: dict[str, Any], is_input: bool, emit: Emit, rule: str, key: str, how: str) -> None:
    what = f"{key} {_fmt(old.get(key))} → {_fmt(new.get(key))}"
    if is_input:
        emit(rule, f".{key}", f"{what}: values that were valid before are {how}")
    else:
        emit("limit-tightened", f".{key}", f"{what}: the backend promises stricter values")


def _relaxed(old: dict[str, Any], new: dict[str, Any], is_input: bool, emit: Emit, key: str) -> None:
    what = f"{key} {_fmt(old.get(key))} → {_fmt(new.get(key))}"
    if is_input:
        emit("limit-relaxed", f".{key}", f"{what}: everything valid before is still accepted")
    else:
        emit("limit-relaxed", f".{key}", f"{what}: the agent may receive values it never saw before")


def _compare_bound(
    old: dict[str, Any], new: dict[str, Any], key: str, rule: str, upper: bool, is_input: bool, emit: Emit
) -> None:
    old_v, new_v = _number(old.get(key)), _number(new.get(key))
    if old_v == new_v:
        _compare_flag(old, new, key, rule, is_input, emit)  # draft-4 boolean exclusiveMaximum/Minimum
        return
    if new_v is not None and (old_v is None or (new_v < old_v if upper else new_v > old_v)):
        _tightened(old, new, is_input, emit, rule, key, "rejected")
    else:
        _relaxed(old, new, is_input, emit, key)


def _compare_flag(old: dict[str, Any], new: dict[str, Any], key: str, rule: str, is_input: bool, emit: Emit) -> None:
    old_f, new_f = old.get(key) is True, new.get(key) is True
    if new_f and not old_f:
        _tightened(old, new, is_input, emit, rule, key, "rejected")
    elif old_f and not new_f:
        _relaxed(old, new, is_input, emit, key)


def _compare_multiple_of(old: dict[str, Any], new: dict[str, Any], is_input: bool, emit: Emit) -> None:
    old_v, new_v = _number(old.get("multipleOf")), _number(new.get("multipleOf"))
    if old_v == new_v:
        return
    # Multiples of 4 are multiples of 2: 2 -> 4 tightens, 4 -> 2 relaxes, 2 -> 3 is a different set.
    relaxed = old_v is not None and (new_v is None or (new_v != 0 and (old_v / new_v).denominator == 1))
    if relaxed:
        _relaxed(old, new, is_input, emit, "multipleOf")
    else:
        _tightened(old, new, is_input, emit, "constraint-tightened", "multipleOf", "rejected")


def _compare_string_keyword(old: dict[str, Any], new: dict[str, Any], key: str, is_input: bool, emit: Emit) -> None:
    old_v, new_v = old.get(key), new.get(key)
    if old_v == new_v:
        return
    what = f"{key} {_fmt(old_v)} → {_fmt(new_v)}"
    if old_v is None:
        rule = ("pattern-added" if key == "pattern" else "format-changed") if is_input else "limit-tightened"
        effect = (
            "strings that don't match are rejected" if is_input else "the backend promises stricter strings"
        )
    elif new_v is None:
        rule = "limit-relaxed" if is_input or key == "pattern" else "format-changed"
        effect = (
            "everything valid before is still accepted" if is_input else "the agent may receive other strings"
        )
    else:
        rule = f"{key}-changed"
        effect = "strings valid before may be rejected" if is_input else "the agent may receive other strings"
    emit(rule, f".{key}", f"{what}: {effect}")


def compare_constraints(old: dict[str, Any], new: dict[str, Any], is_input: bool, emit: Emit) -> None:
    """Report changed numeric/length/array limits, multipleOf, uniqueItems, pattern and format."""
    for key, rule in _UPPER.items():
        _compare_bound(old, new, key, rule, True, is_input, emit)
    for key, rule in _LOWER.items():
        _compare_bound(old, new, key, rule, False, is_input, emit)
    _compare_multiple_of(old, new, is_input, emit)
    _compare_flag(old, new, "uniqueItems", "constraint-tightened", is_input, emit)
    _compare_string_keyword(old, new, "pattern", is_input, emit)
    _compare_string_keyword(old, new, "format", is_input, emit)
