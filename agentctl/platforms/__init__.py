"""Platform-shaped payloads for a routed bundle: what Vapi, Retell or an OpenAI-style runtime expects.

Used by `agentctl serve` (answers to Vapi's assistant-request and Retell's call_inbound) and by
`agentctl resolve --format` (bodies for an outbound dialer: Vapi `POST /call` with a transient
`assistant`, Retell `POST /v2/create-phone-call` overrides). Every payload carries the bundle tag
in its metadata (`agentctl_bundle: "install-reminder@v2"`, `agentctl_env`), so the end-of-call
webhook maps the call back to the bundle that served it (agentctl.calls.mappers).

Shapes follow the platforms' references:
- Vapi assistant-request response `{"assistant": CreateAssistantDTO}` and `POST /call`:
  https://docs.vapi.ai/server-url/events, https://docs.vapi.ai/assistants/concepts/transient-vs-permanent-configurations
- Retell inbound webhook response `{"call_inbound": {override_agent_id, override_agent_version,
  dynamic_variables, metadata}}`: https://docs.retellai.com/features/inbound-call-webhook ; create-phone-call:
  https://docs.retellai.com/api-references/create-phone-call
"""

from __future__ import annotations

import re
from typing import Any

FORMATS = ("agentctl", "vapi", "retell", "openai")
_SPACED_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def metadata(resolution: dict[str, Any]) -> dict[str, Any]:
    """What every platform payload carries back to agentctl in the call's metadata."""
    return {"agentctl_bundle": resolution["bundle"], "agentctl_env": resolution["env"],
            "agentctl_track": resolution["track"], "agentctl_bucket": resolution["bucket"]}


def prompt_text(config: dict[str, Any], style: str = "liquid") -> str:
    """The system prompt; `{{ name }}` variables stay for the platform to fill per call (Retell wants `{{name}}`)."""
    text = str(config.get("prompt_text") or "")
    return _SPACED_VARIABLE.sub(r"{{\1}}", text) if style == "compact" else text


def vapi_assistant(resolution: dict[str, Any]) -> dict[str, Any]:
    """A transient Vapi assistant (CreateAssistantDTO) built from the routed bundle."""
    config = resolution["config"] or {}
    model = config.get("model") or {}
    definition = config.get("definition") or {}
    vapi_model: dict[str, Any] = {"provider": model.get("provider") or "openai", "model": model.get("name"),
                                  "messages": [{"role": "system", "content": prompt_text(config)}],
                                  "tools": [_vapi_tool(t) for t in config.get("tools") or []]}
    if model.get("temperature") is not None:
        vapi_model["temperature"] = model["temperature"]
    if model.get("max_tokens") is not None:
        vapi_model["maxTokens"] = model["max_tokens"]
    assistant: dict[str, Any] = {"name": f"{resolution['agent']} v{resolution['version']}"[:40], "model": vapi_model,
                                 "metadata": metadata(resolution)}
    first = definition.get("first_message") or model.get("first_message")
    if first:
        assistant["firstMessage"] = first
    return assistant


def _vapi_tool(tool: dict[str, Any]) -> dict[str, Any]:
    fn = tool.get("function") or {}
    return {"type": "function", "function": {k: v for k, v in fn.items() if v is not None}}


def retell_overrides(resolution: dict[str, Any], bundles: dict[str, Any] | None) -> dict[str, Any]:
    """override_agent_id / override_agent_version from `serve.platforms.retell.bundles` (when mapped)."""
    mapped = (bundles or {}).get(resolution["bundle"]) or {}
    out: dict[str, Any] = {}
    if mapped.get("agent_id"):
        out["override_agent_id"] = mapped["agent_id"]
    if mapped.get("agent_version") is not None:
        out["override_agent_version"] = mapped["agent_version"]
    return out


def retell_inbound(resolution: dict[str, Any], bundles: dict[str, Any] | None) -> dict[str, Any]:
    """The answer to Retell's call_inbound webhook."""
    return {"call_inbound": {**retell_overrides(resolution, bundles), "dynamic_variables": {},
                             "metadata": metadata(resolution)}}


def retell_phone_call(resolution: dict[str, Any], bundles: dict[str, Any] | None) -> dict[str, Any]:
    """Fields for Retell's create-phone-call (add from_number/to_number)."""
    return {**retell_overrides(resolution, bundles), "metadata": metadata(resolution),
            "retell_llm_dynamic_variables": {}}


def openai_request(resolution: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI chat-completions request body: model settings, system prompt, function tools."""
    config = resolution["config"] or {}
    model = config.get("model") or {}
    body: dict[str, Any] = {"model": model.get("name"), "messages": [{"role": "system", "content": prompt_text(config)}],
                            "tools": config.get("tools") or [], "metadata": {k: str(v) for k, v in metadata(resolution).items()}}
    if model.get("temperature") is not None:
        body["temperature"] = model["temperature"]
    if model.get("max_tokens") is not None:
        body["max_tokens"] = model["max_tokens"]
    return body


def render(fmt: str, resolution: dict[str, Any], *, retell_bundles: dict[str, Any] | None = None) -> dict[str, Any]:
    """The payload in `fmt` for a resolution dict (agentctl.ops.resolve.Resolution.to_dict()).

    A disabled agent (no bundle) renders as agentctl's own shape in every format: nothing to dial.
    """
    if fmt == "agentctl" or resolution.get("bundle") is None:
        return resolution
    if fmt == "vapi":
        payload: dict[str, Any] = {"assistant": vapi_assistant(resolution)}
        if str(resolution.get("key", "")).startswith("+"):
            payload["customer"] = {"number": resolution["key"]}
        return payload
    if fmt == "retell":
        payload = retell_phone_call(resolution, retell_bundles)
        if str(resolution.get("key", "")).startswith("+"):
            payload["to_number"] = resolution["key"]
        return payload
    if fmt == "openai":
        return openai_request(resolution)
    raise ValueError(f"unknown format {fmt!r}")
