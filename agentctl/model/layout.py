"""Where each kind of file lives in a config repo (one place, so commands never disagree)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

CONFIG_FILE = "agentctl.yaml"
PROMPTS_DIR = "prompts"
CONTRACTS_DIR = "tool-contracts"
KB_DIR = "kb-manifests"
BUNDLES_DIR = "bundles"
PROMPT_META = "prompt.yaml"
AGENT_FILE = "agent.yaml"
STATE_DIR = ".agentctl"  # local, untracked: caches, call store, logs


NAME_PATTERN = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
MAX_NAME_CHARS = 63  # a DNS label: names become file names, tags and metric labels
_NAME = re.compile(rf"^{NAME_PATTERN}$")


def is_name(text: object) -> bool:
    """True for an agent, prompt, tool or KB name: lowercase letters, digits and dashes, at most 63 characters."""
    return isinstance(text, str) and len(text) <= MAX_NAME_CHARS and bool(_NAME.match(text))


def prompt_meta(name: str) -> str:
    return f"{PROMPTS_DIR}/{name}/{PROMPT_META}"


def contract_file(name: str) -> str:
    return f"{CONTRACTS_DIR}/{name}.yaml"


def kb_file(name: str) -> str:
    return f"{KB_DIR}/{name}.yaml"


def agent_dir(name: str) -> str:
    return f"{BUNDLES_DIR}/{name}"


def agent_file(name: str) -> str:
    return f"{BUNDLES_DIR}/{name}/{AGENT_FILE}"


def bundle_file(agent: str, version: int) -> str:
    return f"{BUNDLES_DIR}/{agent}/v{version}.yaml"


def kind_of(relpath: str) -> str | None:
    """The schema name for a repo-relative path, or None when the path is not a config file."""
    parts = PurePosixPath(relpath).parts
    if relpath == CONFIG_FILE:
        return "config"
    if len(parts) == 3 and parts[0] == PROMPTS_DIR and parts[2] == PROMPT_META:
        return "prompt"
    if len(parts) == 2 and parts[0] == CONTRACTS_DIR and relpath.endswith(".yaml"):
        return "tool-contract"
    if len(parts) == 2 and parts[0] == KB_DIR and relpath.endswith(".yaml"):
        return "kb-manifest"
    if len(parts) == 3 and parts[0] == BUNDLES_DIR and parts[2] == AGENT_FILE:
        return "agent"
    if len(parts) == 3 and parts[0] == BUNDLES_DIR and parts[2][:1] == "v" and parts[2][1:-5].isdigit() \
            and relpath.endswith(".yaml"):
        return "bundle"
    return None
