"""The public Python API behind `agentctl contracts`."""

from __future__ import annotations

from agentctl.ops.contracts import contract_history, diff_tool
from tests.contracts.incident import CONTRACT, replay_incident


def test_diff_tool_defaults_to_previous_version_against_working_tree(example_repo) -> None:
    old, _ = replay_incident(example_repo)
    result = diff_tool(example_repo.path, "sms-gateway")
    assert (result.old_label, result.new_label) == (f"{old[:10]} (1.3.0)", "working tree (2.0.0)")
    assert result.breaking
    assert result.to_dict()["summary"] == {"ERR": 1, "WARN": 3, "INFO": 0}


def test_diff_tool_previous_version_skips_commits_with_the_same_version(example_repo) -> None:
    old, _ = replay_incident(example_repo)
    example_repo.edit(CONTRACT, "description: Texts", "description: Sends", commit="reword, same version")
    assert diff_tool(example_repo.path, "sms-gateway").old_label == f"{old[:10]} (1.3.0)"


def test_history_entries_are_the_commits_that_introduced_each_version(example_repo) -> None:
    old, new = replay_incident(example_repo)
    example_repo.edit(CONTRACT, "description: Texts", "description: Sends", commit="reword, same version")
    entries = contract_history(example_repo.path, "sms-gateway").entries
    assert [(e.version, e.commit) for e in entries[:2]] == [("2.0.0", new[:10]), ("1.3.0", old[:10])]
