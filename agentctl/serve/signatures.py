"""Is a webhook really from the platform? Constant-time checks of what each platform signs with.

- Vapi sends the server-URL secret as the `X-Vapi-Secret` header (or as a Bearer credential):
  https://docs.vapi.ai/server-url/server-authentication
- or, with an HMAC credential, signs each request: signature header (default `x-signature`) =
  prefix + hex|base64(HMAC(secret, payload)), payload format default `{timestamp}.{body}` with the
  timestamp in its own header (default `x-timestamp`) — Vapi's HMACAuthenticationPlan (secretKey,
  algorithm, signatureHeader, timestampHeader, signaturePrefix, includeTimestamp, payloadFormat,
  signatureEncoding, secretIsBase64; https://docs.vapi.ai/api-reference, schema HMACAuthenticationPlan).
  A timestamp outside the tolerance, or a signature already seen within it, is refused (replays).
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
from typing import Any

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


class ReplayGuard:
    """Signatures seen within the replay window: the same signed request is accepted once."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._seen: dict[str, float] = {}

    def first_time(self, signature: str, now: float) -> bool:
        if len(self._seen) > 10_000 or (self._seen and next(iter(self._seen.values())) < now - self.window_s):
            self._seen = {k: t for k, t in self._seen.items() if t >= now - self.window_s}
        if signature in self._seen:
            return False
        self._seen[signature] = now
        return True


def vapi_hmac_signature(plan: Any, secret: str, body: bytes, timestamp: str, *, method: str = "POST",
                        url: str = "") -> str:
    """The signature header value Vapi sends for `body` under `plan` (tests and the benchmark sign with it)."""
    import base64

    payload = body if not plan.include_timestamp and plan.payload_format == "{timestamp}.{body}" else (
        plan.payload_format.replace("{timestamp}", timestamp).replace("{method}", method).replace("{url}", url)
        .encode().replace(b"{body}", body))
    key = base64.b64decode(secret) if plan.secret_is_base64 else secret.encode()
    digest = hmac.new(key, payload, getattr(hashlib, plan.algorithm)).digest()
    encoded = base64.b64encode(digest).decode() if plan.signature_encoding == "base64" else digest.hex()
    return f"{plan.signature_prefix}{encoded}"


def check_vapi_hmac(headers: dict[str, str], body: bytes, secret: str, plan: Any, guard: ReplayGuard | None = None,
                    *, method: str = "POST", url: str = "", now: float | None = None) -> str | None:
    """None when the request carries a fresh, valid HMAC signature of its body, else why not."""
    given = headers.get(plan.signature_header)
    if given is None:
        return f"missing {plan.signature_header} header (Vapi HMAC credential)"
    now = time.time() if now is None else now
    timestamp = ""
    if plan.include_timestamp:
        raw = headers.get(plan.timestamp_header)
        if raw is None or not raw.strip().isdigit():
            return f"missing or malformed {plan.timestamp_header} header (Vapi HMAC credential)"
        timestamp = raw.strip()
        seconds = int(timestamp) / (1000 if len(timestamp) >= 13 else 1)  # Unix seconds or milliseconds
        if abs(now - seconds) > plan.tolerance_s:
            return (f"{plan.timestamp_header} is {abs(now - seconds):.0f} s off "
                    f"(tolerance {plan.tolerance_s:g} s)")
    try:
        expected = vapi_hmac_signature(plan, secret, body, timestamp, method=method, url=url)
    except ValueError:
        return "the HMAC secret is not valid base64 (serve.platforms.vapi.hmac.secret_is_base64)"
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        return f"{plan.signature_header} does not match the body"
    if guard is not None and not guard.first_time(expected, now):
        return f"{plan.signature_header} was already used (a replayed request)"
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
