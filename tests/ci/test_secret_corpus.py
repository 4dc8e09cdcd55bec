"""The secret corpus: 35 planted fake secrets of every kind the audit listed, in a real PR branch.

Every value is fake (made up for this file, in the right format), and each is assembled from two
parts so that no complete credential-shaped literal sits in this repository. They are spread
over artifact folders and the rest of the repo (scripts/, README.md, docs/, JSON, a key file
without an extension), across several commits; two are added and removed again within the PR,
one is only in the working tree. The gate must report each one exactly once, at file:line, with
the commit that added it — and nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.helpers import RepoDir

HEX32 = "9e107d9d372bb6826bd81d3542a419d6"


def fake(prefix: str, rest: str) -> str:
    return prefix + rest


@dataclass(frozen=True)
class Planted:
    file: str
    text: str  # the whole line holding the secret
    rule: str  # the pattern the gate must report it under


# commit 1: artifact folders and the repo root
COMMIT_1 = [
    Planted("prompts/install-reminder/notes.md", "Ops key: " + fake("sk-proj-", "Fq9Lm2Pz8Rt4Wv1Yb6Kc3Nd5xQ"),
            "openai-api-key"),
    Planted("prompts/install-reminder/notes.md", "Escalation line: +1 312 867 5309", "phone-number"),
    Planted("prompts/install-reminder/notes.md", "Backup: (312) 555-0999", "phone-number"),
    Planted("kb/install-faq/contacts.md", "Driver support WhatsApp: +44 7911 123456", "phone-number"),
    Planted("kb/install-faq/contacts.md", "Partner hook: " + fake("https://hooks.slack.com/services/",
                                                                  "T0FAKE123/B0FAKE456/q8Wd2Lr5Zt7Ym1Xc4Vb9Nk3P"),
            "slack-webhook"),
    Planted("tool-contracts/crm-sync.yaml", "api_key: \"" + fake("x7Fq9Lm2", "Pz8Rt4Wv1Yb6\""), "secret-assignment"),
    Planted("tool-contracts/crm-sync.yaml", "  Authorization: Bearer " + fake("9fQ2x7Lm", "Pz8Rt4Wv1Yb6Kc"),
            "secret-assignment"),
    Planted("tool-contracts/crm-sync.yaml", "stripe: " + fake("sk_live_", "4eC39HqLyjWDarjtT1zdp7dc"), "stripe-live-key"),
    Planted("tool-contracts/crm-sync.yaml", "twilio_sid: " + fake("AC", HEX32), "twilio-account-sid"),
    Planted("tool-contracts/crm-sync.yaml", "sms_key: " + fake("SK", HEX32), "twilio-api-key"),
    Planted("README.md", "Local database: " + fake("postgres://admin:", "Tr0ub4dor-42@db.internal:5432/app"),
            "url-password"),
    Planted("README.md", "Grafana: " + fake("https://ops:", "Kq7vR2mXw@grafana.internal/d/calls"), "url-password"),
    Planted("README.md", "password: hunter22", "password-assignment"),
    Planted("README.md", "Maps: " + fake("AIza", "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"), "google-api-key"),
]
# commit 2: scripts and other non-artifact files
COMMIT_2 = [
    Planted("scripts/deploy.sh", "export AWS_ACCESS_KEY_ID=" + fake("AKIA", "FAKE0CORPUS0X7Q2"), "aws-access-key-id"),
    Planted("scripts/deploy.sh", "aws configure set --secret " + fake("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYzQ3kP9xVbT"),
            "aws-secret-access-key"),
    Planted("scripts/deploy.sh", 'DB_PASSWORD="Winter2025"', "password-assignment"),
    Planted("scripts/deploy.sh", "curl -H 'Authorization: token " + fake("ghp_", "aB3d" * 9) + "' https://api.github.com",
            "github-token"),
    Planted("scripts/deploy.sh", "GH=" + fake("github_pat_", "11AFAKE0123456789abcd_" + "Zx9" * 20), "github-fine-grained-token"),
    Planted("scripts/notify.py", "SLACK = \"" + fake("xoxb-", "123456789012-abcdefghijkl") + "\"", "slack-token"),
    Planted("scripts/notify.py", "SENDGRID = \"" + fake("SG.", "fakeCorpusKey0123456789.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
            + "\"", "sendgrid-api-key"),
    Planted("scripts/notify.py", "account = \"" + fake("AC", HEX32[::-1]) + "\"", "twilio-account-sid"),
    Planted("scripts/notify.py", "session = \"" + fake("eyJhbGciOiJIUzI1NiJ9.", "eyJzdWIiOiJmYWtlIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n")
            + "\"", "jwt"),
    Planted("scripts/notify.py", "GITLAB = \"" + fake("glpat-", "Zq8x7Fq9Lm2Pz8Rt4WvA") + "\"", "gitlab-token"),
    Planted("scripts/notify.py", "TELEGRAM = \"" + fake("110201543:", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ") + "\"",
            "telegram-bot-token"),
    Planted("docs/keys.md", fake("-----BEGIN ", "OPENSSH PRIVATE KEY-----"), "private-key"),
    Planted("docs/keys.md", "tls_key_b64: " + fake("LS0tLS1CRUdJTi", "BSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFcEFJQkFB"),
            "base64-private-key"),
    Planted("docs/keys.md", "blob: " + fake("MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePz", "Nm0tRgeLezV6ffAt0gunVTLw7onL"),
            "base64-key"),
    Planted("config/service-account.json", "  \"private_key\": \"" + fake("-----BEGIN ", "PRIVATE KEY-----")
            + "\\nMIIEvQIBADANBg\\n\",", "private-key"),
    Planted("config/service-account.json", "  \"client_email\": \"ops@roadwise.example\", \"phone\": \"+49 151 23456789\",",
            "phone-number"),
    Planted("keys/deploy_key", fake("-----BEGIN ", "RSA PRIVATE KEY-----"), "private-key"),
    Planted("keys/deploy_key", "npm_config_registry_password=" + fake("Pw", "q7Zx"), "password-assignment"),
]
# added in commit 3, removed in commit 4: still in the history the PR would land
REMOVED = [
    Planted("scripts/tmp-backfill.sh", "export AWS_ACCESS_KEY_ID=" + fake("AKIA", "FAKE0REMOVED0Z9K"), "aws-access-key-id"),
    Planted("README.md", "Alerts: " + fake("https://hooks.slack.com/services/", "T0GONE123/B0GONE456/m3Kq8Wd2Lr5Zt7Ym1Xc4Vb9N"),
            "slack-webhook"),
]
# never committed: an untracked file in the working tree
UNCOMMITTED = [Planted("scratch/creds.txt", "stripe " + fake("rk_live_", "9Zx8Yw7Vu6Ts5Rq4Po3N"), "stripe-live-key")]

ALL = COMMIT_1 + COMMIT_2 + REMOVED + UNCOMMITTED


def write(repo: RepoDir, planted: list[Planted], commit: str | None) -> dict[tuple[str, str], int]:
    """Append each planted line to its file (after a harmless first line); → (file, text) → line number."""
    where: dict[tuple[str, str], int] = {}
    contents: dict[str, list[str]] = {}
    for p in planted:
        path = repo.path / p.file
        lines = contents.setdefault(p.file, path.read_text("utf-8").splitlines() if path.exists() else ["# notes"])
        lines.append(p.text)
        where[(p.file, p.text)] = len(lines)
    repo.gen({f: "\n".join(lines) + "\n" for f, lines in contents.items()}, commit=commit)
    return where


@pytest.fixture
def corpus(example_repo: RepoDir) -> tuple[RepoDir, dict[Planted, tuple[int, str | None]]]:
    """The example repo on a PR branch holding the corpus; → planted secret → (line, short commit or None)."""
    repo = example_repo
    repo.git("checkout", "-q", "-b", "pr")
    expected: dict[Planted, tuple[int, str | None]] = {}
    for batch, message in ((COMMIT_1, "crm sync notes"), (COMMIT_2, "deploy scripts")):
        lines = write(repo, batch, message)
        sha = repo.git("rev-parse", "--short=7", "HEAD").strip()
        expected.update({p: (lines[(p.file, p.text)], sha) for p in batch})
    readme_before = repo.read("README.md")
    lines = write(repo, REMOVED, "temporary backfill")
    sha = repo.git("rev-parse", "--short=7", "HEAD").strip()
    expected.update({p: (lines[(p.file, p.text)], sha) for p in REMOVED})
    (repo.path / "scripts/tmp-backfill.sh").unlink()
    repo.gen({"README.md": readme_before})
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "drop the backfill helper")
    lines = write(repo, UNCOMMITTED, None)
    expected.update({p: (lines[(p.file, p.text)], None) for p in UNCOMMITTED})
    return repo, expected


def test_corpus_has_every_kind_the_audit_listed() -> None:
    assert len(ALL) >= 34
    listed = {"url-password", "base64-private-key", "private-key", "aws-secret-access-key", "github-fine-grained-token",
              "slack-webhook", "google-api-key", "sendgrid-api-key", "twilio-account-sid", "password-assignment",
              "phone-number"}
    assert listed <= {p.rule for p in ALL}
    assert {p.file.split("/")[0] for p in ALL} >= {"scripts", "README.md", "docs", "config", "keys"}


def test_every_planted_secret_is_caught_once_with_file_line_and_commit(corpus, cli) -> None:
    repo, expected = corpus
    result = cli("ci", "--json", cwd=repo.path)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    found = [f for s in report["steps"] if s["name"] == "secrets" for f in s["findings"]]
    got = {(f["file"], f["line"], f["rule"]): f["message"] for f in found}
    want = {(p.file, line, p.rule): (p, commit) for p, (line, commit) in expected.items()}
    assert sorted(set(got) - set(want)) == []  # nothing but the corpus (the example repo itself is clean)
    assert sorted(set(want) - set(got)) == []  # every planted secret
    assert len(found) == len(ALL)
    for key, (planted, commit) in want.items():
        message = got[key]
        if planted in REMOVED:
            assert f"was added in commit {commit} and removed later, but that commit is still in the history" in message
        elif commit:
            assert f", added in commit {commit} — remove it" in message
        else:
            assert "added in commit" not in message
    assert not any(secret in result.stdout for secret in ("FAKE0CORPUS0X7Q2", "Tr0ub4dor-42", "hunter22"))


def test_allowlist_with_reasons_silences_only_what_it_names(corpus, cli) -> None:
    repo, _ = corpus
    repo.gen({".agentctl-secrets-allow.yaml": (
        "allow:\n"
        "  - path: prompts/*/notes.md\n"
        "    rule: phone-number\n"
        "    value: \"+1 (312) 867-5309\"\n"
        "    reason: the escalation desk's published public line, printed on every truck\n"
        "  - path: scripts/**\n"
        "    rule: telegram-bot-token\n"
        "    reason: the revoked demo bot from the 2025 training session, kept for the exercise\n")})
    result = cli("ci", "--json", cwd=repo.path)
    found = [f for s in json.loads(result.stdout)["steps"] if s["name"] == "secrets" for f in s["findings"]]
    rules = [(f["file"], f["rule"]) for f in found if f["level"] == "error"]
    assert ("scripts/notify.py", "telegram-bot-token") not in rules
    assert ("prompts/install-reminder/notes.md", "phone-number") in rules  # (312) 555-0999 is not the allowed value
    assert len(rules) == len(ALL) - 2
    warnings = [(f["line"], f["message"]) for f in found if f["level"] == "warning"]
    assert warnings == [
        (2, "allowlist entry added by this change hides 1 [phone-number] hit(s) in prompts/*/notes.md: a reviewer must "
            "agree that \"the escalation desk's published public line, printed on every truck\""),
        (6, "allowlist entry added by this change hides 1 [telegram-bot-token] hit(s) in scripts/**: a reviewer must "
            "agree that \"the revoked demo bot from the 2025 training session, kept for the exercise\"")]


def test_allowlist_without_a_reason_is_refused_at_its_line(corpus, cli) -> None:
    repo, _ = corpus
    repo.gen({".agentctl-secrets-allow.yaml": "allow:\n  - path: scripts/**\n    reason: ok\n"})
    result = cli("ci", cwd=repo.path)
    assert result.exit_code == 1
    assert any(line.startswith("error: secrets: .agentctl-secrets-allow.yaml:3:13: [secrets-allowlist] ")
               for line in result.stdout.splitlines()), result.stdout
    assert "telegram-bot-token" in result.stdout  # an invalid allowlist hides nothing
