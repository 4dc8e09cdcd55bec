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
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl import __version__
from agentctl.errors import ValidationFailed
from agentctl.fsutil import write_atomic
from agentctl.model import layout
from agentctl.model.bundle import walk_components
from agentctl.model.diagnostics import Diagnostic
from agentctl.model.schema import load_schema, validate_document
from agentctl.model.yamlio import load_file

CACHE_FILE = ".agentctl/cache/released-bundles-v2.json"

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


def _is_bundle_name(name: str) -> bool:
    return name[:1] == "v" and name.endswith(".yaml") and name[1:-5].isdigit()


def bundle_files(root: Path) -> list[Path]:
    """Every released bundle file in the working tree, by agent then version."""
    return [root / rel for rel, _stat in _scan(root)]


def _scan(root: Path) -> list[tuple[str, os.stat_result]]:
    """(relpath, stat) of every released bundle file, by agent then version — os.scandir, no pathlib per file."""
    base = os.path.join(root, layout.BUNDLES_DIR)
    found: list[tuple[str, os.stat_result]] = []
    try:
        agents = sorted(e.name for e in os.scandir(base) if e.is_dir() and not e.name.startswith("."))
    except OSError:
        return []
    for agent in agents:
        try:
            entries = [e for e in os.scandir(os.path.join(base, agent)) if _is_bundle_name(e.name) and e.is_file()]
        except OSError:
            continue
        entries.sort(key=lambda e: int(e.name[1:-5]))
        found += [(f"{layout.BUNDLES_DIR}/{agent}/{e.name}", e.stat()) for e in entries]
    return found


_PIN_KIND = {"prompt": "prompt", "template": "prompt", "tool": "tool", "kb": "kb"}


def pins_of(data: dict[str, Any]) -> list[Pin]:
    """(kind, name, version, {path: sha256}) of each prompt, tool contract and KB manifest a bundle pins."""
    found: dict[int, tuple[str, Mapping[str, Any], dict[str, str]]] = {}
    for pinned in walk_components(data.get("components") or {}):
        kind = _PIN_KIND.get(pinned.role)
        if kind is None or (kind == "prompt" and not pinned.component.get("name")):
            continue
        hashes = found.setdefault(id(pinned.component), (kind, pinned.component, {}))[2]
        if pinned.path and pinned.sha256:
            hashes[pinned.path] = pinned.sha256
    return [(kind, str(entry.get("name")), str(entry.get("version")), hashes) for kind, entry, hashes in found.values()]


def _stamp() -> str:
    schema = json.dumps(load_schema("bundle"), sort_keys=True).encode()
    return f"{__version__}:{hashlib.sha256(schema).hexdigest()[:16]}"


def load_released(root: Path) -> list[ReleasedFile]:
    """Each released bundle file with its pins and schema findings (from the cache where it can be).

    A file whose size and mtime match the cached entry for its path is not even read (git's own
    index trick); otherwise its blob id is the key, so a touched but unchanged file still hits.
    """
    files = _scan(root)
    if not files:
        return []
    cache_path = root / CACHE_FILE
    stamp = _stamp()
    cached: dict[str, Any] = {}
    seen: dict[str, Any] = {}
    try:
        stored = json.loads(cache_path.read_text("utf-8"))
        if isinstance(stored, dict) and stored.get("stamp") == stamp:
            cached, seen = stored.get("entries") or {}, stored.get("paths") or {}
    except (OSError, ValueError):
        pass
    entries, paths = dict(cached), {}
    dirty = False
    out = []
    for rel, st in files:
        known = seen.get(rel)
        key = known[2] if known and known[0] == st.st_size and known[1] == st.st_mtime_ns else None
        if key is None:
            try:
                with open(os.path.join(root, rel), "rb") as fh:
                    key = blob_id(fh.read())
            except OSError:
                continue
        hit = cached.get(key)
        if hit is not None:
            paths[rel] = [st.st_size, st.st_mtime_ns, key]
            dirty = dirty or known != paths[rel]
            out.append(ReleasedFile(rel, hit[0], [(k, n, v, h) for k, n, v, h in hit[1]]))
            continue
        try:
            doc = load_file(root / rel, rel)
        except ValidationFailed as exc:
            out.append(ReleasedFile(rel, None, [], list(exc.diagnostics)))
            continue
        findings = validate_document(doc, "bundle")
        data = doc.data if isinstance(doc.data, dict) else {}
        ref = f"{data.get('agent')}@v{data.get('version')}" if data else None
        released = ReleasedFile(rel, ref, pins_of(data), findings)
        out.append(released)
        if not findings:
            entries[key] = [released.ref, [list(p) for p in released.pins]]
            paths[rel] = [st.st_size, st.st_mtime_ns, key]
            dirty = True
    if dirty or len(paths) != len(seen):
        _save(cache_path, {"stamp": stamp, "entries": entries, "paths": paths})
    return out


def _save(path: Path, data: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", "utf-8")  # a cache: never committed, even where .agentctl/ is not ignored
        write_atomic(path, json.dumps(data, separators=(",", ":")))
    except OSError:
        pass  # a read-only checkout: no cache, same answers


__all__ = ["CACHE_FILE", "Pin", "ReleasedFile", "blob_id", "bundle_files", "load_released", "pins_of"]
