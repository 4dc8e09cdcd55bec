"""Released bundle files (`bundles/<agent>/vN.yaml`), read once per command and cached by blob id.

A released bundle never changes, so once a file has parsed and validated without a single
finding, what the rest of agentctl needs from it (its ref and the component pins) is kept in
`.agentctl/cache/released-bundles.json` under the file's git blob id. Later commands hash the
file (cheap) instead of parsing and validating it again, so their cost no longer grows with the
number of releases. An edited file has a new blob id and is parsed and validated as usual; a file
with findings is never cached, so its diagnostics are reported every time. The cache is
dropped whenever the bundle schema or agentctl's version changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.model import layout
from agentctl.model.diagnostics import Diagnostic

CACHE_FILE = ".agentctl/cache/released-bundles.json"

# (kind, name, version, {path: sha256}) — what one bundle pins
Pin = tuple[str, str, str, dict[str, str]]


@dataclass
class ReleasedFile:
    relpath: str
    ref: str | None = None  # "agent@vN" (None when the file could not be read)
    pins: list[Pin] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def blob_id(data: bytes) -> str:
    """git's blob id (sha1) of `data` — the cache key."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


def bundle_files(root: Path) -> list[Path]:
    """Every released bundle file in the working tree, by agent then version."""
    found = [p for p in (root / layout.BUNDLES_DIR).glob("*/v*.yaml")
             if not p.parent.name.startswith(".") and layout.kind_of(p.relative_to(root).as_posix()) == "bundle"]
    return sorted(found, key=lambda p: (p.parent.name, int(p.stem[1:]) if p.stem[1:].isdigit() else 0))


def pins_of(data: dict[str, Any]) -> list[Pin]:
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
    return [(kind, str(entry.get("name")), str(entry.get("version")), {p: h for p, h in hashes.items() if p and h})
            for kind, entry, hashes in entries]


def _stamp() -> str:
    from agentctl import __version__
    from agentctl.model.schema import load_schema

    schema = json.dumps(load_schema("bundle"), sort_keys=True).encode()
    return f"{__version__}:{hashlib.sha256(schema).hexdigest()[:16]}"


def load_released(root: Path) -> list[ReleasedFile]:
    """Each released bundle file with its pins and schema findings (from the cache where it can be)."""
    from agentctl.errors import ValidationFailed
    from agentctl.model.schema import validate_document
    from agentctl.model.yamlio import load_file

    files = bundle_files(root)
    if not files:
        return []
    cache_path = root / CACHE_FILE
    stamp = _stamp()
    cached: dict[str, Any] = {}
    try:
        stored = json.loads(cache_path.read_text("utf-8"))
        if isinstance(stored, dict) and stored.get("stamp") == stamp:
            cached = stored.get("entries") or {}
    except (OSError, ValueError):
        pass
    entries = dict(cached)
    out = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        key = blob_id(raw)
        hit = cached.get(key)
        if hit is not None:
            out.append(ReleasedFile(rel, hit["ref"], [(k, n, v, dict(h)) for k, n, v, h in hit["pins"]]))
            continue
        try:
            doc = load_file(path, rel)
        except ValidationFailed as exc:
            out.append(ReleasedFile(rel, None, [], list(exc.diagnostics)))
            continue
        findings = validate_document(doc, "bundle")
        data = doc.data if isinstance(doc.data, dict) else {}
        ref = f"{data.get('agent')}@v{data.get('version')}" if data else None
        released = ReleasedFile(rel, ref, pins_of(data), findings)
        out.append(released)
        if not findings:
            entries[key] = {"ref": released.ref, "pins": [list(p) for p in released.pins]}
    if entries != cached:
        _save(cache_path, {"stamp": stamp, "entries": entries})
    return out


def _save(path: Path, data: dict[str, Any]) -> None:
    from agentctl.fsutil import write_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", "utf-8")  # a cache: never committed, even where .agentctl/ is not ignored
        write_atomic(path, json.dumps(data, separators=(",", ":")))
    except OSError:
        pass  # a read-only checkout: no cache, same answers


__all__ = ["CACHE_FILE", "Pin", "ReleasedFile", "blob_id", "bundle_files", "load_released", "pins_of"]
