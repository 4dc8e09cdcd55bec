"""`openai-compatible` provider: chat completions with the bundle's tools (OpenAI, vLLM, llama.cpp, Ollama…).

`base_url` ends before `/chat/completions` (e.g. http://127.0.0.1:8080/v1). The model defaults
to the prompt's model name; the API key, when needed, is read from the variable `api_key_env`
names (default OPENAI_API_KEY), never from the suite file.
"""

from __future__ import annotations

import os
from typing import Any

from agentctl.suites.conversation import converse
from agentctl.suites.providers.base import CaseRequest, ProviderError, Transcript, describe
from agentctl.suites.providers.http import expand

DEFAULT_TIMEOUT_S = 60.0


class OpenAICompatibleProvider:
    def __init__(self, spec: dict[str, Any]) -> None:
        if not spec.get("base_url"):
            raise ProviderError("openai-compatible provider needs `base_url:` (e.g. http://127.0.0.1:8080/v1)")
        self.spec = spec
        self.timeout_s = float(spec.get("timeout_s", DEFAULT_TIMEOUT_S))
        self.description = describe(spec)

    def run(self, case: CaseRequest) -> Transcript:
        try:
            url = expand(self.spec["base_url"], case.env).rstrip("/") + "/chat/completions"
        except ProviderError as exc:
            return Transcript(error=str(exc))
        model = self.spec.get("model") or case.model.get("name") or "default"
        temperature = self.spec.get("temperature", case.model.get("temperature"))

        def complete(messages: list[dict[str, Any]]) -> dict[str, Any]:
            body: dict[str, Any] = {"model": model, "messages": messages}
            if case.tools:
                body["tools"] = case.tools
            if temperature is not None:
                body["temperature"] = temperature
            return chat(url, body, self.headers(), self.timeout_s)

        return converse(case, complete)

    def headers(self) -> dict[str, str]:
        key = os.environ.get(self.spec.get("api_key_env", "OPENAI_API_KEY"), "")
        headers = {k: expand(v) for k, v in (self.spec.get("headers") or {}).items()}
        if key:
            headers.setdefault("Authorization", f"Bearer {key}")
        return headers


def chat(url: str, body: dict[str, Any], headers: dict[str, str], timeout_s: float) -> dict[str, Any]:
    """One chat completion; the assistant message, or ProviderError with a one-line reason."""
    import httpx

    try:
        response = httpx.post(url, json=body, headers=headers, timeout=timeout_s)
    except httpx.TimeoutException:
        raise ProviderError(f"POST {url} timed out after {timeout_s:g}s") from None
    except httpx.HTTPError as exc:
        raise ProviderError(f"POST {url} failed: {type(exc).__name__}: {exc}") from None
    if not response.is_success:
        raise ProviderError(f"POST {url} answered HTTP {response.status_code}: {response.text[:200].strip()}")
    try:
        data = response.json()
    except ValueError as exc:
        raise ProviderError(f"POST {url} replied with malformed JSON ({exc})") from None
    try:
        message = data["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise ProviderError(f"POST {url} reply has no choices[0].message (not a chat completion)") from None
    if not isinstance(message, dict):
        raise ProviderError(f"POST {url} reply's choices[0].message is not an object")
    return message
