"""Secret scan: every pattern fires on a real-looking value and stays quiet on its look-alike."""

from __future__ import annotations

import pytest

from agentctl.ci.secrets import ENTROPY_THRESHOLD, scan_text, shannon_entropy
from tests.helpers import REPO_ROOT

HEX32 = "0123456789abcdef0123456789abcdef"

POSITIVE = [
    ("private-key", "-----BEGIN RSA PRIVATE KEY-----", 1),
    ("private-key", "    -----BEGIN OPENSSH PRIVATE KEY-----", 5),
    ("aws-access-key-id", "aws_key_id: AKIAIOSFODNN7EXAMPLE", 13),
    ("github-token", "token ghp_" + "aB3d" * 9, 7),
    ("slack-token", "webhook: xoxb-123456789012-abcdefghijkl", 10),
    ("stripe-live-key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", 1),
    ("openai-api-key", "OPENAI: sk-abcdefghijABCDEFGHIJ0123456789", 9),
    ("openai-api-key", "sk-proj-9fQ2x7LmPz8Rt4Wv1Yb6Kc3Nd5", 1),
    ("twilio-api-key", "key SK" + HEX32, 5),
    ("twilio-account-sid", "twilio account_sid: AC" + HEX32, 21),
    ("jwt", "auth eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", 6),
    ("secret-assignment", 'api_key: "x7Fq9Lm2Pz8Rt4Wv1Yb6"', 11),
    ("secret-assignment", "Authorization: Bearer 9fQ2x7LmPz8Rt4Wv1Yb6Kc", 23),
    ("secret-assignment", "DB_PASSWORD=Zq8!x7Fq9Lm2Pz8Rt4Wv", 13),
    ("phone-number", 'phone_number: "+13125551234"', 16),
    ("phone-number", "call me at (312) 867-5309 tonight", 12),
    ("phone-number", "+49 151 12345678", 1),
    ("twilio-account-sid", "account: AC" + HEX32, 10),  # no context word needed
    ("url-password", "db: postgres://admin:Tr0ub4dor@db.internal/app", 22),
    ("url-password", "see https://ops:Kq7vR2mX@grafana.internal/d/abc", 17),
    ("github-fine-grained-token", "GH=github_pat_11AFAKE0123456789abcd_" + "Zx9" * 20, 4),
    ("slack-webhook", "hook: https://hooks.slack.com/services/T0FAKE123/B0FAKE456/q8Wd2Lr5Zt7Ym1Xc4Vb9", 7),
    ("google-api-key", "key: AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", 6),
    ("sendgrid-api-key", "SG.fakeKey0123456789abcd.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", 1),
    ("password-assignment", "password: hunter22", 11),
    ("password-assignment", 'DB_PASSWORD="Winter2025"  # local only', 14),
    ("aws-secret-access-key", "--secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ3kP9xVbT", 10),
    ("base64-private-key", "key_b64: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ", 10),
    ("base64-key", "blob: MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun", 7),
    ("gitlab-token", 'GITLAB = "glpat-Zq8x7Fq9Lm2Pz8Rt4WvA"', 11),  # a detect-secrets plugin
]

NEGATIVE = [
    ("private-key", "-----BEGIN PUBLIC KEY-----"),
    ("aws-access-key-id", "AKIA1234"),
    ("github-token", "ghp_short"),
    ("slack-token", "xoxq-1234567890-abc"),
    ("stripe-live-key", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"),
    ("openai-api-key", "task-abcdefghijABCDEFGHIJ0123456789"),
    ("twilio-api-key", "SK1234"),
    ("twilio-account-sid", "checksum: AC" + HEX32),
    ("jwt", "eyJhbGciOiJIUzI1NiJ9 alone"),
    ("secret-assignment", "password: correct horse battery staple"),
    ("secret-assignment", "Authorization: Bearer ${SMS_GATEWAY_TOKEN}"),
    ("secret-assignment", "secrets: [DRIVER_API_TOKEN]"),
    ("secret-assignment", "token: aaaaaaaaaaaaaaaaaaaaaaaa"),
    ("secret-assignment", "auth_url: https://login.example/oauth2/v2.0/token?x=Zq8x7Fq9"),
    ("secret-assignment", "api_key: {{ api_key_from_vault_9fQ2x7 }}"),
    ("phone-number", 'to: "+15555550142"'),
    ("phone-number", "(312) 555-0175"),
    ("phone-number", "+1-212-555-0100"),
    ("phone-number", "+44 20 7946 0123"),
    ("phone-number", "+44 7700 900456"),
    ("phone-number", "updated: 2026-11-02, size: 4771234"),
    ("phone-number", "sha256: 44468a173e9f1e9bba87e27d60df0a3b6ff758b76ac77abb94fe3bc96cba2337"),
    ("url-password", "url: postgres://${DB_USER}:${DB_PASSWORD}@db/app"),
    ("url-password", "https://user:<password>@example.com"),
    ("password-assignment", "password_min_length: 12"),
    ("password-assignment", "password_env: DB_PASSWORD"),
    ("password-assignment", "password: ${DB_PASSWORD}"),
    ("password-assignment", "Your password: use the one from the vault"),
    ("password-assignment", "passwordless: true"),
    ("hex-high-entropy-string", '"request_sha256": "44468a173e9f1e9bba87e27d60df0a3b6ff758b76ac77abb94fe3bc96cba2337"'),
    ("aws-secret-access-key", "commit: 9fceb02d0ae598e95dc970b74767f19372d61af8"),
]


@pytest.mark.parametrize(("pattern", "line", "col"), POSITIVE, ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(POSITIVE)])
def test_pattern_finds_secret(pattern: str, line: str, col: int) -> None:
    hits = scan_text("f.yaml", "first line\n" + line + "\n")
    assert [(h.pattern, h.line, h.col) for h in hits] == [(pattern, 2, col)]


@pytest.mark.parametrize(("pattern", "line"), NEGATIVE, ids=[f"{p}-{i}" for i, (p, _) in enumerate(NEGATIVE)])
def test_pattern_ignores_look_alike(pattern: str, line: str) -> None:
    assert scan_text("f.yaml", line) == []


def test_allow_marker_skips_the_line() -> None:
    assert scan_text("f.yaml", "key: AKIAIOSFODNN7EXAMPLE  # agentctl: allow-secret\n") == []
    assert scan_text("f.py", "KEY = 'AKIAIOSFODNN7EXAMPLE'  # pragma: allowlist secret\n") == []
    assert scan_text("f.md", "call (312) 867-5309 <!-- agentctl: allow-secret -->\n") == []


def test_hit_prints_location_and_masks_value() -> None:
    (hit,) = scan_text("tool-contracts/x.yaml", "a: 1\nkey: sk-proj-9fQ2x7LmPz8Rt4Wv1Yb6Kc3Nd5\n")
    assert str(hit) == "tool-contracts/x.yaml:2:6: [openai-api-key] OpenAI-style API key: sk-p…d5"


def test_entropy_threshold_separates_words_from_keys() -> None:
    assert shannon_entropy("correcthorsebatterystaple") < ENTROPY_THRESHOLD <= shannon_entropy("x7Fq9Lm2Pz8Rt4Wv1Yb6")


def test_shipped_example_is_clean() -> None:
    folders = ["prompts", "tool-contracts", "kb-manifests", "kb", "bundles"]
    files = [REPO_ROOT / "agentctl.yaml"] + [p for f in folders for p in (REPO_ROOT / f).rglob("*") if p.is_file()]
    assert len(files) > 10
    hits = [str(h) for p in files for h in scan_text(p.relative_to(REPO_ROOT).as_posix(), p.read_text("utf-8"))]
    assert hits == []


@pytest.mark.parametrize("line", ["token" * 2000, "a" * 20000, "eyJ" * 5000, "+1 " * 5000, "1-" * 8000],
                         ids=["keyish", "letters", "jwt-prefix", "phone-prefix", "digits"])
def test_long_hostile_lines_find_nothing(line: str) -> None:
    # these lines made an earlier, backtracking pattern run for minutes; now each is one linear pass
    assert scan_text("f.md", line) == []


def test_same_secret_same_fingerprint_whatever_the_file() -> None:
    (a,) = scan_text("a.md", "sk-proj-9fQ2x7LmPz8Rt4Wv1Yb6Kc3Nd5\n")
    (b,) = scan_text("b.yaml", "x: 1\nkey: sk-proj-9fQ2x7LmPz8Rt4Wv1Yb6Kc3Nd5\n")
    assert a.fingerprint == b.fingerprint and "9fQ2" not in a.fingerprint
