"""Released content is immutable: an artifact version pinned by a bundle must keep the bytes it was released with.

Bundles record the sha256 of every file they pin, so the check needs no git history: for
each prompt, tool contract and KB manifest whose current `version` some bundle pinned,
compare today's file hashes with the pinned ones. It only reads bundle files when there
are any, so repos without releases pay nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from agentctl.model import layout
from agentctl.model.artifacts import Workspace
from agentctl.model.crossref import check, sha256_file
from agentctl.model.diagnostics import Diagnostic
from agentctl.model.released import load_released

KIND_LABEL = {"prompt": "prompt", "tool": "tool contract", "kb": "KB manifest"}


def _released(ws: Workspace) -> dict[tuple[str, str, str], tuple[str, dict[str, str]]]:
    """(kind, name, version) → (first bundle ref that pinned it, {path: sha256}) from the bundle files present."""
    pinned: dict[tuple[str, str, str], tuple[str, dict[str, str]]] = {}
    seen: set[int] = set()  # pin lists already walked: files that pin the same share one list
    for released in ws.released if ws.released is not None else load_released(ws.root):
        if released.ref is None or id(released.pins) in seen:
            continue  # unreadable (reported by the schema check of bundle files), or nothing new to pin
        seen.add(id(released.pins))
        for kind, name, version, hashes in released.pins:
            pinned.setdefault((kind, name, version), (released.ref, hashes))
    return pinned


@check
def released_content_is_immutable(ws: Workspace) -> Iterator[Diagnostic]:
    if not any((ws.root / layout.BUNDLES_DIR).glob("*/v*.yaml")):
        return
    released = _released(ws)
    # (path, its text when the workspace already read it exactly: config files are read as bytes and decoded)
    current: list[tuple[str, str, str, list[tuple[str, str | None]]]] = []
    current += [("prompt", p.name, str(p.version), [(p.doc.relpath, p.doc.text), (p.text_path, None)])
                for p in ws.prompts.values()]
    current += [("tool", c.name, c.version, [(c.doc.relpath, c.doc.text)]) for c in ws.contracts.values()]
    current += [("kb", k.name, str(k.version), [(k.doc.relpath, k.doc.text)]) for k in ws.kbs.values()]
    for kind, name, version, paths in current:
        found = released.get((kind, name, version))
        if not found:
            continue
        ref, hashes = found
        for path, text in paths:
            expected = hashes.get(path)
            if expected and _sha256(ws, path, text) not in (expected, None):
                yield Diagnostic(path, 1, 1, f"{KIND_LABEL[kind]} '{name}' version {version} was released in {ref} "
                                             "but its content changed",
                                 "bump `version` and describe the change in `changes`")
                break


def _sha256(ws: Workspace, path: str, text: str | None) -> str | None:
    """The file's sha256 (from the text the workspace read it as, when given), or None when it is not a file."""
    if text:  # every config file is read as bytes and decoded: the text encodes back to the same bytes
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    target = ws.root / path
    return sha256_file(target) if target.is_file() else None
