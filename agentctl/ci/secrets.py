"""Find credentials and real people's phone numbers in config text before they are merged.

Each pattern has a name that is reported with the hit (`file:line:col: [pattern] ...`) so a
reviewer knows what was seen without the value being echoed in full. A line carrying
`agentctl: allow-secret` (in a YAML `#` or Markdown `<!-- -->` comment) is skipped.

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
from dataclasses import dataclass

ALLOW_MARKER = "agentctl: allow-secret"
ENTROPY_THRESHOLD = 3.5  # bits per character
MIN_SECRET_LENGTH = 16


@dataclass(frozen=True)
class SecretHit:
    file: str
    line: int
    col: int
    pattern: str
    excerpt: str  # the match with its middle masked, safe to print in CI logs

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: [{self.pattern}] {describe(self.pattern)}: {self.excerpt}"


@dataclass(frozen=True)
class Pattern:
    name: str
    description: str
    regex: re.Pattern[str]
    accept: Callable[[re.Match[str], str], bool] = lambda match, line: True  # extra judgement on a match
    group: int = 0  # which group is the secret (for position and masking)


def _twilio_context(match: re.Match[str], line: str) -> bool:
    return bool(re.search(r"(?i)twilio|account[_ -]?sid|\bsid\b", line))


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
            _twilio_context),
    Pattern("jwt", "JSON Web Token",
            re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    # the key is bounded and must start at a word edge, so matching stays linear on long lines
    Pattern("secret-assignment", "high-entropy value assigned to a secret-looking key",
            re.compile(r"(?<![A-Za-z0-9_.-])(?P<key>[A-Za-z0-9_.-]{1,64})[\"']?[ \t]*[:=][ \t]*[\"']?"
                       r"(?:[Bb]earer[ \t]+|[Bb]asic[ \t]+|[Tt]oken[ \t]+)?(?P<value>[^\s\"'`,;#]{16,})"),
            _random_value, group=1),
]

# E.164 (+ then 8-15 digits, spaces/dashes/dots/parentheses allowed between groups) or a NANP
# number written with separators: (312) 555-0175, 312-555-0175, 312.555.0175.
_PHONE = re.compile(r"(?<![\w+/#.=-])(?:\+\d[\d ().-]{6,18}\d|\(?[2-9]\d{2}\)?[ .-][2-9]\d{2}[ .-]\d{4})(?![\w-])")


def describe(pattern: str) -> str:
    if pattern == "phone-number":
        return "phone number outside the fictional ranges"
    return next(p.description for p in PATTERNS if p.name == pattern)


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
    hits: list[SecretHit] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if ALLOW_MARKER in line:
            continue
        hits.extend(_scan_line(relpath, number, line))
    return hits


def _scan_line(relpath: str, number: int, line: str) -> Iterator[SecretHit]:
    taken: list[tuple[int, int]] = []
    for pattern in PATTERNS:
        for match in pattern.regex.finditer(line):
            group = "value" if pattern.group else 0
            start, end = match.span(group)
            if any(s < end and start < e for s, e in taken) or not pattern.accept(match, line):
                continue
            taken.append((start, end))
            yield SecretHit(relpath, number, start + 1, pattern.name, mask(match.group(group)))
    for match in _PHONE.finditer(line):
        start, end = match.span()
        digits = re.sub(r"\D", "", match.group())
        if any(s < end and start < e for s, e in taken) or not 10 <= len(digits) <= 15:
            continue
        if not is_fictional_phone(digits):
            yield SecretHit(relpath, number, start + 1, "phone-number", mask(match.group()))


def mask(value: str) -> str:
    """Show only the ends of a secret: enough to find it, not enough to use it."""
    if len(value) <= 8:
        return value[:2] + "…"
    return f"{value[:4]}…{value[-2:]}"
