"""Time agentctl's start-up and `validate` against a bare interpreter, as ratios.

    python benchmarks/startup.py [--runs 15] [--agents 200]

Prints median wall-clock milliseconds for `python -c pass`, `agentctl --version`,
`agentctl validate` on the example repo and on a synthetic repo with --agents agents.
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

from agentctl.ops.init import init_repo  # noqa: E402
from benchmarks.synthetic_repo import make_synthetic_repo  # noqa: E402


def median_ms(cmd: list[str], runs: int, cwd: Path | None = None) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=False, capture_output=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--agents", type=int, default=200)
    args = parser.parse_args()
    py = sys.executable
    agentctl = [py, "-m", "agentctl"]
    with tempfile.TemporaryDirectory() as tmp:
        example = init_repo(Path(tmp) / "example").root
        synthetic = make_synthetic_repo(Path(tmp) / "synthetic", args.agents)
        baseline = median_ms([py, "-c", "pass"], args.runs)
        rows = [
            ("python -c pass", baseline),
            ("agentctl --version", median_ms([*agentctl, "--version"], args.runs)),
            ("agentctl validate (example)", median_ms([*agentctl, "validate", "--repo", example], args.runs)),
            (f"agentctl validate ({args.agents} agents)", median_ms([*agentctl, "validate", "--repo", str(synthetic)],
                                                                    max(3, args.runs // 5))),
        ]
    print(f"# {' '.join(sys.argv)}  (median of {args.runs} runs)")
    print(f"{'command':40} {'ms':>9} {'× python':>9}")
    for name, ms in rows:
        print(f"{name:40} {ms:9.1f} {ms / baseline:9.1f}")


if __name__ == "__main__":
    main()
