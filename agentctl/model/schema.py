"""Validate a Document against a schema shipped in the package, as positioned diagnostics.

jsonschema's own messages describe the schema; users need to hear about their file. Each
error is rewritten as "what is wrong — how to fix", using the schema's `x-fix` hint where
one exists. Unknown keys are warnings (with a did-you-mean), not errors, so a newer file
still loads in an older agentctl.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

from agentctl.model.diagnostics import Diagnostic
from agentctl.model.yamlio import Document

SCHEMA_NAMES = ("config", "prompt", "tool-contract", "kb-manifest", "agent", "bundle", "suite", "call-record",
                "secrets-allow")


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema named `name` (e.g. "tool-contract"), as shipped in agentctl/schemas."""
    text = resources.files("agentctl.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


@functools.cache
def _fast_validator(name: str) -> Any:
    """jsonschema-rs's compiled validator for `name` (about 70× faster than jsonschema's), or None."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        return jsonschema_rs.validator_for(load_schema(name), validate_formats=True)
    except Exception:  # noqa: BLE001 - a schema it cannot compile: jsonschema answers alone
        return None


def validate_document(doc: Document, schema_name: str) -> list[Diagnostic]:
    """All schema findings for `doc`, errors and unknown-key warnings, in file order.

    A clean document (the usual case) is confirmed by the compiled validator alone; any finding,
    down to an unknown key, sends the document through jsonschema, whose errors carry what the
    diagnostics need. The compiled validator checks formats and ECMA regexes, at least as strict
    as jsonschema's, so it never calls clean what jsonschema would not.
    """
    fast = _fast_validator(schema_name)
    if fast is not None:
        try:
            if fast.is_valid(doc.data):
                return []
        except Exception:  # noqa: BLE001 - a value it cannot take (a huge int): jsonschema decides
            pass
    return sorted(_iter_findings(doc, _validator(schema_name), []), key=lambda d: (d.line, d.col))


def compiled_says_valid(schema: dict[str, Any], value: Any) -> bool:
    """True when jsonschema-rs (draft 2020-12, formats not asserted, as `Draft202012Validator(schema)` without a
    format checker) calls `value` valid: then jsonschema would find no error either, because the compiled
    validator's ECMA regexes are at least as strict. False means "ask jsonschema", never "invalid"."""
    try:
        import jsonschema_rs

        return bool(jsonschema_rs.Draft202012Validator(schema, validate_formats=False).is_valid(value))
    except Exception:  # noqa: BLE001 - not installed, a schema or value it cannot take: jsonschema decides
        return False


def validate_value(doc: Document, value: Any, schema: dict[str, Any], at: list[str | int]) -> list[Diagnostic]:
    """Validate a sub-value of `doc` (located at path `at`) against an ad-hoc schema."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return sorted(_iter_findings(doc, validator, at, value), key=lambda d: (d.line, d.col))


def _iter_findings(doc: Document, validator: Any, prefix: list[str | int],
                   value: Any = None) -> Iterator[Diagnostic]:
    instance = doc.data if value is None else value
    for error in validator.iter_errors(instance):
        yield from _describe(doc, error, prefix)


def _describe(doc: Document, error: Any, prefix: list[str | int]) -> Iterator[Diagnostic]:
    path = prefix + list(error.absolute_path)
    where = _dotted(path)
    kind = error.validator
    fix = error.schema.get("x-fix", "") if isinstance(error.schema, dict) else ""
    if kind == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        extras = [k for k in error.instance if k not in known and not k.startswith("x-")]
        for extra in extras:
            guess = difflib.get_close_matches(extra, known, n=1)
            hint = f"did you mean '{guess[0]}'?" if guess else f"known keys here: {', '.join(known)}"
            yield doc.diagnostic(path + [extra], f"unknown key '{extra}'{_in(where)}", hint,
                                 severity="warning", key=True)
        return
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        sub = error.schema.get("properties", {}).get(missing, {})
        yield doc.diagnostic(path, f"missing required key '{missing}'{_in(where)}",
                             sub.get("x-fix") or f"add `{missing}:`" + _described(sub), key=bool(path))
        return
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        yield doc.diagnostic(path, f"{_subject(where)} must be {_article(expected)}, got {_show(error.instance)}",
                             fix or f"write {_article(expected)} here")
        return
    if kind in ("enum", "const"):
        allowed = error.validator_value if kind == "enum" else [error.validator_value]
        choices = ", ".join(json.dumps(a) for a in allowed)
        guess = difflib.get_close_matches(str(error.instance), [str(a) for a in allowed], n=1)
        yield doc.diagnostic(path, f"{_subject(where)} is {_show(error.instance)}, not one of {choices}",
                             fix or (f"did you mean {guess[0]!r}?" if guess else f"use one of {choices}"))
        return
    if kind == "pattern":
        yield doc.diagnostic(path, f"{_subject(where)} {_show(error.instance)} is not in the expected format",
                             fix or f"it must match {error.validator_value}")
        return
    if kind == "propertyNames":
        yield doc.diagnostic(path, f"key {_show(error.instance)}{_in(where)} is not a valid name",
                             "use lowercase letters, digits and dashes", key=True)
        return
    if kind == "format":
        yield doc.diagnostic(path, f"{_subject(where)} {_show(error.instance)} is not a valid {error.validator_value}",
                             fix or f"write a valid {error.validator_value}")
        return
    if kind in ("anyOf", "oneOf") and error.context:
        from jsonschema.exceptions import best_match

        yield from _describe(doc, best_match(error.context), prefix)
        return
    yield doc.diagnostic(path, f"{_subject(where)}: {error.message}", fix)


def _dotted(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _subject(where: str) -> str:
    return f"'{where}'" if where else "the file"


def _in(where: str) -> str:
    return f" in '{where}'" if where else ""


def _article(kind: str) -> str:
    names = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "a whole number",
             "number": "a number", "boolean": "true or false", "null": "null"}
    return names.get(kind, kind)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    return repr(value)


def _described(sub: dict[str, Any]) -> str:
    return f" ({sub['description']})" if sub.get("description") else ""
