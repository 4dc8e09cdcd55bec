from __future__ import annotations

import pytest

from agentctl.errors import GitError
from agentctl.store import history
from tests.helpers import RepoDir


def test_read_objects_in_one_batch_including_missing(tmp_dir: RepoDir) -> None:
    tmp_dir.gen({"a.txt": "alpha\n", "b.txt": "beta\n"}, commit="two files")
    blob = tmp_dir.git("rev-parse", "HEAD:b.txt").strip()
    assert history.read_objects(tmp_dir.path, ["HEAD:a.txt", blob, "HEAD:nope.txt", "0" * 40]) == [
        b"alpha\n", b"beta\n", None, None]


def test_tags_with_messages_and_peeled_commits(tmp_dir: RepoDir) -> None:
    tmp_dir.gen({"a.txt": "alpha\n"}, commit="one")
    tmp_dir.git("tag", "-a", "x@v1", "-m", "first line\n\nsecond paragraph")
    tmp_dir.git("tag", "x@v2")  # lightweight
    head = tmp_dir.git("rev-parse", "HEAD").strip()
    found = history.tags(tmp_dir.path, "refs/tags/x@v*")
    assert [(t.name, t.commit, t.message) for t in found] == [("x@v1", head, "first line\n\nsecond paragraph"),
                                                             ("x@v2", head, "")]
    assert found[0].tagger == "Test Operator <operator@roadwise.example>"


def test_dirty_paths_only_for_the_paths_asked(tmp_dir: RepoDir) -> None:
    tmp_dir.gen({"a.txt": "alpha\n", "sub/b.txt": "beta\n"}, commit="files")
    tmp_dir.gen({"a.txt": "changed\n", "sub/new.txt": "new\n", "elsewhere.txt": "x"})
    assert history.dirty_paths(tmp_dir.path, ["a.txt", "sub"]) == ["a.txt", "sub/new.txt"]


def test_not_a_repository_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(GitError, match="not a git repository — run `git init` or `agentctl init`"):
        history.git(tmp_path, "rev-parse", "HEAD")
