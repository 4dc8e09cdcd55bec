"""Impact analysis: changed files → the components they belong to → the agents that use them.

Only agent definitions (and, when a loose document changed, KB manifests) are read to build
the reverse index, with the fast safe YAML loader; everything heavier is done later, and only
for what this maps the change to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from agentctl.model import layout
from agentctl.store.changes import ChangedFile

Component = tuple[str, str]  # (kind, name): kind is "prompt" | "contract" | "kb" | "agent" | "config"


@dataclass
class AgentUses:
    name: str
    prompt: str | None
    contracts: list[str]
    kb: str | None


@dataclass
class Impact:
    components: dict[Component, list[str]] = field(default_factory=dict)  # component → its changed files
    agents: dict[str, list[str]] = field(default_factory=dict)  # agent → why it is affected
    everything: bool = False  # agentctl.yaml changed: every agent is affected
    uses: dict[str, AgentUses] = field(default_factory=dict, repr=False)  # what the affected agents use

    def names(self, kind: str) -> list[str]:
        return sorted(name for k, name in self.components if k == kind)

    def to_dict(self) -> dict[str, object]:
        return {"everything": self.everything,
                "components": [{"kind": k, "name": n, "files": files} for (k, n), files in sorted(self.components.items())],
                "agents": {a: why for a, why in sorted(self.agents.items())}}


def component_of(relpath: str) -> Component | None:
    """The component a repo-relative path belongs to, when its folder says so."""
    parts = PurePosixPath(relpath).parts
    if relpath == layout.CONFIG_FILE:
        return ("config", layout.CONFIG_FILE)
    if len(parts) >= 3 and parts[0] == layout.PROMPTS_DIR:
        return ("prompt", parts[1])
    if len(parts) == 2 and parts[0] == layout.CONTRACTS_DIR and relpath.endswith(".yaml"):
        return ("contract", parts[1][:-5])
    if len(parts) == 2 and parts[0] == layout.KB_DIR and relpath.endswith(".yaml"):
        return ("kb", parts[1][:-5])
    if len(parts) >= 4 and parts[0] == layout.BUNDLES_DIR and parts[2] == "suites":
        return ("suites", parts[1])  # suite files and their replay cassettes
    if len(parts) >= 3 and parts[0] == layout.BUNDLES_DIR:
        return ("agent", parts[1])
    return None


def read_agent_uses(root: Path, mentioning: set[str] | None = None) -> dict[str, AgentUses]:
    """Which prompt, contracts and KB each agent names (unreadable definitions are skipped: validate reports them).

    With `mentioning`, only definitions whose text contains one of those names (or whose folder
    is one of them) are parsed: a plain substring test is far cheaper than YAML, and can only
    over-select, never miss a user.
    """
    out: dict[str, AgentUses] = {}
    for path in sorted((root / layout.BUNDLES_DIR).glob(f"*/{layout.AGENT_FILE}")):
        if mentioning is not None and path.parent.name not in mentioning:
            text = path.read_text("utf-8", errors="replace")
            if not any(name in text for name in mentioning):
                continue
        data = _quick_yaml(path)
        if not isinstance(data, dict):
            continue
        raw_tools = data.get("tools")
        tools: list[Any] = raw_tools if isinstance(raw_tools, list) else []
        out[path.parent.name] = AgentUses(
            path.parent.name, _str(data.get("prompt")),
            [t["contract"] for t in tools if isinstance(t, dict) and isinstance(t.get("contract"), str)],
            _str(data.get("kb")))
    return out


def analyse(root: Path, changes: Iterable[ChangedFile], agents: dict[str, AgentUses] | None = None) -> Impact:
    """Map `changes` to components and affected agents (agents: the head side's definitions, read when None)."""
    impact = Impact()
    loose: list[str] = []
    for change in changes:
        component = component_of(change.path)
        if component is None:
            loose.append(change.path)
        else:
            impact.components.setdefault(component, []).append(change.path)
    if loose:
        for kb, files in _kbs_listing(root, loose).items():
            impact.components.setdefault(("kb", kb), []).extend(files)
    impact.everything = ("config", layout.CONFIG_FILE) in impact.components
    if agents is None:
        names = None if impact.everything else {name for _, name in impact.components}
        agents = read_agent_uses(root, names)
    for name, uses in agents.items():
        why = []
        if impact.everything:
            why.append(f"{layout.CONFIG_FILE} changed")
        if ("agent", name) in impact.components:
            why.append("its definition changed")
        if ("suites", name) in impact.components:
            why.append("its test suites changed")
        if uses.prompt and ("prompt", uses.prompt) in impact.components:
            why.append(f"prompt {uses.prompt}")
        why += [f"tool contract {c}" for c in uses.contracts if ("contract", c) in impact.components]
        if uses.kb and ("kb", uses.kb) in impact.components:
            why.append(f"KB {uses.kb}")
        if why:
            impact.agents[name] = why
            impact.uses[name] = uses
    return impact


def _kbs_listing(root: Path, paths: list[str]) -> dict[str, list[str]]:
    """KB manifests whose `documents` (or `source` folder) include any of `paths`."""
    wanted = set(paths)
    out: dict[str, list[str]] = {}
    for manifest in sorted((root / layout.KB_DIR).glob("*.yaml")):
        data = _quick_yaml(manifest)
        if not isinstance(data, dict):
            continue
        uris = {d.get("uri") for d in data.get("documents") or [] if isinstance(d, dict)}
        source = _str(data.get("source"))
        hits = [p for p in paths if p in uris or (source and p.startswith(source.rstrip("/") + "/"))]
        if hits:
            out[manifest.stem] = sorted(set(hits) & wanted)
    return out


def _quick_yaml(path: Path) -> object:
    from agentctl.errors import ValidationFailed
    from agentctl.model.yamlio import parse_text

    try:
        return parse_text(path.read_text("utf-8"), path.name).data
    except (ValidationFailed, OSError, UnicodeDecodeError):
        return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
