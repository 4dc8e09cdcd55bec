"""Rule registry for tool-contract compatibility checks.

``RULES`` is the single source of truth: the docs table, the validation of per-repo level
overrides and every emitted :class:`Change` read their ids and default levels from it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(str, enum.Enum):
    """How bad a change is: breaking, undecidable by machine, or safe."""

    ERR = "ERR"
    WARN = "WARN"
    INFO = "INFO"

    def __str__(self) -> str:
        return self.value


ERR, WARN, INFO = Level.ERR, Level.WARN, Level.INFO

INPUT_SIDES = ("request", "function")
SCHEMA_SIDES = (*INPUT_SIDES, "response")

# Who produces the payload on each input side, used to word the descriptions.
_SENDERS = {"request": "requests", "function": "tool calls from the LLM"}

# Request and function schemas are *read* by someone else (the backend, the tool code), so any
# change that makes them stricter rejects payloads that used to be valid.
_INPUT_RULES: dict[str, tuple[Level, str]] = {
    "property-became-required": (
        ERR,
        "A property is now required (brand-new, or optional before): {who} without it fail.",
    ),
    "property-added-optional": (INFO, "A new optional property: existing {who} stay valid."),
    "property-became-optional": (INFO, "A required property became optional: existing {who} stay valid."),
    "property-removed": (
        INFO,
        "A property was removed but extra fields are still allowed: {who} sending it stay valid.",
    ),
    "property-removed-rejected": (
        ERR,
        "A property was removed and additionalProperties is false: {who} sending it are rejected.",
    ),
    "type-changed": (ERR, "The type was narrowed or replaced: {who} using the old type are rejected."),
    "type-widened": (
        INFO,
        "The type accepts more than before (e.g. integer to number): existing {who} stay valid.",
    ),
    "enum-value-removed": (ERR, "An allowed enum/const value was removed: {who} using it are rejected."),
    "enum-value-added": (INFO, "A new allowed enum value: existing {who} stay valid."),
    "enum-added": (
        ERR,
        "An enum/const now restricts a value that was free before: {who} with other values fail.",
    ),
    "enum-removed": (INFO, "The enum/const restriction was dropped: any value is accepted."),
    "max-length-decreased": (ERR, "maxLength was lowered or added: {who} with longer strings are rejected."),
    "min-length-increased": (ERR, "minLength was raised or added: {who} with shorter strings are rejected."),
    "maximum-decreased": (
        ERR,
        "maximum/exclusiveMaximum was lowered or added: {who} with larger numbers are rejected.",
    ),
    "minimum-increased": (
        ERR,
        "minimum/exclusiveMinimum was raised or added: {who} with smaller numbers are rejected.",
    ),
    "max-items-decreased": (ERR, "maxItems was lowered or added: {who} with longer arrays are rejected."),
    "min-items-increased": (ERR, "minItems was raised or added: {who} with shorter arrays are rejected."),
    "constraint-tightened": (
        ERR,
        "multipleOf, uniqueItems, minProperties or maxProperties got stricter: some {who} fail.",
    ),
    "pattern-added": (ERR, "A regex pattern was added: {who} with strings that don't match are rejected."),
    "pattern-changed": (ERR, "The regex pattern changed: {who} valid under the old pattern may be rejected."),
    "format-changed": (
        ERR,
        "A string format was added or changed: {who} with strings in another format fail.",
    ),
    "additional-properties-closed": (
        ERR,
        "additionalProperties became false: {who} with extra fields are rejected.",
    ),
    "limit-relaxed": (
        INFO,
        "A limit, pattern, format or additionalProperties restriction was relaxed: {who} stay valid.",
    ),
    "composition-changed": (WARN, "oneOf/anyOf branches (or not/if/then/else) changed shape: check by hand."),
}

# The response schema is *read by the agent*, so any change that lets the backend return
# something the agent has never seen (missing, null, new type, new value) breaks the reader.
_RESPONSE_RULES: dict[str, tuple[Level, str]] = {
    "property-removed": (ERR, "A property the agent may read is gone."),
    "property-became-optional": (ERR, "A property that was always present may now be missing."),
    "property-added": (INFO, "A new property: the agent ignores it until it reads it."),
    "property-became-required": (INFO, "An optional property is now always present."),
    "type-changed": (ERR, "The type changed or widened: the agent may receive values it cannot handle."),
    "type-narrowed": (INFO, "The type is narrower than before (e.g. number to integer)."),
    "became-nullable": (
        ERR,
        "The value may now be null (type gained null, nullable: true, or a null enum value).",
    ),
    "enum-value-added": (WARN, "A new value may be returned: code switching on the value may not handle it."),
    "enum-value-removed": (INFO, "A value is no longer returned."),
    "enum-added": (INFO, "The value is now restricted to a fixed set."),
    "enum-removed": (WARN, "The fixed set of values was dropped: any value may be returned."),
    "limit-relaxed": (
        WARN,
        "A limit, pattern or format was relaxed: the agent may receive values it never saw.",
    ),
    "limit-tightened": (INFO, "A limit, pattern, format or additionalProperties restriction got stricter."),
    "pattern-changed": (WARN, "The regex pattern of a returned string changed."),
    "format-changed": (WARN, "The format of a returned string changed or was dropped."),
    "composition-changed": (WARN, "oneOf/anyOf branches (or not/if/then/else) changed shape: check by hand."),
}

# Rules that are not tied to one schema direction.
_OTHER_RULES: dict[str, tuple[Level, str]] = {
    "function-name-changed": (
        ERR,
        "The function name the LLM calls changed: prompts and examples using it break.",
    ),
    "function-description-changed": (
        INFO,
        "The function description changed: the LLM may call it differently; re-run evals.",
    ),
    "backend-endpoint-changed": (
        WARN,
        "The backend method or URL changed: the call may reach a different handler.",
    ),
    "backend-secret-added": (
        WARN,
        "The backend needs a new secret: every deploy environment must provide it.",
    ),
    "success-criteria-changed": (WARN, "Success is judged differently: status codes or criteria changed."),
    "success-criterion-removed": (
        WARN,
        "A success criterion was removed: failures it caught now count as success.",
    ),
    "property-deprecated": (
        INFO,
        "A property was marked deprecated: consumers should stop using it before x-sunset.",
    ),
    "deprecated-property-removed-before-sunset": (
        ERR,
        "A deprecated property was removed before its x-sunset date.",
    ),
    "deprecated-property-removed": (INFO, "A deprecated property was removed on or after its x-sunset date."),
    "schema-ref-unresolved": (
        WARN,
        "A $ref that cannot be resolved inside the contract changed: check by hand.",
    ),
    "breaking-change-without-major-bump": (
        ERR,
        "Breaking changes were released without a major version bump.",
    ),
    "version-not-increased": (
        ERR,
        "The version went down, or stayed the same although the contract changed.",
    ),
    "version-invalid": (ERR, "The version is not a valid semver MAJOR.MINOR.PATCH string."),
    "additions-in-patch-release": (INFO, "Additions were released as a patch: semver suggests a minor bump."),
}

# Side-agnostic rules report the side of the schema they were found in.
ANY_SIDE = "any"
OTHER_RULE_SIDES = {
    "function-name-changed": "function",
    "function-description-changed": "function",
    "property-deprecated": ANY_SIDE,
    "deprecated-property-removed-before-sunset": ANY_SIDE,
    "deprecated-property-removed": ANY_SIDE,
    "schema-ref-unresolved": ANY_SIDE,
}


def _build_rules() -> dict[str, tuple[Level, str]]:
    rules: dict[str, tuple[Level, str]] = {}
    for side in INPUT_SIDES:
        for suffix, (level, text) in _INPUT_RULES.items():
            rules[f"{side}-{suffix}"] = (level, text.format(who=_SENDERS[side]))
    for suffix, entry in _RESPONSE_RULES.items():
        rules[f"response-{suffix}"] = entry
    rules.update(_OTHER_RULES)
    # The request side is what the provider reads: dropping a field from `required` is a claim about the
    # provider that no diff can check. If the provider still needs the field, requests without it fail,
    # perhaps with HTTP 200 and nothing done (the founding incident). Only a live verify proves the claim.
    rules["request-property-became-optional"] = (
        WARN,
        "A required property became optional: confirm the provider accepts requests without it "
        "(`agentctl contracts verify`).",
    )
    return rules


RULES: dict[str, tuple[Level, str]] = _build_rules()


def rule_side(rule: str) -> str:
    """The side a rule applies to: request, function, response, contract or any."""
    if rule in OTHER_RULE_SIDES:
        return OTHER_RULE_SIDES[rule]
    head = rule.split("-", 1)[0]
    return head if head in SCHEMA_SIDES else "contract"


@dataclass(frozen=True)
class Change:
    """One detected difference between two contract versions."""

    rule: str
    level: Level
    path: str
    message: str
    side: str

    def to_dict(self) -> dict[str, str]:
        """JSON-serialisable form."""
        return {
            "rule": self.rule,
            "level": self.level.value,
            "path": self.path,
            "message": self.message,
            "side": self.side,
        }


def make_change(rule: str, path: str, message: str, side: str) -> Change:
    """Create a change at the rule's default level; unknown ids fail loudly so RULES stays complete."""
    if rule not in RULES:
        raise KeyError(f"rule {rule!r} is not registered in RULES")
    level, _ = RULES[rule]
    return Change(rule, level, path, message, side)
