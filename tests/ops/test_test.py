"""run_tests: which runs are stored, under which bundle, and how suites are selected."""

from __future__ import annotations

import pytest

from agentctl.errors import BadInputError
from agentctl.ops.release import release_bundle
from agentctl.ops.test import run_tests
from agentctl.store.results import results_for
from tests.bundle_helpers import FIRST_NOTE
from tests.helpers import RepoDir


def test_unreleased_working_tree_is_reported_not_stored(example_repo: RepoDir) -> None:
    run = run_tests(example_repo.path, "install-reminder", suites=["unit"])
    assert run.ok and run.stored_as is None and run.result_ids == {}
    assert run.note == "working tree (no released bundle yet): results are not stored"


def test_working_tree_identical_to_latest_bundle_is_stored_under_it(example_repo: RepoDir) -> None:
    release_bundle(example_repo.path, "install-reminder", FIRST_NOTE)
    run = run_tests(example_repo.path, "install-reminder", suites=["unit"])
    assert run.stored_as == 1
    assert results_for(example_repo.path, "install-reminder", 1)["unit"]["id"] == run.result_ids["unit"]


def test_changed_working_tree_is_not_stored(example_repo: RepoDir) -> None:
    release_bundle(example_repo.path, "install-reminder", FIRST_NOTE)
    example_repo.edit("prompts/install-reminder/system.md", "friendly", "cheerful")
    run = run_tests(example_repo.path, "install-reminder", suites=["unit"])
    assert run.stored_as is None
    assert run.note.startswith("working tree differs from install-reminder@v1: results are not stored")
    assert results_for(example_repo.path, "install-reminder", 1) == {}


def test_failed_run_of_a_release_is_stored_as_failed(example_repo: RepoDir) -> None:
    example_repo.edit("prompts/install-reminder/system.md", "just say stop", "hang up", commit="drop opt-out")
    release_bundle(example_repo.path, "install-reminder", "removed the opt-out reminder from the closing line to shorten calls")
    run = run_tests(example_repo.path, "install-reminder@latest", suites=["unit"])
    assert not run.ok
    stored = results_for(example_repo.path, "install-reminder", 1)["unit"]
    assert stored["status"] == "failed" and stored["counts"]["failed"] == 1
    failed = [c for c in stored["cases"] if c["status"] != "passed"]
    assert [c["id"] for c in failed] == ["unit/opt-out-phrase-present"]


def test_e2e_needs_an_environment(example_repo: RepoDir, monkeypatch) -> None:
    monkeypatch.delenv("AGENTCTL_STAGING_URL", raising=False)
    with pytest.raises(BadInputError, match="e2e suites run against a deployed environment — pass --env"):
        run_tests(example_repo.path, "install-reminder", suites=["e2e"])
    with pytest.raises(BadInputError, match="unknown environment 'prod' \\(agentctl.yaml declares: production, staging\\) — pass --env"):
        run_tests(example_repo.path, "install-reminder", env="prod")
    with pytest.raises(BadInputError, match="suite e2e needs the environment variables AGENTCTL_STAGING_URL, "
                                            "AGENTCTL_STAGING_TOKEN, which are not set"):
        run_tests(example_repo.path, "install-reminder", env="staging")
    monkeypatch.setenv("AGENTCTL_STAGING_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AGENTCTL_STAGING_TOKEN", "t")
    case = run_tests(example_repo.path, "install-reminder", env="staging").suites[0].cases[0]
    assert case.message.startswith("POST http://127.0.0.1:9/agents/install-reminder/test?env=staging failed: ConnectError")
    default = run_tests(example_repo.path, "install-reminder")
    assert [s.name for s in default.suites] == ["unit", "boundary"]
