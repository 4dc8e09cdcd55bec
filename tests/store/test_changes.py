"""Which base a change is judged against, and which files changed (committed, staged, unstaged, untracked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.errors import BadInputError
from agentctl.store.changes import ChangedFile, changed_files, list_at, read_at, resolve_base
from tests.helpers import RepoDir


@pytest.fixture
def branched(tmp_dir: RepoDir) -> RepoDir:
    tmp_dir.gen({"a.txt": "a\n", "b.txt": "b\n"}, commit="base")
    tmp_dir.git("checkout", "-q", "-b", "pr")
    return tmp_dir


def test_default_base_is_main_and_every_kind_of_change_counts(branched: RepoDir) -> None:
    branched.gen({"a.txt": "a2\n", "c.txt": "c\n"}, commit="pr work")
    branched.gen({"b.txt": "b2\n", "new.txt": "untracked\n"})
    (branched.path / "c.txt").unlink()
    base = resolve_base(branched.path, environ={})
    assert base.ref == "main"
    assert base.commit == branched.git("rev-parse", "main").strip()
    assert changed_files(branched.path, base.commit) == [
        ChangedFile("M", "a.txt"), ChangedFile("M", "b.txt"), ChangedFile("A", "new.txt")]


def test_base_is_the_merge_base_not_the_tip(branched: RepoDir) -> None:
    branched.gen({"a.txt": "pr\n"}, commit="pr")
    branched.git("checkout", "-q", "main")
    branched.gen({"b.txt": "moved on\n"}, commit="main moves on")
    branched.git("checkout", "-q", "pr")
    base = resolve_base(branched.path, "main", environ={})
    assert changed_files(branched.path, base.commit) == [ChangedFile("M", "a.txt")]


def test_github_actions_base_ref_is_fetched_from_origin(branched: RepoDir, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    branched.git("clone", "-q", "--bare", str(branched.path), str(origin))
    clone = RepoDir(tmp_path / "clone")
    RepoDir(tmp_path).git("clone", "-q", "--branch", "pr", "--single-branch", str(origin), str(clone.path))
    clone.gen({"a.txt": "changed\n"}, commit="pr")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": "main"}
    base = resolve_base(clone.path, environ=env)
    assert base.ref == "origin/main"
    assert changed_files(clone.path, base.commit) == [ChangedFile("M", "a.txt")]


def test_unknown_base_says_how_to_fix(branched: RepoDir) -> None:
    with pytest.raises(BadInputError, match=r"unknown base revision 'nope' — pass --base"):
        resolve_base(branched.path, "nope", environ={})


def test_config_root_in_a_subfolder(tmp_dir: RepoDir) -> None:
    tmp_dir.gen({"config/x.yaml": "1\n", "config/bundles/a/v1.yaml": "v\n", "other.txt": "o\n"}, commit="base")
    tmp_dir.gen({"config/x.yaml": "2\n", "other.txt": "p\n"})
    root = tmp_dir.path / "config"
    base = resolve_base(root, "HEAD", environ={})
    assert changed_files(root, base.commit) == [ChangedFile("M", "x.yaml")]
    assert read_at(root, base.commit, "x.yaml") == "1\n"
    assert read_at(root, base.commit, "missing.yaml") is None
    assert list_at(root, base.commit, "bundles") == ["bundles/a/v1.yaml"]
