"""The demo's fake SMS gateway, over real HTTP on 127.0.0.1: the provider's side of the founding incident."""

from __future__ import annotations

import httpx
import pytest

from agentctl.demo.gateway import FakeSmsGateway


@pytest.fixture
def gateway():
    with FakeSmsGateway() as running:
        yield running


def send(gateway: FakeSmsGateway, **body: object) -> tuple[int, dict]:
    answer = httpx.post(gateway.url, json=body, timeout=10)
    return answer.status_code, answer.json()


def test_before_the_change_every_text_is_queued_with_or_without_sender_id(gateway) -> None:
    status, body = send(gateway, to="+15555550142", body="install the app")
    assert status == 202 and body["status"] == "queued" and body["message_id"].startswith("msg_")
    assert send(gateway, to="+15555550142", body="hi", sender_id="ROADWISE")[0] == 202


def test_after_the_change_texts_without_sender_id_to_30_percent_of_numbers_get_200_failed(gateway) -> None:
    gateway.require_sender_id()
    assert send(gateway, to="+15555550142", body="hi") == (
        200, {"status": "failed", "error": "sender_id is required"})
    assert send(gateway, to="+15555550147", body="hi")[0] == 202  # this destination has a default sender
    assert send(gateway, to="+15555550142", body="hi", sender_id="ROADWISE")[0] == 202
    failed = [send(gateway, to=f"+1555555014{d}", body="hi")[1]["status"] for d in range(10)]
    assert failed.count("failed") == 3
    assert gateway.log.failed == 4 and gateway.log.reasons == {"sender_id missing": 4}


def test_an_unregistered_sender_is_answered_200_failed(gateway) -> None:
    assert send(gateway, to="+15555550147", body="hi", sender_id="RWGO") == (
        200, {"status": "failed", "error": "sender_id 'RWGO' is not registered"})


@pytest.mark.parametrize("body, error", [
    ({"to": "!! not a match !!", "body": "hi"}, "to must be an E.164 phone number"),
    ({"to": "+15555550142", "body": 7}, "body must be a non-empty string"),
    ({"to": "+15555550142", "body": "hi", "reference": 7}, "reference must be a string"),
])
def test_malformed_requests_are_refused_with_400(gateway, body: dict, error: str) -> None:
    assert send(gateway, **body) == (400, {"status": "rejected", "error": error})


def test_unknown_paths_are_404(gateway) -> None:
    answer = httpx.post(gateway.url.replace("/v2/messages", "/v1/sms"), json={}, timeout=10)
    assert answer.status_code == 404
