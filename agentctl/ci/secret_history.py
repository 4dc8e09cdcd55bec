"""The gate's secret scan: every line a change adds, in every commit it would land, in every text file.

Scanning only the final diff misses a secret that was committed and then deleted: the commit
that added it is still in the history a merge brings in, and anyone who can read the repo can
read it. So the scan reads `git log -p base..HEAD` (each commit's added lines, in any file, not
only the artifact folders) plus what the working tree adds on top (uncommitted edits and
untracked files), then follows each secret (by a hash of its value) to report it once:

- still present at the end: at its final file:line, naming the commit that added it;
- added and later removed: at the file:line of the commit that added it, saying the history
  must be rewritten (and the secret rotated).

Lines the base already had are not reported: they are not this change's to fix.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from agentctl.ci.secrets import SecretHit, scan_lines

MAX_FILE_BYTES = 2 * 1024 * 1024  # untracked files larger than this are not text config
_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_COMMIT = "\x00commit "

AddedLines = dict[str, list[tuple[int, str]]]  # file → (new line number, text) of each added line


@dataclass(frozen=True)
class LocatedHit:
    hit: SecretHit
    commit: str | None  # the commit that added it (None: only in the working tree, uncommitted)
    removed: bool = False  # added by a commit, gone from the final state: still in the history


def _git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=root, capture_output=True)
    if proc.returncode != 0:
        from agentctl.errors import GitError

        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"cannot read the change's history: git said: {reason[-1] if reason else proc.returncode}",
                       "run the gate in a full clone (actions/checkout with fetch-depth: 0)")
    return proc.stdout.decode("utf-8", "replace")


def parse_patch(text: str) -> Iterator[tuple[str | None, AddedLines]]:
    """(commit, added lines per file) for each commit of `git log -p --unified=0` output ((None, …) for a plain diff).

    Hunk line counts decide where a hunk ends, so an added line that itself starts with `+++ `
    or `diff --git` is never mistaken for a header.
    """
    commit: str | None = None
    files: AddedLines = {}
    path: str | None = None
    new_left = old_left = 0
    number = 0
    for line in text.split("\n"):
        if new_left or old_left:
            if line.startswith("+"):
                if path is not None:
                    files.setdefault(path, []).append((number, line[1:]))
                number += 1
                new_left -= 1
            elif line.startswith("-"):
                old_left -= 1
            elif line.startswith(" "):
                number += 1
                new_left -= 1
                old_left -= 1
            continue  # "\ No newline at end of file" and the like
        if line.startswith(_COMMIT):
            if commit is not None or files:
                yield commit, files
            commit, files, path = line[len(_COMMIT):].strip(), {}, None
        elif line.startswith("+++ "):
            target = _unquote(line[4:])
            path = None if target == "/dev/null" else target.removeprefix("b/")
        elif line.startswith("diff --git "):
            path = None
        else:
            match = _HUNK.match(line)
            if match:
                old_left = int(match.group(1) or 1) if match.group(1) != "0" else 0
                new_left = int(match.group(3) or 1) if match.group(3) != "0" else 0
                number = int(match.group(2))
    if commit is not None or files:
        yield commit, files


def _unquote(path: str) -> str:
    """git quotes paths with unusual characters ("b/a\\tb"); undo the common escapes."""
    path = path.rstrip("\t")
    if len(path) >= 2 and path[0] == path[-1] == '"':
        raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        return raw.encode("latin-1", "replace").decode("utf-8", "replace")
    return path


_DIFF_OPTIONS = ("--unified=0", "--no-renames", "--no-color", "--no-ext-diff", "--no-textconv", "--relative")


def commit_additions(root: Path, base: str) -> list[tuple[str, AddedLines]]:
    """Each commit in base..HEAD (oldest first, merges skipped: they bring in the base's own lines) and what it added."""
    out = _git(root, "log", "--reverse", "--no-merges", "-p", *_DIFF_OPTIONS, "--format=%x00commit %H",
               f"{base}..HEAD", "--", ".")
    return [(commit or "", files) for commit, files in parse_patch(out)]


def final_additions(root: Path, base: str) -> AddedLines:
    """What the working tree adds to the base: committed or not, plus untracked text files in full."""
    files: AddedLines = {}
    for _, added in parse_patch(_git(root, "diff", *_DIFF_OPTIONS, base, "--", ".")):
        files.update(added)
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", ".")
    for relpath in filter(None, untracked.split("\0")):
        text = _read_text(root / relpath)
        if text is not None:
            files[relpath] = list(enumerate(text.splitlines(), start=1))
    return files


def _read_text(path: Path) -> str | None:
    try:
        # a link is scanned as what git stores (its target's name), never followed out of the repo
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        raw = path.read_bytes()
    except OSError:
        return None
    if b"\0" in raw[:8192]:
        return None  # binary
    return raw.decode("utf-8", "replace")


def scan_change(root: Path, base: str, skip: frozenset[str] = frozenset()) -> list[LocatedHit]:
    """Every secret the change between `base` and the working tree would land, each reported once."""
    first_seen: dict[tuple[str, str, str], str] = {}  # (file, pattern, fingerprint) → first commit that added it
    history: list[tuple[str, SecretHit]] = []
    for commit, files in commit_additions(root, base):
        for relpath, lines in sorted(files.items()):
            if relpath in skip:
                continue
            for hit in scan_lines(relpath, lines):
                key = (hit.file, hit.pattern, hit.fingerprint)
                if key not in first_seen:
                    first_seen[key] = commit
                    history.append((commit, hit))
    located: list[LocatedHit] = []
    present: set[tuple[str, str, str]] = set()
    for relpath, lines in sorted(final_additions(root, base).items()):
        if relpath in skip:
            continue
        for hit in scan_lines(relpath, lines):
            key = (hit.file, hit.pattern, hit.fingerprint)
            present.add(key)
            located.append(LocatedHit(hit, first_seen.get(key)))
    located += [LocatedHit(hit, commit, removed=True) for commit, hit in history
                if (hit.file, hit.pattern, hit.fingerprint) not in present]
    return sorted(located, key=lambda h: (h.hit.file, h.removed, h.hit.line, h.hit.col))
