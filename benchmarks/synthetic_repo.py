"""Generate a synthetic config repo with many agents, for timing agentctl at scale.

    python benchmarks/synthetic_repo.py OUT_DIR [--agents 200] [--releases 50]

Each agent gets its own prompt, two tool contracts of its own plus the shared three, and
its own KB manifest, so the repo has ~5 files per agent (1,000+ files at 200 agents).
With --releases N every agent also gets N released bundles (a commit holding
bundles/<agent>/v<k>.yaml and an annotated tag <agent>@v<k> each), written in one
`git fast-import` run so that 10,000 releases take seconds rather than an hour.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

from agentctl.model.yamlio import dump_yaml, parse_text
from agentctl.ops.init import init_repo


def make_synthetic_repo(out: Path, agents: int = 200, *, commit: bool = True) -> Path:
    """Create `out` from the example and add `agents` generated agents; returns `out`."""
    init_repo(out)
    base_prompt = (out / "prompts/install-reminder/prompt.yaml").read_text()
    base_text = (out / "prompts/install-reminder/system.md").read_text()
    base_contract = (out / "tool-contracts/driver-lookup.yaml").read_text()
    base_kb = (out / "kb-manifests/install-faq.yaml").read_text()
    base_agent = parse_text((out / "bundles/install-reminder/agent.yaml").read_text(), "agent.yaml").data
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
        agent = dict(base_agent, name=name, prompt=name, kb=f"{name}-kb")
        agent["tools"] = [*base_agent["tools"], {"contract": f"{name}-lookup", "version": "^1.0.0"},
                          {"contract": f"{name}-notify", "version": "^1.0.0"}]
        agent.pop("suites", None)  # the example's suites live beside its own definition only
        (out / f"bundles/{name}").mkdir(parents=True)
        (out / f"bundles/{name}/agent.yaml").write_text(dump_yaml(agent))
        owners_agents.append(f"    {name}: ines")
    config = (out / "agentctl.yaml").read_text()
    config = config.replace("    install-reminder: ines\n", "    install-reminder: ines\n" + "\n".join(owners_agents) + "\n")
    config = config.replace("    escalate-to-human: tomas\n", "    escalate-to-human: tomas\n" + "\n".join(owners_tools) + "\n")
    (out / "agentctl.yaml").write_text(config)
    if commit:
        subprocess.run(["git", "add", "-A"], cwd=out, check=True)
        subprocess.run(["git", "commit", "-q", "-m", f"Add {agents} synthetic agents"], cwd=out, check=True)
    return out


def add_releases(out: Path, releases: int, agents: list[str] | None = None) -> int:
    """Give every agent (or `agents`) `releases` bundles with real pins, as commits + annotated tags; returns the count.

    Each release pins the agent's committed files (so `show` resolves real blobs); the
    version, note and content hash differ per release.
    """
    from agentctl.model.workspace import load_workspace
    from agentctl.model.yamlio import dump_yaml
    from agentctl.ops.release import pin_components

    ws = load_workspace(out, strict=False)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=out, check=True, capture_output=True, text=True).stdout.strip()
    names = agents if agents is not None else sorted(ws.agents)
    stream = bytearray()
    mark = 0
    moment = 1_790_000_000
    who = b"Bench Operator <bench@roadwise.example>"

    def data(payload: bytes) -> None:
        stream.extend(b"data %d\n" % len(payload) + payload + b"\n")

    first_text = ""
    for name in names:
        components = pin_components(out, ws, name, head)
        for version in range(1, releases + 1):
            mark += 1
            moment += 60
            note = f"release {version} of {name}: handles storage-full phones, timeout {version}s"
            bundle = {"agent": name, "version": version, "created": f"2026-11-{1 + version % 28:02d}T10:00:00+00:00",
                      "author": "Bench Operator <bench@roadwise.example>", "source_commit": head,
                      "previous": version - 1 or None, "content_hash": f"{version:064x}", "components": components,
                      "notes": {"human": note, "generated": [{"component": "prompt", "name": name, "change": "text",
                                                              "summary": f"{version} lines added, 0 lines removed"}]}}
            stream.extend(b"commit refs/heads/main\nmark :%d\ncommitter %s %d +0000\n" % (mark, who, moment))
            data(f"Release {name}@v{version}".encode())
            if mark == 1:
                stream.extend(f"from {head}\n".encode())
            stream.extend(f"M 100644 inline bundles/{name}/v{version}.yaml\n".encode())
            if version == 1:
                first_text = dump_yaml(bundle)
            data((first_text if version == 1 else _retarget(first_text, version, note)).encode())
            stream.extend(f"tag {name}@v{version}\nfrom :{mark}\n".encode() + b"tagger %s %d +0000\n" % (who, moment))
            data(note.encode())
    subprocess.run(["git", "fast-import", "--quiet"], cwd=out, input=bytes(stream), check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=out, check=True)
    subprocess.run(["git", "pack-refs", "--all"], cwd=out, check=True)
    return mark


def _retarget(first: str, version: int, note: str) -> str:
    """Bundle text of release `version`, derived from release 1's text (dumping YAML 10,000 times is the slow part)."""
    text = re.sub(r"^version: 1$", f"version: {version}", first, count=1, flags=re.M)
    text = re.sub(r"^previous: *$|^previous: null$", f"previous: {version - 1}", text, count=1, flags=re.M)
    text = re.sub(r"^content_hash: .*$", f"content_hash: '{version:064x}'", text, count=1, flags=re.M)
    text = re.sub(r"^created: .*$", f"created: '2026-11-{1 + version % 28:02d}T10:00:00+00:00'", text, count=1, flags=re.M)
    text = re.sub(r"^  human: .*$", f"  human: '{note}'", text, count=1, flags=re.M)
    return text.replace("summary: 1 lines added", f"summary: {version} lines added")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--releases", type=int, default=0, help="released bundles per agent (default 0)")
    args = parser.parse_args()
    make_synthetic_repo(args.out, args.agents)
    count = add_releases(args.out, args.releases) if args.releases else 0
    print(f"wrote {args.agents} agents and {count} releases to {args.out}")
