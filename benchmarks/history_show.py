"""Time `history` and `show` on a repo with many agents and releases.

    python benchmarks/history_show.py [--agents 200] [--releases 50] [--runs 15]

Builds a synthetic repo (agents × releases annotated tags and bundle files), then prints
median milliseconds for the Python API calls and for the CLI as a user runs it
(a fresh `python -m agentctl` process each time, next to `python -c pass` for scale).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agentctl.ops.history import agent_history  # noqa: E402
from agentctl.ops.show import show_bundle  # noqa: E402
from benchmarks.synthetic_repo import add_releases, make_synthetic_repo  # noqa: E402


def median_ms(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--releases", type=int, default=50)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "synthetic"
        start = time.perf_counter()
        make_synthetic_repo(root, args.agents)
        count = add_releases(root, args.releases)
        built = time.perf_counter() - start
        agent = f"agent-{args.agents // 2:03d}"
        ref = f"{agent}@v{max(1, args.releases // 2)}"
        assert len(agent_history(root, agent).rows) == args.releases

        def cli(*argv: str):
            return lambda: subprocess.run([py, "-m", "agentctl", *argv, "--repo", str(root)], check=True,
                                          capture_output=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin",
                                                                    "HOME": tmp, "PYTHONPATH": str(Path.cwd())})

        rows = [
            ("python -c pass", median_ms(lambda: subprocess.run([py, "-c", "pass"], check=True), args.runs)),
            (f"agent_history({agent}) in-process", median_ms(lambda: agent_history(root, agent), args.runs)),
            (f"show_bundle({ref}) in-process", median_ms(lambda: show_bundle(root, ref), args.runs)),
            (f"show_bundle({agent}@latest) in-process", median_ms(lambda: show_bundle(root, agent), args.runs)),
            (f"agentctl history {agent}", median_ms(cli("history", agent), args.runs)),
            (f"agentctl show {ref}", median_ms(cli("show", ref), args.runs)),
            (f"agentctl show {ref} --json", median_ms(cli("show", ref, "--json"), args.runs)),
        ]
    print(f"# {' '.join(sys.argv)}: {args.agents} agents × {args.releases} releases = {count} tags "
          f"(built in {built:.1f}s), median of {args.runs} runs")
    print(f"{'what':52} {'ms':>9}")
    for name, ms in rows:
        print(f"{name:52} {ms:9.1f}")


if __name__ == "__main__":
    main()
