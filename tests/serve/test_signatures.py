"""Webhook signatures: Vapi's server-URL secret and Retell's X-Retell-Signature (format of the Retell SDK's
verify(): https://github.com/RetellAI/retell-python-sdk/blob/main/src/retell/lib/webhook_auth.py)."""

from __future__ import annotations

import hashlib
import hmac

from agentctl.serve.signatures import check_bearer, check_retell, check_vapi, retell_signature

BODY = b'{"event":"call_ended","call":{"call_id":"c1"}}'
NOW = 1_795_976_400_000


def test_retell_signature_is_hmac_of_body_plus_timestamp_keyed_by_the_api_key() -> None:
    digest = hmac.new(b"key_abc", BODY + str(NOW).encode(), hashlib.sha256).hexdigest()
    assert retell_signature(BODY, "key_abc", NOW) == f"v={NOW},d={digest}"
    header = {"x-retell-signature": f"v={NOW},d={digest}"}
    assert check_retell(header, BODY, "key_abc", 300, now_ms=NOW + 299_000) is None
    assert check_retell(header, BODY, "key_abc", 300, now_ms=NOW + 301_000) == (
        "X-Retell-Signature timestamp is 301 s off (tolerance 300 s)")
    assert check_retell(header, BODY + b" ", "key_abc", 300, now_ms=NOW) == "X-Retell-Signature does not match the body"
    assert str(check_retell({"x-retell-signature": "sha256=abc"}, BODY, "key_abc", 300, now_ms=NOW)).startswith("malformed")
    assert check_retell({}, BODY, "key_abc", 300) == "missing X-Retell-Signature header"


def test_vapi_secret_header_or_bearer_and_api_token() -> None:
    assert check_vapi({"x-vapi-secret": "s3cret"}, "s3cret") is None
    assert check_vapi({"authorization": "Bearer s3cret"}, "s3cret") is None
    assert check_vapi({"x-vapi-secret": "nope"}, "s3cret") == "wrong X-Vapi-Secret"
    assert check_bearer({}, "t") == "missing Authorization: Bearer token"
    assert check_bearer({"authorization": "Bearer t"}, "t") is None


def test_vapi_hmac_plan_shapes_prefix_base64_and_body_only() -> None:
    """Vapi's HMACAuthenticationPlan: payload `{timestamp}.{body}` by default, or the body alone; hex or base64;
    an optional prefix (https://schemas.apis.io/schemas/vapi/vapi-hmacauthenticationplan/)."""
    import base64

    from agentctl.serve.settings import HmacPlan
    from agentctl.serve.signatures import ReplayGuard, check_vapi_hmac

    now = 1_795_976_400
    plan = HmacPlan.from_config({})
    expected = hmac.new(b"k", f"{now}.".encode() + BODY, hashlib.sha256).hexdigest()
    headers = {"x-signature": expected, "x-timestamp": str(now)}
    assert check_vapi_hmac(headers, BODY, "k", plan, now=now + 10) is None
    assert check_vapi_hmac({**headers, "x-timestamp": str(now * 1000)}, BODY, "k", plan, now=now) == (
        "x-signature does not match the body")  # milliseconds are accepted as a time, but were not what was signed
    body_only = HmacPlan.from_config({"include_timestamp": False, "signature_encoding": "base64",
                                      "signature_prefix": "sha256=", "signature_header": "X-Vapi-Signature"})
    signed = "sha256=" + base64.b64encode(hmac.new(b"k", BODY, hashlib.sha256).digest()).decode()
    guard = ReplayGuard(300)
    assert check_vapi_hmac({"x-vapi-signature": signed}, BODY, "k", body_only, guard, now=now) is None
    assert check_vapi_hmac({"x-vapi-signature": signed}, BODY, "k", body_only, guard, now=now + 1) == (
        "x-vapi-signature was already used (a replayed request)")
    assert check_vapi_hmac({"x-vapi-signature": signed}, BODY, "k", body_only, guard, now=now + 301) is None
