"""`agentctl init`: scaffold a config repo with the example Install Reminder agent and commit it."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from agentctl.errors import BadInputError
from agentctl.identity import current_actor
from agentctl.model import layout
from agentctl.store import git as gitstore

GITIGNORE_LINES = [f"{layout.STATE_DIR}/"]


@dataclass
class InitResult:
    root: str
    files: list[str]
    commit: str | None
    created_git_repo: bool

    def to_dict(self) -> dict[str, object]:
        return {"root": self.root, "files": self.files, "commit": self.commit, "created_git_repo": self.created_git_repo}


def example_files() -> dict[str, Path]:
    """Repo-relative path → source file of the shipped example (released bundles excluded)."""
    base = Path(str(resources.files("agentctl") / "example"))
    out: dict[str, Path] = {}
    # the example is a set of symlinks to this repo's own top-level files in a source checkout
    for folder, dirs, names in os.walk(base, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = Path(folder) / name
            rel = path.relative_to(base).as_posix()
            if layout.kind_of(rel) == "bundle":
                continue  # a new repo starts with no releases; its history is its own
            out[rel] = path
    return dict(sorted(out.items()))


def init_repo(directory: Path, *, commit: bool = True) -> InitResult:
    """Create `directory` (if needed), copy the example into it, `git init` when needed, commit.

    Refuses to overwrite any existing file, so running it twice or in a used folder is safe.
    """

    try:
        directory = directory.resolve()
    except (OSError, RuntimeError, ValueError):
        raise BadInputError(f"{str(directory)[:80]} cannot be resolved (the current folder was deleted, "
                            "or a symlink loops)", "cd into an existing folder and pass DIR") from None
    if len(str(directory)) > 1024:
        raise BadInputError(f"{str(directory)[:60]}... is {len(str(directory)):,} characters long", "pick a shorter DIR")
    files = example_files()
    try:
        clashes = sorted(rel for rel in files if (directory / rel).exists())
    except OSError as exc:
        raise BadInputError(f"cannot look inside {directory}: {exc.strerror or exc}", "pick another DIR") from None
    if clashes:
        shown = ", ".join(clashes[:5]) + (f" and {len(clashes) - 5} more" if len(clashes) > 5 else "")
        raise BadInputError(f"{directory} already has {shown}", "run `agentctl init` in an empty folder, or pick another DIR")
    if directory.exists() and not directory.is_dir():
        raise BadInputError(f"{directory} is a file", "pass a folder")
    if directory.is_dir() and not os.access(directory, os.W_OK):
        raise BadInputError(f"{directory} is not writable", "pick a folder you can write to")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for rel, source in files.items():
            target = directory / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        written = list(files)
        ignore = directory / ".gitignore"
        existing = ignore.read_text("utf-8").splitlines() if ignore.exists() else []
        missing = [line for line in GITIGNORE_LINES if line not in existing]
        if missing:
            ignore.write_text("\n".join(existing + missing) + "\n", "utf-8")
            written.append(".gitignore")
    except OSError as exc:
        raise BadInputError(f"cannot write the example into {directory}: {exc.strerror or exc}"
                            + (f" ({exc.filename})" if exc.filename else ""),
                            "pick a writable folder on a regular filesystem") from None
    created = gitstore.ensure_repo(directory)
    sha = None
    if commit:
        actor = current_actor(directory)
        sha = gitstore.commit_paths(directory, [directory / rel for rel in written],
                                    "Initialise agentctl config repo with the Install Reminder example",
                                    author=(actor.name, actor.email))
    return InitResult(str(directory), written, sha, created)
