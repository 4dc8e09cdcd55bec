"""A small versioned store on a dedicated git ref: one commit per change, compare-and-swap writes.

Deployment state and test results live here rather than on a branch people check out, so
they travel with the repo (push/fetch) yet never touch anyone's working tree or index.

Writers are serialised by git itself:
- locally, `git update-ref REF NEW OLD` only moves REF if it still points at OLD;
- with a remote, the new commit is pushed with `--force-with-lease=REF:OLD`, so the remote
  accepts it only if nobody else pushed first.
Objects are written before the ref moves, so a crash at any point leaves the old state or the
new one. A lost race raises ConflictError, or re-reads and re-applies the change when the
caller allows retries (the change function runs again, so its policy checks run again too).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from agentctl.errors import ConflictError, GitError
from agentctl.store.gitcmd import Git, last_line

ZERO = "0" * 40


@dataclass(frozen=True)
class Author:
    name: str
    email: str


@dataclass
class Change:
    """What one action writes: files to set (bytes) or delete (None), and the commit message."""

    files: Mapping[str, bytes | None]
    message: str


@dataclass
class Snapshot:
    """The store as of one commit (None when the ref does not exist yet)."""

    store: RefStore
    commit: str | None
    _cache: dict[str, bytes | None] = field(default_factory=dict, repr=False)

    def read(self, path: str) -> bytes | None:
        if path not in self._cache:
            self._cache[path] = self.store.read_at(self.commit, path) if self.commit else None
        return self._cache[path]

    def read_many(self, paths: list[str]) -> dict[str, bytes | None]:
        """Several files through one `git cat-file --batch` (and remembered for later `read`s)."""
        wanted = [p for p in paths if p not in self._cache]
        if wanted and self.commit:
            self._cache.update(self.store.read_many_at(self.commit, wanted))
        elif wanted:
            self._cache.update(dict.fromkeys(wanted))
        return {p: self._cache[p] for p in paths}

    def list(self, prefix: str = "") -> list[str]:
        return self.store.list_at(self.commit, prefix) if self.commit else []


@dataclass(frozen=True)
class LogEntry:
    commit: str
    author: str
    email: str
    time: str
    message: str


class RefStore:
    def __init__(self, root: Path, ref: str, *, remote: str | None = "origin") -> None:
        self.root = Path(root)
        self.ref = ref
        self.git = Git(self.root)
        self.git_dir = Path(self._git("rev-parse", "--absolute-git-dir").strip())
        self.remote = remote if remote and self.git.has_remote(remote) else None
        self._synced: Snapshot | None = None  # the state as fetched by this handle (at most one fetch)

    # --- reading -----------------------------------------------------------------------
    def head(self) -> str | None:
        out = self._git("rev-parse", "--verify", "--quiet", f"{self.ref}^{{commit}}", check=False)
        return out.strip() or None

    def snapshot(self, *, sync: bool = True, fresh: bool = False) -> Snapshot:
        """Current state; with a remote, fetched first so reads see everyone's actions.

        The store fetches at most once for the life of this handle (one command); later
        snapshots reuse that state, a write that loses a race fetches again, and a
        long-running reader that follows the ref passes `fresh=True` on each look.
        """
        if not (sync and self.remote):
            return Snapshot(self, self.head())
        if self._synced is None or fresh:
            self._synced = Snapshot(self, self.fetch())
        return self._synced

    def read_at(self, commit: str, path: str) -> bytes | None:
        proc = self.git.run("cat-file", "blob", f"{commit}:{path}", check=False)
        return proc.stdout if proc.returncode == 0 else None

    def read_many_at(self, commit: str, paths: list[str]) -> dict[str, bytes | None]:
        """Several files at `commit` through one `git cat-file --batch` process."""
        return dict(zip(paths, self.git.read_objects([f"{commit}:{path}" for path in paths]), strict=True))

    def list_at(self, commit: str, prefix: str = "") -> list[str]:
        args = ["ls-tree", "-r", "--name-only", "--full-tree", commit]  # paths from the ref's root, not the cwd
        if prefix:
            args += ["--", prefix]
        return [line for line in self._git(*args).splitlines() if line]

    def log(self, limit: int | None = None, path: str | None = None, *, sync: bool = True,
            at: str | None = None) -> list[LogEntry]:
        """Commits on the ref, newest first (from `at` when given, else the current state)."""
        head = at or self.snapshot(sync=sync).commit
        if head is None:
            return []
        args = ["log", "--format=%H%x00%an%x00%ae%x00%aI%x00%B%x1e"]
        if limit:
            args.append(f"-n{limit}")
        args.append(head)
        if path:
            args += ["--", f":(top){path}"]  # from the ref's root, not the cwd
        entries = []
        for chunk in self._git(*args).split("\x1e"):
            chunk = chunk.strip("\n")
            if chunk:
                commit, name, email, when, message = chunk.split("\x00", 4)
                entries.append(LogEntry(commit, name, email, when, message.strip()))
        return entries

    # --- writing -----------------------------------------------------------------------
    def update(self, mutate: Callable[[Snapshot], Change | None], author: Author, *,
               retries: int = 0, when: str | None = None, patience_s: float = 0.0,
               sign_with: str | None = None, check: Callable[[str], None] | None = None) -> str | None:
        """Apply `mutate` to the latest state and publish the result atomically.

        `mutate` gets a Snapshot and returns a Change (or None for nothing to do). When
        another writer wins the race, `mutate` is run again on the new state up to
        `retries` times — or, with `patience_s`, for as long as that many seconds allow, with
        jittered exponential backoff (incident actions must land however many writers there
        are) — then ConflictError (exit 4) is raised. Returns the new commit.

        With `sign_with` (an SSH key as git's user.signingkey takes it) each commit is signed;
        `check` sees every commit before it is published and may refuse it by raising.
        """
        import random
        import time

        deadline = time.monotonic() + patience_s
        attempt = 0
        while True:
            snapshot = self.snapshot()
            change = mutate(snapshot)
            if change is None:
                return None
            new = self._write_commit(snapshot.commit, change, author, when, sign_with)
            if check is not None:
                check(new)
            try:
                self._publish(snapshot.commit, new)
            except ConflictError:
                self._synced = None  # someone else moved the ref: the next read fetches their state
                attempt += 1
                if attempt > retries and time.monotonic() >= deadline:
                    raise
                if patience_s:
                    pause = min(1.0, 0.02 * 2 ** min(attempt, 6)) * random.uniform(0.5, 1.0)
                    time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
                continue
            if self._synced is not None:
                self._synced = Snapshot(self, new)
            return new

    def _write_commit(self, parent: str | None, change: Change, author: Author, when: str | None,
                      sign_with: str | None = None) -> str:
        with tempfile.TemporaryDirectory(prefix="agentctl-index-") as tmp:
            env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if parent:
                self._git("read-tree", parent, env=env)
            lines = []
            for path, content in sorted(change.files.items()):
                if content is None:
                    lines.append(f"0 {ZERO}\t{path}")
                else:
                    blob = self._git("hash-object", "-w", "--stdin", input_bytes=content).strip()
                    lines.append(f"100644 {blob}\t{path}")
            self._git("update-index", "--index-info", input_bytes=("\n".join(lines) + "\n").encode(), env=env)
            tree = self._git("write-tree", env=env).strip()
        identity = {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email,
                    "GIT_COMMITTER_NAME": author.name, "GIT_COMMITTER_EMAIL": author.email}
        if when:
            identity |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        args = ["commit-tree", tree, "-F", "-"] + (["-p", parent] if parent else [])
        if sign_with:
            args = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={sign_with}", *args, "-S"]
            proc = self.git.run(*args, input_bytes=change.message.encode(), env={**os.environ, **identity},
                                check=False)
            if proc.returncode != 0:
                said = (proc.stderr or proc.stdout).decode("utf-8", "replace")
                raise GitError(f"cannot sign the deployment record with {sign_with}: {_last_line(said)}",
                               "check the key path (AGENTCTL_SIGNING_KEY or git config user.signingkey) and that "
                               "its passphrase can be given (ssh-agent), then run the command again")
            return proc.stdout.decode("utf-8", "replace").strip()
        return self._git(*args, input_bytes=change.message.encode(), env={**os.environ, **identity}).strip()

    def _publish(self, old: str | None, new: str) -> None:
        if self.remote:
            proc = self.git.push(self.remote, f"{new}:{self.ref}", lease=f"{self.ref}:{old or ''}")
            said = (proc.stdout + proc.stderr).decode("utf-8", "replace")
            if proc.returncode != 0:
                if "rejected" in said or "stale info" in said:
                    raise self._conflict()
                raise GitError(f"cannot push {self.ref} to {self.remote}: {_last_line(said)}",
                               "check the remote is reachable and writable, then run the command again")
            # the remote accepted it; mirror locally (best effort: the remote is the source of truth)
            self._git("update-ref", self.ref, new, check=False)
            return
        if not self.git.compare_and_swap(self.ref, new, old or ZERO):
            raise self._conflict()

    def _conflict(self) -> ConflictError:
        return ConflictError(f"someone else changed {self.ref} at the same time; nothing was written",
                             "run the command again to apply it on top of their change")

    def fetch(self) -> str | None:
        """Fetch the remote's ref and make the local ref match; returns its commit.

        Each call fetches into its own temporary ref, so concurrent agentctl processes in one
        clone never fight over a ref lock.
        """
        assert self.remote
        scratch = f"refs/agentctl-fetch/{os.getpid()}-{uuid.uuid4().hex[:12]}"
        proc = self.git.fetch(self.remote, f"+{self.ref}:{scratch}")
        if proc.returncode != 0:
            said = proc.stderr.decode("utf-8", "replace")
            if "couldn't find remote ref" in said:
                return self.head()  # nothing published yet
            raise GitError(f"cannot fetch {self.ref} from {self.remote}: {_last_line(said)}",
                           "check the remote is reachable, then run the command again")
        remote_head = self._git("rev-parse", scratch).strip()
        self._git("update-ref", "-d", scratch, check=False)
        self._git("update-ref", self.ref, remote_head, check=False)  # best-effort local mirror
        return remote_head

    # --- plumbing ----------------------------------------------------------------------
    def _git(self, *args: str, input_bytes: bytes | None = None, env: Mapping[str, str] | None = None,
             check: bool = True) -> str:
        proc = self.git.run(*args, input_bytes=input_bytes, env=env, action=f"run git {args[0]}", check=check)
        return proc.stdout.decode("utf-8", errors="replace")


_last_line = last_line
