"""`resolve --format`: the payload an outbound dialer sends, for each platform.

Shapes: Vapi `POST /call` with a transient `assistant` (https://docs.vapi.ai/api-reference/calls/create,
https://docs.vapi.ai/assistants/concepts/transient-vs-permanent-configurations); Retell create-phone-call
overrides (https://docs.retellai.com/api-references/create-phone-call); OpenAI chat-completions tools.
"""

from __future__ import annotations

import json

import pytest

from agentctl.platforms import render
from tests.deploy.builders import production_canary

AGENT = "install-reminder"
RESOLUTION = {"agent": AGENT, "env": "production", "key": "+15555550142", "bucket": 42, "track": "canary",
              "bundle": f"{AGENT}@v2", "version": 2, "weight": 10,
              "config": {"prompt_text": "Hi {{ driver_first_name }}", "model": {"provider": "openai", "name": "gpt-4o-mini",
                                                                               "temperature": 0.3, "max_tokens": 300},
                         "tools": [{"type": "function", "function": {"name": "send_install_link", "description": "d",
                                                                     "parameters": {"type": "object"}}}],
                         "definition": {"first_message": "Hi, this is Riley from Roadwise."}}}


def test_vapi_call_body_is_a_transient_assistant_tagged_with_the_bundle() -> None:
    body = render("vapi", RESOLUTION)
    assert body["customer"] == {"number": "+15555550142"}
    assistant = body["assistant"]
    assert assistant["firstMessage"] == "Hi, this is Riley from Roadwise."
    assert assistant["model"] == {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.3, "maxTokens": 300,
                                  "messages": [{"role": "system", "content": "Hi {{ driver_first_name }}"}],
                                  "tools": [{"type": "function", "function": {"name": "send_install_link",
                                                                              "description": "d",
                                                                              "parameters": {"type": "object"}}}]}
    assert assistant["metadata"] == {"agentctl_bundle": f"{AGENT}@v2", "agentctl_env": "production",
                                     "agentctl_track": "canary", "agentctl_bucket": 42}


def test_retell_overrides_come_from_the_bundle_mapping_and_openai_is_a_chat_body() -> None:
    mapped = {f"{AGENT}@v2": {"agent_id": "agent_v2", "agent_version": 4}}
    assert render("retell", RESOLUTION, retell_bundles=mapped) == {
        "override_agent_id": "agent_v2", "override_agent_version": 4, "to_number": "+15555550142",
        "metadata": {"agentctl_bundle": f"{AGENT}@v2", "agentctl_env": "production", "agentctl_track": "canary",
                     "agentctl_bucket": 42}, "retell_llm_dynamic_variables": {}}
    assert "override_agent_id" not in render("retell", RESOLUTION)  # unmapped: the number's own agent runs
    openai = render("openai", RESOLUTION)
    assert (openai["model"], openai["max_tokens"], openai["tools"][0]["function"]["name"]) == (
        "gpt-4o-mini", 300, "send_install_link")
    assert render("vapi", {**RESOLUTION, "bundle": None, "track": "disabled", "config": None})["track"] == "disabled"


@pytest.mark.parametrize("fmt", ["vapi", "retell", "openai", "agentctl"])
def test_resolve_format_from_the_cli(example_repo, cli, fmt) -> None:
    production_canary(example_repo)
    result = cli("resolve", AGENT, "--env", "production", "--key", "+15555550142", "--format", fmt,
                 cwd=example_repo.path)
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    tag = {"vapi": lambda p: p["assistant"]["metadata"]["agentctl_bundle"],
           "retell": lambda p: p["metadata"]["agentctl_bundle"],
           "openai": lambda p: p["metadata"]["agentctl_bundle"], "agentctl": lambda p: p["bundle"]}[fmt](payload)
    assert tag in (f"{AGENT}@v1", f"{AGENT}@v2")
