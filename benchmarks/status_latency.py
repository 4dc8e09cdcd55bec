"""`status` latency: in-process ops call and the CLI as a user runs it.

    python benchmarks/status_latency.py [--runs 15]
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

from agentctl.ops.status import status  # noqa: E402
from benchmarks.deploy_fixture import make_canary_repo  # noqa: E402


def median_ms(action, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_canary_repo(Path(tmp) / "repo")
        in_process = median_ms(lambda: status(root, env="staging"), args.runs)
        cli = median_ms(lambda: subprocess.run([sys.executable, "-m", "agentctl", "status", "--repo", str(root)],
                                               capture_output=True, check=True), args.runs)
        cli_json = median_ms(lambda: subprocess.run([sys.executable, "-m", "agentctl", "status", "--json", "--repo",
                                                     str(root)], capture_output=True, check=True), args.runs)
    print(f"# {' '.join(sys.argv)}  (median of {args.runs} runs, no remote)")
    print(f"status() in-process        {in_process:8.1f} ms")
    print(f"agentctl status            {cli:8.1f} ms")
    print(f"agentctl status --json     {cli_json:8.1f} ms")


if __name__ == "__main__":
    main()
