"""Canary scenarios in a few lines: two released bundles, a 10% production canary, simulated traffic."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from tests.helpers import RepoDir

AGENT = "install-reminder"
CHICAGO = ZoneInfo("America/Chicago")
TUESDAY_10 = dt.datetime(2026, 3, 3, 10, 0, tzinfo=CHICAGO)  # inside the Tue–Thu 09:00–17:00 window

FAST_POLICY = """analysis:
  alpha: 0.01
  min_duration_minutes: 60
  metrics:
    - {metric: sms_success, tolerance: 0.05, critical: true}
    - {metric: transcription_confidence, tolerance: 0.02}
"""


def release_versions(repo: RepoDir, count: int = 2) -> None:
    """Release `count` bundles with honest notes and passing unit/boundary results."""
    from agentctl.ops.release import release_bundle
    from agentctl.store.results import save_result

    for i in range(count):
        if i:
            meta = repo.read("prompts/install-reminder/prompt.yaml")
            head, _, rest = meta.partition("description:")
            text = repo.read("prompts/install-reminder/system.md")
            repo.gen({"prompts/install-reminder/system.md": text + f"\nKeep every turn under two sentences ({i}).\n",
                      "prompts/install-reminder/prompt.yaml":
                          f"name: install-reminder\nversion: {i + 1}\nchanges: turns kept under two sentences "
                          f"(round {i}) to cut latency\ndescription:{rest}"},
                     commit=f"prompt v{i + 1}: shorter turns")
        bundle = release_bundle(repo.path, AGENT, f"prompt: turns kept under two sentences to cut latency (round {i})")
        for suite in ("unit", "boundary"):
            save_result(repo.path, AGENT, bundle.version, suite, {"status": "passed"})


def use_policy(repo: RepoDir, policy: str = FAST_POLICY) -> None:
    """Replace the agent's analysis policy (everything from `analysis:` on)."""
    path = f"bundles/{AGENT}/agent.yaml"
    text = repo.read(path)
    head = text[:text.index("analysis:")] if "analysis:" in text else text
    head = head.rsplit("# How `agentctl canary", 1)[0]
    repo.gen({path: head + policy}, commit="canary policy for the test")


def start_canary(repo: RepoDir, weight: int = 10) -> None:
    """v1 stable in staging and production, v2 in staging and as a `weight`% production canary (clock: now)."""
    from agentctl.ops.rollout import deploy

    release_versions(repo, 2)
    from tests.deploy.builders import as_person

    with as_person("ines"):
        for ref, env, canary in ((1, "staging", None), (1, "production", None), (2, "staging", None),
                                 (2, "production", weight)):
            deploy(repo.path, f"{AGENT}@v{ref}", env, canary=canary)


def send_calls(repo: RepoDir, sim: Any, *, minutes: int, calls: int, seed: int, faults: Sequence[Any] = (),
               canary_traffic_on: bool = True) -> list[dict]:
    """Simulated calls over the next `minutes` (the clock advances), routed like the runtime, then ingested."""
    from agentctl.canary.traffic import canary_traffic
    from agentctl.deploy.state import read_state, store
    from agentctl.ops.calls import ingest_calls

    state = read_state(store(repo.path).snapshot(), "production", AGENT)
    start = sim.now()
    end = sim.advance(dt.timedelta(minutes=minutes))
    canary = state.canary["version"] if state.canary and canary_traffic_on else None
    records = canary_traffic(agent=AGENT, env="production", salt="roadwise-2026", stable=state.stable["version"],
                             canary=canary, weight=state.weight, start=start, end=end, calls=calls, seed=seed,
                             faults=faults)
    path = repo.path / f"calls-{seed}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    report = ingest_calls(repo.path, [str(path)])
    assert report.rejected == 0, report.first_rejects
    path.unlink()
    return records
