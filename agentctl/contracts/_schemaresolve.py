"""Local ``$ref`` resolution and ``allOf`` flattening, so schemas can be compared by meaning.

Only same-document references (``#/...``) are followed: contracts are self-contained files and
a diff must never touch the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard
from urllib.parse import unquote

_NOT_FOUND = object()

# Keywords where combining two allOf branches keeps the stricter bound.
_UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
_LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")


def as_schema(raw: object) -> dict[str, Any]:
    """Boolean schemas become dicts: ``true`` allows anything, ``false`` allows nothing."""
    if isinstance(raw, Mapping):
        return dict(raw)
    if raw is False:
        return {"not": {}}
    return {}


def _pointer(document: object, pointer: str) -> object:
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        return _NOT_FOUND  # plain-name anchors (#foo) are not supported
    node = document
    for raw in pointer[1:].split("/"):
        token = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return _NOT_FOUND
    return node


class Resolver:
    """Resolves ``#/...`` references against the schema first, then the enclosing contract."""

    def __init__(self, *documents: object) -> None:
        self._documents = [d for d in documents if isinstance(d, Mapping)]

    def lookup(self, ref: str) -> object:
        """The referenced node, or the module's not-found sentinel."""
        if not ref.startswith("#"):
            return _NOT_FOUND
        for document in self._documents:
            target = _pointer(document, ref[1:])
            if target is not _NOT_FOUND:
                return target
        return _NOT_FOUND


@dataclass(frozen=True)
class Node:
    """A schema with its ``$ref`` chain followed and ``allOf`` merged in."""

    schema: dict[str, Any]
    # The document node this schema came from (the last $ref target followed), so a walker can
    # tell when it is about to compare a definition it is already inside of.
    origin: object
    unresolved: str | None = None  # a $ref that points outside the document or nowhere


def normalize(raw: object, resolver: Resolver, seen: frozenset[str] = frozenset()) -> Node:
    """Follow ``$ref`` (siblings override the target) and merge ``allOf`` branches.

    ``seen`` holds the refs already followed on this chain so ``A -> B -> A`` terminates.
    """
    schema, origin = as_schema(raw), raw
    while "$ref" in schema:
        ref = schema["$ref"]
        target = _NOT_FOUND if not isinstance(ref, str) or ref in seen else resolver.lookup(ref)
        if target is _NOT_FOUND:
            return Node(schema, origin, unresolved=str(ref))
        seen, origin = seen | {ref}, target
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**as_schema(target), **siblings}
    if isinstance(schema.get("allOf"), list):
        return _flatten_all_of(schema, origin, resolver, seen)
    return Node(schema, origin)


def _flatten_all_of(schema: dict[str, Any], origin: object, resolver: Resolver, seen: frozenset[str]) -> Node:
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    unresolved = None
    for branch in schema["allOf"]:
        node = normalize(branch, resolver, seen)
        unresolved = unresolved or node.unresolved
        merged = merge(merged, node.schema)
    return Node(merged, origin, unresolved)


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _types(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def _intersect_types(a: object, b: object) -> object:
    left, right = _types(a), _types(b)
    both = [t for t in left if t in right or (t == "integer" and "number" in right)]
    both += [t for t in right if t == "integer" and "number" in left and t not in both]
    if not both:
        return a  # unsatisfiable allOf; keep the first so the diff stays deterministic
    return both[0] if len(both) == 1 else both


def _merge_keyword(key: str, a: object, b: object) -> object:
    if key == "properties" and isinstance(a, Mapping) and isinstance(b, Mapping):
        # A property defined in two branches must satisfy both; normalize() flattens it lazily.
        return {**a, **{name: ({"allOf": [a[name], s]} if name in a else s) for name, s in b.items()}}
    if key == "required" and isinstance(a, list) and isinstance(b, list):
        return list(dict.fromkeys([*a, *b]))
    if key in _UPPER_BOUNDS and _is_number(a) and _is_number(b):
        return min(a, b)
    if key in _LOWER_BOUNDS and _is_number(a) and _is_number(b):
        return max(a, b)
    if key == "type":
        return _intersect_types(a, b)
    if key == "enum" and isinstance(a, list) and isinstance(b, list):
        return [v for v in a if v in b]
    if key == "additionalProperties" and (a is False or b is False):
        return False
    return a  # conflicting assertions cannot both hold; the first branch wins


def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Combine two schemas that must both hold (the meaning of ``allOf``)."""
    out = dict(a)
    for key, value in b.items():
        out[key] = _merge_keyword(key, out[key], value) if key in out else value
    return out
