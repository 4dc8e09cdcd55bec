"""show/load_bundle: bundles are read from git objects, never the working tree; bad references name the versions."""

from __future__ import annotations

import pytest

from agentctl.errors import BadInputError, NotFoundError
from agentctl.ops import bundles
from agentctl.ops.show import show_bundle
from tests.bundle_helpers import AGENT, NEW_LINE, PROMPT_META, PROMPT_TEXT, release, two_releases
from tests.helpers import RepoDir


def test_show_v1_prints_v1_text_after_the_prompt_file_was_deleted(example_repo: RepoDir) -> None:
    original = example_repo.read(PROMPT_TEXT)
    two_releases(example_repo)
    (example_repo.path / PROMPT_TEXT).unlink()
    (example_repo.path / PROMPT_META).unlink()
    view = show_bundle(example_repo.path, "install-reminder@v1")
    assert view.config.prompt_text == original
    assert NEW_LINE not in view.config.prompt_text
    assert view.config.model["temperature"] == 0.3
    assert view.config.prompt_version == 1


def test_latest_and_bare_name_resolve_to_the_newest(example_repo: RepoDir) -> None:
    two_releases(example_repo)
    assert bundles.load_bundle(example_repo.path, "install-reminder@latest").version == 2
    assert bundles.load_bundle(example_repo.path, AGENT).version == 2
    assert bundles.load_bundle(example_repo.path, "install-reminder@1").version == 1


def test_unknown_version_lists_the_existing_ones(example_repo: RepoDir) -> None:
    two_releases(example_repo)
    with pytest.raises(NotFoundError) as caught:
        bundles.load_bundle(example_repo.path, "install-reminder@v9")
    assert str(caught.value) == ("install-reminder@v9 does not exist (versions: v1, v2) — use one of them or "
                                 "`agentctl release install-reminder`")


def test_no_release_yet_says_how_to_make_one(example_repo: RepoDir) -> None:
    with pytest.raises(NotFoundError, match=r"install-reminder@latest does not exist \(versions: none yet\) — "
                                            r"run `agentctl release install-reminder -m NOTE`"):
        bundles.load_bundle(example_repo.path, "install-reminder@latest")


def test_list_bundles_oldest_first_with_tag_messages(example_repo: RepoDir) -> None:
    first, second = two_releases(example_repo)
    found = bundles.list_bundles(example_repo.path, AGENT)
    assert [(b.ref, b.commit) for b in found] == [(first.ref, first.commit), (second.ref, second.commit)]
    assert found[1].tag["message"] == second.human_note


def test_bundle_config_has_runtime_shape(example_repo: RepoDir) -> None:
    bundle = release(example_repo)
    config = bundles.bundle_config(example_repo.path, bundle)
    assert [t["function"]["name"] for t in config.tools] == ["send_install_link", "lookup_driver", "transfer_to_human"]
    assert all(t["type"] == "function" for t in config.tools)
    assert config.contracts["sms-gateway"]["version"] == "2.0.0"
    assert config.kb["name"] == "install-faq"
    assert config.to_dict() == {**bundles.working_config(example_repo.path, AGENT).to_dict(), "version": 1}


def test_show_to_dict_structure(example_repo: RepoDir) -> None:
    release(example_repo)
    data = show_bundle(example_repo.path, "install-reminder@v1").to_dict()
    assert {"ref", "agent", "version", "commit", "source_commit", "created", "author", "content_hash", "components",
            "notes", "prompt_text", "tools", "kb_manifest", "test_results"} <= set(data)
    assert data["test_results"] == {}


@pytest.mark.parametrize("text", ["install-reminder@", "Install-Reminder@v1", "install-reminder@v0", "a@b@v1"])
def test_malformed_reference(example_repo: RepoDir, text: str) -> None:
    with pytest.raises(BadInputError, match="is not a bundle reference"):
        bundles.load_bundle(example_repo.path, text)


def test_a_hand_edited_bundle_is_bad_input_with_its_position(example_repo: RepoDir) -> None:
    from agentctl.errors import ValidationFailed
    from agentctl.ops.show import show_bundle
    from tests.bundle_helpers import release

    release(example_repo)
    text = example_repo.read("bundles/install-reminder/v1.yaml")
    example_repo.gen({"bundles/install-reminder/v1.yaml": text.replace("  agent:\n", "  agnet:\n", 1)},
                     commit="hand edit")
    example_repo.git("tag", "-f", "-a", "install-reminder@v1", "-m", "moved")
    with pytest.raises(ValidationFailed, match=r"bundles/install-reminder/v1.yaml:\d+:\d+: missing required key 'agent'"):
        show_bundle(example_repo.path, "install-reminder@v1")
