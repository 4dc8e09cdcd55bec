"""release: the bundle file, its commit and annotated tag, and every refusal a user can hit."""

from __future__ import annotations

import pytest
import time_machine

from agentctl.errors import BadInputError, ConflictError, NotFoundError
from agentctl.model.yamlio import parse_text
from agentctl.ops.release import release_bundle
from tests.bundle_helpers import (
    AGENT,
    FIRST_NOTE,
    PROMPT_TEXT,
    SECOND_NOTE,
    edit_prompt_and_kb,
    release,
    two_releases,
)
from tests.helpers import RepoDir


def test_first_release_writes_commits_and_tags_v1(example_repo: RepoDir) -> None:
    with time_machine.travel("2026-11-24 15:00:00+00:00", tick=False):
        bundle = release(example_repo)
    assert bundle.ref == "install-reminder@v1"
    data = parse_text(example_repo.read("bundles/install-reminder/v1.yaml"), "v1.yaml").data
    assert data["created"] == "2026-11-24T15:00:00+00:00"
    assert data["author"] == "Test Operator <operator@roadwise.example>"
    assert data["previous"] is None
    assert data["notes"] == {"human": FIRST_NOTE, "generated": [
        {"component": "agent", "name": AGENT, "change": "first-release", "summary": "first release of this agent"}]}
    assert [t["name"] for t in data["components"]["tools"]] == ["sms-gateway", "driver-lookup", "escalate-to-human"]
    assert data["components"]["prompt"]["template"]["path"] == PROMPT_TEXT
    blob = example_repo.git("rev-parse", f"{data['source_commit']}:{PROMPT_TEXT}").strip()
    assert data["components"]["prompt"]["template"]["blob"] == blob
    assert example_repo.git("status", "--porcelain") == ""


def test_tag_is_annotated_and_points_at_the_bundle_commit(example_repo: RepoDir) -> None:
    bundle = release(example_repo)
    assert example_repo.git("cat-file", "-t", "install-reminder@v1").strip() == "tag"
    assert example_repo.git("rev-parse", "install-reminder@v1^{commit}").strip() == bundle.commit
    assert example_repo.git("rev-parse", "HEAD").strip() == bundle.commit
    assert example_repo.git("tag", "-l", "--format=%(contents)", "install-reminder@v1").strip() == FIRST_NOTE
    assert example_repo.git("show", "--name-only", "--format=", "HEAD").split() == ["bundles/install-reminder/v1.yaml"]


def test_second_release_pins_new_versions_and_generates_notes(example_repo: RepoDir) -> None:
    first, second = two_releases(example_repo)
    assert second.ref == "install-reminder@v2" and second.previous == 1
    assert second.components["prompt"]["version"] == 2 and second.components["kb"]["version"] == 2
    assert second.content_hash != first.content_hash
    summaries = [(i["component"], i["summary"]) for i in second.notes["generated"]]
    assert ("prompt", "version 1 → 2") in summaries
    assert ("prompt", "model temperature: 0.3 → 0.5") in summaries
    assert ("prompt", "section changed: How to speak") in summaries
    assert ("kb", "document updated: kb/install-faq/storage-full.md") in summaries
    assert ("kb", "document added: kb/install-faq/sign-in.md") in summaries
    assert (example_repo.path / "bundles/install-reminder/v2.yaml").is_file()
    assert example_repo.git("tag", "-l").split() == ["install-reminder@v1", "install-reminder@v2"]


@pytest.mark.parametrize("note", ["updated prompt", "fix", "changes", "Minor tweaks and misc fixes to the prompt", ""])
def test_generic_note_is_refused_with_a_good_example(example_repo: RepoDir, note: str) -> None:
    with pytest.raises(BadInputError) as caught:
        release(example_repo, note)
    assert str(caught.value) == (f'release note "{note or "(empty)"}" says nothing about what changed — write what '
                                 'changed and why, e.g. "added handling for drivers who report storage issues; '
                                 'timeout 5s → 8s"')
    assert example_repo.git("tag", "-l") == ""


def test_release_with_no_change_is_refused(example_repo: RepoDir) -> None:
    release(example_repo)
    with pytest.raises(BadInputError, match="^nothing changed since install-reminder@v1 — edit a component first$"):
        release(example_repo, "second release although nothing was edited at all")


def test_dirty_component_is_refused_and_listed(example_repo: RepoDir) -> None:
    example_repo.edit(PROMPT_TEXT, "Keep every turn", "Keep each turn")
    example_repo.gen({"kb/install-faq/storage-full.md": "changed on disk only\n"})
    with pytest.raises(BadInputError) as caught:
        release(example_repo)
    assert str(caught.value) == ("uncommitted changes in install-reminder's components: kb/install-faq/storage-full.md, "
                                 "prompts/install-reminder/system.md — commit them (a release pins committed content "
                                 "only) and release again")


def test_dirty_files_outside_the_components_are_allowed(example_repo: RepoDir) -> None:
    example_repo.gen({"notes/scratch.md": "ideas\n"})
    example_repo.edit("agentctl.yaml", "project: roadwise-voice", "project: roadwise-voice-ops")
    bundle = release(example_repo)
    assert bundle.version == 1
    assert "agentctl.yaml" in example_repo.git("status", "--porcelain")


def test_versions_never_reuse_a_deleted_bundle_file_number(example_repo: RepoDir) -> None:
    two_releases(example_repo)
    example_repo.git("rm", "-q", "bundles/install-reminder/v2.yaml")
    example_repo.git("commit", "-q", "-m", "remove v2 file")
    example_repo.edit(PROMPT_TEXT, "Keep every turn", "Keep each turn", commit="shorter wording")
    example_repo.edit("prompts/install-reminder/prompt.yaml", "version: 2", "version: 3", commit="prompt v3")
    assert release(example_repo, "shorter wording for the turn-length rule").version == 3


def test_unknown_agent_names_the_existing_ones(example_repo: RepoDir) -> None:
    with pytest.raises(NotFoundError, match=r"no agent named 'install-remider' \(agents: install-reminder\)"):
        release_bundle(example_repo.path, "install-remider", SECOND_NOTE)


def test_release_refuses_an_edited_released_version(example_repo: RepoDir) -> None:
    release(example_repo)
    example_repo.edit(PROMPT_TEXT, "Keep every turn", "Keep each turn", commit="edit without bump")
    with pytest.raises(BadInputError, match="prompt 'install-reminder' version 1 was released in install-reminder@v1"):
        release(example_repo, "shorter wording for the turn-length rule")


def test_edits_after_release_do_not_change_the_bundle(example_repo: RepoDir) -> None:
    edit_prompt_and_kb(example_repo, commit=None)
    with pytest.raises(BadInputError, match="uncommitted changes"):
        release(example_repo)


def test_config_repo_in_a_subfolder_of_the_git_repo(tmp_dir: RepoDir) -> None:
    from agentctl.ops.init import init_repo
    from agentctl.ops.show import show_bundle
    from agentctl.ops.verify import verify_bundle

    init_repo(tmp_dir.path / "voice")
    config = RepoDir(tmp_dir.path / "voice")
    assert release(config).version == 1
    config.edit(PROMPT_TEXT, "Keep every turn", "Keep each turn")
    config.edit("prompts/install-reminder/prompt.yaml", "version: 1", "version: 2")
    with pytest.raises(BadInputError, match="components: prompts/install-reminder/prompt.yaml, "
                                            "prompts/install-reminder/system.md"):
        release(config, SECOND_NOTE)
    config.git("commit", "-qam", "prompt v2")
    assert release(config, SECOND_NOTE).version == 2
    assert tmp_dir.git("tag", "-l").split() == ["install-reminder@v1", "install-reminder@v2"]
    (config.path / PROMPT_TEXT).unlink()
    assert "Keep every turn" in show_bundle(config.path, "install-reminder@v1").config.prompt_text
    assert verify_bundle(config.path, "install-reminder@v1").ok


def test_two_clones_releasing_the_same_version_one_wins_the_other_exits_4(example_repo: RepoDir, tmp_path) -> None:
    """Tags used to stay local: two clones each released v1 with different content."""
    import subprocess

    from tests.bundle_helpers import release_prompt_change
    from tests.helpers import origin_with_clones

    a, b = origin_with_clones(example_repo, tmp_path)
    first = release_prompt_change(a.path, "install-reminder")
    assert subprocess.run(["git", "-C", str(tmp_path / "origin.git"), "rev-parse", f"refs/tags/{first.ref}"],
                          capture_output=True).returncode == 0  # the tag was claimed on the remote
    with pytest.raises(ConflictError) as lost:
        release_prompt_change(b.path, "install-reminder")
    assert str(lost.value) == (
        "install-reminder@v1 was already released on origin (with other content); nothing was released — "
        "run `git pull --tags origin` (or `git fetch --tags origin` and merge), then release again: "
        "your change becomes the next version")
    assert not (b.path / "bundles/install-reminder/v1.yaml").exists()
    assert subprocess.run(["git", "-C", str(b.path), "tag", "--list", "install-reminder@v1"],
                          capture_output=True, text=True).stdout == ""


def test_a_release_killed_between_commit_and_tag_is_finished_by_the_next_run(example_repo: RepoDir) -> None:
    import subprocess

    from tests.bundle_helpers import release_prompt_change

    first = release_prompt_change(example_repo.path, "install-reminder")
    git = ["git", "-C", str(example_repo.path)]
    subprocess.run([*git, "tag", "-d", first.ref], check=True, capture_output=True)  # killed before the tag
    stray = example_repo.path / "bundles/install-reminder/v9.yaml"  # killed before the commit
    stray.write_text("agent: install-reminder\nversion: 9\n")
    again = release_bundle(example_repo.path, "install-reminder", "prompt: first release, finished after a crash")
    assert again.version == first.version
    tags = subprocess.run([*git, "tag", "--list", "install-reminder@*"], capture_output=True, text=True).stdout
    assert tags.split() == [first.ref]
    assert not stray.exists()


def test_release_warns_about_stale_cassettes_without_refusing(example_repo: RepoDir) -> None:
    from agentctl.ops.release import stale_cassette_warnings

    assert stale_cassette_warnings(example_repo.path, AGENT) == []
    edit_prompt_and_kb(example_repo)  # a prompt edit: every boundary cassette was recorded for the old prompt
    bundle = release(example_repo, SECOND_NOTE)
    [warning] = stale_cassette_warnings(example_repo.path, AGENT)
    assert bundle.ref == "install-reminder@v1"
    assert (warning.file, warning.severity) == ("bundles/install-reminder/suites/boundary.yaml", "warning")
    assert "15 of 15 replay cassettes of suite 'boundary' are stale" in warning.message
    assert warning.fix == "re-record them: agentctl test install-reminder --suite boundary --record"
