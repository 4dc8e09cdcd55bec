"""Judging a response by the contract's success criteria, not by its HTTP status."""

from __future__ import annotations

import pytest

from agentctl.contracts.success import judge_response

SMS = {"status": [200, 202], "criteria": [{"path": "message_id", "not_empty": True},
                                          {"path": "status", "in": ["queued", "sent"]}]}


def test_queued_message_is_success() -> None:
    verdict = judge_response(SMS, 202, {"message_id": "msg_1", "status": "queued"})
    assert (verdict.ok, verdict.http_ok, verdict.reasons) == (True, True, [])


def test_silent_failure_is_http_ok_but_not_ok() -> None:
    verdict = judge_response(SMS, 200, {"status": "failed", "error": "sender_id is required"})
    assert verdict.http_ok and not verdict.ok
    assert verdict.reasons == ["message_id is missing", "status is 'failed', expected one of queued, sent"]


def test_status_outside_accepted_list() -> None:
    verdict = judge_response(SMS, 204, {"message_id": "m", "status": "sent"})
    assert verdict.http_ok and not verdict.ok
    assert verdict.reasons == ["HTTP status 204, expected one of 200, 202"]


def test_no_response_at_all() -> None:
    verdict = judge_response(SMS, None, None)
    assert not verdict.ok and not verdict.http_ok
    assert verdict.reasons == ["no response (timeout or connection error)"]


def test_without_status_list_any_2xx_is_accepted() -> None:
    success = {"criteria": [{"path": "id", "exists": True}]}
    assert judge_response(success, 201, {"id": None}).ok
    assert judge_response(success, 500, {"id": 1}).reasons == ["HTTP status 500, expected 2xx"]


@pytest.mark.parametrize(("criterion", "body", "reason"), [
    ({"path": "data.items.0.id", "equals": "a"}, {"data": {"items": [{"id": "a"}]}}, None),
    ({"path": "data.items.1.id", "exists": True}, {"data": {"items": [{"id": "a"}]}}, "data.items.1.id is missing"),
    ({"path": "data.items.-1.id", "equals": "b"}, {"data": {"items": [{"id": "a"}, {"id": "b"}]}}, None),
    ({"path": "error", "exists": False}, {"error": "x"}, "error is present, expected it absent"),
    ({"path": "id", "matches": "^msg_[0-9a-f]+$"}, {"id": "msg_9f"}, None),
    ({"path": "id", "matches": "^msg_"}, {"id": 12}, "id is 12, expected it to match /^msg_/"),
    ({"path": "id", "not_empty": True}, {"id": ""}, "id is empty"),
    ({"path": "count", "equals": 1}, {"count": 2}, "count is 2, expected 1"),
    ({"path": "message_id", "not_empty": True}, {"message_id": "m"}, None),
    ({"path": "a.b", "equals": 1}, {"a.b": 1}, None),  # flat response_fields keyed by the whole path
    ({"path": "a.b", "equals": 1}, {"a": "text"}, "a.b is missing"),
])
def test_operators(criterion: dict, body: object, reason: str | None) -> None:
    verdict = judge_response({"criteria": [criterion]}, 200, body)
    assert verdict.reasons == ([] if reason is None else [reason])
