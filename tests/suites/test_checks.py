"""The suite check's confirmation of clean mocked responses answers as `runner.response_problem` does."""

from __future__ import annotations

from typing import Any

import pytest

from agentctl.suites.checks import _response_problem
from agentctl.suites.runner import response_problem

CONTRACT: dict[str, Any] = {"response": {"schema": {
    "type": "object", "required": ["status"], "additionalProperties": False,
    "properties": {"status": {"enum": ["queued", "sent"]}, "id": {"type": "string", "pattern": "^msg_[a-z0-9]+$"},
                   "at": {"type": "string", "format": "date-time"}, "n": {"type": "integer", "minimum": 0}}}}}


@pytest.mark.parametrize("answer", [
    {"body": {"status": "queued"}}, {"status": 200, "body": {"status": "sent", "id": "msg_7f"}},
    {"body": {"status": "delivered"}}, {"body": {"id": "msg_1"}}, {"body": {"status": "sent", "extra": 1}},
    {"body": {"status": "sent", "id": "MSG"}}, {"body": {"status": "sent", "at": "not a date"}},
    {"body": {"status": "sent", "n": -1}}, {"body": {"status": "sent", "n": 1.0}}, {"body": []}, {"body": None},
    {"status": 500, "body": "gateway down"}, {"status": 204}, {"status": True, "body": {}},
])
def test_clean_and_broken_bodies_get_the_runners_answer(answer: dict[str, Any]) -> None:
    assert _response_problem(CONTRACT, answer) == response_problem(CONTRACT, answer)


def test_a_contract_without_a_response_schema_has_no_problem() -> None:
    assert _response_problem({"response": {}}, {"body": {"x": 1}}) is None
    assert _response_problem({}, {"body": {"x": 1}}) is None
