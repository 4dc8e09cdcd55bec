"""Reading files at earlier commits and listing the commits that changed them."""

from __future__ import annotations

import pytest

from agentctl.errors import NotFoundError
from agentctl.store.revisions import changed_since_head, path_revisions, read_at

CONTRACT = "tool-contracts/sms-gateway.yaml"


def test_read_at_and_revisions(example_repo) -> None:
    first = example_repo.git("rev-parse", "HEAD").strip()
    example_repo.edit(CONTRACT, "version: 2.0.0", "version: 2.0.1", commit="patch")
    assert "version: 2.0.0" in read_at(example_repo.path, "HEAD~1", CONTRACT)
    assert read_at(example_repo.path, "HEAD", "tool-contracts/none.yaml") is None
    revisions = path_revisions(example_repo.path, CONTRACT)
    assert [r.subject for r in revisions][0] == "patch"
    assert revisions[-1].sha == first
    assert [r.sha for r in path_revisions(example_repo.path, CONTRACT, rev="HEAD~1")] == [first]
    with pytest.raises(NotFoundError, match="unknown revision 'v9'"):
        read_at(example_repo.path, "v9", CONTRACT)


def test_changed_since_head(example_repo) -> None:
    assert changed_since_head(example_repo.path, [CONTRACT]) == {}
    committed = example_repo.read(CONTRACT)
    example_repo.edit(CONTRACT, "version: 2.0.0", "version: 2.0.1")
    example_repo.gen({"tool-contracts/new.yaml": "name: new\n"})
    assert changed_since_head(example_repo.path, [CONTRACT, "tool-contracts/new.yaml"]) == {CONTRACT: committed}


def test_outside_git_nothing_to_compare(tmp_path) -> None:
    (tmp_path / "a.yaml").write_text("x: 1\n")
    assert changed_since_head(tmp_path, ["a.yaml"]) == {}
    assert path_revisions(tmp_path, "a.yaml") == []
