"""`agentctl diff AGENT@vA [AGENT@vB]`: what changed between two bundles, or from a bundle to the working tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.errors import BadInputError
from agentctl.model.bundle import BundleRef, component_hashes, parse_ref
from agentctl.model.crossref import sha256_file
from agentctl.model.notes import generate_notes
from agentctl.ops.bundles import agent_files, bundle_config, load_agent_workspace, load_bundle, working_config
from agentctl.repo import RepoLike, as_repo

if TYPE_CHECKING:
    from agentctl.model.artifacts import Workspace


@dataclass
class FileChange:
    path: str
    status: str  # "added" | "removed" | "changed"
    before: str | None
    after: str | None


@dataclass
class BundleDiff:
    agent: str
    before: str  # "install-reminder@v1"
    after: str   # "install-reminder@v2" or "working tree"
    items: list[dict[str, Any]] = field(default_factory=list)  # semantic changes (see agentctl.model.notes)
    files: list[FileChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.items or self.files)

    def to_dict(self) -> dict[str, Any]:
        return {"agent": self.agent, "from": self.before, "to": self.after, "changed": self.changed,
                "items": self.items, "files": [vars(f) for f in self.files]}


def _working_hashes(root: Path, ws: Workspace, agent: str, kb: dict[str, Any] | None) -> dict[str, str]:
    out = {path: sha256_file(root / path) for path in agent_files(ws, agent).values() if (root / path).is_file()}
    for doc in (kb or {}).get("documents") or []:
        out[doc["uri"]] = doc["sha256"]
    return out


def diff_bundles(repo: RepoLike, before: str | BundleRef, after: str | BundleRef | None = None) -> BundleDiff:
    """Semantic and per-file differences from bundle `before` to bundle `after` (default: the working tree)."""
    repo = as_repo(repo)
    root = repo.root

    old_ref = before if isinstance(before, BundleRef) else parse_ref(before)
    old = load_bundle(root, old_ref)
    old_config = bundle_config(root, old)
    old_hashes = component_hashes(old.components)
    if after is None:
        ws = load_agent_workspace(root, old.agent, check=False)  # show edits even when validate objects
        new_config = working_config(root, old.agent, ws)
        new_hashes = _working_hashes(root, ws, old.agent, new_config.kb)
        label = "working tree"
    else:
        new_ref = after if isinstance(after, BundleRef) else parse_ref(after)
        if new_ref.agent != old.agent:
            raise BadInputError(f"cannot compare {old.ref} with {new_ref}: they are different agents",
                                f"compare two versions of one agent, e.g. {old.agent}@v1 {old.agent}@v2")
        new = load_bundle(root, new_ref)
        new_config = bundle_config(root, new)
        new_hashes = component_hashes(new.components)
        label = new.ref
    files = [FileChange(path, "added" if path not in old_hashes else "removed" if path not in new_hashes else "changed",
                        old_hashes.get(path), new_hashes.get(path))
             for path in sorted(old_hashes.keys() | new_hashes.keys()) if old_hashes.get(path) != new_hashes.get(path)]
    items = generate_notes(old_config.to_dict(), new_config.to_dict())
    return BundleDiff(old.agent, old.ref, label, items, files)
