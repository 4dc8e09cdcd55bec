"""Read config files as they were at earlier commits, and list the commits that changed them.

Contract history and compatibility checks compare a file with its own past; this module is
their only way into git, so a missing revision or a shallow clone becomes one readable error.
Everything goes through the one git runner (agentctl.store.gitcmd).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agentctl.errors import NotFoundError
from agentctl.store.gitcmd import Git


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


def resolve_revision(root: Path, rev: str) -> str:
    """The full commit sha `rev` names (a sha, branch, tag or `HEAD~1`), or NotFoundError."""
    git = Git(root)
    git.prefix  # noqa: B018 — outside a repository this raises the one "not a git repository" error
    sha = git.verify(rev)
    if sha is None:
        raise NotFoundError(f"unknown revision '{rev}'",
                            "pass a commit sha, branch, tag or HEAD~N that exists in this clone "
                            "(a shallow CI clone may need `git fetch --unshallow`)")
    return sha


def read_at(root: Path, rev: str, relpath: str) -> str | None:
    """The text of `relpath` at commit `rev`, or None when the file did not exist there."""
    return Git(root).read_text_at(resolve_revision(root, rev), relpath)


def path_revisions(root: Path, relpath: str, max_count: int = 200, rev: str | None = None) -> list[Revision]:
    """Commits up to `rev` (default HEAD) that changed `relpath`, newest first.

    Empty outside git or before the first commit.
    """
    git = Git(root)
    if not git.is_work_tree() or git.head() is None:
        return []
    start = resolve_revision(root, rev) if rev else "HEAD"
    out = git.text("log", start, f"--max-count={max_count}", "--format=%H%x00%aI%x00%an%x00%ae%x00%s", "--",
                   f"./{relpath}", action=f"list the history of {relpath}")
    revisions = []
    for line in out.splitlines():
        sha, date, author, email, subject = line.split("\x00", 4)
        revisions.append(Revision(sha, date, author, email, subject))
    return revisions


def changed_since_head(root: Path, relpaths: list[str]) -> dict[str, str]:
    """For each file whose working-tree content differs from HEAD, its HEAD text.

    Files that are new (absent at HEAD), unreadable, or unchanged are left out; outside a git
    repository, or before the first commit, the answer is empty. Cost is linear: one `git status`
    over all the files, then one batched read of the HEAD versions of those that changed.
    """
    if not relpaths:
        return {}
    git = Git(root)
    if not git.is_work_tree() or git.head() is None:
        return {}
    wanted = set(relpaths)
    folders = sorted({rel.rsplit("/", 1)[0] + "/" if "/" in rel else rel for rel in relpaths})
    dirty = [p for p in git.dirty(folders) if p in wanted and (root / p).is_file()]
    texts = git.read_objects([f"HEAD:{git.prefix}{p}" for p in dirty])
    return {p: t.decode("utf-8", errors="replace") for p, t in zip(dirty, texts, strict=True) if t is not None}
