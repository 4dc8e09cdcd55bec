"""Assertions on transcripts, one failure message per broken expectation."""

from __future__ import annotations

import pytest

from agentctl.ops.bundles import working_config
from agentctl.suites.assertions import Tools, evaluate
from agentctl.suites.model import Case
from agentctl.suites.providers.base import ToolCall, Transcript, Turn

SMS_ARGS = {"driver_id": "drv_1042", "phone_number": "+15555550142", "platform": "android"}


@pytest.fixture(scope="module")
def tools() -> Tools:
    from tests.helpers import REPO_ROOT

    return Tools(working_config(REPO_ROOT, "install-reminder").contracts)


def case(*expect: dict, max_turns: int = 8, latency_ms: float = 3000) -> Case:
    return Case("c", ["hi"], list(expect), {}, 1, 1.0, max_turns, latency_ms, True)


def talk(*items: str | ToolCall, latency: float = 10) -> Transcript:
    turns = [Turn("user", "hi")]
    for item in items:
        turns.append(Turn("assistant", "", [item], latency) if isinstance(item, ToolCall) else Turn("assistant", item, [], latency))
    return Transcript(turns)


LOOKUP = ToolCall("lookup_driver", {"driver_id": "drv_1042"})
SEND = ToolCall("send_install_link", SMS_ARGS)
HANDOFF = ToolCall("transfer_to_human", {"reason": "asked_for_human", "summary": "wants a person"})


@pytest.mark.parametrize(("expect", "transcript", "failure"), [
    ({"contains": "200 mb"}, talk("It needs about 200 MB."), None),
    ({"contains": "200 MB"}, talk("Hello"), "no reply contains '200 MB'"),
    ({"not_contains": "sent", "reply": "last"}, talk("I sent it", "It did not go through"), None),
    ({"not_contains": "sent"}, talk("I sent it"), "a reply contains 'sent': 'I sent it'"),
    ({"regex": r"\bstop\b"}, talk("just say stop"), None),
    ({"tool_called": "sms-gateway", "with": {"platform": "ios"}}, talk(SEND),
     'expected a call to sms-gateway with {"platform": "ios"}; calls were: sms-gateway({"driver_id": "drv_1042", '
     '"phone_number": "+15555550142", "platform": "android"})'),
    ({"tool_called": "send_install_link", "times": 2}, talk(SEND), "expected 2 call(s) to sms-gateway, got 1"),
    ({"tool_not_called": ["driver-lookup", "sms-gateway"]}, talk(LOOKUP),
     'expected no call to driver-lookup; calls were: driver-lookup({"driver_id": "drv_1042"})'),
    ({"tool_order": ["driver-lookup", "sms-gateway"]}, talk(SEND, LOOKUP),
     "expected tool calls in order driver-lookup → sms-gateway; got sms-gateway → driver-lookup"),
    ({"tool_order": ["driver-lookup", "sms-gateway"]}, talk(LOOKUP, "ok", SEND), None),
    ({"escalated": True}, talk(HANDOFF), None),
    ({"escalated": True}, talk("bye"), "expected the call to be escalated to a human, but it was not"),
    ({"max_turns": 1}, talk("a", "b"), "agent took 2 replies, over max_turns 1"),
    ({"latency_ms": 50}, talk("slow", latency=120), "slowest reply took 120 ms, over the latency budget of 50 ms"),
    ({"tool_args_match_schema": {"tool": "sms-gateway", "schema": {"properties": {"platform": {"const": "ios"}}}}},
     talk(SEND), "sms-gateway arguments do not match the case's schema: platform: 'ios' was expected"),
])
def test_assertion(tools, expect, transcript, failure) -> None:
    failures = evaluate(case(expect), transcript, tools, ["escalate-to-human"])
    assert failures == ([failure] if failure else [])


def test_arguments_are_always_checked_against_the_contract(tools) -> None:
    bad = ToolCall("send_install_link", {"driver_id": "drv_1042", "phone_number": "+15555550142"})
    failures = evaluate(case(), talk(bad), tools, [])
    assert failures == ["agent called sms-gateway with arguments invalid under contract sms-gateway 2.0.0: "
                        "(arguments): 'platform' is a required property"]
    assert evaluate(case({"args_valid": False}), talk(bad), tools, []) == []


def test_unknown_tool_and_unparseable_arguments(tools) -> None:
    failures = evaluate(case(), talk(ToolCall("delete_driver", {}), ToolCall("lookup_driver", "{driver_id")), tools, [])
    assert failures == [
        "agent called unknown tool 'delete_driver' (tools: lookup_driver, send_install_link, transfer_to_human)",
        "agent called driver-lookup with arguments that are not a JSON object: '{driver_id'"]


def test_case_budgets_apply_without_assertions(tools) -> None:
    failures = evaluate(case(max_turns=1, latency_ms=5), talk("a", "b"), tools, [])
    assert failures == ["agent took 2 replies, over max_turns 1", "slowest reply took 10 ms, over the latency budget of 5 ms"]
