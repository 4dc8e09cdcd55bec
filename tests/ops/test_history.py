"""history: an agent's releases and an artifact's versions, rebuilt from git."""

from __future__ import annotations

import pytest

from agentctl.errors import NotFoundError
from agentctl.ops.history import agent_history, artifact_history
from tests.bundle_helpers import AGENT, FIRST_NOTE, SECOND_NOTE, two_releases
from tests.helpers import RepoDir


def test_history_lists_v1_and_v2(example_repo: RepoDir) -> None:
    two_releases(example_repo)
    rows = agent_history(example_repo.path, AGENT).rows
    assert [(r.ref, r.note, r.tests) for r in rows] == [("install-reminder@v1", FIRST_NOTE, "-"),
                                                        ("install-reminder@v2", SECOND_NOTE, "-")]
    assert rows[1].components == ["prompt install-reminder v2", "sms-gateway 2.0.0", "driver-lookup 1.2.0",
                                  "escalate-to-human 1.0.0", "kb install-faq v2"]
    assert rows[0].author == "Test Operator <operator@roadwise.example>"


def test_history_shows_test_status_from_the_results_store(example_repo: RepoDir) -> None:
    from agentctl.store.results import save_result

    two_releases(example_repo)
    save_result(example_repo.path, AGENT, 2, "unit", {"status": "passed"})
    save_result(example_repo.path, AGENT, 2, "boundary", {"status": "failed"})
    rows = agent_history(example_repo.path, AGENT).rows
    assert [r.tests for r in rows] == ["-", "boundary ✗ unit ✓"]


def test_history_of_an_agent_without_releases_is_empty(example_repo: RepoDir) -> None:
    assert agent_history(example_repo.path, AGENT).rows == []


def test_history_of_an_unknown_agent(example_repo: RepoDir) -> None:
    with pytest.raises(NotFoundError, match=r"no agent named 'nope' \(agents: install-reminder\)"):
        agent_history(example_repo.path, "nope")


def test_artifact_history_rebuilt_from_git(example_repo: RepoDir) -> None:
    two_releases(example_repo)
    versions = artifact_history(example_repo.path, "prompt", "install-reminder").versions
    assert [(v.version, v.released_in) for v in versions] == [("1", ["install-reminder@v1"]),
                                                             ("2", ["install-reminder@v2"])]
    assert versions[0].changes.startswith("first production prompt")
    assert versions[1].commit == example_repo.git("log", "-1", "--format=%H", "HEAD~1").strip()
    kb = artifact_history(example_repo.path, "kb", "install-faq").versions
    assert [(v.version, v.changes) for v in kb][1] == ("2", "storage help rewritten; sign-in help added")
    contract = artifact_history(example_repo.path, "contract", "sms-gateway").versions
    assert [(v.version, v.released_in) for v in contract] == [("2.0.0", ["install-reminder@v1", "install-reminder@v2"])]
