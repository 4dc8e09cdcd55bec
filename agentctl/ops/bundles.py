"""Read released bundles back from git objects (minimal version; replaced by the bundle feature)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from agentctl.errors import NotFoundError
from agentctl.model import layout
from agentctl.model.bundle import AgentConfig, Bundle, BundleRef, parse_ref


def _git(root: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise NotFoundError(f"git {args[0]} failed: {proc.stderr.strip()}")
    return proc.stdout


def _yaml(text: str) -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text) or {}


def _versions(root: Path, agent: str) -> list[int]:
    tags = _git(root, "tag", "-l", f"{agent}@v*").split()
    return sorted(int(t.split("@v", 1)[1]) for t in tags if t.split("@v", 1)[1].isdigit())


def load_bundle(root: Path, ref: str | BundleRef) -> Bundle:
    ref = parse_ref(ref) if isinstance(ref, str) else ref
    versions = _versions(root, ref.agent)
    version = ref.version if ref.version is not None else (versions[-1] if versions else None)
    if version is None or version not in versions:
        known = ", ".join(f"v{v}" for v in versions) or "none"
        raise NotFoundError(f"no bundle {ref} (released: {known})", f"run `agentctl release {ref.agent}` first")
    tag = f"{ref.agent}@v{version}"
    commit = _git(root, "rev-parse", f"{tag}^{{commit}}").strip()
    text = _git(root, "show", f"{commit}:{layout.bundle_file(ref.agent, version)}")
    data = _yaml(text)
    return Bundle(ref.agent, version, commit, str(data.get("created", "")), str(data.get("author", "")),
                  hashlib.sha256(text.encode()).hexdigest(), data.get("components") or {},
                  data.get("notes") or {}, str(data.get("source_commit", "")))


def list_bundles(root: Path, agent: str) -> list[Bundle]:
    return [load_bundle(root, BundleRef(agent, v)) for v in _versions(root, agent)]


def bundle_config(root: Path, bundle: Bundle) -> AgentConfig:
    blobs = bundle.components

    def read(path: str) -> str:
        return _git(root, "cat-file", "blob", blobs[path])

    agent = _yaml(read(layout.agent_file(bundle.agent)))
    prompt = _yaml(read(layout.prompt_meta(agent["prompt"])))
    prompt_text = read(f"{layout.PROMPTS_DIR}/{agent['prompt']}/{prompt['template']}")
    contracts, tools = {}, []
    for tool in agent.get("tools") or []:
        data = _yaml(read(layout.contract_file(tool["contract"])))
        contracts[tool["contract"]] = str(data.get("version"))
        fn = data["function"]
        tools.append({"type": "function", "function": {"name": fn["name"], "description": fn["description"],
                                                       "parameters": fn["parameters"]}})
    kb = _yaml(read(layout.kb_file(agent["kb"]))) if agent.get("kb") else None
    return AgentConfig(bundle.agent, bundle.version, agent["prompt"], prompt_text, prompt.get("variables") or {},
                       prompt.get("model") or {}, contracts, tools, kb)
