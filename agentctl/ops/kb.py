"""`agentctl kb snapshot KB SOURCE_DIR`: hash a folder of documents into `kb-manifests/KB.yaml`.

Files are hashed in 1 MiB chunks (a large folder never sits in memory), and a cache in
`.agentctl/cache/kb-<KB>.json` keyed by path, size and mtime means unchanged files are not
read again. The result is a DVC-like diff: added, updated, deleted and renamed (same hash,
new path) documents.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl import clock
from agentctl.errors import BadInputError
from agentctl.fsutil import write_atomic
from agentctl.model import layout, yamlio
from agentctl.model.crossref import sha256_file
from agentctl.model.notes import document_changes
from agentctl.model.paths import escape_reason
from agentctl.model.yamledit import edit_yaml, set_keys
from agentctl.model.yamlio import load_file
from agentctl.repo import RepoLike, as_repo
from agentctl.store import history


@dataclass
class KbSnapshot:
    kb: str
    manifest: str          # repo-relative path of the manifest
    source: str
    version: int
    previous_version: int | None
    written: bool          # False when nothing changed (the manifest was left untouched)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    documents: int = 0
    hashed: int = 0        # files read and hashed this time
    cache_hits: int = 0    # files whose size and mtime matched the cache, so were not read

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deleted or self.renamed)

    def to_dict(self) -> dict[str, Any]:
        return {"kb": self.kb, "manifest": self.manifest, "source": self.source, "version": self.version,
                "previous_version": self.previous_version, "written": self.written, "changed": self.changed,
                "added": self.added, "updated": self.updated, "deleted": self.deleted,
                "renamed": [list(pair) for pair in self.renamed], "unchanged": self.unchanged,
                "documents": self.documents, "hashed": self.hashed, "cache_hits": self.cache_hits}


def cache_path(root: Path, kb: str) -> Path:
    return root / layout.STATE_DIR / "cache" / f"kb-{kb}.json"


def _uri(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _walk(source: Path) -> list[Path]:
    found = []
    for folder, dirs, names in os.walk(source):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(folder) / n for n in sorted(names) if not n.startswith(".")]
    return found


def _load_cache(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("files", {}) if isinstance(data, dict) else {}



def _committed_version(root: Path, relpath: str) -> int | None:
    """The manifest's `version` at HEAD, or None (not committed, or not a git repo)."""

    if not history.is_work_tree(root) or history.head_commit(root) is None:
        return None
    raw = history.read_object(root, history.at_commit("HEAD", relpath, history.prefix(root)))
    if raw is None:
        return None
    try:
        return int(yamlio.parse_text(raw.decode("utf-8"), relpath).data.get("version"))
    except Exception:  # noqa: BLE001 - an unreadable old revision just means "not released as is"
        return None


def snapshot_kb(repo: RepoLike, kb: str, source_dir: str | Path, note: str | None = None) -> KbSnapshot:
    """Hash every file under `source_dir` into the manifest of `kb` and report what changed.

    When documents changed and the manifest's version is already committed, the version is
    bumped (released versions are immutable); `note` becomes `changes:`, else a summary is written.
    """
    repo = as_repo(repo)
    root = repo.root

    if not layout.is_name(kb):
        raise BadInputError(f"'{_short(kb)}' is not a KB name", "use lowercase letters, digits and dashes, e.g. install-faq")
    try:
        source = Path(source_dir).resolve() if Path(source_dir).is_absolute() else (repo_cwd() / source_dir).resolve()
        is_dir = source.is_dir()
    except (OSError, RuntimeError, ValueError) as exc:
        raise BadInputError(f"cannot read {_short(source_dir)}: {exc}", "pass the folder holding the KB documents") from None
    if not is_dir:
        raise BadInputError(f"{_short(source_dir)} is not a folder", "pass the folder holding the KB documents")
    if source != root.resolve() and root.resolve() not in source.parents:
        raise BadInputError(f"{_short(source_dir)} is outside the repo ({root})",
                            "copy the documents into the repo (e.g. kb/<name>/) and snapshot that folder; "
                            "documents outside the repo can only be listed as https:// URLs")
    root = root.resolve()
    relpath = layout.kb_file(kb)
    manifest_path = root / relpath
    old: dict[str, Any] = load_file(manifest_path, relpath).data if manifest_path.is_file() else {}
    old_docs = {d["uri"]: d for d in old.get("documents") or []}
    cache = _load_cache(cache_path(root, kb))
    new_cache: dict[str, dict[str, Any]] = {}
    result = KbSnapshot(kb, relpath, _uri(root, source), int(old.get("version") or 1), old.get("version"), False)
    documents = []
    today = clock.now().date().isoformat()
    files = _walk(source)
    problems = [p for p in files if not p.is_file() or escape_reason(root, _uri(root, p))]
    if problems:
        shown = ", ".join(str(p) for p in problems[:5]) + (f" and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise BadInputError(f"{len(problems)} entr{'y' if len(problems) == 1 else 'ies'} under {_short(source_dir)} "
                            f"cannot be snapshotted (dangling link, symlink out of the repo, or not a regular file): "
                            f"{shown}", "remove them or replace each link with the file itself")
    for path in files:
        stat = path.stat()
        key = str(path)
        hit = cache.get(key)
        if hit and hit.get("size") == stat.st_size and hit.get("mtime_ns") == stat.st_mtime_ns:
            sha = hit["sha256"]
            result.cache_hits += 1
        else:
            sha = sha256_file(path)
            result.hashed += 1
        new_cache[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha}
        uri = _uri(root, path)
        previous = old_docs.get(uri) or {}
        entry: dict[str, Any] = {"uri": uri, "sha256": sha, "size": stat.st_size,
                                 "updated": previous.get("updated") if previous.get("sha256") == sha else today}
        if not entry["updated"]:
            entry["updated"] = today
        if previous.get("title"):
            entry["title"] = previous["title"]
        documents.append(entry)
    diff = document_changes(list(old_docs.values()), documents)
    result.added, result.updated, result.deleted = diff["added"], diff["updated"], diff["deleted"]
    result.renamed, result.unchanged, result.documents = diff["renamed"], len(diff["unchanged"]), len(documents)
    write_atomic(cache_path(root, kb), json.dumps({"files": new_cache}, indent=1, sort_keys=True))
    if old and not result.changed and old.get("source") == result.source:
        return result
    if old and result.changed:
        in_git = _in_git(root)
        if not in_git or _committed_version(root, relpath) == result.version:
            result.version += 1
    changes = note or (_summary(result) if result.changed or not old else old.get("changes"))
    # a round-trip edit: comments, key order and keys agentctl does not know (x-…) survive
    with edit_yaml(manifest_path, relpath, "kb-manifest") as manifest:
        earlier = {d.get("uri"): d for d in manifest.get("documents") or [] if isinstance(d, dict)}
        set_keys(manifest, {"name": kb, "version": result.version, "changes": changes, "source": result.source})
        manifest["documents"] = [_merge_document(earlier.get(d["uri"]), d) for d in documents]
    result.written = True
    return result


def _merge_document(earlier: Any, entry: dict[str, Any]) -> Any:
    """The manifest entry for one document: the existing one updated in place (keeping its comments and
    extra keys), or a new one."""
    if earlier is None:
        return entry
    set_keys(earlier, entry)
    return earlier


def _in_git(root: Path) -> bool:
    return history.is_work_tree(root)


def _summary(result: KbSnapshot) -> str:
    parts = []
    for label, items in (("added", result.added), ("updated", result.updated), ("deleted", result.deleted)):
        if items:
            parts.append(f"{label} {', '.join(Path(u).name for u in items)}")
    if result.renamed:
        parts.append("renamed " + ", ".join(f"{Path(a).name} → {Path(b).name}" for a, b in result.renamed))
    return "; ".join(parts) or f"snapshot of {result.documents} documents from {result.source}"


def _short(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def repo_cwd() -> Path:
    """The current directory, or a clear error when it was deleted under us."""
    try:
        return Path.cwd()
    except OSError:
        raise BadInputError("the current directory no longer exists", "cd into an existing folder and re-run") from None
