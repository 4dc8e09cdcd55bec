"""`agentctl show AGENT@vN`: one bundle resolved from git objects — prompt text, tools, KB, notes, hashes, tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentctl.model.bundle import Bundle, BundleRef
from agentctl.ops.bundles import AgentConfig, bundle_config, load_bundle, suite_results
from agentctl.repo import RepoLike, as_repo


@dataclass
class BundleView:
    bundle: Bundle
    config: AgentConfig
    test_results: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {**self.bundle.to_dict(), "prompt_text": self.config.prompt_text, "model": self.config.model,
                "variables": self.config.prompt_variables, "tools": self.config.tools,
                "contracts": self.config.contracts, "kb_manifest": self.config.kb, "test_results": self.test_results}


def show_bundle(repo: RepoLike, ref: str | BundleRef) -> BundleView:
    """The bundle `ref` names with its exact component contents, read from git objects (never the working tree)."""
    repo = as_repo(repo)
    root = repo.root
    bundle = load_bundle(root, ref)
    return BundleView(bundle, bundle_config(root, bundle), suite_results(root, bundle.agent, bundle.version))
