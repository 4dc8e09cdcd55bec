"""Time `agentctl ci` for a one-prompt change at 20 and 200 agents: its cost should follow the change.

    python benchmarks/ci_gate.py [--agents 20 200] [--repeat 5]

For each size it builds the synthetic repo (benchmarks/synthetic_repo.py), branches `pr` off
`main`, changes one agent's prompt (with a version bump and a note), and prints the median
wall time of the gate next to a full `validate` of the same repo for scale.
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

from agentctl.ops.ci import run_ci  # noqa: E402
from agentctl.ops.validate import validate_repo  # noqa: E402
from benchmarks.synthetic_repo import make_synthetic_repo  # noqa: E402


def change_one_prompt(root: Path) -> None:
    subprocess.run(["git", "checkout", "-q", "-b", "pr"], cwd=root, check=True)
    meta = root / "prompts/agent-000/prompt.yaml"
    text = meta.read_text().replace("version: 1\n", "version: 2\n", 1)
    head, _, rest = text.partition("changes: >-\n")
    note = "asks which phone the driver uses before texting, so iPhone owners get the App Store link"
    meta.write_text(head + f"changes: {note}\ndescription:" + rest.split("description:", 1)[1])
    template = root / "prompts/agent-000/system.md"
    template.write_text(template.read_text() + "\nAsk whether the driver uses Android or iPhone.\n")
    subprocess.run(["git", "commit", "-qam", "one prompt change"], cwd=root, check=True)


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'agents':>7} {'files':>6} {'ci gate (s)':>12} {'full validate (s)':>18}  result")
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.agents:
            root = make_synthetic_repo(Path(tmp) / f"repo-{count}", count)
            change_one_prompt(root)
            report = run_ci(root, "main", environ={})
            gate = median_seconds(lambda root=root: run_ci(root, "main", environ={}), args.repeat)
            full = median_seconds(lambda root=root: validate_repo(root), max(1, args.repeat // 2))
            files = sum(1 for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)
            verdict = "pass" if report.ok else f"FAIL: {[str(f) for f in report.errors]}"
            print(f"{count:>7} {files:>6} {gate:>12.3f} {full:>18.3f}  {verdict}, "
                  f"{len(report.affected_agents)} affected agent(s)")


if __name__ == "__main__":
    main()
