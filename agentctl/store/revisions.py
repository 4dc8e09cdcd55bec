"""Read config files as they were at earlier commits, and list the commits that changed them.

Contract history and compatibility checks compare a file with its own past; this module is
their only way into git, so a missing revision or a shallow clone becomes one readable error.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from agentctl.errors import NotFoundError
from agentctl.store.git import is_git_repo, map_git_errors, open_repo


@dataclass(frozen=True)
class Revision:
    """One commit that touched a file."""

    sha: str
    date: str  # ISO 8601 author date
    author: str
    email: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:10]


def _repo_path(repo: object, root: Path, relpath: str) -> str:
    """`relpath` (relative to the config repo root) as a path inside the git work tree."""
    top = Path(repo.working_tree_dir).resolve()  # type: ignore[attr-defined]
    return (root.resolve() / relpath).relative_to(top).as_posix()


def resolve_revision(root: Path, rev: str) -> str:
    """The full commit sha `rev` names (a sha, branch, tag or `HEAD~1`), or NotFoundError."""
    import git

    with open_repo(root) as repo:
        try:
            return repo.commit(rev).hexsha
        except (git.exc.BadName, git.exc.BadObject, ValueError):
            raise NotFoundError(f"unknown revision '{rev}'",
                                "pass a commit sha, branch, tag or HEAD~N that exists in this clone "
                                "(a shallow CI clone may need `git fetch --unshallow`)") from None


def read_at(root: Path, rev: str, relpath: str) -> str | None:
    """The text of `relpath` at commit `rev`, or None when the file did not exist there."""
    sha = resolve_revision(root, rev)
    with map_git_errors(f"read {relpath} at {rev}"), open_repo(root) as repo:
        try:
            blob = repo.commit(sha).tree / _repo_path(repo, root, relpath)
        except KeyError:
            return None
        data = blob.data_stream.read()
    return data.decode("utf-8", errors="replace")


def path_revisions(root: Path, relpath: str, max_count: int = 200, rev: str | None = None) -> list[Revision]:
    """Commits up to `rev` (default HEAD) that changed `relpath`, newest first.

    Empty outside git or before the first commit.
    """
    if not is_git_repo(root):
        return []
    with map_git_errors(f"list the history of {relpath}"), open_repo(root) as repo:
        if not repo.head.is_valid():
            return []
        start = resolve_revision(root, rev) if rev else "HEAD"
        out = repo.git.log(start, f"--max-count={max_count}", "--format=%H%x00%aI%x00%an%x00%ae%x00%s", "--",
                           _repo_path(repo, root, relpath))
    revisions = []
    for line in out.splitlines():
        sha, date, author, email, subject = line.split("\x00", 4)
        revisions.append(Revision(sha, date, author, email, subject))
    return revisions


def _blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


def changed_since_head(root: Path, relpaths: list[str]) -> dict[str, str]:
    """For each file whose working-tree content differs from HEAD, its HEAD text.

    Files that are new (absent at HEAD), unreadable, or unchanged are left out; outside a git
    repository, or before the first commit, the answer is empty. The comparison hashes the
    working file the way git does, so unchanged files cost no object read.
    """
    if not relpaths or not is_git_repo(root):
        return {}
    out: dict[str, str] = {}
    with map_git_errors("compare files with HEAD"), open_repo(root) as repo:
        if not repo.head.is_valid():
            return {}
        tree = repo.head.commit.tree
        for relpath in relpaths:
            try:
                working = (root / relpath).read_bytes()
                blob = tree / _repo_path(repo, root, relpath)
            except (OSError, KeyError):
                continue
            if blob.hexsha != _blob_sha(working):
                out[relpath] = blob.data_stream.read().decode("utf-8", errors="replace")
    return out
