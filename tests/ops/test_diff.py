"""diff: semantic changes between bundles, and from a bundle to the working tree."""

from __future__ import annotations

import pytest

from agentctl.errors import BadInputError
from agentctl.ops.diff import diff_bundles
from tests.bundle_helpers import NEW_LINE, PROMPT_META, PROMPT_TEXT, STORAGE_DOC, release, two_releases
from tests.helpers import RepoDir


def test_diff_v1_v2_names_prompt_lines_and_kb_documents(example_repo: RepoDir) -> None:
    two_releases(example_repo)
    found = diff_bundles(example_repo.path, "install-reminder@v1", "install-reminder@v2")
    text = next(i for i in found.items if i["change"] == "text")
    assert text["lines_added"] == [NEW_LINE] and text["lines_removed"] == []
    kb = {(i["change"], i.get("uri")) for i in found.items if i["component"] == "kb"}
    assert kb == {("version", None), ("document-updated", STORAGE_DOC),
                  ("document-added", "kb/install-faq/sign-in.md")}
    assert {f.path for f in found.files} == {PROMPT_META, PROMPT_TEXT, "kb-manifests/install-faq.yaml",
                                             STORAGE_DOC, "kb/install-faq/sign-in.md"}
    assert found.after == "install-reminder@v2"


def test_diff_to_working_tree(example_repo: RepoDir) -> None:
    release(example_repo)
    example_repo.edit(PROMPT_TEXT, "Keep every turn under two sentences.", "Keep every turn under one sentence.")
    found = diff_bundles(example_repo.path, "install-reminder@v1")
    assert found.after == "working tree"
    text = next(i for i in found.items if i["change"] == "text")
    assert text["lines_removed"] == ["- Keep every turn under two sentences. This is a phone call, not an email."]
    assert text["lines_added"] == ["- Keep every turn under one sentence. This is a phone call, not an email."]
    assert [(f.path, f.status) for f in found.files] == [(PROMPT_TEXT, "changed")]


def test_no_difference(example_repo: RepoDir) -> None:
    release(example_repo)
    assert not diff_bundles(example_repo.path, "install-reminder@v1").changed


def test_different_agents_are_refused(example_repo: RepoDir) -> None:
    release(example_repo)
    with pytest.raises(BadInputError, match="they are different agents"):
        diff_bundles(example_repo.path, "install-reminder@v1", "other-agent@v1")
