"""Reads (and the few writes) of git history that bundles need: tags, objects, logs, status.

These go through the `git` program rather than gitpython: `for-each-ref` and one
`cat-file --batch` process read 50 bundles in a few milliseconds, where walking objects
through gitpython costs far more. All paths are relative to the config root (which may be a
sub-folder of the git work tree); every git failure becomes a GitError that says the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agentctl.errors import ConflictError, GitError
from agentctl.store import gitcmd

_NUL = "%00"


def git(root: Path, *args: str, input_bytes: bytes | None = None, env: Mapping[str, str] | None = None,
        action: str = "read git history") -> str:
    """Run `git ARGS` in `root` and return stdout as text; failures become GitError."""
    return git_bytes(root, *args, input_bytes=input_bytes, env=env, action=action).decode("utf-8", "replace")


def git_bytes(root: Path, *args: str, input_bytes: bytes | None = None, env: Mapping[str, str] | None = None,
              action: str = "read git history") -> bytes:
    return gitcmd.run(root, *args, input_bytes=input_bytes, env=env, action=action).stdout


def is_work_tree(root: Path) -> bool:
    try:
        return git(root, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except GitError:
        return False


def head_commit(root: Path) -> str | None:
    """The commit HEAD points at, or None in a repository with no commits yet."""
    try:
        return git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}").strip() or None
    except GitError:
        return None


def prefix(root: Path) -> str:
    """The config root's path inside the git work tree ("" at the top, else "sub/dir/")."""
    return git(root, "rev-parse", "--show-prefix").strip()


@dataclass(frozen=True)
class TagInfo:
    name: str
    commit: str       # the commit the tag points at (peeled)
    date: str         # tagger date, ISO 8601
    tagger: str
    message: str


def tags(root: Path, pattern: str) -> list[TagInfo]:
    """Every tag matching `pattern` (e.g. "refs/tags/install-reminder@v*") in one git call.

    Lightweight tags have no tagger and their commit is the object itself.
    """
    fmt = _NUL.join(["%(refname:strip=2)", "%(objecttype)", "%(objectname)", "%(*objectname)",
                     "%(taggerdate:iso-strict)", "%(taggername) %(taggeremail)", "%(contents)"]) + "%01"
    out = git(root, "for-each-ref", f"--format={fmt}", pattern)
    found = []
    for record in out.split("\x01"):
        record = record.lstrip("\n")
        if not record:
            continue
        name, kind, obj, peeled, date, tagger, message = (record.split("\0", 6) + [""] * 7)[:7]
        annotated = kind == "tag"
        found.append(TagInfo(name, peeled or obj, date, tagger.strip() if annotated else "",
                             message.strip() if annotated else ""))
    return found


def read_objects(root: Path, names: Sequence[str]) -> list[bytes | None]:
    """Contents of many objects ("<sha>" or "<commit>:<path>") through one `cat-file --batch`.

    Missing objects come back as None (a deleted file, a bad sha), in the order asked.
    """
    return gitcmd.Git(root).read_objects(names)


def read_object(root: Path, name: str) -> bytes | None:
    return read_objects(root, [name])[0]


def at_commit(commit: str, relpath: str, root_prefix: str) -> str:
    """The object name of `relpath` (relative to the config root) inside `commit`."""
    return f"{commit}:{root_prefix}{relpath}"


def blob_shas(root: Path, commit: str, paths: Iterable[str]) -> dict[str, str]:
    """relpath → blob sha of each path in `commit` (paths absent from the commit are left out)."""
    wanted = sorted(set(paths))
    if not wanted:
        return {}
    out = git(root, "ls-tree", "-r", "-z", commit, "--", *wanted)
    found = {}
    for entry in out.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        found[path] = meta.split()[2]
    return found


def list_tree(root: Path, commit: str, folder: str) -> list[str]:
    """File names directly inside `folder` (relative to the config root) in `commit`."""
    out = git(root, "ls-tree", "-z", "--name-only", commit, "--", folder.rstrip("/") + "/")
    return [p.rsplit("/", 1)[-1] for p in out.split("\0") if p]


def dirty_paths(root: Path, paths: Iterable[str]) -> list[str]:
    """Which of `paths` (files or folders) differ from HEAD or are untracked, relative to the root."""
    return gitcmd.Git(root).dirty(list(paths))


@dataclass(frozen=True)
class LogEntry:
    commit: str
    date: str
    author: str
    path: str  # the file's path (relative to the git top level) at that commit


def log_path(root: Path, relpath: str) -> list[LogEntry]:
    """Commits that touched `relpath`, newest first, following renames; one git call."""
    out = git(root, "log", "--follow", "--name-only", "--format=%x01%H%x00%aI%x00%an <%ae>", "--", relpath)
    entries = []
    for chunk in out.split("\x01"):
        lines = [line for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        parts = lines[0].split("\0")
        if len(parts) == 3:
            entries.append(LogEntry(parts[0], parts[1], parts[2], lines[-1] if len(lines) > 1 else relpath))
    return entries


def commit_and_tag(root: Path, paths: Sequence[str], message: str, tag: str, tag_message: str,
                   author: tuple[str, str]) -> str:
    """Commit exactly `paths` (other staged or dirty files are left alone), then create the annotated `tag`.

    The tag is created with `git tag` (which refuses an existing name), so two people
    releasing the same version at once cannot both win: the loser gets a ConflictError.
    """
    name, email = author
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
           "GIT_COMMITTER_EMAIL": email}
    if git(root, "tag", "--list", tag).strip():
        raise ConflictError(f"tag {tag} already exists", "someone released first; run the command again")
    git(root, "add", "--", *paths, action="stage the bundle")
    git(root, "commit", "-q", "--no-verify", "-m", message, "--only", "--", *paths, env=env, action="commit the bundle")
    commit = git(root, "rev-parse", "HEAD").strip()
    try:
        git(root, "tag", "-a", tag, "-m", tag_message, commit, env=env, action=f"create tag {tag}")
    except GitError as exc:
        if "already exists" in str(exc):
            raise ConflictError(f"tag {tag} already exists", "someone released first; run the command again") from None
        raise
    return commit
