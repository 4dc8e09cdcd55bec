"""`agentctl simulate`: write seeded, realistic call records (with injected faults) as JSONL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO, Any

from agentctl import clock
from agentctl.calls.simulate import QuarterStory, parse_fault, simulate_lines
from agentctl.errors import BadInputError


@dataclass
class SimulateReport:
    records: int
    out: str

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.records, "out": self.out}


def simulate_to(out: IO[str], out_name: str, *, agent: str, env: str, versions: dict[int, float], start: str | None,
                days: int | None, calls_per_day: int, seed: int, faults: list[str],
                story: str | None = None) -> SimulateReport:
    """Write simulated call records to `out`, one JSON object a line; `faults` use the CLI fault syntax.

    `story="quarter"` writes the incident quarter (calls.simulate.QuarterStory, 91 days by default) instead of
    the flat version mix; `faults` are added to the story's own.
    """

    if story not in (None, "quarter"):
        raise BadInputError(f"unknown story '{story}'", "use --story quarter")
    days = days if days is not None else (91 if story else 1)

    try:
        parsed = [parse_fault(f) for f in faults]
    except ValueError as exc:
        raise BadInputError(str(exc), "write silent-tool:TOOL:SHARE, slow-transcriber:FACTOR, "
                                      "conversion-drift:START:DAYS:FROM:TO or degrade:KIND:DELTA, optionally @VERSIONS") from None
    if days < 1 or calls_per_day < 0:
        raise BadInputError("--days must be ≥ 1 and --calls-per-day ≥ 0", "pass positive numbers")
    if not versions or any(v < 1 for v in versions) or sum(versions.values()) <= 0:
        raise BadInputError("--version needs at least one VERSION[=SHARE] with a positive share", "e.g. --version 11=0.9 --version 12=0.1")
    first = start or (clock.now().date() - dt.timedelta(days=days)).isoformat()
    try:
        dt.date.fromisoformat(first)
    except ValueError:
        raise BadInputError(f"--start {first!r} is not a date", "write it as 2026-03-01") from None
    if story:
        try:
            quarter = QuarterStory.build(first, days)
        except ValueError as exc:
            raise BadInputError(str(exc), "leave --days out (91)") from None
        lines = simulate_lines(agent=agent, env=env, start=first, days=days, calls_per_day=calls_per_day, seed=seed,
                               faults=[*quarter.faults, *parsed], rollout=quarter.rollout, profile=quarter.profile)
    else:
        lines = simulate_lines(agent=agent, env=env, versions=versions, start=first, days=days,
                               calls_per_day=calls_per_day, seed=seed, faults=parsed)
    count = 0
    for line in lines:  # drawn a day at a time with numpy: a million records in seconds
        out.write(line + "\n")
        count += 1
    return SimulateReport(count, out_name)
