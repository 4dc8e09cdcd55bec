"""Repo-relative paths that config files name, checked to stay inside the repo.

A template, KB document, suite or call store named in a config file is read (and hashed)
by agentctl; a path that leaves the repo — absolute, through `..`, or through a symlink
that points outside — would let a config file read any file on the machine (and learn
whether it exists from the hash). Every such path goes through `escape_reason` first.
Documents outside the repo are allowed only as URLs (`https://…`), never as file paths.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath

URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
MAX_PATH_CHARS = 1024


def is_url(text: str) -> bool:
    """True for `scheme://…` (an external document, fetched and checked by hash, never read from disk)."""
    return bool(URL_SCHEME.match(text)) and not text.lower().startswith("file:")


def escape_reason(root: Path, relpath: str) -> str | None:
    """Why `relpath` (as written in a config file) is not a path inside `root`, or None when it is.

    Refused: absolute paths, `..` that leaves the repo, a symlink (anywhere on the way) that
    resolves outside the repo, NUL bytes and absurd lengths.
    """
    if not isinstance(relpath, str) or not relpath:
        return "is empty"
    if "\x00" in relpath:
        return "contains a NUL byte"
    if len(relpath) > MAX_PATH_CHARS:
        return f"is {len(relpath):,} characters long (the limit is {MAX_PATH_CHARS:,})"
    if relpath.lower().startswith("file:"):
        return "is a file:// URL (documents outside the repo must be http(s) URLs)"
    if PurePosixPath(relpath).is_absolute() or PureWindowsPath(relpath).drive or relpath.startswith("~"):
        return "is an absolute path (paths in config files are relative to the repo root)"
    if _plainly_inside(root, relpath):
        return None
    try:
        base = _resolved_root(root)
        resolved = (root / relpath).resolve()
    except (OSError, RuntimeError, ValueError):  # symlink loops, names too long for the OS
        return "cannot be resolved (a symlink loop or a name the filesystem refuses)"
    if resolved == base or base in resolved.parents:
        return None
    if ".." in PurePosixPath(relpath).parts and not _lexically_inside(relpath):
        return "leaves the repo through '..'"
    return f"is a symlink to {resolved}, outside the repo"


@functools.lru_cache(maxsize=32)
def _resolved_root(root: Path) -> Path:
    """`root.resolve()`, once per root: every config path of a command is checked against the same root."""
    return root.resolve()


def _plainly_inside(root: Path, relpath: str) -> bool:
    """True when `relpath` is only names (no `.`, `..` or empty part) and none of them is a symlink: then it
    resolves to a path under root's own resolution, wherever that is, with one lstat per name instead of a
    full `resolve()` of root and path. Anything else is left to the full check."""
    path = str(root)
    for part in relpath.split("/"):
        if part in ("", ".", ".."):
            return False
        path = f"{path}/{part}"
        try:
            if stat.S_ISLNK(os.lstat(path).st_mode):
                return False
        except OSError:
            return not any(p in ("", ".", "..") for p in relpath.split("/"))  # missing: nothing below is a link
    return True


def _lexically_inside(relpath: str) -> bool:
    depth = 0
    for part in PurePosixPath(relpath).parts:
        if part == "..":
            depth -= 1
            if depth < 0:
                return False
        elif part not in ("", "."):
            depth += 1
    return True


def refusal_fix(what: str) -> str:
    return (f"name a {what} inside the repo (relative to its root, no '..', no symlink out); "
            "external documents only as https:// URLs")
