"""Direction-aware JSON Schema diff.

The same edit means opposite things depending on who reads the payload: a new required field
breaks whoever *sends* a request, a removed field breaks whoever *reads* a response. The walker
here is direction-agnostic; the side decides which rule (and so which level) each edit maps to.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agentctl.contracts._rules import INPUT_SIDES, SCHEMA_SIDES, Change, make_change
from agentctl.contracts._schemakeywords import compare_constraints, compare_enum, compare_types
from agentctl.contracts._schemaresolve import Node, Resolver, as_schema, normalize

# Backstop against pathological nesting; genuine $ref cycles are caught by the pair check below.
_MAX_DEPTH = 64


@dataclass
class _Walk:
    side: str
    old_resolver: Resolver
    new_resolver: Resolver
    today: datetime.date
    changes: list[Change] = field(default_factory=list)
    # (old, new) origin pairs on the current path, kept alive so their ids stay unique.
    stack: dict[tuple[int, int], tuple[object, object]] = field(default_factory=dict)

    @property
    def is_input(self) -> bool:
        return self.side in INPUT_SIDES

    def emit(self, suffix: str, path: str, message: str) -> None:
        """Record a side-prefixed rule such as ``request-type-changed``."""
        self.changes.append(make_change(f"{self.side}-{suffix}", path, message, self.side))

    def emit_plain(self, rule: str, path: str, message: str) -> None:
        """Record a rule whose id does not carry the side (deprecation, $ref)."""
        self.changes.append(make_change(rule, path, message, self.side))


def diff_schemas(
    old: Mapping[str, Any] | bool | None,
    new: Mapping[str, Any] | bool | None,
    side: str,
    base_path: str,
    *,
    today: datetime.date | None = None,
    old_document: Mapping[str, Any] | None = None,
    new_document: Mapping[str, Any] | None = None,
) -> list[Change]:
    """Compare two JSON Schemas as seen from ``side`` ("request", "function" or "response").

    ``base_path`` prefixes every reported path (e.g. ``request.schema``). ``$ref``s resolve
    against the schema itself, then against ``old_document``/``new_document`` (the contracts).
    ``today`` decides whether a deprecated property's ``x-sunset`` date has passed.
    """
    if side not in SCHEMA_SIDES:
        raise ValueError(f"side must be one of {', '.join(SCHEMA_SIDES)}; got {side!r}")
    old = {} if old is None else old
    new = {} if new is None else new
    walk = _Walk(
        side, Resolver(old, old_document), Resolver(new, new_document), today or datetime.date.today()
    )
    _compare(walk, old, new, base_path)
    return walk.changes


def _compare(walk: _Walk, old_raw: object, new_raw: object, path: str) -> None:
    old, new = normalize(old_raw, walk.old_resolver), normalize(new_raw, walk.new_resolver)
    key = (id(old.origin), id(new.origin))
    if key in walk.stack or len(walk.stack) >= _MAX_DEPTH:
        return  # these definitions are already being compared further up: a $ref cycle
    walk.stack[key] = (old.origin, new.origin)
    try:
        _compare_nodes(walk, old, new, path)
    finally:
        del walk.stack[key]


def _compare_nodes(walk: _Walk, old: Node, new: Node, path: str) -> None:
    if (old.unresolved or new.unresolved) and old.unresolved != new.unresolved:
        walk.emit_plain(
            "schema-ref-unresolved",
            path,
            f"$ref {old.unresolved or '(none)'} → {new.unresolved or '(none)'} cannot be resolved inside "
            "the contract, so compatibility cannot be checked here",
        )
        return
    o, n = old.schema, new.schema

    def emit(suffix: str, path_suffix: str, message: str) -> None:
        walk.emit(suffix, path + path_suffix, message)

    if not compare_types(o, n, walk.is_input, emit):
        return  # e.g. object -> string: listing every vanished property would only add noise
    compare_enum(o, n, walk.is_input, emit)
    compare_constraints(o, n, walk.is_input, emit)
    _compare_additional_properties(walk, o, n, path)
    _compare_properties(walk, o, n, path)
    _compare_items(walk, o, n, path)
    _compare_composition(walk, o, n, path)


# --------------------------------------------------------------------------- objects


def _compare_additional_properties(walk: _Walk, o: dict[str, Any], n: dict[str, Any], path: str) -> None:
    old_ap, new_ap = o.get("additionalProperties", True), n.get("additionalProperties", True)
    where = f"{path}.additionalProperties"
    if new_ap is False and old_ap is not False:
        if walk.is_input:
            walk.emit(
                "additional-properties-closed",
                where,
                "additionalProperties became false: payloads "
                "with fields the schema does not list are now rejected",
            )
        else:
            walk.emit(
                "limit-tightened", where, "additionalProperties became false: no undeclared fields any more"
            )
    elif old_ap is False and new_ap is not False:
        # Readers ignore fields they do not know, so opening a response is not reported.
        if walk.is_input:
            walk.emit(
                "limit-relaxed", where, "additionalProperties is no longer false: extra fields are accepted"
            )
    elif isinstance(old_ap, Mapping) or isinstance(new_ap, Mapping):
        _compare(walk, as_schema(old_ap), as_schema(new_ap), where)


def _members(schema: dict[str, Any]) -> tuple[Mapping[str, Any], list[Any]]:
    props = schema.get("properties")
    required = schema.get("required")
    return (props if isinstance(props, Mapping) else {}), (required if isinstance(required, list) else [])


def _compare_properties(walk: _Walk, o: dict[str, Any], n: dict[str, Any], path: str) -> None:
    old_props, old_req = _members(o)
    new_props, new_req = _members(n)
    for name in dict.fromkeys([*old_props, *old_req, *new_props, *new_req]):
        where = f"{path}.properties.{name}"
        in_old = name in old_props or name in old_req
        in_new = name in new_props or name in new_req
        if not in_new:
            _removed(walk, name, old_props.get(name, {}), n, where)
        elif not in_old:
            _added(walk, name, name in new_req, where)
        else:
            _required_changed(walk, name, name in old_req, name in new_req, where)
            _deprecation_marked(walk, name, old_props.get(name, {}), new_props.get(name, {}), where)
            _compare(walk, old_props.get(name, {}), new_props.get(name, {}), where)


def _added(walk: _Walk, name: str, required: bool, where: str) -> None:
    if not walk.is_input:
        kind = "required" if required else "optional"
        walk.emit(
            "property-added", where, f"new {kind} property '{name}': readers that don't know it ignore it"
        )
    elif required:
        walk.emit(
            "property-became-required",
            where,
            f"new required property '{name}': payloads built for the "
            "old contract don't send it, so they are rejected or silently dropped",
        )
    else:
        walk.emit(
            "property-added-optional", where, f"new optional property '{name}': existing payloads stay valid"
        )


def _required_changed(walk: _Walk, name: str, was: bool, now: bool, where: str) -> None:
    if was == now:
        return
    if now:
        if walk.is_input:
            walk.emit(
                "property-became-required",
                where,
                f"'{name}' was optional and is now required: "
                "payloads that omit it are rejected or silently dropped",
            )
        else:
            walk.emit("property-became-required", where, f"'{name}' is now always present")
    elif walk.is_input:
        walk.emit(
            "property-became-optional", where, f"'{name}' is no longer required: existing payloads stay valid"
        )
    else:
        walk.emit(
            "property-became-optional",
            where,
            f"'{name}' was always present and may now be missing: code that reads it unconditionally breaks",
        )


# --------------------------------------------------------------------------- lifecycle


def _sunset(schema: dict[str, Any]) -> datetime.date | None:
    value = schema.get("x-sunset")
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value  # YAML loaders turn unquoted 2027-01-31 into a date
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def _removed(walk: _Walk, name: str, old_raw: object, n: dict[str, Any], where: str) -> None:
    prop = normalize(old_raw, walk.old_resolver).schema
    if prop.get("deprecated") is True:
        sunset = _sunset(prop)
        if sunset is not None and sunset > walk.today:
            walk.emit_plain(
                "deprecated-property-removed-before-sunset",
                where,
                f"'{name}' was removed on {walk.today.isoformat()} but its x-sunset is {sunset.isoformat()}: "
                "consumers were promised it until then",
            )
            return
        if sunset is not None:
            walk.emit_plain(
                "deprecated-property-removed",
                where,
                f"'{name}' was removed on or after its x-sunset date {sunset.isoformat()}",
            )
            return
        hint = "it is deprecated but has no valid x-sunset date, so nobody was told when it would go"
    else:
        hint = "mark it deprecated: true with an x-sunset date first and remove it after that date"
    if not walk.is_input:
        walk.emit("property-removed", where, f"'{name}' was removed: the agent may still read it; {hint}")
    elif n.get("additionalProperties", True) is False:
        walk.emit(
            "property-removed-rejected",
            where,
            f"'{name}' was removed and additionalProperties is false: "
            f"payloads that still send it are rejected; {hint}",
        )
    else:
        walk.emit(
            "property-removed",
            where,
            f"'{name}' was removed: payloads that still send it stay valid and the value is ignored; {hint}",
        )


def _deprecation_marked(walk: _Walk, name: str, old_raw: object, new_raw: object, where: str) -> None:
    was = normalize(old_raw, walk.old_resolver).schema.get("deprecated") is True
    new_schema = normalize(new_raw, walk.new_resolver).schema
    if was or new_schema.get("deprecated") is not True:
        return
    sunset = _sunset(new_schema)
    when = f"x-sunset {sunset.isoformat()}" if sunset else "no x-sunset date yet; add one"
    walk.emit_plain("property-deprecated", where, f"'{name}' is now deprecated ({when})")


# --------------------------------------------------------------------------- arrays and composition


def _compare_schema_lists(walk: _Walk, key: str, old_list: list[Any], new_list: list[Any], path: str) -> None:
    if len(old_list) != len(new_list):
        walk.emit(
            "composition-changed",
            f"{path}.{key}",
            f"{key} went from {len(old_list)} to {len(new_list)} "
            "schemas; which old payloads still match cannot be decided automatically",
        )
        return
    for index, (old_branch, new_branch) in enumerate(zip(old_list, new_list, strict=True)):
        _compare(walk, old_branch, new_branch, f"{path}.{key}[{index}]")


def _compare_items(walk: _Walk, o: dict[str, Any], n: dict[str, Any], path: str) -> None:
    for key in ("items", "prefixItems"):
        old_items, new_items = o.get(key), n.get(key)
        if old_items is None and new_items is None:
            continue
        if isinstance(old_items, list) and isinstance(new_items, list):
            _compare_schema_lists(walk, key, old_items, new_items, path)
        elif isinstance(old_items, list) or isinstance(new_items, list):
            walk.emit(
                "composition-changed",
                f"{path}.{key}",
                f"{key} switched between a single schema and a "
                "tuple of schemas; compatibility cannot be decided automatically",
            )
        else:
            # An absent "items" allows anything, exactly like the empty schema.
            _compare(
                walk,
                {} if old_items is None else old_items,
                {} if new_items is None else new_items,
                f"{path}.{key}",
            )


def _compare_composition(walk: _Walk, o: dict[str, Any], n: dict[str, Any], path: str) -> None:
    for key in ("oneOf", "anyOf"):
        old_branches, new_branches = o.get(key), n.get(key)
        if old_branches is None and new_branches is None:
            continue
        old_list = old_branches if isinstance(old_branches, list) else []
        new_list = new_branches if isinstance(new_branches, list) else []
        _compare_schema_lists(walk, key, old_list, new_list, path)
    for key in ("not", "if", "then", "else"):
        if o.get(key) != n.get(key):
            walk.emit(
                "composition-changed",
                f"{path}.{key}",
                f"'{key}' changed; its effect on compatibility cannot be decided automatically",
            )
