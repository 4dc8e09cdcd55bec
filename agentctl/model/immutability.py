"""Released content is immutable: an artifact version pinned by a bundle must keep the bytes it was released with.

Bundles record the sha256 of every file they pin, so the check needs no git history: for
each prompt, tool contract and KB manifest whose current `version` some bundle pinned,
compare today's file hashes with the pinned ones. It only reads bundle files when there
are any, so repos without releases pay nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from agentctl.model import layout
from agentctl.model.artifacts import Workspace
from agentctl.model.crossref import check, sha256_file
from agentctl.model.diagnostics import Diagnostic

KIND_LABEL = {"prompt": "prompt", "tool": "tool contract", "kb": "KB manifest"}


def _released(ws: Workspace) -> dict[tuple[str, str, str], tuple[str, dict[str, str]]]:
    """(kind, name, version) → (first bundle ref that pinned it, {path: sha256}) from the bundle files present."""
    from agentctl.errors import ValidationFailed
    from agentctl.model.yamlio import load_file

    pinned: dict[tuple[str, str, str], tuple[str, dict[str, str]]] = {}
    files = sorted((ws.root / layout.BUNDLES_DIR).glob("*/v*.yaml"),
                   key=lambda p: (p.parent.name, int(p.stem[1:]) if p.stem[1:].isdigit() else 0))
    for path in files:
        rel = path.relative_to(ws.root).as_posix()
        if layout.kind_of(rel) != "bundle":
            continue
        try:
            data = load_file(path, rel).data
        except ValidationFailed:
            continue  # reported by the schema check of bundle files
        if not isinstance(data, dict):
            continue
        ref = f"{data.get('agent')}@v{data.get('version')}"
        comp = data.get("components") or {}
        prompt = comp.get("prompt") or {}
        entries: list[tuple[str, dict[str, Any], dict[Any, Any]]] = []
        if prompt.get("name"):
            template = prompt.get("template") or {}
            entries.append(("prompt", prompt, {prompt.get("path"): prompt.get("sha256"),
                                               template.get("path"): template.get("sha256")}))
        for tool in comp.get("tools") or []:
            entries.append(("tool", tool, {tool.get("path"): tool.get("sha256")}))
        if comp.get("kb"):
            entries.append(("kb", comp["kb"], {comp["kb"].get("path"): comp["kb"].get("sha256")}))
        for kind, entry, hashes in entries:
            key = (kind, str(entry.get("name")), str(entry.get("version")))
            pinned.setdefault(key, (ref, {p: h for p, h in hashes.items() if p and h}))
    return pinned


@check
def released_content_is_immutable(ws: Workspace) -> Iterator[Diagnostic]:
    if not any((ws.root / layout.BUNDLES_DIR).glob("*/v*.yaml")):
        return
    released = _released(ws)
    current: list[tuple[str, str, str, list[str]]] = []
    current += [("prompt", p.name, str(p.version), [p.doc.relpath, p.text_path]) for p in ws.prompts.values()]
    current += [("tool", c.name, c.version, [c.doc.relpath]) for c in ws.contracts.values()]
    current += [("kb", k.name, str(k.version), [k.doc.relpath]) for k in ws.kbs.values()]
    for kind, name, version, paths in current:
        found = released.get((kind, name, version))
        if not found:
            continue
        ref, hashes = found
        for path in paths:
            expected = hashes.get(path)
            target = ws.root / path
            if expected and target.is_file() and sha256_file(target) != expected:
                yield Diagnostic(path, 1, 1, f"{KIND_LABEL[kind]} '{name}' version {version} was released in {ref} "
                                             "but its content changed",
                                 "bump `version` and describe the change in `changes`")
                break
