"""Is a webhook really from the platform? Constant-time checks of what each platform signs with.

- Vapi sends the server-URL secret as the `X-Vapi-Secret` header (or as a Bearer credential):
  https://docs.vapi.ai/server-url/server-authentication
- Retell signs every webhook with the account's API key: `X-Retell-Signature: v=<unix ms>,d=<hex
  HMAC-SHA256(body + timestamp)>`, exactly what its SDK's `verify()` checks (https://docs.retellai.com/features/secure-webhook,
  https://github.com/RetellAI/retell-python-sdk/blob/main/src/retell/lib/webhook_auth.py: 5-minute window);
  a timestamp outside the tolerance is refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

_RETELL = re.compile(r"^v=(?P<ts>[0-9]{10,16}),d=(?P<digest>[0-9a-fA-F]{64})$")


def check_vapi(headers: dict[str, str], secret: str) -> str | None:
    """None when the request carries the secret, else why not."""
    given = headers.get("x-vapi-secret")
    if given is None:
        auth = headers.get("authorization", "")
        given = auth[7:] if auth.lower().startswith("bearer ") else None
    if given is None:
        return "missing X-Vapi-Secret header"
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return "wrong X-Vapi-Secret"
    return None


def retell_signature(body: bytes, api_key: str, timestamp_ms: int | None = None) -> str:
    """The X-Retell-Signature value Retell would send for `body` (used by tests and the benchmark)."""
    ts = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    digest = hmac.new(api_key.encode(), body + ts.encode(), hashlib.sha256).hexdigest()
    return f"v={ts},d={digest}"


def check_retell(headers: dict[str, str], body: bytes, api_key: str, tolerance_s: float,
                 now_ms: int | None = None) -> str | None:
    header = headers.get("x-retell-signature")
    if header is None:
        return "missing X-Retell-Signature header"
    found = _RETELL.match(header.strip())
    if not found:
        return "malformed X-Retell-Signature (expected v=<timestamp ms>,d=<hex digest>)"
    ts = found["ts"]
    now = int(time.time() * 1000) if now_ms is None else now_ms
    if abs(now - int(ts)) > tolerance_s * 1000:
        return f"X-Retell-Signature timestamp is {abs(now - int(ts)) / 1000:.0f} s off (tolerance {tolerance_s:g} s)"
    expected = hmac.new(api_key.encode(), body + ts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, found["digest"].lower()):
        return "X-Retell-Signature does not match the body"
    return None


def check_bearer(headers: dict[str, str], token: str) -> str | None:
    auth = headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        return "missing Authorization: Bearer token"
    if not hmac.compare_digest(auth[7:].strip().encode(), token.encode()):
        return "wrong bearer token"
    return None
