"""compiled_says_valid: the compiled validator confirms clean values, and never calls clean what jsonschema refuses."""

from __future__ import annotations

import pytest

RESPONSE_SCHEMA = {
    "type": "object", "required": ["status"], "additionalProperties": False,
    "properties": {"status": {"enum": ["queued", "sent"]}, "id": {"type": "string", "pattern": "^msg_[a-z0-9]+$"},
                   "at": {"type": "string", "format": "date-time"}, "n": {"type": "integer", "minimum": 0}}}


@pytest.mark.parametrize("body", [
    {"status": "queued"}, {"status": "sent", "id": "msg_7f"}, {"status": "delivered"}, {"id": "msg_1"},
    {"status": "sent", "extra": 1}, {"status": "sent", "id": "MSG"}, {"status": "sent", "at": "not a date"},
    {"status": "sent", "n": -1}, {"status": "sent", "n": 1.0}, {"status": "sent", "n": 10**30}, [], None, "x",
])
def test_the_compiled_validator_calls_clean_only_what_jsonschema_does(body: object) -> None:
    from jsonschema import Draft202012Validator

    from agentctl.model.schema import compiled_says_valid

    says = compiled_says_valid(RESPONSE_SCHEMA, body)
    assert not says or Draft202012Validator(RESPONSE_SCHEMA).is_valid(body)  # "clean" is never wrong
    if body in ({"status": "queued"}, {"status": "sent", "id": "msg_7f"}, {"status": "sent", "at": "not a date"}):
        assert says  # and the usual clean body needs no jsonschema (formats are not asserted, as there)


def test_a_schema_the_compiled_validator_cannot_take_means_ask_jsonschema() -> None:
    from agentctl.model.schema import compiled_says_valid

    assert compiled_says_valid({"type": 12}, {}) is False
