"""http and openai-compatible providers against real servers on 127.0.0.1, failures as one-line case errors."""

from __future__ import annotations

import json
import socket
import time

import pytest
from werkzeug import Request, Response

from agentctl.ops.test import run_tests

VALID_CALL = {"name": "send_install_link",
              "arguments": {"driver_id": "drv_1042", "phone_number": "+15555550142", "platform": "android"}}


def http_suite(url: str, expect: str = "[{contains: texted}]", timeout: float = 5) -> str:
    return f"""kind: boundary
name: extra
provider: {{type: http, url: "{url}", timeout_s: {timeout}}}
cases:
  - name: sends-link
    turns: [{{user: "Yes, text me."}}]
    tool_responses:
      sms-gateway: [{{status: 202, body: {{message_id: m1, status: queued}}}}]
    expect: {expect}
"""


def transcript(call: dict, text: str = "Done, I've texted the link.") -> dict:
    return {"turns": [{"role": "user", "text": "Yes, text me."},
                      {"role": "assistant", "text": "", "tool_calls": [call]},
                      {"role": "tool", "name": call["name"], "text": "{}"},
                      {"role": "assistant", "text": text}], "escalated": False}


def only_case(repo) -> object:
    run = run_tests(repo.path, "install-reminder", suites=["extra"], jobs=2)
    return run.suites[0].cases[0]


def test_http_provider_posts_the_case_and_checks_the_transcript(httpserver, add_suite) -> None:
    seen = []

    def handler(request: Request) -> Response:
        seen.append(request.get_json())
        return Response(json.dumps(transcript(VALID_CALL)), content_type="application/json")

    httpserver.expect_request("/agent", method="POST").respond_with_handler(handler)
    case = only_case(add_suite(http_suite(httpserver.url_for("/agent"))))
    assert case.passed, case.message
    sent = seen[0]
    assert sent["case"] == "sends-link" and sent["suite"] == "extra" and sent["turns"] == [{"user": "Yes, text me."}]
    assert "with Jordan, a new driver" in sent["system_prompt"] and "{{" not in sent["system_prompt"]
    assert sent["tool_responses"] == {"send_install_link": [{"status": 202, "body": {"message_id": "m1", "status": "queued"}}]}
    assert [t["function"]["name"] for t in sent["tools"]] == ["send_install_link", "lookup_driver", "transfer_to_human"]


def test_sms_call_with_arguments_invalid_under_the_contract_fails(httpserver, add_suite) -> None:
    bad = {"name": "send_install_link", "arguments": {"driver_id": "drv_1042", "phone_number": "555-0142",
                                                      "platform": "android"}}
    httpserver.expect_request("/agent").respond_with_json(transcript(bad))
    case = only_case(add_suite(http_suite(httpserver.url_for("/agent"))))
    assert case.status == "failed"
    assert case.message == ("agent called sms-gateway with arguments invalid under contract sms-gateway 2.0.0: "
                            "phone_number: '555-0142' does not match '^\\\\+[1-9][0-9]{7,14}$'")


@pytest.mark.parametrize(("respond", "expected"), [
    pytest.param(lambda: Response("not json{", content_type="application/json"),
                 "POST {url} replied with malformed JSON (Expecting value: line 1 column 1 (char 0))", id="malformed"),
    pytest.param(lambda: Response("boom", status=500), "POST {url} answered HTTP 500: boom", id="http-500"),
    pytest.param(lambda: Response(json.dumps({"reply": "hi"}), content_type="application/json"),
                 "POST {url} replied without a 'turns' list (see docs/test-suites.md for the shape)", id="wrong-shape"),
    pytest.param(lambda: (time.sleep(0.6), Response("{}"))[1], "POST {url} timed out after 0.1s", id="timeout"),
])
def test_http_provider_failures_are_clear_case_errors(httpserver, add_suite, respond, expected) -> None:
    httpserver.expect_request("/agent").respond_with_handler(lambda request: respond())
    url = httpserver.url_for("/agent")
    case = only_case(add_suite(http_suite(url, timeout=0.1)))
    assert case.status == "error"
    assert case.message == expected.format(url=url)


def test_http_provider_connection_refused(add_suite) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/agent"
    case = only_case(add_suite(http_suite(url)))
    assert case.status == "error"
    assert case.message.startswith(f"POST {url} failed: ConnectError")


class FakeChat:
    """A chat-completions server: asks to send the link, then confirms once the tool answered."""

    def __init__(self) -> None:
        self.requests: list[dict] = []

    def __call__(self, request: Request) -> Response:
        body = request.get_json()
        self.requests.append(body)
        last = body["messages"][-1]
        if last["role"] == "tool":
            message = {"role": "assistant", "content": "Done, I've texted the link."}
        else:
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {
                    "name": "send_install_link", "arguments": json.dumps(VALID_CALL["arguments"])}}]}
        return Response(json.dumps({"choices": [{"index": 0, "message": message}]}), content_type="application/json")


def chat_suite(base_url: str, timeout: float = 5, extra: str = "") -> str:
    return f"""kind: boundary
name: extra
provider: {{type: openai-compatible, base_url: "{base_url}", model: tiny, timeout_s: {timeout}}}
cases:
  - name: sends-link
    turns: [{{user: "Yes, text me."}}]
    tool_responses:
      sms-gateway: [{{status: 202, body: {{message_id: m1, status: queued}}}}]
    expect:
      - {{tool_called: sms-gateway, with: {{platform: android}}}}
      - {{contains: texted}}{extra}
"""


def test_openai_compatible_provider_runs_the_tool_loop(httpserver, add_suite) -> None:
    chat = FakeChat()
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(chat)
    case = only_case(add_suite(chat_suite(httpserver.url_for("/v1"))))
    assert case.passed, case.message
    first, second = chat.requests
    assert first["model"] == "tiny" and first["temperature"] == 0.3
    assert first["messages"][0]["role"] == "system" and "Jordan" in first["messages"][0]["content"]
    assert [t["function"]["name"] for t in first["tools"]][0] == "send_install_link"
    tool_message = second["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_1"
    assert json.loads(tool_message["content"]) == {"status": 202, "body": {"message_id": "m1", "status": "queued"}}


def test_openai_compatible_tool_call_without_mock_fails_the_case(httpserver, add_suite) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(FakeChat())
    repo = add_suite(chat_suite(httpserver.url_for("/v1")).replace(
        "      sms-gateway: [{status: 202, body: {message_id: m1, status: queued}}]\n", "      driver-lookup: []\n"))
    case = only_case(repo)
    assert case.message == ("agent called send_install_link but the case has no mocked response for it "
                            "(add one under tool_responses)")


@pytest.mark.parametrize(("payload", "expected"), [
    pytest.param({"id": "x"}, "POST {url} reply has no choices[0].message (not a chat completion)", id="no-choices"),
    pytest.param({"choices": [{"message": {"role": "assistant", "tool_calls": [{"id": "c"}]}}]},
                 'model reply has a malformed tool call (#1): {"id": "c"}', id="bad-tool-call"),
])
def test_openai_compatible_malformed_replies(httpserver, add_suite, payload, expected) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_json(payload)
    base = httpserver.url_for("/v1")
    case = only_case(add_suite(chat_suite(base)))
    assert case.status == "error"
    assert case.message == expected.replace("{url}", base + "/chat/completions")


def test_openai_compatible_timeout(httpserver, add_suite) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(
        lambda request: (time.sleep(0.6), Response("{}"))[1])
    base = httpserver.url_for("/v1")
    case = only_case(add_suite(chat_suite(base, timeout=0.1)))
    assert case.message == f"POST {base}/chat/completions timed out after 0.1s"


def test_llm_rubric_is_graded_through_a_provider(httpserver, add_suite) -> None:
    chat = FakeChat()

    def handler(request: Request) -> Response:
        body = request.get_json()
        if body["messages"][0]["content"].startswith("You grade phone-call transcripts"):
            assert "Rubric: The agent asks for consent" in body["messages"][1]["content"]
            verdict = {"pass": False, "reason": "it sent the link without asking first"}
            return Response(json.dumps({"choices": [{"message": {"content": json.dumps(verdict)}}]}))
        return chat(request)

    httpserver.expect_request("/v1/chat/completions").respond_with_handler(handler)
    base = httpserver.url_for("/v1")
    extra = (f"\n      - {{llm_rubric: The agent asks for consent before texting, "
             f"provider: {{type: openai-compatible, base_url: \"{base}\", model: judge}}}}")
    case = only_case(add_suite(chat_suite(base, extra=extra)))
    assert case.status == "failed"
    assert case.message == ("rubric 'The agent asks for consent before texting' not met: "
                            "it sent the link without asking first")
