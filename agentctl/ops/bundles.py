"""shim: read bundles and agent configurations (replaced by the real implementation at merge)."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from agentctl.errors import NotFoundError
from agentctl.model.bundle import Bundle, BundleRef, parse_ref
from agentctl.model.yamlio import load_file


@dataclass
class AgentConfig:
    agent: str
    version: int | None
    prompt_name: str
    prompt_text: str
    prompt_variables: dict[str, Any]
    model: dict[str, Any]
    contracts: dict[str, dict[str, Any]]
    tools: list[dict[str, Any]]
    kb: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _versions(root: Path, agent: str) -> list[int]:
    folder = root / "bundles" / agent
    return sorted(int(p.stem[1:]) for p in folder.glob("v*.yaml") if p.stem[1:].isdigit())


def load_bundle(root: Path, ref: str | BundleRef) -> Bundle:
    ref = parse_ref(ref) if isinstance(ref, str) else ref
    versions = _versions(root, ref.agent)
    if not versions:
        raise NotFoundError(f"{ref.agent} has no released bundles", f"run `agentctl release {ref.agent}`")
    version = ref.version if ref.version is not None else versions[-1]
    if version not in versions:
        raise NotFoundError(f"no bundle {ref.agent}@v{version} (versions: {', '.join(f'v{v}' for v in versions)})",
                            "pick an existing version")
    data = load_file(root / "bundles" / ref.agent / f"v{version}.yaml", f"bundles/{ref.agent}/v{version}.yaml").data
    return Bundle(ref.agent, version, data["commit"], data["created"], data["author"], data["content_hash"],
                  data["components"], data.get("notes") or {}, data["commit"])


def working_config(root: Path, agent: str) -> AgentConfig:
    from agentctl.model.workspace import load_workspace

    ws = load_workspace(root, strict=False)
    definition = ws.agent(agent)
    prompt = ws.prompts[definition.prompt]
    contracts = {t.contract: ws.contracts[t.contract].data for t in definition.tools}
    tools = [ws.contracts[t.contract].function_schema for t in definition.tools]
    kb = ws.kbs[definition.kb].doc.data if definition.kb else None
    return AgentConfig(agent, None, prompt.name, prompt.text, prompt.variables, prompt.model, contracts, tools, kb)


def bundle_config(root: Path, bundle: Bundle) -> AgentConfig:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", bundle.source_commit], cwd=root, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=root, check=True, capture_output=True,
                             text=True).stdout.strip()
        inner = Path(tmp) / Path(root).resolve().relative_to(Path(top).resolve())
        config = working_config(inner, bundle.agent)
    config.version = bundle.version
    return config
