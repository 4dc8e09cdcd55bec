"""A simulated week for the weekly-review tests: from Wednesday (day 2) the SMS gateway answers 200 without
sending 30% of the time. Records carry a recording_url and a transcript, as the platforms' end-of-call reports do."""

from __future__ import annotations

import json
from pathlib import Path

from agentctl.calls.simulate import SilentToolFailure, simulate_calls

WEEK = "2026-W11"  # Monday 2026-03-09 … Sunday 2026-03-15
REVIEW = f"reviews/{WEEK}/install-reminder.yaml"


def write_week(path: Path) -> Path:
    with path.open("w") as out:
        for record in simulate_calls(start="2026-03-09", days=7, calls_per_day=200, seed=3,
                                     faults=[SilentToolFailure(tool="sms-gateway", share=0.3, start_day=2)]):
            record["recording_url"] = f"https://recordings.example/{record['call_id']}.wav"
            record["transcript"] = f"AI: Hi, this is the Roadwise assistant ({record['call_id']})."
            out.write(json.dumps(record) + "\n")
    return path
