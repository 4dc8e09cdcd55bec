"""Bundle references and released bundles (minimal version; replaced by the bundle feature)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from agentctl.errors import BadInputError

_REF = re.compile(r"^(?P<agent>[a-z0-9][a-z0-9-]*)(?:@(?:v?(?P<version>\d+)|(?P<latest>latest)))?$")


@dataclass(frozen=True)
class BundleRef:
    agent: str
    version: int | None  # None = latest

    def __str__(self) -> str:
        return f"{self.agent}@v{self.version}" if self.version is not None else f"{self.agent}@latest"


def parse_ref(text: str) -> BundleRef:
    match = _REF.match(text.strip())
    if not match:
        raise BadInputError(f"'{text}' is not a bundle reference", "write AGENT, AGENT@vN or AGENT@latest")
    version = match["version"]
    return BundleRef(match["agent"], int(version) if version else None)


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
    def ref(self) -> str:
        return f"{self.agent}@v{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, **asdict(self)}


@dataclass
class AgentConfig:
    agent: str
    version: int
    prompt_name: str
    prompt_text: str
    prompt_variables: dict[str, Any]
    model: dict[str, Any]
    contracts: dict[str, Any]
    tools: list[dict[str, Any]]
    kb: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
