"""Release notes for a changed tool contract, from the compatibility engine (agentctl.contracts.compat).

`agentctl release` and `agentctl diff` describe what changed in each tool the agent uses. The
words come from the same rules `contracts diff` and the CI gate judge by, so a release note
says "new required property 'sender_id'" exactly when the gate calls it breaking. Importing this
module registers it with agentctl.model.notes (agentctl.validation imports it), so model/ never
imports contracts/.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from agentctl.contracts.compat import diff_contracts
from agentctl.model.notes import item, register_contract_notes, show

# Settings a release note mentions that no compatibility rule covers (they change behaviour, not the contract).
NOTED_BACKEND_SETTINGS = ("timeout_s",)


def contract_notes(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The version bump, then every change the engine finds (rule, level, path), then noted backend settings."""
    if str(old.get("version")) != str(new.get("version")):
        yield item("tool", name, "version", f"version {old.get('version')} → {new.get('version')}",
                   old=str(old.get("version")), new=str(new.get("version")))
    for change in diff_contracts(old, new).changes:
        if change.side == "contract" and change.path == "version":
            continue  # the semver judgement of the bump: `validate` and the CI gate report it, not the notes
        yield item("tool", name, change.rule, f"{change.side}: {change.message}", rule=change.rule,
                   level=change.level.value, path=change.path)
    old_backend, new_backend = old.get("backend") or {}, new.get("backend") or {}
    for key in NOTED_BACKEND_SETTINGS:
        if old_backend.get(key) != new_backend.get(key):
            yield item("tool", name, "backend", f"backend {key}: {show(old_backend.get(key))} → "
                                                f"{show(new_backend.get(key))}", setting=key)


register_contract_notes(contract_notes)

__all__ = ["NOTED_BACKEND_SETTINGS", "contract_notes"]
