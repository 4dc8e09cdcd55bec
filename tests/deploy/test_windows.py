"""Change windows evaluated in the team's timezone: days, hours, freezes, the days before them."""

from __future__ import annotations

import datetime as dt

from agentctl.deploy.windows import WindowPolicy
from tests.deploy.builders import CHICAGO, FREEZE_DAY, FRIDAY_10, TUESDAY_10

EXAMPLE = {
    "timezone": "America/Chicago",
    "change_windows": [{"days": ["tue", "wed", "thu"], "start": "09:00", "end": "17:00"}],
    "freezes": [{"name": "holiday-peak", "from": "2026-12-20", "to": "2027-01-02", "every_year": True,
                 "reason": "peak onboarding season"}],
    "no_changes_before_weekend": True,
    "no_changes_before_freeze": True,
}


def test_tuesday_morning_is_open() -> None:
    status = WindowPolicy(EXAMPLE).check(TUESDAY_10)
    assert status.open
    assert status.reason == "Tuesday 10:00 America/Chicago is inside Tue–Thu 09:00–17:00"


def test_friday_is_closed_and_names_next_tuesday() -> None:
    status = WindowPolicy(EXAMPLE).check(FRIDAY_10)
    assert not status.open
    assert status.reason == "Friday 10:00 America/Chicago is outside Tue–Thu 09:00–17:00"
    assert status.next_open == "2026-12-01T09:00:00-06:00"


def test_evening_opens_next_morning_and_utc_input_is_converted() -> None:
    utc_evening = dt.datetime(2026, 11, 24, 23, 30, tzinfo=dt.timezone.utc)  # 17:30 in Chicago
    status = WindowPolicy(EXAMPLE).check(utc_evening)
    assert status.reason.startswith("Tuesday 17:30 America/Chicago is outside")
    assert status.next_open == "2026-11-25T09:00:00-06:00"


def test_freeze_closes_inside_window_hours_and_next_opens_after_it() -> None:
    status = WindowPolicy(EXAMPLE).check(FREEZE_DAY)
    assert status.rule == "freeze"
    assert "freeze holiday-peak (12-20 – 01-02 every year: peak onboarding season)" in status.reason
    assert status.next_open == "2027-01-05T09:00:00-06:00"


def test_yearly_freeze_recurs_across_new_year() -> None:
    policy = WindowPolicy(EXAMPLE)
    assert policy.check(dt.datetime(2030, 12, 31, 10, tzinfo=CHICAGO)).rule == "freeze"
    assert policy.check(dt.datetime(2031, 1, 2, 10, tzinfo=CHICAGO)).rule == "freeze"


def test_day_before_freeze_is_closed() -> None:
    policy = WindowPolicy({**EXAMPLE, "freezes": [{"name": "launch", "from": "2026-11-26", "to": "2026-11-27"}]})
    status = policy.check(dt.datetime(2026, 11, 25, 10, tzinfo=CHICAGO))  # Wednesday
    assert status.rule == "before-freeze"
    assert "the day before freeze launch (2026-11-26 – 2026-11-27)" in status.reason


def test_day_before_weekend_is_closed_even_inside_window_days() -> None:
    policy = WindowPolicy({**EXAMPLE, "change_windows": [{"days": ["mon", "tue", "wed", "thu", "fri"],
                                                         "start": "09:00", "end": "17:00"}]})
    status = policy.check(FRIDAY_10)
    assert status.rule == "before-weekend"
    assert status.next_open == "2026-11-30T09:00:00-06:00"


def test_defaults_are_tuesday_to_thursday_nine_to_five() -> None:
    policy = WindowPolicy({"timezone": "America/Chicago"})
    assert policy.describe_windows() == "Tue–Thu 09:00–17:00"
    assert policy.exempt == ["rollback", "abort", "disable"]
