"""Release notes: a semantic "what changed" between two agent configurations, and a check on human notes.

Generated notes describe meaning, not text: sections and variables of a prompt, fields of a
tool contract that appeared, vanished or became required, KB documents added, updated,
deleted or renamed (matched by hash). Each item is a plain dict so it can be stored in a
bundle file: {"component", "name", "change", "summary", ...details}.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from agentctl.model.crossref import ensure_registered

MAX_LINES = 40  # lines kept per prompt item; a rewrite is summarised, not copied

GENERIC_WORDS = {
    "update", "updated", "updates", "updating", "fix", "fixed", "fixes", "fixing", "change", "changed", "changes",
    "tweak", "tweaked", "tweaks", "prompt", "prompts", "misc", "wip", "minor", "stuff", "small", "some", "various",
    "improve", "improved", "improvements", "improvement", "edit", "edits", "edited", "new", "version", "release",
    "bump", "bumped", "cleanup", "clean", "up", "the", "a", "an", "and", "of", "to", "for", "in", "on", "it", "things",
    "few", "more", "less", "bug", "bugs", "bugfix", "refactor", "test", "testing", "try", "again", "tool", "tools",
    "kb", "contract", "contracts", "agent", "config", "settings", "adjust", "adjusted", "adjustments", "latest",
}
MIN_NOTE_CHARS = 20
GOOD_NOTE = "added handling for drivers who report storage issues; timeout 5s → 8s"


def check_note_substance(note: str) -> str | None:
    """Why `note` says nothing about what changed, or None when it is a real note."""
    text = " ".join((note or "").split())
    words = re.findall(r"[a-z0-9]+", text.lower())
    if len(text) < MIN_NOTE_CHARS or all(w in GENERIC_WORDS for w in words):
        shown = text or "(empty)"
        return (f'release note "{shown}" says nothing about what changed — write what changed and why, '
                f'e.g. "{GOOD_NOTE}"')
    return None


def generate_notes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """Items describing how configuration `new` differs from `old` (both shaped like AgentConfig.to_dict())."""
    if old is None:
        return [item("agent", new["agent"], "first-release", "first release of this agent")]
    items = list(_prompt_changes(old, new))
    items += list(_tool_changes(old, new))
    items += list(_kb_changes(old.get("kb"), new.get("kb")))
    return items


def item(component: str, name: str, change: str, summary: str, **details: Any) -> dict[str, Any]:
    return {"component": component, "name": name, "change": change, "summary": summary, **details}


# -- prompt -----------------------------------------------------------------------------------------------------

def sections(text: str) -> dict[str, str]:
    """Markdown heading → body text (text before the first heading is the "(top)" section)."""
    out: dict[str, list[str]] = {"(top)": []}
    current = "(top)"
    for line in text.splitlines():
        heading = re.match(r"^#{1,6}\s+(.*\S)\s*$", line)
        if heading:
            current = heading.group(1)
            out.setdefault(current, [])
        else:
            out[current].append(line)
    return {k: "\n".join(v).strip() for k, v in out.items() if k != "(top)" or "".join(v).strip()}


def _prompt_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[dict[str, Any]]:
    name = new["prompt_name"]
    if old["prompt_name"] != name:
        yield item("prompt", name, "replaced", f"prompt {old['prompt_name']} → {name}")
    ov, nv = old.get("prompt_version"), new.get("prompt_version")
    if ov != nv:
        yield item("prompt", name, "version", f"version {ov} → {nv}", old=ov, new=nv)
    old_lines, new_lines = old["prompt_text"].splitlines(), new["prompt_text"].splitlines()
    added, removed = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed += [ln for ln in old_lines[i1:i2] if ln.strip()]
        if tag in ("replace", "insert"):
            added += [ln for ln in new_lines[j1:j2] if ln.strip()]
    if added or removed:
        yield item("prompt", name, "text", f"{_n(len(added), 'line')} added, {_n(len(removed), 'line')} removed",
                    lines_added=added[:MAX_LINES], lines_removed=removed[:MAX_LINES])
    old_sections, new_sections = sections(old["prompt_text"]), sections(new["prompt_text"])
    for title in sorted(new_sections.keys() - old_sections.keys()):
        yield item("prompt", name, "section-added", f"section added: {title}", section=title)
    for title in sorted(old_sections.keys() - new_sections.keys()):
        yield item("prompt", name, "section-removed", f"section removed: {title}", section=title)
    for title in sorted(new_sections.keys() & old_sections.keys()):
        if new_sections[title] != old_sections[title]:
            yield item("prompt", name, "section-changed", f"section changed: {title}", section=title)
    old_vars, new_vars = old.get("prompt_variables") or {}, new.get("prompt_variables") or {}
    for var in sorted(new_vars.keys() - old_vars.keys()):
        yield item("prompt", name, "variable-added", f"variable added: {var}", variable=var)
    for var in sorted(old_vars.keys() - new_vars.keys()):
        yield item("prompt", name, "variable-removed", f"variable removed: {var}", variable=var)
    old_model, new_model = old.get("model") or {}, new.get("model") or {}
    for key in sorted(old_model.keys() | new_model.keys()):
        if old_model.get(key) != new_model.get(key):
            yield item("prompt", name, "model", f"model {key}: {show(old_model.get(key))} → {show(new_model.get(key))}",
                        setting=key, old=old_model.get(key), new=new_model.get(key))


# -- tool contracts ---------------------------------------------------------------------------------------------
# What changed in a contract comes from the compatibility engine: agentctl.contracts.notes registers it here
# (agentctl.validation imports it with the validation checks), so model/ never imports a layer above it.

ContractNotes = Callable[[str, Mapping[str, Any], Mapping[str, Any]], Iterable[dict[str, Any]]]
_contract_notes: list[ContractNotes] = []


def register_contract_notes(describe: ContractNotes) -> None:
    """Install the function that describes one changed tool contract (agentctl.contracts.notes)."""
    _contract_notes[:] = [describe]


def contract_changes(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    """Note items for tool `name` changed from contract `old` to `new`."""
    if not _contract_notes:
        ensure_registered()
    if not _contract_notes:
        raise RuntimeError("contract change notes are not registered: call agentctl.validation.load_checks() "
                           "first (importing agentctl.ops or agentctl.repo installs it)")
    return _contract_notes[0](name, old, new)


def _tool_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[dict[str, Any]]:
    old_contracts, new_contracts = old.get("contracts") or {}, new.get("contracts") or {}
    old_ranges, new_ranges = old.get("tool_ranges") or {}, new.get("tool_ranges") or {}
    for name in sorted(new_contracts.keys() - old_contracts.keys()):
        yield item("tool", name, "added", f"tool added ({new_contracts[name].get('version')})")
    for name in sorted(old_contracts.keys() - new_contracts.keys()):
        yield item("tool", name, "removed", "tool removed")
    for name in sorted(new_contracts.keys() & old_contracts.keys()):
        yield from contract_changes(name, old_contracts[name], new_contracts[name])
        if old_ranges.get(name) != new_ranges.get(name):
            yield item("tool", name, "range", f"accepted versions {old_ranges.get(name)} → {new_ranges.get(name)}")


# -- knowledge base ---------------------------------------------------------------------------------------------

def document_changes(old_docs: list[dict[str, Any]], new_docs: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """DVC-like comparison by uri and hash: added, updated, deleted, renamed ((old, new) pairs), unchanged."""
    before = {d["uri"]: d["sha256"] for d in old_docs}
    after = {d["uri"]: d["sha256"] for d in new_docs}
    added = sorted(after.keys() - before.keys())
    deleted = sorted(before.keys() - after.keys())
    renamed = []
    for uri in list(added):
        match = next((old for old in deleted if before[old] == after[uri]), None)
        if match:
            renamed.append((match, uri))
            added.remove(uri)
            deleted.remove(match)
    common = sorted(before.keys() & after.keys())
    return {"added": added, "updated": [u for u in common if before[u] != after[u]], "deleted": deleted,
            "renamed": renamed, "unchanged": [u for u in common if before[u] == after[u]]}


def _kb_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    if not old and not new:
        return
    if not new or not old or old.get("name") != new.get("name"):
        yield item("kb", (new or old or {}).get("name", ""), "replaced",
                    f"KB {(old or {}).get('name') or 'none'} → {(new or {}).get('name') or 'none'}")
        return
    name = new["name"]
    if old.get("version") != new.get("version"):
        yield item("kb", name, "version", f"version {old.get('version')} → {new.get('version')}",
                    old=old.get("version"), new=new.get("version"))
    diff = document_changes(old.get("documents") or [], new.get("documents") or [])
    for uri in diff["added"]:
        yield item("kb", name, "document-added", f"document added: {uri}", uri=uri)
    for uri in diff["updated"]:
        yield item("kb", name, "document-updated", f"document updated: {uri}", uri=uri)
    for uri in diff["deleted"]:
        yield item("kb", name, "document-deleted", f"document deleted: {uri}", uri=uri)
    for before, after in diff["renamed"]:
        yield item("kb", name, "document-renamed", f"document renamed: {before} → {after}", uri=after, old_uri=before)


def _n(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def show(value: Any) -> str:
    return "unset" if value is None else str(value)
