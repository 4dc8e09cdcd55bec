"""`agentctl verify AGENT@vN`: prove a bundle can be redeployed exactly, from git objects alone.

Every pinned file is read back by its blob sha (never from the working tree) and checked
twice: git's own object id recomputed from the bytes, and the sha256 the bundle recorded.
The bundle's content hash is recomputed from its component list as well.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from agentctl.deploy.checks import untagged_releases
from agentctl.model.bundle import BundleRef, content_hash
from agentctl.ops.bundles import load_bundle, pinned_blobs
from agentctl.repo import RepoLike, as_repo
from agentctl.store import history


@dataclass
class FileCheck:
    role: str
    path: str
    blob: str
    expected_sha256: str
    actual_sha256: str | None
    status: str  # "ok" | "missing" | "corrupt" (object id does not match its bytes) | "changed" (sha256 differs)


@dataclass
class VerifyResult:
    ref: str
    commit: str
    content_hash: str
    content_hash_ok: bool
    files: list[FileCheck] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # KB documents that live outside git
    untagged: dict[str, str] | None = None  # {commit, tag, message, fix}: the release was never finished

    @property
    def ok(self) -> bool:
        return self.content_hash_ok and all(f.status == "ok" for f in self.files) and self.untagged is None

    @property
    def problems(self) -> list[FileCheck]:
        return [f for f in self.files if f.status != "ok"]

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "ok": self.ok, "commit": self.commit, "content_hash": self.content_hash,
                "content_hash_ok": self.content_hash_ok, "files": [asdict(f) for f in self.files],
                "skipped": self.skipped, "untagged": self.untagged}


def git_blob_id(data: bytes, length: int = 40) -> str:
    """The object id git gives `data` as a blob (sha1 repositories; sha256 ones use 64 hex digits)."""
    algo = hashlib.sha1 if length == 40 else hashlib.sha256
    return algo(b"blob %d\0" % len(data) + data).hexdigest()


def verify_bundle(repo: RepoLike, ref: str | BundleRef) -> VerifyResult:
    """Re-read every file `ref` pins from git objects and check its hashes; never raises for a mismatch."""
    repo = as_repo(repo)
    root = repo.root

    bundle = load_bundle(root, ref)
    pins = pinned_blobs(bundle)
    contents = history.read_objects(root, [p["blob"] for p in pins])
    result = VerifyResult(bundle.ref, bundle.commit, bundle.content_hash,
                          content_hash(bundle.components) == bundle.content_hash)
    for pin, raw in zip(pins, contents, strict=True):
        actual = hashlib.sha256(raw).hexdigest() if raw is not None else None
        if raw is None:
            status = "missing"
        elif git_blob_id(raw, len(pin["blob"])) != pin["blob"]:
            status = "corrupt"
        elif actual != pin["sha256"]:
            status = "changed"
        else:
            status = "ok"
        result.files.append(FileCheck(pin["role"], pin["path"], pin["blob"], pin["sha256"], actual, status))
    kb = bundle.components.get("kb") or {}
    result.skipped = [d["uri"] for d in kb.get("documents") or [] if not d.get("blob")]

    for release in untagged_releases(root, [bundle.agent]):
        if release.version == bundle.version:
            result.untagged = {"commit": release.commit, "tag": release.tag, "message": release.message,
                               "fix": release.fix}
    return result
