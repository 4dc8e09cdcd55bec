"""Find credentials and real people's phone numbers in config text before they are merged.

Two detectors run on every line: agentctl's own patterns below (named for what they find, and
tuned for a config repo: fictional phone ranges, `${VAR}` references, KB hashes) and the plugins
of detect-secrets (Yelp's well-kept detector library: keyword assignments, high-entropy strings,
and vendor formats such as Artifactory, Azure, GitLab, Mailchimp, npm, PyPI, Square, Telegram).
Where both see the same characters, agentctl's name wins. detect-secrets is imported only when a
scan runs (it pulls in `requests`), never by `agentctl --version`.

Each pattern has a name that is reported with the hit (`file:line:col: [pattern] ...`) so a
reviewer knows what was seen without the value being echoed in full. A line carrying
`agentctl: allow-secret` (in a YAML `#` or Markdown `<!-- -->` comment) or detect-secrets'
`pragma: allowlist secret` is skipped.

Generic assignments (`api_key: ...`, `token = ...`) are flagged only when the value looks
random: at least 16 characters of token alphabet with a Shannon entropy of at least
ENTROPY_THRESHOLD bits per character. English words and `${ENV_VAR}` references stay well
below that; base64/hex keys sit above it (a 32-character hex key scores ~3.6-4.0, base64 ~4.5+).

Phone numbers are flagged unless they are in a range reserved for fiction: NANP numbers whose
exchange is 555 and line 0100-0199 (e.g. +1 555 555 0142, (312) 555-0175), and the UK's drama
ranges (+44 20 7946 0xxx, +44 7700 900xxx).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

ALLOW_MARKER = "agentctl: allow-secret"
ALLOW_MARKERS = (ALLOW_MARKER, "pragma: allowlist secret")
ENTROPY_THRESHOLD = 3.5  # bits per character
MIN_SECRET_LENGTH = 16


@dataclass(frozen=True)
class SecretHit:
    file: str
    line: int
    col: int
    pattern: str
    excerpt: str  # the match with its middle masked, safe to print in CI logs
    fingerprint: str = field(default="", compare=False, repr=False)  # sha256 of the value: same secret, same print

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: [{self.pattern}] {describe(self.pattern)}: {self.excerpt}"


@dataclass(frozen=True)
class Pattern:
    name: str
    description: str
    regex: re.Pattern[str]
    accept: Callable[[re.Match[str], str], bool] = lambda match, line: True  # extra judgement on a match
    group: int = 0  # which group is the secret (for position and masking)


_HASH_CONTEXT = re.compile(r"(?i)sha\d*|md5|checksum|digest|hash|etag|commit|fingerprint")


def _not_a_hash(match: re.Match[str], line: str) -> bool:
    """Twilio SIDs need no context word, but a line that says it holds a hash or checksum holds one."""
    return not _HASH_CONTEXT.search(line[:match.start()])


_PLACEHOLDER = re.compile(r"(?i)^(?:\$|\{\{|<|%|\*+$|x+$|\.+$|(?:pass(?:word)?|secret|changeit|redacted|"
                          r"placeholder|example|your[_-]?\w*|none|null|true|false|yes|no|~)$)")


def _real_password(value: str) -> bool:
    value = value.strip("\"'")
    if len(value) < 4 or _PLACEHOLDER.search(value) or re.fullmatch(r"[A-Z][A-Z0-9_]*", value):
        return False  # an empty/placeholder value, a ${VAR} or {{ template }}, or an environment variable's name
    return "://" not in value and not value.startswith(("{", "[", "(", "!", "&", "*"))


def _url_password(match: re.Match[str], line: str) -> bool:
    return _real_password(match.group("value"))


def _password_value(match: re.Match[str], line: str) -> bool:
    rest = line[match.end():].strip()
    if rest and not rest.startswith(("#", "//", "<!--", ",", ";", ")", "}")):
        return False  # a sentence ("password: ask the driver for it"), not a value
    return _real_password(match.group("value"))


def _mixed_base64(match: re.Match[str], line: str) -> bool:
    value = match.group(0)
    if not (re.search(r"[a-z]", value) and re.search(r"[A-Z]", value) and re.search(r"\d", value)):
        return False  # hex digests, words and numbers are not keys
    return shannon_entropy(value) >= 4.2 and not _HASH_CONTEXT.search(line[:match.start()])


def _random_value(match: re.Match[str], line: str) -> bool:
    if not _SECRET_KEY_NAME.search(match.group("key")):
        return False
    value = match.group("value").strip("[](){}")
    if re.fullmatch(r"[A-Z0-9_]+", value):  # an environment variable's name, not its value
        return False
    if "${" in value or "{{" in value or "://" in value:  # a reference or a URL, not a literal secret
        return False
    return len(value) >= MIN_SECRET_LENGTH and shannon_entropy(value) >= ENTROPY_THRESHOLD


_SECRET_KEY_NAME = re.compile(r"(?i)api[_-]?key|apikey|access[_-]?key|secret|token|passw(?:or)?d|passwd|auth")

PATTERNS: list[Pattern] = [
    Pattern("private-key", "private key block", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    Pattern("aws-access-key-id", "AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])")),
    Pattern("github-token", "GitHub token", re.compile(r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,}")),
    Pattern("slack-token", "Slack token", re.compile(r"(?<![A-Za-z0-9])xox[baprs]-[A-Za-z0-9-]{10,}")),
    Pattern("stripe-live-key", "Stripe live key", re.compile(r"(?<![A-Za-z0-9])[sr]k_live_[A-Za-z0-9]{16,}")),
    Pattern("openai-api-key", "OpenAI-style API key",
            re.compile(r"(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}")),
    Pattern("twilio-api-key", "Twilio API key SID", re.compile(r"(?<![A-Za-z0-9])SK[0-9a-fA-F]{32}(?![A-Za-z0-9])")),
    Pattern("twilio-account-sid", "Twilio account SID", re.compile(r"(?<![A-Za-z0-9])AC[0-9a-f]{32}(?![A-Za-z0-9])"),
            _not_a_hash),
    Pattern("github-fine-grained-token", "GitHub fine-grained token",
            re.compile(r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,}")),
    Pattern("slack-webhook", "Slack webhook URL",
            re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{20,}")),
    Pattern("google-api-key", "Google API key", re.compile(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])")),
    Pattern("sendgrid-api-key", "SendGrid API key",
            re.compile(r"(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}")),
    Pattern("url-password", "password in a URL",
            re.compile(r"(?i)\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@'\"]{1,64}:(?P<value>[^\s@/'\"]{1,128})@"),
            _url_password, group=1),
    Pattern("base64-private-key", "base64-encoded PEM private key", re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/=]{8,}")),
    Pattern("jwt", "JSON Web Token",
            re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    # the key is bounded and must start at a word edge, so matching stays linear on long lines
    Pattern("secret-assignment", "high-entropy value assigned to a secret-looking key",
            re.compile(r"(?<![A-Za-z0-9_.-])(?P<key>[A-Za-z0-9_.-]{1,64})[\"']?[ \t]*[:=][ \t]*[\"']?"
                       r"(?:[Bb]earer[ \t]+|[Bb]asic[ \t]+|[Tt]oken[ \t]+)?(?P<value>[^\s\"'`,;#]{16,})"),
            _random_value, group=1),
    Pattern("password-assignment", "password assigned in plain text",
            re.compile(r"(?<![A-Za-z0-9_.-])(?P<key>[A-Za-z0-9_.-]{0,40}(?i:passw(?:or)?d|passwd|pwd|passphrase))"
                       r"[\"']?[ \t]*[:=][ \t]*(?P<q>[\"']?)(?P<value>[^\s\"'`,;#]{1,128})(?P=q)"),
            _password_value, group=1),
    Pattern("aws-secret-access-key", "AWS secret access key (or another 40-character key)",
            re.compile(r"(?<![A-Za-z0-9/+=_-])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=_-])"), _mixed_base64),
    Pattern("base64-key", "high-entropy base64 key",
            re.compile(r"(?<![A-Za-z0-9/+=_-])[A-Za-z0-9/+]{43,}={0,2}(?![A-Za-z0-9/+=_-])"), _mixed_base64),
]

# E.164 (+ then 8-15 digits, spaces/dashes/dots/parentheses allowed between groups) or a NANP
# number written with separators: (312) 555-0175, 312-555-0175, 312.555.0175.
_PHONE = re.compile(r"(?<![\w+/#.=-])(?:\+\d[\d ().-]{6,18}\d|\(?[2-9]\d{2}\)?[ .-][2-9]\d{2}[ .-]\d{4})(?![\w-])")


def describe(pattern: str) -> str:
    if pattern == "phone-number":
        return "phone number outside the fictional ranges"
    own = next((p.description for p in PATTERNS if p.name == pattern), None)
    return own or _DETECT_SECRETS_TYPES.get(pattern, pattern.replace("-", " "))


def shannon_entropy(value: str) -> float:
    """Bits per character of `value`'s own character distribution."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def is_fictional_phone(digits: str) -> bool:
    """True for numbers reserved for fiction and examples (`digits`: the number's digits, with country code)."""
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:  # NANP: area, exchange 555, line 0100-0199
        return digits[3:6] == "555" and 100 <= int(digits[6:]) <= 199
    if digits.startswith("44"):
        national = digits[2:]
        return national.startswith("2079460") or national.startswith("7700900")
    return False


def scan_text(relpath: str, text: str) -> list[SecretHit]:
    """Every credential-like string and real-looking phone number in `text`, in file order."""
    return scan_lines(relpath, list(enumerate(text.splitlines(), start=1)))


def scan_lines(relpath: str, lines: list[tuple[int, str]]) -> list[SecretHit]:
    """Hits in some lines of a file (`(line number, text)` pairs, e.g. the lines a commit added)."""
    lines = [(n, line) for n, line in lines if not any(marker in line for marker in ALLOW_MARKERS)]
    taken: dict[int, list[tuple[int, int]]] = {}
    hits: list[SecretHit] = []
    texts = dict(lines)
    for number, line in lines:
        hits.extend(_scan_line(relpath, number, line, taken.setdefault(number, [])))
    for number, col, kind, value in _detect_secrets(relpath, lines):
        spans = taken.setdefault(number, [])
        start, end = col - 1, col - 1 + len(value)
        if any(s < end and start < e for s, e in spans) or not _plausible(kind, value, texts[number][:start]):
            continue
        spans.append((start, end))
        hits.append(SecretHit(relpath, number, col, kind, mask(value), fingerprint(value)))
    return sorted(hits, key=lambda h: (h.line, h.col))


def _scan_line(relpath: str, number: int, line: str, taken: list[tuple[int, int]]) -> Iterator[SecretHit]:
    for pattern in PATTERNS:
        for match in pattern.regex.finditer(line):
            group = "value" if pattern.group else 0
            start, end = match.span(group)
            if any(s < end and start < e for s, e in taken) or not pattern.accept(match, line):
                continue
            taken.append((start, end))
            yield SecretHit(relpath, number, start + 1, pattern.name, mask(match.group(group)),
                            fingerprint(match.group(group)))
    for match in _PHONE.finditer(line):
        start, end = match.span()
        digits = re.sub(r"\D", "", match.group())
        if any(s < end and start < e for s, e in taken) or not 10 <= len(digits) <= 15:
            continue
        if not is_fictional_phone(digits):
            taken.append((start, end))
            yield SecretHit(relpath, number, start + 1, "phone-number", mask(match.group()), fingerprint(digits))


# detect-secrets' secret types, by the pattern name agentctl reports them under
_DETECT_SECRETS_TYPES: dict[str, str] = {}
# plugins left out: public IP addresses are not credentials in a config repo
_DETECT_SECRETS_OFF = ("IPPublicDetector",)


def _detect_secrets(relpath: str, lines: list[tuple[int, str]]) -> Iterator[tuple[int, int, str, str]]:
    """(line, col, pattern, value) for each detect-secrets hit, with its default heuristic filters applied."""
    if not lines:
        return
    from detect_secrets.core.scan import _process_line_based_plugins
    from detect_secrets.settings import default_settings

    found = []
    with default_settings() as settings:
        settings.disable_plugins(*_DETECT_SECRETS_OFF)
        # the text comes from git objects and diffs, not necessarily a file on disk
        settings.disable_filters("detect_secrets.filters.common.is_invalid_file")
        found = list(_process_line_based_plugins(lines=lines, filename=relpath))
    texts = dict(lines)
    for secret in found:
        value = secret.secret_value or ""
        line = texts.get(secret.line_number, "")
        col = line.find(value) + 1 if value and value in line else 1
        name = re.sub(r"[^a-z0-9]+", "-", secret.type.lower()).strip("-")
        _DETECT_SECRETS_TYPES.setdefault(name, secret.type)
        yield secret.line_number, col, name, value if value in line else line.strip()


def _plausible(kind: str, value: str, before: str) -> bool:
    """agentctl's judgement on a detect-secrets hit: the same exclusions as its own patterns."""
    if re.search(r"\s", value.strip()):
        return False  # prose ("password: ask the driver"), not a value
    if kind in ("twilio-api-key", "hex-high-entropy-string") and _HASH_CONTEXT.search(before):
        return False  # a checksum, digest or commit id
    if kind == "secret-keyword":
        return _real_password(value) and "${" not in value
    return True


def fingerprint(value: str) -> str:
    """A stable name for a secret's value that does not reveal it (to follow one secret through commits)."""
    import hashlib

    return hashlib.sha256(value.encode("utf-8", errors="replace")).hexdigest()


def mask(value: str) -> str:
    """Show only the ends of a secret: enough to find it, not enough to use it."""
    if len(value) <= 8:
        return value[:2] + "…"
    return f"{value[:4]}…{value[-2:]}"
