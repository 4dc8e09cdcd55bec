"""Parsed, schema-clean config files remembered by blob id, so unchanged files are not parsed again.

`validate` and every strict load read each prompt, contract, KB manifest and agent definition.
A file whose content (git blob id) has already parsed and validated without a single finding is
taken from `.agentctl/cache/documents.json` instead: its plain data, with the text kept for
positions should a later cross-file check need one. Anything with findings is never cached, so
diagnostics are reported every time; the cache is dropped when a schema or agentctl changes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from agentctl import __version__
from agentctl.fsutil import write_atomic
from agentctl.model.schema import load_schema

CACHE_DIR = ".agentctl/cache"
CACHE_FILE = f"{CACHE_DIR}/documents.json"


def blob_id(data: bytes) -> str:
    """git's blob id (sha1) of `data`."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


def schema_stamp(*names: str) -> str:
    """agentctl's version and a digest of the named schemas: a cache written under another stamp is ignored."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(json.dumps(load_schema(name), sort_keys=True).encode())
    return f"{__version__}:{digest.hexdigest()[:16]}"


class DocumentCache:
    """{blob id + schema: plain data} for one config root; `save()` writes it back when it grew."""

    def __init__(self, root: Path, relpath: str = CACHE_FILE, *, stamp: str) -> None:
        self.path = Path(root) / relpath
        self.stamp = stamp
        self.entries: dict[str, Any] = {}
        self._dirty = False
        try:
            stored = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(stored, dict) and stored.get("stamp") == stamp and isinstance(stored.get("entries"), dict):
            self.entries = stored["entries"]

    @staticmethod
    def key(raw: bytes, schema: str) -> str:
        return f"{schema}:{blob_id(raw)}"

    def get(self, key: str) -> Any:
        return self.entries.get(key)

    def put(self, key: str, value: Any) -> None:
        if self.entries.get(key) != value:
            self.entries[key] = value
            self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n", "utf-8")  # a cache: never committed, even where .agentctl/ is not ignored
            write_atomic(self.path, json.dumps({"stamp": self.stamp, "entries": self.entries},
                                               separators=(",", ":")))
            self._dirty = False
        except OSError:
            pass  # a read-only checkout: no cache, same answers


__all__ = ["CACHE_DIR", "CACHE_FILE", "DocumentCache", "blob_id", "schema_stamp"]
