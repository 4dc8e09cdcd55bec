"""Simulated production traffic for a canary: the call simulator split by sticky routing.

Stands in for live calls in the demo, the tests and the benchmarks. Each arm's calls come from
its own seeded simulator stream (so faults injected for one version stay in that version), and
a call is kept only if its caller's routing bucket sends it to that arm at the current weight —
the same hash the runtime uses (agentctl.deploy.routing), so the split matches the weight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from agentctl.calls.simulate import simulate_calls
from agentctl.deploy.routing import bucket, on_canary


def canary_traffic(*, agent: str, env: str, salt: str, stable: int, canary: int | None, weight: int,
                   start: dt.datetime, end: dt.datetime, calls: int, seed: int,
                   faults: Sequence[Any] = (), profile: Any = None) -> list[dict[str, Any]]:
    """About `calls` call records spread evenly over [start, end), routed by caller to stable or canary."""

    arms = [(stable, False)] + ([(canary, True)] if canary is not None and weight > 0 else [])
    span = (end - start) / max(calls, 1)
    out: list[tuple[int, dict[str, Any]]] = []
    for index, (version, is_canary) in enumerate(arms):
        stream = simulate_calls(agent=agent, env=env, versions={version: 1.0}, start=start.date(), days=1,
                                calls_per_day=calls, seed=seed * 2 + index, faults=list(faults), profile=profile)
        for i, record in enumerate(stream):
            routed_to_canary = canary is not None and on_canary(bucket(agent, salt, record["caller_key"]), weight)
            if routed_to_canary != is_canary:
                continue
            began = dt.datetime.fromisoformat(record["started_at"])
            ended = dt.datetime.fromisoformat(record["ended_at"])
            at = start + span * (i + 0.5)
            record.update(call_id=f"{record['call_id']}-v{version}", started_at=at.isoformat(timespec="seconds"),
                          ended_at=(at + (ended - began)).isoformat(timespec="seconds"))
            out.append((i, record))
    return [record for _, record in sorted(out, key=lambda item: item[0])]
