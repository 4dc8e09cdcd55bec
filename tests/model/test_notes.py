from __future__ import annotations

import pytest

from agentctl.model.notes import check_note_substance, contract_changes, document_changes, sections


@pytest.mark.parametrize("note", ["updated prompt", "fix", "changes", "Updated the prompt and fixed stuff",
                                  "misc tweaks, minor fixes, wip", "   "])
def test_generic_notes_are_refused(note: str) -> None:
    assert check_note_substance(note) is not None


@pytest.mark.parametrize("note", ["added handling for drivers who report storage issues; timeout 5s → 8s",
                                  "sms-gateway v2: sender_id is now required"])
def test_real_notes_pass(note: str) -> None:
    assert check_note_substance(note) is None


def test_contract_fields_added_removed_and_required() -> None:
    old = {"version": "1.0.0", "request": {"schema": {"properties": {"to": {}, "body": {}, "legacy": {}},
                                                      "required": ["to"]}},
           "backend": {"timeout_s": 5}}
    new = {"version": "2.0.0", "request": {"schema": {"properties": {"to": {}, "body": {}, "sender_id": {}},
                                                      "required": ["to", "body", "sender_id"]}},
           "backend": {"timeout_s": 8}}
    assert [i["summary"] for i in contract_changes("sms-gateway", old, new)] == [
        "version 1.0.0 → 2.0.0",
        "request: required field added: sender_id",
        "request: field removed: legacy",
        "request: field became required: body",
        "backend timeout_s: 5 → 8",
    ]


def test_nested_fields_are_named_with_dots() -> None:
    old = {"response": {"schema": {"properties": {"data": {"properties": {"id": {}}}}}}}
    new = {"response": {"schema": {"properties": {"data": {"properties": {"id": {}, "status": {}},
                                                           "required": ["status"]}}}}}
    assert [i["summary"] for i in contract_changes("t", old, new)] == ["response: required field added: data.status"]


def test_documents_renamed_by_hash() -> None:
    old = [{"uri": "a.md", "sha256": "1"}, {"uri": "b.md", "sha256": "2"}, {"uri": "c.md", "sha256": "3"}]
    new = [{"uri": "a.md", "sha256": "1"}, {"uri": "b2.md", "sha256": "2"}, {"uri": "c.md", "sha256": "4"},
           {"uri": "d.md", "sha256": "5"}]
    assert document_changes(old, new) == {"added": ["d.md"], "updated": ["c.md"], "deleted": [],
                                          "renamed": [("b.md", "b2.md")], "unchanged": ["a.md"]}


def test_sections_by_heading() -> None:
    assert sections("intro\n# Role\nbe nice\n## Flow\nstep\n") == {"(top)": "intro", "Role": "be nice", "Flow": "step"}
