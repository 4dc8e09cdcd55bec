"""Artifact discipline: a changed component carries a new version and a note that says what changed.

Released content is immutable: a file a released bundle pins must not change under the same
version, and released bundle files themselves are never edited or deleted.
"""

from __future__ import annotations

from typing import Any

from agentctl.ci.context import CiContext, Finding
from agentctl.ci.steps import agent_of
from agentctl.model import layout
from agentctl.model.yamlio import Document

_WHAT = {"prompt": "prompt", "contract": "tool contract", "kb": "KB manifest"}


def check_discipline(ctx: CiContext) -> list[Finding]:
    findings: list[Finding] = []
    for (kind, name), files in sorted(ctx.impact.components.items()):
        if kind in _WHAT:
            findings += _check_component(ctx, kind, name, files)
    findings += _released_bundles_untouched(ctx)
    return findings


def _head_doc(ctx: CiContext, kind: str, name: str) -> Document | None:
    ws = ctx.workspace
    kinds: dict[str, dict[str, Any]] = {"prompt": ws.prompts, "contract": ws.contracts, "kb": ws.kbs}
    item = kinds[kind].get(name)
    return item.doc if item is not None else None


def _main_file(kind: str, name: str) -> str:
    return {"prompt": layout.prompt_meta, "contract": layout.contract_file, "kb": layout.kb_file}[kind](name)


def _check_component(ctx: CiContext, kind: str, name: str, files: list[str]) -> list[Finding]:
    from agentctl.model.notes import check_note_substance

    doc = _head_doc(ctx, kind, name)
    if doc is None:
        return []  # deleted, or invalid: validate reports why
    relpath = _main_file(kind, name)
    what = f"{_WHAT[kind]} '{name}'"
    findings: list[Finding] = []
    old = ctx.base_data(relpath)
    old = old if isinstance(old, dict) else {}
    new_version, old_version = doc.data.get("version"), old.get("version")

    if old_version is not None and not _is_newer(kind, new_version, old_version):
        line, col = doc.position(["version"])
        pinned = _pinned_by(ctx, kind, name, old_version, relpath)
        released = (f"; released content was edited in place ({', '.join(pinned)} pin{'s' if len(pinned) == 1 else ''} "
                    f"{old_version})") if pinned else ""
        findings.append(Finding("discipline", "error", relpath, line, col,
                                f"{what} changed ({', '.join(files)}) but its version is still {new_version} "
                                f"(base: {old_version}){released} — bump `version:` above {old_version}",
                                "version-not-bumped", None))
    note = str(doc.data.get("changes") or "")
    line, col = doc.position(["changes"])
    if old.get("changes") is not None and " ".join(str(old["changes"]).split()) == " ".join(note.split()):
        findings.append(Finding("discipline", "error", relpath, line, col,
                                f"the what-changed note of {what} is the same as on {ctx.base.ref} — "
                                f"rewrite `changes:` to say what this change did and why", "note-not-updated", None))
    else:
        refusal = check_note_substance(note)
        if refusal:
            findings.append(Finding("discipline", "error", relpath, line, col, refusal, "generic-note", None))
    return findings


def _is_newer(kind: str, new: Any, old: Any) -> bool:
    if kind == "contract":
        from agentctl.contracts.semver import parse_version

        try:
            return parse_version(str(new)) > parse_version(str(old))
        except ValueError:
            return True  # an unparseable version is validate's and compat's to report
    try:
        return int(new) > int(old)
    except (TypeError, ValueError):
        return True


def _pinned_by(ctx: CiContext, kind: str, name: str, version: Any, relpath: str) -> list[str]:
    """Released bundles (at the base) of the agents using this component that pin it at `version`."""
    from agentctl.store.changes import list_at

    agents = [a for a, why in ctx.impact.agents.items()
              if any(w in (f"prompt {name}", f"tool contract {name}", f"KB {name}") for w in why)]
    pinned = []
    for agent in sorted(agents):
        for path in list_at(ctx.root, ctx.base.commit, layout.agent_dir(agent)):
            if layout.kind_of(path) == "bundle" and _mentions(ctx.base_data(path), name, str(version), relpath):
                pinned.append(path)
    return pinned


def _mentions(node: Any, name: str, version: str, relpath: str) -> bool:
    """Whether bundle data pins component `name` at `version` (or names its file), whatever its nesting."""
    if isinstance(node, dict):
        if node.get("name") == name and str(node.get("version")) == version:
            return True
        if relpath in (node.get("path"), node.get("file")):
            return True
        for key, value in node.items():
            if key == name and (str(value) == version or (isinstance(value, dict) and str(value.get("version")) == version)):
                return True
            if _mentions(value, name, version, relpath):
                return True
        return False
    if isinstance(node, list):
        return any(_mentions(item, name, version, relpath) for item in node)
    return False


def _released_bundles_untouched(ctx: CiContext) -> list[Finding]:
    findings = []
    for change in ctx.changes:
        if layout.kind_of(change.path) != "bundle" or change.status == "A" or ctx.base_text(change.path) is None:
            continue
        verb = "deleted" if change.status == "D" else "edited in place"
        findings.append(Finding("discipline", "error", change.path, 1 if change.status != "D" else None, None,
                                f"released bundle {change.path} was {verb}; releases are immutable — restore it "
                                f"(`git checkout {ctx.base.ref} -- {change.path}`) and release a new bundle instead",
                                "released-bundle-changed", agent_of(change.path)))
    return findings
