"""validate reports released content that changed without a version bump."""

from __future__ import annotations

from tests.bundle_helpers import PROMPT_META, PROMPT_TEXT, release
from tests.helpers import RepoDir

EXPECTED = ("prompts/install-reminder/system.md:1:1: prompt 'install-reminder' version 1 was released in "
            "install-reminder@v1 but its content changed — bump `version` and describe the change in `changes`")


def test_editing_a_released_prompt_without_bump_is_reported(example_repo: RepoDir, cli) -> None:
    release(example_repo)
    example_repo.edit(PROMPT_TEXT, "Keep every turn", "Keep each turn")
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert EXPECTED in result.stderr.splitlines()


def test_bumping_the_version_clears_it(example_repo: RepoDir, cli) -> None:
    release(example_repo)
    example_repo.edit(PROMPT_TEXT, "Keep every turn", "Keep each turn")
    example_repo.edit(PROMPT_META, "version: 1", "version: 2")
    assert cli("validate", cwd=example_repo.path).exit_code == 0


def test_edited_contract_is_reported(example_repo: RepoDir, cli) -> None:
    release(example_repo)
    example_repo.edit("tool-contracts/sms-gateway.yaml", "timeout_s: 8", "timeout_s: 9")
    result = cli("validate", cwd=example_repo.path)
    assert ("tool-contracts/sms-gateway.yaml:1:1: tool contract 'sms-gateway' version 2.0.0 was released in "
            "install-reminder@v1 but its content changed — bump `version` and describe the change in `changes`"
            ) in result.stderr.splitlines()


def test_unreleased_edits_are_fine(example_repo: RepoDir, cli) -> None:
    example_repo.edit(PROMPT_TEXT, "Keep every turn", "Keep each turn")
    assert cli("validate", cwd=example_repo.path).exit_code == 0


def test_an_edit_is_reported_again_when_the_file_comes_from_the_document_cache(example_repo: RepoDir, cli) -> None:
    """The check hashes the text the workspace read; a cached document's text is the file as it is now."""
    release(example_repo)
    example_repo.edit("tool-contracts/sms-gateway.yaml", "timeout_s: 8", "timeout_s: 9")
    for _ in range(2):  # the second run takes the edited contract from the document cache
        result = cli("validate", cwd=example_repo.path)
        assert result.exit_code == 2
        assert any(line.startswith("tool-contracts/sms-gateway.yaml:1:1: tool contract 'sms-gateway' version 2.0.0 "
                                   "was released in install-reminder@v1 but its content changed")
                   for line in result.stderr.splitlines())
