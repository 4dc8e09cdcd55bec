"""`http` provider: POST the case to an agent endpoint (e.g. the staging runtime), read the transcript back.

`url` may use `${VAR}` (taken from the environment, so tokens stay out of suite files) and
`{env}` (the `--env` name). Timeouts, refused connections, non-2xx answers and malformed
JSON each become a one-line case error.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from agentctl.suites.providers.base import (
    CaseRequest,
    ProviderError,
    Transcript,
    describe,
    transcript_from_json,
)
from agentctl.suites.providers.command import fill_latency

DEFAULT_TIMEOUT_S = 30.0
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand(text: str, env: str | None = None) -> str:
    """Replace ${VAR} from the process environment and {env} with the environment name."""
    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ProviderError(f"environment variable {name} is not set (needed by the provider's ${{{name}}})")
        return os.environ[name]

    return _VAR.sub(lookup, text).replace("{env}", env or "")


class HttpProvider:
    def __init__(self, spec: dict[str, Any]) -> None:
        if not spec.get("url"):
            raise ProviderError("http provider needs `url:` (the agent's test endpoint)")
        self.spec = spec
        self.timeout_s = float(spec.get("timeout_s", DEFAULT_TIMEOUT_S))
        self.description = describe(spec)

    def run(self, case: CaseRequest) -> Transcript:
        import httpx

        try:
            url = expand(self.spec["url"], case.env)
            headers = {k: expand(v, case.env) for k, v in (self.spec.get("headers") or {}).items()}
        except ProviderError as exc:
            return Transcript(error=str(exc))
        started = time.perf_counter()
        try:
            response = httpx.post(url, json=case.to_dict(), headers=headers, timeout=self.timeout_s)
        except httpx.TimeoutException:
            return Transcript(error=f"POST {url} timed out after {self.timeout_s:g}s")
        except httpx.HTTPError as exc:
            return Transcript(error=f"POST {url} failed: {type(exc).__name__}: {exc}")
        elapsed = (time.perf_counter() - started) * 1000
        if not response.is_success:
            return Transcript(error=f"POST {url} answered HTTP {response.status_code}: {response.text[:200].strip()}")
        try:
            data = response.json()
        except ValueError as exc:
            return Transcript(error=f"POST {url} replied with malformed JSON ({exc})")
        try:
            transcript = transcript_from_json(data, f"POST {url}")
        except ProviderError as exc:
            return Transcript(error=str(exc))
        fill_latency(transcript, elapsed)
        return transcript
