"""The allowlist file: schema diagnostics at file:line:col, globs, rule and value matching."""

from __future__ import annotations

from agentctl.ci.secret_allow import parse_allowlist
from agentctl.ci.secrets import scan_text

TEXT = """allow:
  - path: docs/*.md
    rule: phone-number
    value: "+1 (312) 867-5309"
    reason: the public escalation desk, printed on the trucks
  - path: scripts/**
    reason: revoked demo credentials kept for the training exercise
"""


def test_entries_match_by_glob_rule_and_value() -> None:
    (phone, anything), problems = parse_allowlist(TEXT)
    assert problems == []
    (hit,) = scan_text("docs/a.md", "call +1 312 867 5309\n")
    assert phone.matches(hit)
    (other,) = scan_text("docs/a.md", "call +1 312 867 5310\n")
    assert not phone.matches(other)
    (nested,) = scan_text("docs/sub/a.md", "call +1 312 867 5309\n")
    assert not phone.matches(nested)  # `*` stays inside one folder
    (deep,) = scan_text("scripts/ops/run.sh", "K=AKIAFAKE0CORPUS0X7Q2\n")
    assert anything.matches(deep) and (anything.line, anything.col) == (6, 5)


def test_bad_entries_are_diagnosed_at_their_line() -> None:
    entries, problems = parse_allowlist("allow:\n  - path: a.md\n    reason: ok\n  - rule: jwt\n    reason: a third party sample value\n")
    assert entries == []
    assert {(d.line, d.col, d.severity) for d in problems} == {(3, 13, "error"), (4, 5, "error")}
    assert [d for d in problems if d.line == 4][0].message.startswith("missing required key 'path'")


def test_a_linked_allowlist_is_not_followed(tmp_path) -> None:
    from agentctl.ci.secret_allow import load_allowlist

    outside = tmp_path / "outside.yaml"
    outside.write_text(TEXT)
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / ".agentctl-secrets-allow.yaml").symlink_to(outside)
    entries, problems = load_allowlist(tmp_path / "repo")
    assert entries == []
    assert [(d.file, d.line, d.message) for d in problems] == [
        (".agentctl-secrets-allow.yaml", 1, "the allowlist is a symbolic link; it is not read")]
