"""The one clock agentctl reads. Tests move it with time-machine; nothing else calls datetime.now()."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """Current time as an aware UTC datetime."""
    return dt.datetime.now(dt.timezone.utc)


def isoformat(moment: dt.datetime) -> str:
    """ISO 8601 with seconds precision and an explicit offset, as stored in records."""
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()


def parse_iso(text: str) -> dt.datetime:
    """Parse an ISO 8601 timestamp; naive values are taken as UTC."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
