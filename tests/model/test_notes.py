from __future__ import annotations

import pytest

from agentctl.model.notes import (
    check_note_substance,
    contract_changes,
    document_changes,
    generate_notes,
    sections,
)
from agentctl.validation import load_checks

load_checks()  # registers the contract release notes (agentctl.contracts.notes), as every ops entry point does


@pytest.mark.parametrize("note", ["updated prompt", "fix", "changes", "Updated the prompt and fixed stuff",
                                  "misc tweaks, minor fixes, wip", "   "])
def test_generic_notes_are_refused(note: str) -> None:
    assert check_note_substance(note) is not None


@pytest.mark.parametrize("note", ["added handling for drivers who report storage issues; timeout 5s → 8s",
                                  "sms-gateway v2: sender_id is now required"])
def test_real_notes_pass(note: str) -> None:
    assert check_note_substance(note) is None


def test_contract_notes_come_from_the_compatibility_engine() -> None:
    old = {"version": "1.0.0", "request": {"schema": {"properties": {"to": {}, "body": {}, "legacy": {}},
                                                      "required": ["to"]}},
           "backend": {"timeout_s": 5}}
    new = {"version": "2.0.0", "request": {"schema": {"properties": {"to": {}, "body": {}, "sender_id": {}},
                                                      "required": ["to", "body", "sender_id"]}},
           "backend": {"timeout_s": 8}}
    items = list(contract_changes("sms-gateway", old, new))
    assert [(i["change"], i.get("level")) for i in items] == [
        ("version", None),
        ("request-property-became-required", "ERR"),
        ("request-property-removed", "INFO"),
        ("request-property-became-required", "ERR"),
        ("backend", None),
    ]
    assert items[3]["summary"] == ("request: new required property 'sender_id': payloads built for the old contract "
                                   "don't send it, so they are rejected or silently dropped")
    assert items[3]["path"] == "request.schema.properties.sender_id"
    assert items[-1]["summary"] == "backend timeout_s: 5 → 8"


def test_nested_fields_are_named_by_their_path() -> None:
    old = {"version": "1.0.0", "response": {"schema": {"properties": {"data": {"properties": {"id": {}}}}}}}
    new = {"version": "1.0.0", "response": {"schema": {"properties": {"data": {"properties": {"id": {}, "status": {}},
                                                                                "required": ["status"]}}}}}
    items = list(contract_changes("t", old, new))
    assert [(i["summary"], i["path"]) for i in items] == [
        ("response: new required property 'status': readers that don't know it ignore it",
         "response.schema.properties.data.properties.status")]


def test_generated_notes_describe_a_changed_tool_with_the_engine() -> None:
    base = {"agent": "a", "prompt_name": "p", "prompt_text": "hi", "tool_ranges": {"sms": "^1.0.0"}}
    old = {**base, "contracts": {"sms": {"version": "1.0.0", "request": {"schema": {"properties": {"to": {}}}}}}}
    new = {**base, "contracts": {"sms": {"version": "2.0.0", "request": {"schema": {
        "properties": {"to": {}, "sender_id": {}}, "required": ["sender_id"]}}}}}
    assert [i["change"] for i in generate_notes(old, new)] == ["version", "request-property-became-required"]


def test_documents_renamed_by_hash() -> None:
    old = [{"uri": "a.md", "sha256": "1"}, {"uri": "b.md", "sha256": "2"}, {"uri": "c.md", "sha256": "3"}]
    new = [{"uri": "a.md", "sha256": "1"}, {"uri": "b2.md", "sha256": "2"}, {"uri": "c.md", "sha256": "4"},
           {"uri": "d.md", "sha256": "5"}]
    assert document_changes(old, new) == {"added": ["d.md"], "updated": ["c.md"], "deleted": [],
                                          "renamed": [("b.md", "b2.md")], "unchanged": ["a.md"]}


def test_sections_by_heading() -> None:
    assert sections("intro\n# Role\nbe nice\n## Flow\nstep\n") == {"(top)": "intro", "Role": "be nice", "Flow": "step"}
