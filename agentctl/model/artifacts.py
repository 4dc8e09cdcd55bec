"""Dataclasses for the things a config repo holds. They wrap validated Documents; no I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.errors import NotFoundError
from agentctl.model.diagnostics import Diagnostic
from agentctl.model.yamlio import Document

if TYPE_CHECKING:
    from agentctl.model.released import ReleasedFile


@dataclass
class Prompt:
    name: str
    doc: Document
    text: str
    text_path: str  # repo-relative path of the template file

    @property
    def version(self) -> int:
        return int(self.doc.data["version"])

    @property
    def variables(self) -> dict[str, dict[str, Any]]:
        return self.doc.data.get("variables") or {}

    @property
    def model(self) -> dict[str, Any]:
        return self.doc.data.get("model") or {}

    @property
    def changes(self) -> str:
        return str(self.doc.data["changes"])


@dataclass
class ToolContract:
    name: str
    doc: Document

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.doc.data
        return data

    @property
    def version(self) -> str:
        return str(self.doc.data["version"])

    @property
    def success(self) -> dict[str, Any]:
        success: dict[str, Any] = self.doc.data["success"]
        return success

    @property
    def function_schema(self) -> dict[str, Any]:
        """The tool as an LLM sees it (OpenAI function-calling shape)."""
        fn = self.doc.data["function"]
        return {"type": "function", "function": {"name": fn["name"], "description": fn["description"],
                                                 "parameters": fn["parameters"]}}


@dataclass
class KbManifest:
    name: str
    doc: Document

    @property
    def version(self) -> int:
        return int(self.doc.data["version"])

    @property
    def documents(self) -> list[dict[str, Any]]:
        return self.doc.data.get("documents") or []


@dataclass
class ToolRef:
    contract: str
    version_range: str
    index: int  # position in the agent's tools list, for diagnostics


@dataclass
class AgentDef:
    name: str
    doc: Document
    directory: str  # repo-relative folder, bundles/<agent>

    @property
    def prompt(self) -> str:
        return str(self.doc.data["prompt"])

    @property
    def tools(self) -> list[ToolRef]:
        return [ToolRef(t["contract"], str(t["version"]), i) for i, t in enumerate(self.doc.data.get("tools") or [])]

    @property
    def kb(self) -> str | None:
        kb = self.doc.data.get("kb")
        return None if kb is None else str(kb)

    @property
    def suites(self) -> list[str]:
        return [f"{self.directory}/{s}" for s in self.doc.data.get("suites") or []]


@dataclass
class Config:
    doc: Document

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.doc.data
        return data

    @property
    def people(self) -> dict[str, dict[str, Any]]:
        return self.data.get("people") or {}

    @property
    def environments(self) -> dict[str, dict[str, Any]]:
        return self.data.get("environments") or {}

    @property
    def default_environment(self) -> str:
        return self.data.get("default_environment") or next(iter(self.environments), "staging")

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        return self.data.get("metrics") or {}

    @property
    def policy(self) -> dict[str, Any]:
        return self.data.get("policy") or {}

    def owner_of(self, kind: str, name: str) -> str | None:
        """The person who owns agent or tool `name` (kind "agents" or "tools")."""
        return ((self.data.get("owners") or {}).get(kind) or {}).get(name)

    def people_with_role(self, role: str) -> list[str]:
        return sorted(p for p, spec in self.people.items() if role in (spec.get("roles") or []))


@dataclass
class Workspace:
    """Everything in a config repo's working tree, loaded and validated."""

    root: Path
    config: Config
    prompts: dict[str, Prompt] = field(default_factory=dict)
    contracts: dict[str, ToolContract] = field(default_factory=dict)
    kbs: dict[str, KbManifest] = field(default_factory=dict)
    agents: dict[str, AgentDef] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    released: list[ReleasedFile] | None = None  # when the loader read the released bundle files

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def agent(self, name: str) -> AgentDef:
        if name not in self.agents:
            known = ", ".join(sorted(self.agents)) or "none yet"
            raise NotFoundError(f"no agent named '{name}' (agents: {known})",
                                f"create bundles/{name}/agent.yaml or use one of the existing names")
        return self.agents[name]
