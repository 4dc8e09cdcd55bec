"""The one clock agentctl reads. Tests move it with time-machine; nothing else calls datetime.now().

`simulated(start)` replaces it explicitly (the demo runs whole days of canary traffic in seconds);
the override is a context variable, so it ends with its `with` block and never leaks into others.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

_SIMULATED: contextvars.ContextVar[SimulatedClock | None] = contextvars.ContextVar("agentctl_clock", default=None)


class SimulatedClock:
    """A clock that stands still until `advance` moves it."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a simulated clock needs an aware start time")
        self.current = start.astimezone(dt.timezone.utc)

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        self.current += delta
        return self.current


@contextmanager
def simulated(start: dt.datetime) -> Iterator[SimulatedClock]:
    """Within the block, now() reads the returned clock (move it with `.advance(timedelta)`)."""
    clock = SimulatedClock(start)
    token = _SIMULATED.set(clock)
    try:
        yield clock
    finally:
        _SIMULATED.reset(token)


def now() -> dt.datetime:
    """Current time as an aware UTC datetime (the simulated time inside `simulated()`)."""
    override = _SIMULATED.get()
    if override is not None:
        return override.now()
    return dt.datetime.now(dt.timezone.utc)


def isoformat(moment: dt.datetime) -> str:
    """ISO 8601 with seconds precision and an explicit offset, as stored in records."""
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()


def parse_iso(text: str) -> dt.datetime:
    """Parse an ISO 8601 timestamp; naive values are taken as UTC."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
