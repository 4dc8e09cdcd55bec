"""One git runner over the `git` program, with one error map.

Every subprocess call to git in agentctl goes through `run`: a git failure becomes a GitError
whose text says what agentctl was doing and how to fix it, and "not a git repository" is worded
once. `Git` binds the runner to a config root (which may be a sub-folder of the work tree) and
offers what the rest of agentctl reads: files at a revision (`read_at`, `list_at`, many objects
through one `cat-file --batch`), blob ids (sha1 or sha256 repositories), the root's prefix,
compare-and-swap ref updates, fetch and push.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path

from agentctl.errors import GitError

NOT_A_REPO_FIX = "run `git init` or `agentctl init`"
RETRY_FIX = "fix the git problem above and run the command again"


def not_a_repository(action: str) -> GitError:
    """The one wording of "not a git repository"."""
    return GitError(f"cannot {action}: not a git repository", NOT_A_REPO_FIX)


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "unknown error"


def run(root: Path, *args: str, input_bytes: bytes | None = None, env: Mapping[str, str] | None = None,
        action: str = "read git history", check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS` in `root`; with `check`, any failure becomes a GitError (the one error map)."""
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    try:
        proc = subprocess.run(["git", *args], cwd=root, input=input_bytes, capture_output=True, env=full_env,
                              check=False)
    except FileNotFoundError:
        raise GitError(f"cannot {action}: git is not installed", "install git and run the command again") from None
    except NotADirectoryError:
        raise GitError(f"cannot {action}: no such folder {root}", "check the --repo path") from None
    if check and proc.returncode != 0:
        raise error_from(proc, action)
    return proc


def error_from(proc: subprocess.CompletedProcess[bytes], action: str) -> GitError:
    message = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace")
    text = last_line(message) if message.strip() else f"exit {proc.returncode}"
    text = text.removeprefix("fatal: ").removeprefix("error: ")
    if "not a git repository" in message:
        return not_a_repository(action)
    return GitError(f"cannot {action}: git said: {text}", RETRY_FIX)


def blob_id(data: bytes, object_format: str = "sha1") -> str:
    """The id git gives a blob with this content (`git hash-object`), in the repository's hash."""
    digest = hashlib.sha256() if object_format == "sha256" else hashlib.sha1()
    digest.update(b"blob %d\x00" % len(data))
    digest.update(data)
    return digest.hexdigest()


class Git:
    """The git repository holding the config root `root`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- running ------------------------------------------------------------------------------
    def run(self, *args: str, input_bytes: bytes | None = None, env: Mapping[str, str] | None = None,
            action: str = "read git history", check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return run(self.root, *args, input_bytes=input_bytes, env=env, action=action, check=check)

    def text(self, *args: str, input_bytes: bytes | None = None, env: Mapping[str, str] | None = None,
             action: str = "read git history") -> str:
        return self.run(*args, input_bytes=input_bytes, env=env, action=action).stdout.decode("utf-8", "replace")

    def ok(self, *args: str) -> str | None:
        """stdout of a query that may fail (None then), e.g. `rev-parse --verify`."""
        proc = self.run(*args, check=False)
        return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None

    # -- where --------------------------------------------------------------------------------
    @cached_property
    def prefix(self) -> str:
        """The config root's path inside the work tree ("" at the top, else "sub/dir/")."""
        return self.text("rev-parse", "--show-prefix", action="find the git repository").strip()

    @cached_property
    def object_format(self) -> str:
        out = self.ok("rev-parse", "--show-object-format")
        return (out or "sha1").strip() or "sha1"

    def is_work_tree(self) -> bool:
        return (self.ok("rev-parse", "--is-inside-work-tree") or "").strip() == "true"

    def verify(self, rev: str) -> str | None:
        """The commit `rev` names, or None."""
        return (self.ok("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}") or "").strip() or None

    def head(self) -> str | None:
        return self.verify("HEAD")

    # -- reading ------------------------------------------------------------------------------
    def read_at(self, rev: str, relpath: str) -> bytes | None:
        """`relpath` (relative to the config root) at `rev`, or None when it did not exist there."""
        proc = self.run("cat-file", "blob", f"{rev}:./{relpath}", check=False)
        return proc.stdout if proc.returncode == 0 else None

    def read_text_at(self, rev: str, relpath: str) -> str | None:
        data = self.read_at(rev, relpath)
        return None if data is None else data.decode("utf-8", "replace")

    def read_objects(self, names: Sequence[str]) -> list[bytes | None]:
        """Contents of many objects ("<sha>" or "<rev>:<path>") through one `cat-file --batch`, in order;
        missing ones come back as None."""
        if not names:
            return []
        if any("\n" in n for n in names):
            raise GitError("cannot read git objects: a name contains a newline", "use plain paths and shas")
        raw = self.run("cat-file", "--batch", input_bytes=("\n".join(names) + "\n").encode()).stdout
        out: list[bytes | None] = []
        pos = 0
        for _ in names:
            end = raw.index(b"\n", pos)
            header = raw[pos:end].split(b" ")
            pos = end + 1
            if len(header) < 3 or header[1] == b"missing" or header[-1] in (b"missing", b"ambiguous"):
                out.append(None)
                continue
            size = int(header[2])
            out.append(raw[pos:pos + size])
            pos += size + 1
        return out

    def list_at(self, rev: str, folder: str) -> list[str]:
        """Files under `folder` (relative to the config root) at `rev`, relative to the config root."""
        proc = self.run("ls-tree", "-r", "--name-only", "-z", "--full-name", rev, "--", folder or ".", check=False)
        names = proc.stdout.decode("utf-8", "replace").split("\0")
        return sorted(p.removeprefix(self.prefix) for p in names if p)

    def blob_id(self, data: bytes) -> str:
        return blob_id(data, self.object_format)

    def dirty(self, paths: Sequence[str]) -> list[str]:
        """Which of `paths` (files or folders, relative to the root) differ from HEAD or are untracked — one
        `git status` call however many files there are."""
        wanted = sorted(set(paths))
        if not wanted:
            return []
        out = self.text("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *wanted)
        found: list[str] = []
        entries = out.split("\0")
        i = 0
        while i < len(entries):
            entry = entries[i]
            i += 1
            if len(entry) < 4:
                continue
            if entry[0] in "RC":
                i += 1  # the rename source follows as its own entry
            found.append(entry[3:])
        return sorted(p.removeprefix(self.prefix) for p in found)

    # -- refs ---------------------------------------------------------------------------------
    def compare_and_swap(self, ref: str, new: str, old: str | None) -> bool:
        """Move `ref` to `new` only if it still points at `old` (None: only if it does not exist)."""
        return self.run("update-ref", ref, new, old or "0" * len(new), check=False).returncode == 0

    def has_remote(self, name: str) -> bool:
        return self.run("remote", "get-url", name, check=False).returncode == 0

    def fetch(self, remote: str, refspec: str) -> subprocess.CompletedProcess[bytes]:
        """`git fetch` one refspec quietly (the caller reads the result: a missing remote ref is not an error)."""
        return self.run("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote, refspec, check=False)

    def push(self, remote: str, refspec: str, *, lease: str | None = None) -> subprocess.CompletedProcess[bytes]:
        args = ["push", "--quiet", "--porcelain", *([f"--force-with-lease={lease}"] if lease is not None else []),
                remote, refspec]
        return self.run(*args, check=False)

    def config_value(self, key: str) -> str | None:
        """`git config --get KEY` (repository, then global), or None."""
        return (self.ok("config", "--get", key) or "").strip() or None

    def __repr__(self) -> str:
        return f"Git({str(self.root)!r})"


__all__ = ["Git", "blob_id", "error_from", "last_line", "not_a_repository", "run"]
