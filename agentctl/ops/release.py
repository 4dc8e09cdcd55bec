"""shim: release a bundle (replaced by the real implementation at merge)."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from agentctl import clock
from agentctl.model.bundle import Bundle
from agentctl.model.yamlio import dump_yaml


def release_bundle(root: Path, agent: str, note: str) -> Bundle:
    from agentctl.ops.bundles import _versions, working_config

    config = working_config(root, agent)
    version = (_versions(root, agent) or [0])[-1] + 1
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()
    digest = hashlib.sha256(json.dumps({**config.to_dict(), "version": None}, sort_keys=True).encode()).hexdigest()
    data = {"agent": agent, "version": version, "commit": head, "created": clock.isoformat(clock.now()),
            "author": "shim", "content_hash": digest, "components": {"prompt": config.prompt_name},
            "notes": {"summary": note}}
    rel = f"bundles/{agent}/v{version}.yaml"
    (root / rel).write_text(dump_yaml(data), "utf-8")
    subprocess.run(["git", "add", rel], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", f"release {agent}@v{version}"], cwd=root, check=True)
    return Bundle(agent, version, head, data["created"], "shim", digest, data["components"], data["notes"], head)
