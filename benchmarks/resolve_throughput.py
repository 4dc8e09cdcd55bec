"""In-process sticky routing throughput.

    python benchmarks/resolve_throughput.py [--keys 200000]

Prints keys/second for: Router.assign (hash + bucket + weight, the per-call work), Router.resolve
with the rendered config (cached after the first read from git), and the one-shot
agentctl.resolve() that re-reads the deployment state each call; plus the observed canary share.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agentctl.ops.resolve import Router, resolve  # noqa: E402
from benchmarks.deploy_fixture import make_canary_repo  # noqa: E402


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:12,.0f} keys/s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_canary_repo(Path(tmp) / "repo")
        router = Router.load(root, "staging")
        keys = [f"caller-{i}" for i in range(args.keys)]
        start = time.perf_counter()
        canary = sum(router.assign("install-reminder", k)[0] == "canary" for k in keys)
        assign_s = time.perf_counter() - start
        router.resolve("install-reminder", keys[0])  # warm the config cache
        start = time.perf_counter()
        for key in keys:
            router.resolve("install-reminder", key)
        resolve_s = time.perf_counter() - start
        one_shot = 20
        start = time.perf_counter()
        for key in keys[:one_shot]:
            resolve(root, "install-reminder", key=key, env="staging", with_config=False)
        one_shot_s = time.perf_counter() - start
    print(f"# {' '.join(sys.argv)}")
    print(f"Router.assign                {rate(args.keys, assign_s)}   canary share {canary / args.keys:.4f} at weight 10")
    print(f"Router.resolve (+config)     {rate(args.keys, resolve_s)}")
    print(f"agentctl.resolve (one-shot)  {rate(one_shot, one_shot_s)}   ({one_shot_s / one_shot * 1000:.1f} ms per call)")


if __name__ == "__main__":
    main()
