"""`agentctl init`: scaffold a config repo with the example Install Reminder agent and commit it."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from agentctl.errors import BadInputError
from agentctl.model import layout

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
    from agentctl.identity import current_actor
    from agentctl.store import git as gitstore

    directory = directory.resolve()
    files = example_files()
    clashes = sorted(rel for rel in files if (directory / rel).exists())
    if clashes:
        shown = ", ".join(clashes[:5]) + (f" and {len(clashes) - 5} more" if len(clashes) > 5 else "")
        raise BadInputError(f"{directory} already has {shown}", "run `agentctl init` in an empty folder, or pick another DIR")
    if directory.exists() and not directory.is_dir():
        raise BadInputError(f"{directory} is a file", "pass a folder")
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
    created = not gitstore.is_git_repo(directory)
    repo = gitstore.init_repo(directory) if created else gitstore.open_repo(directory)
    sha = None
    try:
        if commit:
            actor = current_actor(directory)
            top = Path(repo.working_tree_dir)
            paths = [(directory / rel).relative_to(top).as_posix() for rel in written]
            sha = gitstore.commit_paths(repo, paths, "Initialise agentctl config repo with the Install Reminder example",
                                        author=(actor.name, actor.email))
    finally:
        repo.close()  # gitpython keeps `git cat-file` helpers running until closed
    return InitResult(str(directory), written, sha, created)
