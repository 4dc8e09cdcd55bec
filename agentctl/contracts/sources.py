"""Load tool contracts from files or from git revisions, validated against the shipped schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentctl.errors import BadInputError, ValidationFailed
from agentctl.model.yamlio import Document, load_file, parse_text


def _checked(doc: Document) -> dict[str, Any]:
    from agentctl.model.schema import validate_document

    findings = validate_document(doc, "tool-contract")
    if any(d.is_error for d in findings):
        raise ValidationFailed(findings)
    if not isinstance(doc.data, dict):
        raise BadInputError(f"{doc.relpath} is not a tool contract", "write a mapping with name, version, ...")
    return doc.data


def load_contract_file(path: Path, relpath: str | None = None) -> dict[str, Any]:
    """Parse and validate the tool contract at `path`; errors name file:line:col (exit 2)."""
    return _checked(load_file(path, relpath or str(path)))


def parse_contract_text(text: str, label: str) -> dict[str, Any]:
    """Parse and validate contract text read from git; `label` (e.g. `file@abc123`) names it in errors."""
    return _checked(parse_text(text, label))


def rule_overrides(root: Path | None) -> dict[str, str]:
    """The repo's `contracts.rules` level overrides from agentctl.yaml (empty outside a repo)."""
    from agentctl.model import layout

    if root is None or not (root / layout.CONFIG_FILE).is_file():
        return {}
    data = load_file(root / layout.CONFIG_FILE, layout.CONFIG_FILE).data
    rules = ((data or {}).get("contracts") or {}).get("rules") or {} if isinstance(data, dict) else {}
    return dict(rules) if isinstance(rules, dict) else {}
