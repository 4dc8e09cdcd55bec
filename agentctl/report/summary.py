"""Trend, band and the summary paragraph: what moved most, and which changes were nearest to it."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from agentctl.report.events import Event
from agentctl.report.queries import DayOutcome

TREND_DAYS = 7
Z95 = 1.959964


def wilson(successes: float, n: float) -> tuple[float, float]:
    """95% Wilson score interval for a share (well behaved near 0 and 1, unlike p ± z·se)."""
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + Z95 ** 2 / n
    centre = (p + Z95 ** 2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class TrendPoint:
    day: dt.date
    rate: float | None
    trend: float | None
    low: float | None
    high: float | None


def trend_points(days: Sequence[DayOutcome]) -> list[TrendPoint]:
    """Trailing 7-day pooled rate (successes / calls) and its 95% Wilson band, per day with calls."""
    out = []
    for i, point in enumerate(days):
        window = [d for d in days[max(0, i - TREND_DAYS + 1): i + 1] if (point.day - d.day).days < TREND_DAYS]
        calls = sum(d.calls for d in window)
        successes = sum(d.successes for d in window)
        if calls == 0 or len(window) < 3:
            out.append(TrendPoint(point.day, point.rate, None, None, None))
            continue
        low, high = wilson(successes, calls)
        out.append(TrendPoint(point.day, point.rate, successes / calls, low, high))
    return out


def pooled(days: Sequence[DayOutcome]) -> float | None:
    calls = sum(d.calls for d in days)
    return sum(d.successes for d in days) / calls if calls else None


@dataclass
class Shift:
    day: dt.date  # first day of the new level
    before: float
    after: float
    events: list[Event]

    @property
    def delta(self) -> float:
        return self.after - self.before


def biggest_shifts(days: Sequence[DayOutcome], events: Sequence[Event], *, count: int = 2,
                   span: int = TREND_DAYS, near_days: int = 3) -> list[Shift]:
    """The days where the outcome's level changed most (7 days after vs 7 days before), at least two weeks
    apart, each with the deploys and contract changes within `near_days` of it."""
    by_day = {d.day: d for d in days}
    candidates = []
    for d in days:
        before = [by_day[x] for x in _range(d.day - dt.timedelta(days=span), span) if x in by_day]
        after = [by_day[x] for x in _range(d.day, span) if x in by_day]
        if len(before) >= span - 2 and len(after) >= span - 2:
            b, a = pooled(before), pooled(after)
            if b is not None and a is not None:
                candidates.append((abs(a - b), d.day, b, a))
    chosen: list[Shift] = []
    for _, day, b, a in sorted(candidates, reverse=True):
        if all(abs((day - s.day).days) >= 2 * span for s in chosen):
            near = [e for e in events if e.kind != "release" and abs((e.day - day).days) <= near_days]
            chosen.append(Shift(day, b, a, near))
        if len(chosen) == count:
            break
    return sorted(chosen, key=lambda s: s.day)


def _range(start: dt.date, days: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(days)]


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def points(delta: float) -> str:
    return f"{delta * 100:+.1f} pts"
