"""What one ConfigRepo per command buys, each figure beside its floor, from one run.

    python benchmarks/renovation.py [--agents 200] [--releases 50] [--contracts 1000] [--only validate]
    python benchmarks/renovation.py --only validate --existing NONE MANY   # two repos built by synthetic_repo.py

- validate (CPU s of the `agentctl validate` process) with no releases and with N releases per
  agent, cold (as after a clone: no .agentctl/cache, git's index refreshed) and warm (right after another run), each the
  median (and range) of --runs, the two repos alternating; the floor is the no-release cost.
- canary evaluate and check daily on the big repo vs on the example repo (same command, same deployments, same empty
  call store; median of three runs after the first validate, so caches are warm).
- status for every agent deployed (CLI, wall ms) vs the git floor: `for-each-ref` + one
  `cat-file --batch` of every state file.
- agent history (in-process ms) vs the git floor: `for-each-ref` of its tags + one `cat-file --batch`
  of its bundle files.
- edited-contract detection at --contracts tool contracts vs `git status --porcelain -- tool-contracts/`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.history_show import median_ms  # noqa: E402
from benchmarks.synthetic_repo import add_releases, make_synthetic_repo  # noqa: E402

AGENT = "install-reminder"
ENV = {**os.environ, "AGENTCTL_ACTOR": "Bench Operator <bench@roadwise.example>"}


def cpu_s(*argv: str) -> float:
    """CPU seconds (user + sys) of one `python -m agentctl ARGV` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "agentctl", *argv], capture_output=True, check=False, env=ENV)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def validate_cpu(none: Path, many: Path, runs: int) -> tuple[list[float], list[float], list[float], list[float]]:
    """CPU seconds of `agentctl validate` on the repo without releases and the one with them: (none cold, none warm,
    many cold, many warm), `runs` of each. Cold is as after a clone (no .agentctl/cache), warm right after another
    run; the two repos alternate, so a busy machine weighs on both alike."""
    figures: tuple[list[float], list[float], list[float], list[float]] = ([], [], [], [])
    for _ in range(runs):
        for offset, root in ((0, none), (2, many)):
            shutil.rmtree(root / ".agentctl/cache", ignore_errors=True)
            figures[offset].append(cpu_s("validate", "--repo", str(root)))
            figures[offset + 1].append(cpu_s("validate", "--repo", str(root)))
    return figures


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} s CPU ({min(values):.2f}–{max(values):.2f})"


def git(root: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["git", *args], cwd=root, input=data, capture_output=True, check=True).stdout


def deploy_everyone(root: Path, agents: list[str]) -> None:
    """Every agent stable in production, install-reminder with a 10% canary: one commit on the ref."""
    from agentctl.deploy.state import AgentState, state_path, store
    from agentctl.store.refstore import Author, Change

    files = {}
    for name in agents:
        state = AgentState("production", name, stable={"version": 1, "since": "2026-11-24T16:00:00+00:00"},
                           deployed=[1], updated="2026-11-24T16:00:00+00:00")
        if name == AGENT:
            state.canary = {"version": 2, "weight": 10, "step_index": 0, "step_started": "2026-11-24T16:00:00+00:00",
                            "started": "2026-11-24T16:00:00+00:00", "aborted": None}
            state.deployed = [1, 2]
        files[state_path("production", name)] = (json.dumps(state.to_dict()) + "\n").encode()
    store(root).update(lambda snap: Change(files, "bench: deploy everyone"), Author("Bench", "bench@example"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--releases", type=int, default=50)
    parser.add_argument("--contracts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["validate"], help="time only the validate figures")
    parser.add_argument("--existing", nargs=2, type=Path, metavar=("NONE", "MANY"),
                        help="with --only validate: time these two synthetic repos (no releases, releases) instead "
                             "of building them; only their .agentctl/cache is touched")
    args = parser.parse_args()
    if args.existing and args.only != "validate":
        parser.error("--existing needs --only validate (the other figures change the repo)")
    print(f"# {' '.join(sys.argv)}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.existing:
            none, many = args.existing
        else:
            none = make_synthetic_repo(Path(tmp) / "none", args.agents)
            many = make_synthetic_repo(Path(tmp) / "many", args.agents)
            add_releases(many, args.releases)
            time.sleep(1.1)  # then refresh git's index, as a clone leaves it: files written in the same second as
            for root in (none, many):  # the index are "racy" and every git call that reads the tree re-hashes them
                git(root, "update-index", "-q", "--refresh")
        none_cold, none_warm, many_cold, many_warm = validate_cpu(none, many, args.runs)
        floor_cold, floor_warm = statistics.median(none_cold), statistics.median(none_warm)
        cold, warm = statistics.median(many_cold), statistics.median(many_warm)
        print(f"validate, {args.agents} agents × 0 releases (floor): cold {_spread(none_cold)}, "
              f"warm {_spread(none_warm)}")
        print(f"validate, {args.agents} agents × {args.releases} releases:       cold {_spread(many_cold)}, "
              f"warm {_spread(many_warm)}")
        print(f"  → {warm / floor_warm:.2f}× the no-release cost (warm), {cold / floor_cold:.2f}× (cold); "
              f"medians of {args.runs}, load average {os.getloadavg()[0]:.2f}")
        if args.only == "validate":
            return

        example = Path(tmp) / "example"
        subprocess.run([sys.executable, "-m", "agentctl", "init", str(example)], capture_output=True, check=True,
                       env=ENV)
        agents = sorted(p.parent.name for p in (many / "bundles").glob("*/agent.yaml"))
        # the same deployments on both repos first: what the big repo's size and history cost, not its traffic
        deploy_everyone(many, [AGENT])
        deploy_everyone(example, [AGENT])
        small = statistics.median(cpu_s("canary", "evaluate", AGENT, "--env", "production", "--repo", str(example))
                                  for _ in range(3))
        big = statistics.median(cpu_s("canary", "evaluate", AGENT, "--env", "production", "--repo", str(many))
                                for _ in range(3))
        print(f"canary evaluate: example repo {small:5.2f} s CPU, {args.agents}-agent repo {big:5.2f} s CPU "
              f"(difference {big - small:+.2f} s)")
        small = statistics.median(cpu_s("check", "daily", "--no-post", "--repo", str(example)) for _ in range(3))
        big = statistics.median(cpu_s("check", "daily", "--no-post", "--repo", str(many)) for _ in range(3))
        print(f"check daily:     example repo {small:5.2f} s CPU, {args.agents}-agent repo {big:5.2f} s CPU "
              f"(difference {big - small:+.2f} s)")
        # check daily checks every agent the config names (7 metrics each here), so the example's one agent
        # against 201 is work asked for; the same 201 agents without their release history cost the same
        deploy_everyone(none, [AGENT])
        flat = statistics.median(cpu_s("check", "daily", "--no-post", "--repo", str(none)) for _ in range(3))
        print(f"check daily:     {args.agents}-agent repo with 0 releases {flat:5.2f} s CPU, with {args.releases} "
              f"{big:5.2f} s CPU (difference {big - flat:+.2f} s)")
        deploy_everyone(many, agents)  # every agent in production, for status

        from agentctl.ops.status import status

        paths = "".join(f"refs/agentctl/deployments:state/production/{a}.json\n" for a in agents).encode()
        floor = median_ms(lambda: (git(many, "for-each-ref", "refs/agentctl/"),
                                 git(many, "cat-file", "--batch", data=paths)), args.runs)
        in_process = median_ms(lambda: status(many, env="production"), args.runs)
        cli = median_ms(lambda: subprocess.run([sys.executable, "-m", "agentctl", "status", "--env", "production",
                                              "--repo", str(many)], capture_output=True, check=True, env=ENV), 3)
        print(f"status, {len(agents)} agents: status() {in_process:7.1f} ms, `agentctl status` {cli:7.1f} ms; "
              f"git floor {floor:6.1f} ms")

        from agentctl.ops.history import agent_history

        name = agents[0]
        blobs = "".join(f"refs/tags/{name}@v{v}:bundles/{name}/v{v}.yaml\n"
                        for v in range(1, args.releases + 1)).encode()
        floor = median_ms(lambda: (git(many, "for-each-ref", f"refs/tags/{name}@v*"),
                                 git(many, "cat-file", "--batch", data=blobs)), args.runs)
        agent_history(many, name)  # warm the caches a user's second look would have
        took = median_ms(lambda: agent_history(many, name), args.runs)
        print(f"history {name} ({args.releases} releases): agent_history() {took:7.1f} ms; git floor {floor:6.1f} ms "
              f"→ {took / floor:.1f}×")

        from agentctl.store.revisions import changed_since_head

        contracts = Path(tmp) / "contracts"
        (contracts / "tool-contracts").mkdir(parents=True)
        git(contracts, "init", "-q")
        base = (none / "tool-contracts/driver-lookup.yaml").read_text()
        names = []
        for i in range(args.contracts):
            names.append(f"tool-contracts/tool-{i:04d}.yaml")
            (contracts / names[-1]).write_text(base.replace("name: driver-lookup", f"name: tool-{i:04d}"))
        git(contracts, "add", "-A")
        git(contracts, "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-q", "-m", "contracts")
        for rel in names[:3]:
            (contracts / rel).write_text((contracts / rel).read_text() + "# edited\n")
        floor = median_ms(lambda: git(contracts, "status", "--porcelain", "--", "tool-contracts/"), args.runs)
        took = median_ms(lambda: changed_since_head(contracts, names), args.runs)
        print(f"edited contracts among {args.contracts}: changed_since_head() {took:6.1f} ms; "
              f"`git status --porcelain` floor {floor:6.1f} ms")


if __name__ == "__main__":
    main()
