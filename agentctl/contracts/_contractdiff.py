"""Contract-level comparisons: function identity, backend endpoint and secrets, success criteria.

These are not schema edits, but they change whether a call reaches the right handler and
whether its outcome is judged correctly, which is how silent failures slip through.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from agentctl.contracts._rules import Change, make_change
from agentctl.contracts._schemadiff import diff_schemas


def section(contract: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``contract[key]`` when it is a mapping, else an empty one (missing sections compare as empty)."""
    value = contract.get(key)
    return value if isinstance(value, Mapping) else {}


def canon(value: object) -> str:
    """Canonical JSON text; unlike ``==`` it tells ``1`` from ``true`` and ``"1"``."""
    return json.dumps(value, sort_keys=True, default=str)


def _contract_change(rule: str, path: str, message: str) -> Change:
    return make_change(rule, path, message, "contract")


def diff_function(old: Mapping[str, Any], new: Mapping[str, Any], today: datetime.date) -> list[Change]:
    """Function name and description, then the parameters the LLM fills."""
    old_fn, new_fn = section(old, "function"), section(new, "function")
    changes = []
    if old_fn.get("name") != new_fn.get("name"):
        message = (
            f"function name {old_fn.get('name')!r} → {new_fn.get('name')!r}: the LLM, prompts and "
            "examples that call the old name no longer reach this tool"
        )
        changes.append(make_change("function-name-changed", "function.name", message, "function"))
    if old_fn.get("description") != new_fn.get("description"):
        message = (
            "the function description the LLM reads changed: it may call the tool at other moments; "
            "re-run the eval suites"
        )
        changes.append(
            make_change("function-description-changed", "function.description", message, "function")
        )
    changes += diff_schemas(
        old_fn.get("parameters"),
        new_fn.get("parameters"),
        "function",
        "function.parameters",
        today=today,
        old_document=old,
        new_document=new,
    )
    return changes


def _endpoint(backend: Mapping[str, Any]) -> str:
    url = str(backend.get("url") or "")
    if not url:
        return "(none)"
    parts = urlsplit(url)
    return f"{str(backend.get('method') or '').upper()} {parts.scheme}://{parts.netloc}{parts.path}"


def diff_backend(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Method/URL changes and secrets that deploy environments must now provide."""
    old_be, new_be = section(old, "backend"), section(new, "backend")
    changes = []
    if _endpoint(old_be) != _endpoint(new_be):
        message = (
            f"endpoint {_endpoint(old_be)} → {_endpoint(new_be)}: the call may reach a different handler"
        )
        changes.append(_contract_change("backend-endpoint-changed", "backend", message))
    old_secrets = {str(s) for s in old_be.get("secrets") or []}
    for secret in new_be.get("secrets") or []:
        if str(secret) not in old_secrets:
            message = (
                f"new secret {secret}: every deploy environment must provide it before this version rolls out"
            )
            changes.append(_contract_change("backend-secret-added", "backend.secrets", message))
    return changes


def diff_success(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Accepted status codes and response criteria: how a call is judged to have worked."""
    old_s, new_s = section(old, "success"), section(new, "success")
    changes = []
    old_status = sorted(map(str, old_s.get("status") or []))
    new_status = sorted(map(str, new_s.get("status") or []))
    if old_status != new_status:
        message = (
            f"success status codes [{', '.join(old_status)}] → [{', '.join(new_status)}]: "
            "success is judged differently"
        )
        changes.append(_contract_change("success-criteria-changed", "success.status", message))
    return changes + _diff_criteria(list(old_s.get("criteria") or []), list(new_s.get("criteria") or []))


def _criterion_path(criterion: object) -> object:
    return criterion.get("path") if isinstance(criterion, Mapping) else None


def _diff_criteria(old_list: list[Any], new_list: list[Any]) -> list[Change]:
    # Criteria are matched by the response path they check: same path, other test = changed.
    old_keys, new_keys = {canon(c) for c in old_list}, {canon(c) for c in new_list}
    old_paths, new_paths = {_criterion_path(c) for c in old_list}, {_criterion_path(c) for c in new_list}
    changes = []
    for index, criterion in enumerate(old_list):
        if canon(criterion) in new_keys:
            continue
        where = f"success.criteria[{index}]"
        if _criterion_path(criterion) in new_paths:
            message = f"criterion {canon(criterion)} changed: success is judged differently"
            changes.append(_contract_change("success-criteria-changed", where, message))
        else:
            message = f"criterion {canon(criterion)} was removed: responses that fail it now count as success"
            changes.append(_contract_change("success-criterion-removed", where, message))
    for index, criterion in enumerate(new_list):
        if canon(criterion) not in old_keys and _criterion_path(criterion) not in old_paths:
            message = f"new criterion {canon(criterion)}: success is judged differently"
            changes.append(
                _contract_change("success-criteria-changed", f"success.criteria[{index}]", message)
            )
    return changes
