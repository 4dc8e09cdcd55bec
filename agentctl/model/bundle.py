"""shim: bundle references and records (replaced by the real implementation at merge)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from agentctl.errors import BadInputError


@dataclass(frozen=True)
class BundleRef:
    agent: str
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.agent}@v{self.version}" if self.version is not None else f"{self.agent}@latest"


_REF = re.compile(r"^(?P<agent>[a-z0-9][a-z0-9-]*)(?:@(?:(?P<latest>latest)|v?(?P<n>[0-9]+)))?$")


def parse_ref(text: str) -> BundleRef:
    match = _REF.match(text.strip())
    if not match:
        raise BadInputError(f"'{text}' is not a bundle reference", "write AGENT, AGENT@latest or AGENT@vN")
    return BundleRef(match["agent"], int(match["n"]) if match["n"] else None)


@dataclass
class Bundle:
    agent: str
    version: int
    commit: str
    created: str
    author: str
    content_hash: str
    components: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    source_commit: str = ""

    @property
    def ref(self) -> BundleRef:
        return BundleRef(self.agent, self.version)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
