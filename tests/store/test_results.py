from __future__ import annotations

from agentctl.store.results import results_for, save_result
from tests.helpers import RepoDir


def test_latest_result_per_suite_with_content_id(example_repo: RepoDir) -> None:
    root = example_repo.path
    assert results_for(root, "install-reminder", 1) == {}
    first = save_result(root, "install-reminder", 1, "unit", {"status": "failed", "passed": 3, "failed": 1})
    second = save_result(root, "install-reminder", 1, "unit", {"status": "passed", "passed": 4, "failed": 0})
    save_result(root, "install-reminder", 1, "boundary", {"status": "passed", "passed": 10, "failed": 0})
    save_result(root, "install-reminder", 2, "unit", {"status": "failed", "passed": 0, "failed": 4})
    results = results_for(root, "install-reminder", 1)
    assert sorted(results) == ["boundary", "unit"]
    assert results["unit"]["status"] == "passed" and results["unit"]["id"] == second != first
    assert len(second) == 64
    assert example_repo.git("status", "--porcelain") == ""


def test_all_versions_in_one_read(example_repo: RepoDir) -> None:
    from agentctl.store.results import results_by_version

    root = example_repo.path
    assert results_by_version(root, "install-reminder") == {}
    save_result(root, "install-reminder", 1, "unit", {"status": "passed"})
    save_result(root, "install-reminder", 3, "boundary", {"status": "failed"})
    save_result(root, "other-agent", 1, "unit", {"status": "failed"})
    found = results_by_version(root, "install-reminder")
    assert {v: {s: r["status"] for s, r in suites.items()} for v, suites in found.items()} == {
        1: {"unit": "passed"}, 3: {"boundary": "failed"}}
