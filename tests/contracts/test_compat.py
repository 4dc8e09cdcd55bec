"""Table-driven tests for the direction-aware contract diff.

Most schema cases run on all three sides: the same edit must be judged differently depending
on whether the payload is sent (request, function) or read (response) by the agent.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentctl.contracts._rules import make_change
from agentctl.contracts.compat import RULES, Change, CompatReport, Level, diff_contracts, diff_schemas

ERR, WARN, INFO = Level.ERR, Level.WARN, Level.INFO
TODAY = datetime.date(2026, 6, 1)
SIDES = ("request", "function", "response")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "contract-rules.md"

STR = {"type": "string"}
INT = {"type": "integer"}


def obj(props: dict | None = None, required: tuple[str, ...] = (), /, **extra: object) -> dict:
    """An object schema; ``extra`` adds keywords such as additionalProperties."""
    schema: dict = {"type": "object", "properties": dict(props or {})}
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema


def prop(schema: dict, /, **extra: object) -> dict:
    """An object whose single property ``x`` has ``schema``."""
    return obj({"x": schema}, **extra)


def s(**keywords: object) -> dict:
    """A string schema with extra keywords."""
    return {"type": "string", **keywords}


def pairs(changes: list[Change]) -> list[tuple[str, Level]]:
    return sorted((c.rule, c.level) for c in changes)


# --------------------------------------------------------------------------- directional table


@dataclass(frozen=True)
class Dir:
    """One schema edit and what it means when sent (request/function) vs read (response).

    Rule ids use ``{side}``, filled with the side under test.
    """

    id: str
    old: dict
    new: dict
    sent: list[tuple[str, Level]]
    read: list[tuple[str, Level]]
    path: str | None = None  # expected path of the first change, relative to the schema root
    request: list[tuple[str, Level]] | None = None  # when what the provider reads differs from `sent`


def _ref_doc(target: dict, use: dict | None = None) -> dict:
    return {"type": "object", "properties": {"x": use or {"$ref": "#/$defs/X"}}, "$defs": {"X": target}}


def _tree(node: dict) -> dict:
    return {"$ref": "#/$defs/Node", "$defs": {"Node": node}}


_NODE = obj({"value": STR, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}})
_NODE_WITH_ID = obj({"value": STR, "id": STR, "children": _NODE["properties"]["children"]}, ("id",))
_ADDRESS = obj({"street": STR})
_CHANNELS = s(enum=["sms", "email"])
_BASE = obj({"a": STR})

# fmt: off
DIRECTIONAL = [
    # properties and required
    Dir("optional-property-added", _BASE, obj({"a": STR, "b": STR}),
        [("{side}-property-added-optional", INFO)], [("response-property-added", INFO)], ".properties.b"),
    Dir("required-property-added", _BASE, obj({"a": STR, "b": STR}, ("b",)),
        [("{side}-property-became-required", ERR)], [("response-property-added", INFO)], ".properties.b"),
    Dir("optional-became-required", _BASE, obj({"a": STR}, ("a",)),
        [("{side}-property-became-required", ERR)], [("response-property-became-required", INFO)]),
    Dir("required-became-optional", obj({"a": STR}, ("a",)), _BASE,
        [("{side}-property-became-optional", INFO)], [("response-property-became-optional", ERR)],
        request=[("request-property-became-optional", WARN)]),
    Dir("property-removed-open", obj({"a": STR, "b": STR}), _BASE,
        [("{side}-property-removed", INFO)], [("response-property-removed", ERR)], ".properties.b"),
    Dir("property-removed-closed", obj({"a": STR, "b": STR}, additionalProperties=False),
        obj({"a": STR}, additionalProperties=False),
        [("{side}-property-removed-rejected", ERR)], [("response-property-removed", ERR)]),
    # types
    Dir("type-replaced", prop(STR), prop(INT),
        [("{side}-type-changed", ERR)], [("response-type-changed", ERR)], ".properties.x.type"),
    Dir("type-narrowed-number-to-integer", prop({"type": "number"}), prop(INT),
        [("{side}-type-changed", ERR)], [("response-type-narrowed", INFO)]),
    Dir("type-widened-integer-to-number", prop(INT), prop({"type": "number"}),
        [("{side}-type-widened", INFO)], [("response-type-changed", ERR)]),
    Dir("type-widened-to-union", prop(STR), prop({"type": ["string", "integer"]}),
        [("{side}-type-widened", INFO)], [("response-type-changed", ERR)]),
    Dir("type-gains-null", prop(STR), prop({"type": ["string", "null"]}),
        [("{side}-type-widened", INFO)], [("response-became-nullable", ERR)]),
    Dir("nullable-true-added", prop(STR), prop(s(nullable=True)),
        [("{side}-type-widened", INFO)], [("response-became-nullable", ERR)]),
    Dir("type-added", prop({}), prop(STR),
        [("{side}-type-changed", ERR)], [("response-type-narrowed", INFO)]),
    Dir("object-became-string-no-noise", prop(obj({"a": STR}, ("a",))), prop(STR),
        [("{side}-type-changed", ERR)], [("response-type-changed", ERR)]),
    # enum / const
    Dir("enum-value-removed", prop(_CHANNELS), prop(s(enum=["sms"])),
        [("{side}-enum-value-removed", ERR)], [("response-enum-value-removed", INFO)], ".properties.x.enum"),
    Dir("enum-value-added", prop(_CHANNELS), prop(s(enum=["sms", "email", "whatsapp"])),
        [("{side}-enum-value-added", INFO)], [("response-enum-value-added", WARN)]),
    Dir("enum-added", prop(STR), prop(_CHANNELS),
        [("{side}-enum-added", ERR)], [("response-enum-added", INFO)]),
    Dir("enum-removed", prop(_CHANNELS), prop(STR),
        [("{side}-enum-removed", INFO)], [("response-enum-removed", WARN)]),
    Dir("const-changed", prop({"const": "v1"}), prop({"const": "v2"}),
        [("{side}-enum-value-removed", ERR), ("{side}-enum-value-added", INFO)],
        [("response-enum-value-removed", INFO), ("response-enum-value-added", WARN)]),
    Dir("enum-gains-null", prop({"enum": ["queued", "sent"]}), prop({"enum": ["queued", "sent", None]}),
        [("{side}-enum-value-added", INFO)], [("response-became-nullable", ERR)]),
    # limits
    Dir("max-length-decreased", prop(s(maxLength=160)), prop(s(maxLength=70)),
        [("{side}-max-length-decreased", ERR)], [("response-limit-tightened", INFO)],
        ".properties.x.maxLength"),
    Dir("max-length-added", prop(STR), prop(s(maxLength=70)),
        [("{side}-max-length-decreased", ERR)], [("response-limit-tightened", INFO)]),
    Dir("max-length-increased", prop(s(maxLength=70)), prop(s(maxLength=160)),
        [("{side}-limit-relaxed", INFO)], [("response-limit-relaxed", WARN)]),
    Dir("max-length-removed", prop(s(maxLength=70)), prop(STR),
        [("{side}-limit-relaxed", INFO)], [("response-limit-relaxed", WARN)]),
    Dir("min-length-increased", prop(s(minLength=1)), prop(s(minLength=8)),
        [("{side}-min-length-increased", ERR)], [("response-limit-tightened", INFO)]),
    Dir("maximum-decreased", prop({"type": "integer", "maximum": 100}),
        prop({"type": "integer", "maximum": 10}),
        [("{side}-maximum-decreased", ERR)], [("response-limit-tightened", INFO)]),
    Dir("exclusive-maximum-added", prop({"type": "number"}), prop({"type": "number", "exclusiveMaximum": 10}),
        [("{side}-maximum-decreased", ERR)], [("response-limit-tightened", INFO)]),
    Dir("exclusive-minimum-flag-draft4", prop({"minimum": 0}), prop({"minimum": 0, "exclusiveMinimum": True}),
        [("{side}-minimum-increased", ERR)], [("response-limit-tightened", INFO)]),
    Dir("minimum-increased", prop({"type": "integer", "minimum": 0}), prop({"type": "integer", "minimum": 1}),
        [("{side}-minimum-increased", ERR)], [("response-limit-tightened", INFO)]),
    Dir("minimum-decreased", prop({"type": "integer", "minimum": 1}), prop({"type": "integer", "minimum": 0}),
        [("{side}-limit-relaxed", INFO)], [("response-limit-relaxed", WARN)]),
    Dir("max-items-decreased", prop({"type": "array", "maxItems": 10}),
        prop({"type": "array", "maxItems": 5}),
        [("{side}-max-items-decreased", ERR)], [("response-limit-tightened", INFO)]),
    Dir("min-items-increased", prop({"type": "array", "minItems": 0}), prop({"type": "array", "minItems": 1}),
        [("{side}-min-items-increased", ERR)], [("response-limit-tightened", INFO)]),
    Dir("multiple-of-tightened", prop({"multipleOf": 2}), prop({"multipleOf": 4}),
        [("{side}-constraint-tightened", ERR)], [("response-limit-tightened", INFO)]),
    Dir("multiple-of-relaxed", prop({"multipleOf": 0.5}), prop({"multipleOf": 0.25}),
        [("{side}-limit-relaxed", INFO)], [("response-limit-relaxed", WARN)]),
    Dir("unique-items-added", prop({"type": "array"}), prop({"type": "array", "uniqueItems": True}),
        [("{side}-constraint-tightened", ERR)], [("response-limit-tightened", INFO)]),
    Dir("max-properties-decreased", prop(obj(maxProperties=5)), prop(obj(maxProperties=2)),
        [("{side}-constraint-tightened", ERR)], [("response-limit-tightened", INFO)]),
    # pattern / format
    Dir("pattern-added", prop(STR), prop(s(pattern=r"^\+[1-9]\d{6,14}$")),
        [("{side}-pattern-added", ERR)], [("response-limit-tightened", INFO)], ".properties.x.pattern"),
    Dir("pattern-changed", prop(s(pattern="^[A-Z]+$")), prop(s(pattern="^[A-Z0-9]+$")),
        [("{side}-pattern-changed", ERR)], [("response-pattern-changed", WARN)]),
    Dir("pattern-removed", prop(s(pattern="^[A-Z]+$")), prop(STR),
        [("{side}-limit-relaxed", INFO)], [("response-limit-relaxed", WARN)]),
    Dir("format-added", prop(STR), prop(s(format="date-time")),
        [("{side}-format-changed", ERR)], [("response-limit-tightened", INFO)]),
    Dir("format-changed", prop(s(format="date")), prop(s(format="date-time")),
        [("{side}-format-changed", ERR)], [("response-format-changed", WARN)]),
    Dir("format-removed", prop(s(format="uri")), prop(STR),
        [("{side}-limit-relaxed", INFO)], [("response-format-changed", WARN)]),
    # additionalProperties
    Dir("additional-properties-closed", _BASE, obj({"a": STR}, additionalProperties=False),
        [("{side}-additional-properties-closed", ERR)], [("response-limit-tightened", INFO)],
        ".additionalProperties"),
    Dir("additional-properties-opened", obj({"a": STR}, additionalProperties=False), _BASE,
        [("{side}-limit-relaxed", INFO)], []),
    Dir("additional-properties-schema-narrowed", obj(additionalProperties={"type": ["string", "integer"]}),
        obj(additionalProperties=STR),
        [("{side}-type-changed", ERR)], [("response-type-narrowed", INFO)], ".additionalProperties.type"),
    # nesting and arrays
    Dir("nested-property-became-required", obj({"address": _ADDRESS}),
        obj({"address": obj({"street": STR, "zip": STR}, ("zip",))}),
        [("{side}-property-became-required", ERR)], [("response-property-added", INFO)],
        ".properties.address.properties.zip"),
    Dir("nested-property-removed", obj({"address": obj({"street": STR, "zip": STR})}),
        obj({"address": _ADDRESS}),
        [("{side}-property-removed", INFO)], [("response-property-removed", ERR)]),
    Dir("new-optional-object-with-required-child", _BASE, obj({"a": STR, "meta": obj({"id": STR}, ("id",))}),
        [("{side}-property-added-optional", INFO)], [("response-property-added", INFO)]),
    Dir("array-item-type-changed", prop({"type": "array", "items": STR}),
        prop({"type": "array", "items": INT}),
        [("{side}-type-changed", ERR)], [("response-type-changed", ERR)], ".properties.x.items.type"),
    Dir("array-item-property-removed", {"type": "array", "items": obj({"id": STR, "name": STR})},
        {"type": "array", "items": obj({"id": STR})},
        [("{side}-property-removed", INFO)], [("response-property-removed", ERR)], ".items.properties.name"),
    Dir("array-items-added", prop({"type": "array"}), prop({"type": "array", "items": STR}),
        [("{side}-type-changed", ERR)], [("response-type-narrowed", INFO)]),
    Dir("tuple-items-length-changed", prop({"prefixItems": [STR]}), prop({"prefixItems": [STR, INT]}),
        [("{side}-composition-changed", WARN)], [("response-composition-changed", WARN)]),
    # $ref
    Dir("ref-target-gains-required", _ref_doc(_ADDRESS), _ref_doc(obj({"street": STR, "zip": STR}, ("zip",))),
        [("{side}-property-became-required", ERR)], [("response-property-added", INFO)],
        ".properties.x.properties.zip"),
    Dir("ref-vs-inline-equivalent", prop(_ADDRESS), _ref_doc(_ADDRESS), [], []),
    Dir("ref-sibling-overrides-target", _ref_doc(s(maxLength=100)),
        _ref_doc(s(maxLength=100), {"$ref": "#/$defs/X", "maxLength": 10}),
        [("{side}-max-length-decreased", ERR)], [("response-limit-tightened", INFO)]),
    Dir("recursive-ref-reported-once", _tree(_NODE), _tree(_NODE_WITH_ID),
        [("{side}-property-became-required", ERR)], [("response-property-added", INFO)], ".properties.id"),
    Dir("unresolved-ref-changed", prop({"$ref": "https://schemas.example.com/a.json"}),
        prop({"$ref": "https://schemas.example.com/b.json"}),
        [("schema-ref-unresolved", WARN)], [("schema-ref-unresolved", WARN)]),
    Dir("unresolved-ref-unchanged", prop({"$ref": "#/nowhere"}), prop({"$ref": "#/nowhere"}), [], []),
    # composition
    Dir("all-of-branch-gains-required", {"allOf": [obj({"a": STR}), obj({"b": STR})]},
        {"allOf": [obj({"a": STR}), obj({"b": STR, "c": STR}, ("c",))]},
        [("{side}-property-became-required", ERR)], [("response-property-added", INFO)], ".properties.c"),
    Dir("all-of-vs-flat-equivalent", {"allOf": [obj({"a": STR}, ("a",)), obj({"b": STR})]},
        obj({"a": STR, "b": STR}, ("a",)), [], []),
    Dir("one-of-branch-changed-same-count", {"oneOf": [STR, obj({"a": STR})]},
        {"oneOf": [STR, obj({"a": STR, "b": STR}, ("b",))]},
        [("{side}-property-became-required", ERR)], [("response-property-added", INFO)],
        ".oneOf[1].properties.b"),
    Dir("one-of-branch-added", {"oneOf": [STR, INT]}, {"oneOf": [STR, INT, {"type": "boolean"}]},
        [("{side}-composition-changed", WARN)], [("response-composition-changed", WARN)], ".oneOf"),
    Dir("any-of-branch-removed", {"anyOf": [STR, INT]}, {"anyOf": [STR]},
        [("{side}-composition-changed", WARN)], [("response-composition-changed", WARN)]),
    Dir("not-changed", prop(s(**{"not": {"const": ""}})), prop(s(**{"not": {"const": "-"}})),
        [("{side}-composition-changed", WARN)], [("response-composition-changed", WARN)]),
    # lifecycle and no-ops
    Dir("property-marked-deprecated", prop(STR), prop(s(deprecated=True, **{"x-sunset": "2027-01-31"})),
        [("property-deprecated", INFO)], [("property-deprecated", INFO)], ".properties.x"),
    Dir("description-only-change", prop(s(description="old words")), prop(s(description="new words")),
        [], []),
    Dir("no-change", obj({"a": STR, "b": _CHANNELS}, ("a",)), obj({"a": STR, "b": _CHANNELS}, ("a",)),
        [], []),
]
# fmt: on


def _expected(case: Dir, side: str) -> list[tuple[str, Level]]:
    table = case.read if side == "response" else case.request if side == "request" and case.request else case.sent
    return sorted((rule.format(side=side), level) for rule, level in table)


def _run_directional(case: Dir, side: str) -> list[Change]:
    return diff_schemas(copy.deepcopy(case.old), copy.deepcopy(case.new), side, "s", today=TODAY)


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("case", DIRECTIONAL, ids=[c.id for c in DIRECTIONAL])
def test_schema_change_by_direction(case: Dir, side: str) -> None:
    changes = _run_directional(case, side)
    assert pairs(changes) == _expected(case, side)
    assert all(c.side == side and c.message for c in changes)
    if case.path is not None:
        assert changes[0].path == "s" + case.path


# --------------------------------------------------------------------------- deprecation lifecycle

_DEPRECATED = s(deprecated=True, **{"x-sunset": "2026-09-30"})


@dataclass(frozen=True)
class Lifecycle:
    id: str
    side: str
    old_prop: dict
    today: datetime.date
    expected: list[tuple[str, Level]]
    closed: bool = False
    message_contains: str = ""


# fmt: off
LIFECYCLE = [
    Lifecycle("request-before-sunset", "request", _DEPRECATED, TODAY,
              [("deprecated-property-removed-before-sunset", ERR)], message_contains="2026-09-30"),
    Lifecycle("function-before-sunset", "function", _DEPRECATED, TODAY,
              [("deprecated-property-removed-before-sunset", ERR)]),
    Lifecycle("response-before-sunset", "response", _DEPRECATED, TODAY,
              [("deprecated-property-removed-before-sunset", ERR)]),
    Lifecycle("request-after-sunset", "request", _DEPRECATED, datetime.date(2026, 10, 1),
              [("deprecated-property-removed", INFO)]),
    Lifecycle("response-on-sunset-day", "response", _DEPRECATED, datetime.date(2026, 9, 30),
              [("deprecated-property-removed", INFO)]),
    Lifecycle("request-closed-after-sunset", "request", _DEPRECATED, datetime.date(2027, 1, 1),
              [("deprecated-property-removed", INFO)], closed=True),
    Lifecycle("sunset-as-yaml-date", "response",
              s(deprecated=True, **{"x-sunset": datetime.date(2026, 9, 30)}), TODAY,
              [("deprecated-property-removed-before-sunset", ERR)]),
    Lifecycle("deprecated-without-sunset-request", "request", s(deprecated=True), TODAY,
              [("request-property-removed", INFO)], message_contains="no valid x-sunset"),
    Lifecycle("deprecated-without-sunset-response", "response", s(deprecated=True), TODAY,
              [("response-property-removed", ERR)], message_contains="no valid x-sunset"),
    Lifecycle("unparseable-sunset", "response", s(deprecated=True, **{"x-sunset": "soon"}), TODAY,
              [("response-property-removed", ERR)]),
    Lifecycle("not-deprecated-response", "response", STR, TODAY,
              [("response-property-removed", ERR)], message_contains="mark it deprecated: true"),
    Lifecycle("not-deprecated-request-closed", "request", STR, TODAY,
              [("request-property-removed-rejected", ERR)], closed=True,
              message_contains="x-sunset date first"),
]
# fmt: on


def _run_lifecycle(case: Lifecycle) -> list[Change]:
    closed = {"additionalProperties": False} if case.closed else {}
    old = obj({"keep": STR, "gone": case.old_prop}, **closed)
    new = obj({"keep": STR}, **closed)
    return diff_schemas(old, new, case.side, f"{case.side}.schema", today=case.today)


@pytest.mark.parametrize("case", LIFECYCLE, ids=[c.id for c in LIFECYCLE])
def test_deprecation_lifecycle(case: Lifecycle) -> None:
    changes = _run_lifecycle(case)
    assert pairs(changes) == sorted(case.expected)
    assert changes[0].path == f"{case.side}.schema.properties.gone"
    assert case.message_contains in changes[0].message


def test_deprecation_seen_through_ref() -> None:
    old = obj({"gone": {"$ref": "#/$defs/Legacy"}}, **{"$defs": {"Legacy": _DEPRECATED}})
    new = obj({}, **{"$defs": {"Legacy": _DEPRECATED}})
    changes = diff_schemas(old, new, "request", "request.schema", today=TODAY)
    assert pairs(changes) == [("deprecated-property-removed-before-sunset", ERR)]


# --------------------------------------------------------------------------- whole contracts


def sms_contract(version: str = "1.3.0") -> dict:
    """The SMS gateway contract as it was before the provider started requiring sender_id."""
    return {
        "name": "sms-gateway",
        "version": version,
        "owner": "priya",
        "changes": "initial",
        "function": {
            "name": "send_install_link",
            "description": "Text the caller a link to install the app.",
            "parameters": obj({"phone": s(pattern=r"^\+[1-9]\d{6,14}$")}, ("phone",)),
        },
        "backend": {
            "method": "POST",
            "url": "https://sms.example.com/v1/messages",
            "timeout_s": 8,
            "headers": {"Authorization": "Bearer ${SMS_GATEWAY_TOKEN}"},
            "secrets": ["SMS_GATEWAY_TOKEN"],
        },
        "request": {"schema": obj({"to": STR, "body": s(maxLength=160)}, ("to", "body"))},
        "response": {
            "schema": obj(
                {"message_id": STR, "status": s(enum=["queued", "sent"])},
                ("message_id", "status"),
            )
        },
        "success": {
            "status": [200, 202],
            "criteria": [
                {"path": "message_id", "exists": True},
                {"path": "status", "in": ["queued", "sent"]},
            ],
        },
        "examples": [],
    }


def _at(contract: dict, dotted: str) -> tuple[dict | list, str | int]:
    """The parent container and key of a dotted path; numeric parts index lists."""
    node: object = contract
    *parents, last = [int(part) if part.isdigit() else part for part in dotted.split(".")]
    for key in parents:
        node = node[key]  # type: ignore[index]
    return node, last  # type: ignore[return-value]


def put(dotted: str, value: object) -> Callable[[dict], None]:
    """An edit that sets (or, one past the end of a list, appends) the value at ``dotted``."""

    def edit(contract: dict) -> None:
        node, last = _at(contract, dotted)
        if isinstance(node, list) and last == len(node):
            node.append(copy.deepcopy(value))
        else:
            node[last] = copy.deepcopy(value)  # type: ignore[index]

    return edit


def drop(dotted: str) -> Callable[[dict], None]:
    """An edit that deletes the value at ``dotted``."""

    def edit(contract: dict) -> None:
        node, last = _at(contract, dotted)
        del node[last]  # type: ignore[arg-type]

    return edit


def add_sender_id(contract: dict) -> None:
    body = contract["request"]["schema"]
    body["properties"]["sender_id"] = s(maxLength=11)
    body["required"].append("sender_id")


def add_optional_field(contract: dict) -> None:
    contract["request"]["schema"]["properties"]["reference"] = STR


def share_phone_schema(contract: dict) -> None:
    # The LLM-facing phone parameter reuses the request's "to" definition.
    contract["function"]["parameters"]["properties"]["phone"] = {"$ref": "#/request/schema/properties/to"}


@dataclass(frozen=True)
class ContractCase:
    id: str
    old_version: str
    new_version: str
    edits: list[Callable[[dict], None]]
    expected: list[tuple[str, Level]]
    overrides: dict = field(default_factory=dict)
    before: list[Callable[[dict], None]] = field(default_factory=list)  # applied to both versions


# fmt: off
CONTRACT_CASES = [
    ContractCase("identical", "1.3.0", "1.3.0", [], []),
    ContractCase("function-name-changed-major", "1.3.0", "2.0.0", [put("function.name", "send_link")],
                 [("function-name-changed", ERR)]),
    ContractCase("function-name-changed-minor", "1.3.0", "1.4.0", [put("function.name", "send_link")],
                 [("function-name-changed", ERR), ("breaking-change-without-major-bump", ERR)]),
    ContractCase("function-description-changed", "1.3.0", "1.3.1",
                 [put("function.description", "Send the app link by SMS.")],
                 [("function-description-changed", INFO)]),
    ContractCase("function-parameter-became-required", "1.3.0", "1.4.0",
                 [put("function.parameters.required", ["phone", "name"]),
                  put("function.parameters.properties.name", STR)],
                 [("function-property-became-required", ERR), ("breaking-change-without-major-bump", ERR)]),
    ContractCase("backend-method-changed", "1.3.0", "1.3.1", [put("backend.method", "PUT")],
                 [("backend-endpoint-changed", WARN)]),
    ContractCase("backend-url-path-changed", "1.3.0", "1.3.1",
                 [put("backend.url", "https://sms.example.com/v2/messages")],
                 [("backend-endpoint-changed", WARN)]),
    ContractCase("backend-timeout-only", "1.3.0", "1.3.1", [put("backend.timeout_s", 5)], []),
    ContractCase("backend-secret-added", "1.3.0", "1.3.1",
                 [put("backend.secrets", ["SMS_GATEWAY_TOKEN", "SMS_SENDER_ID"])],
                 [("backend-secret-added", WARN)]),
    ContractCase("success-status-changed", "1.3.0", "1.3.1", [put("success.status", [200])],
                 [("success-criteria-changed", WARN)]),
    ContractCase("success-criterion-removed", "1.3.0", "1.3.1",
                 [put("success.criteria", [{"path": "message_id", "exists": True}])],
                 [("success-criterion-removed", WARN)]),
    ContractCase("success-criterion-changed", "1.3.0", "1.3.1",
                 [put("success.criteria.1", {"path": "status", "in": ["queued"]})],
                 [("success-criteria-changed", WARN)]),
    ContractCase("success-criterion-added", "1.3.0", "1.3.1",
                 [put("success.criteria.2", {"path": "error", "exists": False})],
                 [("success-criteria-changed", WARN)]),
    ContractCase("response-enum-value-added-patch", "1.3.0", "1.3.1",
                 [put("response.schema.properties.status.enum", ["queued", "sent", "failed"])],
                 [("response-enum-value-added", WARN)]),
    ContractCase("response-field-dropped", "1.3.0", "1.4.0",
                 [drop("response.schema.properties.status"), put("response.schema.required", ["message_id"])],
                 [("response-property-removed", ERR), ("breaking-change-without-major-bump", ERR)]),
    ContractCase("additions-in-patch", "1.3.0", "1.3.1", [add_optional_field],
                 [("request-property-added-optional", INFO), ("additions-in-patch-release", INFO)]),
    ContractCase("additions-in-minor", "1.3.0", "1.4.0", [add_optional_field],
                 [("request-property-added-optional", INFO)]),
    ContractCase("version-unchanged-content-changed", "1.3.0", "1.3.0", [add_optional_field],
                 [("request-property-added-optional", INFO), ("version-not-increased", ERR)]),
    ContractCase("version-went-down", "1.3.0", "1.2.9", [], [("version-not-increased", ERR)]),
    ContractCase("only-release-note-and-owner-changed", "1.3.0", "1.3.0",
                 [put("changes", "typo fixes"), put("owner", "sam")], []),
    ContractCase("version-invalid", "1.3.0", "1.4", [], [("version-invalid", ERR)]),
    ContractCase("pre-1.0-minor-bump-is-enough", "0.3.0", "0.4.0", [add_sender_id],
                 [("request-property-became-required", ERR)]),
    ContractCase("pre-1.0-patch-bump-is-not", "0.3.0", "0.3.1", [add_sender_id],
                 [("request-property-became-required", ERR), ("breaking-change-without-major-bump", ERR)]),
    ContractCase("ref-into-another-section", "1.3.0", "1.4.0",
                 [put("request.schema.properties.to", s(maxLength=15))],
                 [("request-max-length-decreased", ERR), ("function-max-length-decreased", ERR),
                  ("breaking-change-without-major-bump", ERR)], before=[share_phone_schema]),
    ContractCase("override-relaxes-rule", "1.3.0", "1.4.0", [add_sender_id],
                 [("request-property-became-required", INFO)],
                 overrides={"request-property-became-required": "INFO"}),
    ContractCase("override-turns-rule-off", "1.3.0", "1.4.0", [add_sender_id], [],
                 overrides={"request-property-became-required": "off"}),
    ContractCase("override-yaml-false-means-off", "1.3.0", "1.4.0", [add_sender_id], [],
                 overrides={"request-property-became-required": False}),
    ContractCase("override-semver-rule-itself", "1.3.0", "1.4.0", [add_sender_id],
                 [("request-property-became-required", ERR), ("breaking-change-without-major-bump", WARN)],
                 overrides={"breaking-change-without-major-bump": "warn"}),
    ContractCase("override-tightens-rule", "1.3.0", "1.3.1",
                 [put("response.schema.properties.status.enum", ["queued", "sent", "failed"])],
                 [("response-enum-value-added", ERR), ("breaking-change-without-major-bump", ERR)],
                 overrides={"response-enum-value-added": "ERR"}),
]
# fmt: on


def _run_contract_case(case: ContractCase) -> CompatReport:
    old, new = sms_contract(case.old_version), sms_contract(case.new_version)
    for edit in case.before:
        edit(old)
        edit(new)
    for edit in case.edits:
        edit(new)
    return diff_contracts(old, new, overrides=case.overrides, today=TODAY)


@pytest.mark.parametrize("case", CONTRACT_CASES, ids=[c.id for c in CONTRACT_CASES])
def test_contract_change(case: ContractCase) -> None:
    report = _run_contract_case(case)
    assert pairs(report.changes) == sorted(case.expected)
    assert report.breaking == any(level is ERR for _, level in case.expected)
    assert (report.old_version, report.new_version) == (case.old_version, case.new_version)


def test_sms_gateway_incident_is_caught() -> None:
    """The provider started requiring sender_id in a minor release and kept answering 200."""
    old, new = sms_contract("1.3.0"), sms_contract("1.4.0")
    add_sender_id(new)
    report = diff_contracts(old, new, today=TODAY)
    assert [(c.rule, c.level, c.path) for c in report.changes] == [
        ("request-property-became-required", ERR, "request.schema.properties.sender_id"),
        ("breaking-change-without-major-bump", ERR, "version"),
    ]
    assert report.breaking
    assert "sender_id" in report.changes[0].message
    assert report.changes[1].message == (
        "1.3.0 → 1.4.0 has breaking changes (request-property-became-required); release it as 2.0.0"
    )


def test_sms_gateway_change_released_as_major() -> None:
    old, new = sms_contract("1.3.0"), sms_contract("2.0.0")
    add_sender_id(new)
    report = diff_contracts(old, new, today=TODAY)
    assert [(c.rule, c.level, c.path) for c in report.changes] == [
        ("request-property-became-required", ERR, "request.schema.properties.sender_id"),
    ]
    assert report.breaking


def test_unknown_override_lists_known_ids() -> None:
    with pytest.raises(ValueError, match="request-pattern-addded") as info:
        diff_contracts(sms_contract(), sms_contract(), overrides={"request-pattern-addded": "WARN"})
    assert "request-pattern-added" in str(info.value) and "version-not-increased" in str(info.value)


def test_invalid_override_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="not one of ERR, WARN, INFO, off"):
        diff_contracts(sms_contract(), sms_contract(), overrides={"request-pattern-added": "fatal"})


def test_report_to_dict_is_json_serialisable() -> None:
    old, new = sms_contract("1.3.0"), sms_contract("1.4.0")
    add_sender_id(new)
    data = json.loads(json.dumps(diff_contracts(old, new, today=TODAY).to_dict()))
    assert data["breaking"] is True
    assert data["summary"] == {"ERR": 2, "WARN": 0, "INFO": 0}
    assert data["changes"][0] == {
        "rule": "request-property-became-required",
        "level": "ERR",
        "path": "request.schema.properties.sender_id",
        "message": data["changes"][0]["message"],
        "side": "request",
    }


def test_missing_sections_compare_as_empty() -> None:
    old = {"version": "1.0.0"}
    new = {"version": "1.1.0", "response": {"schema": obj({"id": STR})}}
    report = diff_contracts(old, new, today=TODAY)
    assert pairs(report.changes) == [("response-property-added", INFO), ("response-type-narrowed", INFO)]


def test_diff_schemas_rejects_unknown_side() -> None:
    with pytest.raises(ValueError, match="side must be one of"):
        diff_schemas({}, {}, "headers", "backend.headers")


# --------------------------------------------------------------------------- registry and docs


def _doc_table() -> dict[str, tuple[str, str]]:
    """Rule id -> (side, level) from the markdown table in docs/contract-rules.md."""
    rows = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3 and re.fullmatch(r"`[a-z0-9-]+`", cells[0]):
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


def test_every_rule_is_documented_with_its_level() -> None:
    table = _doc_table()
    assert sorted(set(RULES) - set(table)) == []
    assert sorted(set(table) - set(RULES)) == []
    assert {rule: level for rule, (_, level) in table.items()} == {
        r: lvl.value for r, (lvl, _) in RULES.items()
    }


def test_rule_ids_are_kebab_case_with_descriptions() -> None:
    for rule, (level, description) in RULES.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule), rule
        assert isinstance(level, Level) and description.endswith(".")


def test_engine_only_emits_registered_rules() -> None:
    with pytest.raises(KeyError, match="not registered"):
        make_change("request-something-new", "request.schema", "msg", "request")


def test_every_registered_rule_is_exercised_by_a_case() -> None:
    emitted = {c.rule for case in DIRECTIONAL for side in SIDES for c in _run_directional(case, side)}
    emitted |= {c.rule for case in LIFECYCLE for c in _run_lifecycle(case)}
    emitted |= {c.rule for case in CONTRACT_CASES for c in _run_contract_case(case).changes}
    assert sorted(set(RULES) - emitted) == []


# --------------------------------------------------------------------------- properties

_leaf = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["string", "integer", "number", "boolean", "null", ["string", "null"]]),
        "maxLength": st.integers(0, 5),
        "minimum": st.integers(-3, 3),
        "enum": st.lists(st.sampled_from(["a", "b", 1, None, True]), min_size=1, max_size=3),
        "pattern": st.sampled_from(["^a", "^b"]),
        "format": st.sampled_from(["date", "email"]),
        "deprecated": st.booleans(),
        "x-sunset": st.sampled_from(["2026-01-01", "2027-01-01", "never"]),
    },
)
_names = st.sampled_from(["a", "b", "c", "d"])
schemas = st.recursive(
    _leaf,
    lambda children: st.one_of(
        st.fixed_dictionaries(
            {"type": st.just("object"), "properties": st.dictionaries(_names, children, max_size=3)},
            optional={
                "required": st.lists(_names, max_size=3, unique=True),
                "additionalProperties": st.one_of(st.booleans(), children),
            },
        ),
        st.fixed_dictionaries({"type": st.just("array"), "items": children}),
        st.fixed_dictionaries({"oneOf": st.lists(children, min_size=1, max_size=3)}),
        st.fixed_dictionaries({"allOf": st.lists(children, min_size=1, max_size=2)}),
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(schemas, st.sampled_from(SIDES))
def test_a_schema_never_differs_from_itself(schema: dict, side: str) -> None:
    assert diff_schemas(schema, copy.deepcopy(schema), side, "s", today=TODAY) == []


@settings(max_examples=150, deadline=None)
@given(schemas, schemas, st.sampled_from(SIDES))
def test_any_two_schemas_diff_with_registered_rules(old: dict, new: dict, side: str) -> None:
    for change in diff_schemas(old, new, side, "s", today=TODAY):
        assert change.level is RULES[change.rule][0]
        assert change.side == side and change.path.startswith("s")
