"""Draw a week's review sample from the call store: reproducible, distinct, and saying how it was drawn.

Order of drawing (so the three groups never overlap): the `longest` calls by handle time
(ties by call id), then `escalated` calls at random among the escalated ones left, then
`random` calls at random among all calls left. The random generator is seeded with
"<week>:<agent>:<seed>", and candidates are sorted by call id first, so the same store, week
and seed always give the same calls in the same order.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from typing import Any

from agentctl.errors import BadInputError

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
DEFAULT_SAMPLE = {"random": 10, "longest": 5, "escalated": 5}


def week_days(week: str) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of ISO week `week` (2026-W48)."""
    match = WEEK.match(week)
    if not match:
        raise BadInputError(f"'{week}' is not an ISO week", "write it like 2026-W48")
    try:
        monday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise BadInputError(f"{week} does not exist", "ISO weeks run from W01 to W52 or W53") from None
    return monday, monday + dt.timedelta(days=6)


def week_of(day: dt.date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


@dataclass
class Sample:
    calls: list[tuple[str, str]]  # (call_id, drawn_as) in sample order
    description: dict[str, Any] = field(default_factory=dict)


def draw_sample(store: Any, agent: str, environment: str, week: str, seed: int,
                counts: dict[str, int] | None = None) -> Sample:
    counts = {**DEFAULT_SAMPLE, **(counts or {})}
    monday, sunday = week_days(week)
    rows = store.query("SELECT call_id, handle_time_s, escalated FROM calls WHERE agent = ? AND environment = ? "
                       "AND day BETWEEN ? AND ? ORDER BY call_id", [agent, environment, monday, sunday])
    rng = random.Random(f"{week}:{agent}:{seed}")
    chosen: list[tuple[str, str]] = []
    taken: set[str] = set()
    notes: list[str] = []

    def take(ids: list[str], kind: str) -> None:
        for call_id in ids:
            chosen.append((call_id, kind))
            taken.add(call_id)
        if len(ids) < counts[kind]:
            notes.append(f"only {len(ids)} {kind} call(s) available (asked for {counts[kind]})")

    longest = sorted(rows, key=lambda r: (-(r[1] or 0.0), r[0]))[:counts["longest"]]
    take([r[0] for r in longest], "longest")
    escalated = [r[0] for r in rows if r[2] and r[0] not in taken]
    take(rng.sample(escalated, min(counts["escalated"], len(escalated))), "escalated")
    rest = [r[0] for r in rows if r[0] not in taken]
    take(rng.sample(rest, min(counts["random"], len(rest))), "random")
    description = {
        "method": (f"the {counts['longest']} longest calls by handle time, then {counts['escalated']} escalated calls "
                   f"and {counts['random']} calls drawn at random (Python random.Random seeded with "
                   f"'{week}:{agent}:{seed}', candidates sorted by call id), each call at most once"),
        "environment": environment, "from": monday.isoformat(), "to": sunday.isoformat(),
        "population": len(rows), "asked": counts,
        "drawn": {k: sum(1 for _, kind in chosen if kind == k) for k in ("random", "longest", "escalated")},
        "notes": notes,
    }
    return Sample(chosen, description)
