"""Change windows: allowed days and hours, freezes and the days before them, in the policy's timezone.

Evaluation order for a moment (local time in `policy.timezone`): inside a freeze → closed;
outside every change window → closed; the day before a weekend or a freeze → closed; else open.
The next opening is the earliest moment, at or after now, that passes the same rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DEFAULT_WINDOWS: list[dict[str, Any]] = [{"days": ["tue", "wed", "thu"], "start": "09:00", "end": "17:00"}]
DEFAULT_EXEMPT = ["rollback", "abort", "disable"]
DEFAULT_OVERRIDE_ROLES = ["engineering"]
SEARCH_DAYS = 800  # a yearly freeze plus a year of closed days still finds the next window


@dataclass(frozen=True)
class Window:
    days: tuple[int, ...]
    start: dt.time
    end: dt.time

    def describe(self) -> str:
        return f"{_days_text(self.days)} {self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class Freeze:
    name: str
    start: dt.date
    end: dt.date
    every_year: bool
    reason: str

    def covers(self, day: dt.date) -> bool:
        if not self.every_year:
            return self.start <= day <= self.end
        md, first, last = (day.month, day.day), (self.start.month, self.start.day), (self.end.month, self.end.day)
        return first <= md <= last if first <= last else (md >= first or md <= last)  # may wrap New Year

    def describe(self) -> str:
        span = f"{self.start:%m-%d} – {self.end:%m-%d} every year" if self.every_year else f"{self.start} – {self.end}"
        return f"freeze {self.name} ({span}{': ' + self.reason if self.reason else ''})"


@dataclass
class WindowStatus:
    open: bool
    at: str  # local ISO time evaluated
    timezone: str
    reason: str
    rule: str  # open | freeze | outside-window | before-weekend | before-freeze | not-enforced
    next_open: str | None
    windows: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class WindowPolicy:
    def __init__(self, policy: dict[str, Any]) -> None:
        from zoneinfo import ZoneInfo

        self.timezone = policy.get("timezone") or "UTC"
        self.tz = ZoneInfo(self.timezone)
        self.windows = [Window(tuple(DAYS.index(d) for d in w["days"]), _time(w["start"]), _time(w["end"]))
                        for w in policy.get("change_windows") or DEFAULT_WINDOWS]
        self.freezes = [Freeze(f["name"], _date(f["from"]), _date(f["to"]), bool(f.get("every_year")),
                               f.get("reason", "")) for f in policy.get("freezes") or []]
        self.no_before_weekend = bool(policy.get("no_changes_before_weekend"))
        self.no_before_freeze = bool(policy.get("no_changes_before_freeze"))
        self.exempt = list(policy.get("exempt_actions") or DEFAULT_EXEMPT)
        self.override_roles = list(policy.get("override_roles") or DEFAULT_OVERRIDE_ROLES)

    def describe_windows(self) -> str:
        return ", ".join(w.describe() for w in self.windows)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)

    def format(self, moment: dt.datetime, *, with_date: bool = False) -> str:
        local = self.local(moment)
        stamp = f"{local:%A} {local:%Y-%m-%d %H:%M}" if with_date else f"{local:%A %H:%M}"
        return f"{stamp} {self.timezone}"

    def day_closed(self, day: dt.date) -> tuple[str, str] | None:
        """(rule, reason) when the whole day is closed by a freeze or the day before one or a weekend."""
        for freeze in self.freezes:
            if freeze.covers(day):
                return "freeze", f"in {freeze.describe()}"
        tomorrow = day + dt.timedelta(days=1)
        if self.no_before_freeze:
            for freeze in self.freezes:
                if freeze.covers(tomorrow):
                    return "before-freeze", f"the day before {freeze.describe()}"
        if self.no_before_weekend and tomorrow.weekday() >= 5 and day.weekday() < 5:
            return "before-weekend", "the day before a weekend"
        return None

    def _in_window(self, local: dt.datetime) -> bool:
        return any(local.weekday() in w.days and w.start <= local.time() < w.end for w in self.windows)

    def check(self, moment: dt.datetime) -> WindowStatus:
        local = self.local(moment)
        when = self.format(moment)
        closed = self.day_closed(local.date())
        if closed and closed[0] == "freeze":
            rule, reason = "freeze", f"{when} is {closed[1]}"
        elif not self._in_window(local):
            rule, reason = "outside-window", f"{when} is outside {self.describe_windows()}"
        elif closed:
            rule, reason = closed[0], f"{when} is {closed[1]}"
        else:
            rule, reason = "open", f"{when} is inside {self.describe_windows()}"
        nxt = moment if rule == "open" else self.next_open(moment)
        return WindowStatus(rule == "open", local.isoformat(), self.timezone, reason, rule,
                            self.local(nxt).isoformat() if nxt else None, self.describe_windows())

    def next_open(self, moment: dt.datetime) -> dt.datetime | None:
        local = self.local(moment)
        for offset in range(SEARCH_DAYS):
            day = local.date() + dt.timedelta(days=offset)
            if self.day_closed(day):
                continue
            starts = []
            for w in self.windows:
                if day.weekday() not in w.days:
                    continue
                start = dt.datetime.combine(day, w.start, self.tz)
                end = dt.datetime.combine(day, w.end, self.tz)
                if end > local:
                    starts.append(max(start, local))
            if starts:
                return min(starts)
        return None


def _time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _days_text(days: tuple[int, ...]) -> str:
    names = [DAYS[d].capitalize() for d in sorted(days)]
    contiguous = sorted(days) == list(range(min(days), max(days) + 1))
    return f"{names[0]}–{names[-1]}" if contiguous and len(names) > 2 else ", ".join(names)


def enforced(env_spec: dict[str, Any]) -> bool:
    """Change windows apply where the environment says so (default: production environments only)."""
    return bool(env_spec.get("change_windows", env_spec.get("production", False)))
