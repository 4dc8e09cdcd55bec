"""`.agentctl-secrets-allow.yaml`: secret-scan hits a reviewer accepted as not secret, each with a reason.

```yaml
allow:
  - path: docs/examples/*.md          # file or glob (repo-relative)
    rule: phone-number                # optional: only this pattern
    value: "+44 20 7946 0991"         # optional: only this text (phone numbers: same digits)
    reason: fictional caller in the training transcript, from Ofcom's drama range
```

The file is validated against agentctl/schemas/secrets-allow.schema.json (file:line:col
diagnostics). It is read from the change's side, so an entry a change adds applies — and is
reported as a warning naming what it hides, so the reviewer decides whether the reason holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentctl.ci.secrets import SecretHit, fingerprint
from agentctl.model.diagnostics import Diagnostic

ALLOW_FILE = ".agentctl-secrets-allow.yaml"


@dataclass(frozen=True)
class AllowEntry:
    path: str
    rule: str | None
    value: str | None
    reason: str
    line: int = 0
    col: int = 0

    @property
    def identity(self) -> tuple[str, str | None, str | None]:
        return self.path, self.rule, self.value

    def matches(self, hit: SecretHit) -> bool:
        if not _glob_match(hit.file, self.path) or (self.rule and self.rule != hit.pattern):
            return False
        if self.value is None:
            return True
        digits = re.sub(r"\D", "", self.value)
        return hit.fingerprint in (fingerprint(self.value), fingerprint(digits))


def _glob_match(relpath: str, pattern: str) -> bool:
    """`*` stays within a folder, `**/` spans folders (so docs/*.md does not reach docs/a/b.md)."""
    regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    regex = regex.replace(r"\?", "[^/]")
    return re.fullmatch(regex, relpath) is not None


def parse_allowlist(text: str, relpath: str = ALLOW_FILE) -> tuple[list[AllowEntry], list[Diagnostic]]:
    """Entries and the diagnostics of one allowlist text (no entries at all when it has errors)."""
    from agentctl.errors import ValidationFailed
    from agentctl.model.schema import validate_document
    from agentctl.model.yamlio import parse_text

    try:
        doc = parse_text(text, relpath)
    except ValidationFailed as exc:
        return [], list(exc.diagnostics)
    diagnostics = validate_document(doc, "secrets-allow")
    if any(d.is_error for d in diagnostics):
        return [], diagnostics
    entries = []
    for i, raw in enumerate(doc.data.get("allow") or []):
        line, col = doc.position(["allow", i])
        entries.append(AllowEntry(raw["path"], raw.get("rule"), _text(raw.get("value")), raw["reason"], line, col))
    return entries, diagnostics


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def load_allowlist(root: Path) -> tuple[list[AllowEntry], list[Diagnostic]]:
    """The working tree's allowlist (none when the file does not exist)."""
    path = root / ALLOW_FILE
    if path.is_symlink():
        return [], [Diagnostic(ALLOW_FILE, 1, 1, "the allowlist is a symbolic link; it is not read",
                               "make it a regular file in the repo")]
    if not path.is_file():
        return [], []
    return parse_allowlist(path.read_text("utf-8", errors="replace"))
