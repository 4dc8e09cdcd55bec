"""Release a bundle: pin component blobs, commit bundles/<agent>/vN.yaml, tag agent@vN (minimal version)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from agentctl.clock import isoformat, now
from agentctl.model import layout
from agentctl.model.bundle import Bundle, BundleRef
from agentctl.model.yamlio import dump_yaml


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def release_bundle(root: Path, agent: str, note: str) -> Bundle:
    from ruamel.yaml import YAML

    from agentctl.ops.bundles import _versions, load_bundle

    agent_def = YAML(typ="safe").load((root / layout.agent_file(agent)).read_text())
    prompt = YAML(typ="safe").load((root / layout.prompt_meta(agent_def["prompt"])).read_text())
    paths = [layout.agent_file(agent), layout.prompt_meta(agent_def["prompt"]),
             f"{layout.PROMPTS_DIR}/{agent_def['prompt']}/{prompt['template']}"]
    paths += [layout.contract_file(t["contract"]) for t in agent_def.get("tools") or []]
    if agent_def.get("kb"):
        paths.append(layout.kb_file(agent_def["kb"]))
    source = _git(root, "rev-parse", "HEAD").strip()
    components = {p: _git(root, "rev-parse", f"HEAD:{p}").strip() for p in paths}
    version = (_versions(root, agent) or [0])[-1] + 1
    relpath = layout.bundle_file(agent, version)
    (root / relpath).write_text(dump_yaml({"agent": agent, "version": version, "created": isoformat(now()),
                                           "components": components, "notes": {"note": note},
                                           "source_commit": source}))
    _git(root, "add", relpath)
    _git(root, "commit", "-q", "-m", f"release {agent}@v{version}: {note}")
    _git(root, "tag", "-a", f"{agent}@v{version}", "-m", note)
    return load_bundle(root, BundleRef(agent, version))
