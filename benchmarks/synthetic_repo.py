"""Generate a synthetic config repo with many agents, for timing agentctl at scale.

    python benchmarks/synthetic_repo.py OUT_DIR [--agents 200]

Each agent gets its own prompt, two tool contracts of its own plus the shared three, and
its own KB manifest, so the repo has ~5 files per agent (1,000+ files at 200 agents).
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

from agentctl.ops.init import init_repo


def make_synthetic_repo(out: Path, agents: int = 200, *, commit: bool = True) -> Path:
    """Create `out` from the example and add `agents` generated agents; returns `out`."""
    init_repo(out)
    base_prompt = (out / "prompts/install-reminder/prompt.yaml").read_text()
    base_text = (out / "prompts/install-reminder/system.md").read_text()
    base_contract = (out / "tool-contracts/driver-lookup.yaml").read_text()
    base_kb = (out / "kb-manifests/install-faq.yaml").read_text()
    base_agent = (out / "bundles/install-reminder/agent.yaml").read_text()
    owners_agents, owners_tools = [], []
    for i in range(agents):
        name = f"agent-{i:03d}"
        (out / f"prompts/{name}").mkdir(parents=True)
        (out / f"prompts/{name}/prompt.yaml").write_text(base_prompt.replace("name: install-reminder", f"name: {name}"))
        (out / f"prompts/{name}/system.md").write_text(base_text + f"\n# Variant\nThis is variant {i}.\n")
        for t in ("lookup", "notify"):
            tool = f"{name}-{t}"
            text = re.sub(r"^name: .*$", f"name: {tool}", base_contract, count=1, flags=re.M)
            (out / f"tool-contracts/{tool}.yaml").write_text(text.replace("name: lookup_driver", f"name: {t}_{i}"))
            owners_tools.append(f"    {tool}: wei")
        (out / f"kb-manifests/{name}-kb.yaml").write_text(base_kb.replace("name: install-faq", f"name: {name}-kb"))
        agent = base_agent.replace("name: install-reminder", f"name: {name}").replace("prompt: install-reminder", f"prompt: {name}")
        agent = agent.replace("kb: install-faq", f"kb: {name}-kb")
        agent += f"  - contract: {name}-lookup\n    version: ^1.0.0\n  - contract: {name}-notify\n    version: ^1.0.0\n"
        agent = agent.replace("kb: ", "kb: ", 1)
        (out / f"bundles/{name}").mkdir(parents=True)
        (out / f"bundles/{name}/agent.yaml").write_text(_move_kb_last(agent))
        owners_agents.append(f"    {name}: ines")
    config = (out / "agentctl.yaml").read_text()
    config = config.replace("    install-reminder: ines\n", "    install-reminder: ines\n" + "\n".join(owners_agents) + "\n")
    config = config.replace("    escalate-to-human: tomas\n", "    escalate-to-human: tomas\n" + "\n".join(owners_tools) + "\n")
    (out / "agentctl.yaml").write_text(config)
    if commit:
        subprocess.run(["git", "add", "-A"], cwd=out, check=True)
        subprocess.run(["git", "commit", "-q", "-m", f"Add {agents} synthetic agents"], cwd=out, check=True)
    return out


def _move_kb_last(agent: str) -> str:
    """Keep `kb:` after the tools list so the appended tools stay inside it."""
    lines = agent.splitlines()
    kb = [line for line in lines if line.startswith("kb: ")]
    rest = [line for line in lines if not line.startswith("kb: ")]
    return "\n".join(rest + kb) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--agents", type=int, default=200)
    args = parser.parse_args()
    make_synthetic_repo(args.out, args.agents)
    print(f"wrote {args.agents} agents to {args.out}")
