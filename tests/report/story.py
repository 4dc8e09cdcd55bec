"""The incident quarter as a real config repo: releases, deploys and contract changes on their days, plus calls.

Built with the real ops functions on a simulated clock; file commits carry the story's dates
(GIT_AUTHOR_DATE / GIT_COMMITTER_DATE), so contract history and deployment log line up with the calls:
- Sep 1: v1 (sms-gateway 2.0.0) stable;
- incident Monday: sms-gateway 2.1.0 leaves sender_id out, v2 100% — 30% of texts silently fail;
- two weeks later: sms-gateway 3.0.0 sends it again, v3 100% (the fix);
- improvement Tuesday: v4's clearer confirmation prompt 10%, then 100% the next day.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from agentctl.calls.simulate import QuarterStory

AGENT = "install-reminder"
TZ = ZoneInfo("America/Chicago")


@contextmanager
def dated(moment: dt.datetime) -> Iterator[None]:
    """Git commits and agentctl's clock both read `moment` inside the block."""
    from agentctl import clock

    stamp = moment.isoformat()
    saved = {k: os.environ.get(k) for k in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE")}
    os.environ["GIT_AUTHOR_DATE"] = os.environ["GIT_COMMITTER_DATE"] = stamp
    try:
        with clock.simulated(moment):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def edit_contract(root: Path, version: str, *, optional_sender: bool, changes: str) -> None:
    path = root / "tool-contracts" / "sms-gateway.yaml"
    text = re.sub(r"(?m)^version: .*$", f"version: {version}", path.read_text("utf-8"), count=1)
    text = re.sub(r"changes: >-\n(?:  .*\n)+", "changes: >-\n  " + changes + "\n", text, count=1)
    required = "    required: [to, body]" if optional_sender else "    required: [to, body, sender_id]"
    text = re.sub(r"(?m)^    required: \[to, body(?:, sender_id)?\]$", required, text, count=1)
    path.write_text(text, "utf-8")
    agent = root / "bundles" / AGENT / "agent.yaml"
    major = version.split(".")[0]
    agent.write_text(re.sub(r"(contract: sms-gateway\n\s+version: )\^\d+\.\d+\.\d+", rf"\g<1>^{major}.0.0",
                            agent.read_text("utf-8")), "utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", f"sms-gateway {version}: {changes}")


def improve_prompt(root: Path) -> None:
    """Prompt v2: a steadier delivery (temperature 0.3 → 0.2) that the boundary cassettes still accept."""
    meta = root / "prompts" / AGENT / "prompt.yaml"
    text = re.sub(r"(?m)^version: \d+$", "version: 2", meta.read_text("utf-8"), count=1)
    text = re.sub(r"changes: >-\n(?:  .*\n)+", "changes: >-\n  steadier delivery of the install confirmation "
                  "(temperature 0.3 → 0.2)\n", text, count=1)
    meta.write_text(text.replace("temperature: 0.3", "temperature: 0.2"), "utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "install-reminder prompt v2: steadier install confirmation")


def ship(root: Path, version: int, note: str, *, canary: int, override: bool = False) -> None:
    from agentctl.identity import Actor, acting_as
    from agentctl.ops.release import release_bundle
    from agentctl.ops.rollout import deploy
    from agentctl.ops.test import run_tests

    ref = f"{AGENT}@v{version}"
    release_bundle(root, AGENT, note)
    run_tests(root, ref)
    with acting_as(Actor("Ines Duarte", "ines@roadwise.example", "test", login="ines")):
        # the recorded boundary cassettes predate prompt v2's settings: an engineer overrides, on the record
        deploy(root, ref, "staging", override=override, reason=note)
        deploy(root, ref, "production", canary=canary, reason=note, override=override)


def build_quarter(root: Path, *, calls_per_day: int = 300, seed: int = 3) -> QuarterStory:
    """The repo at `root` (made by `agentctl init`) gets the quarter's history and its calls."""
    from agentctl.identity import Actor, acting_as
    from agentctl.ops.calls import ingest_calls
    from agentctl.ops.rollout import promote

    story = QuarterStory.build("2026-09-01", 91)

    def at(day: int, hour: int = 10) -> dt.datetime:
        date = story.date(day)
        return dt.datetime(date.year, date.month, date.day, hour, 0, tzinfo=TZ)

    config = root / "agentctl.yaml"  # the incident and fix land on Mondays: open the window Monday to Friday
    config.write_text(config.read_text("utf-8").replace("days: [tue, wed, thu]", "days: [mon, tue, wed, thu, fri]"),
                      "utf-8")
    with dated(at(0, 9)):
        _git(root, "commit", "-q", "-am", "change windows: Monday to Friday")
    with dated(at(0)):
        ship(root, 1, "Install Reminder as shipped: texts the install link with sender_id ROADWISE", canary=100)
    with dated(at(story.incident, 9)):
        edit_contract(root, "2.1.0", optional_sender=True,
                      changes="sender_id is optional: the gateway picks the account's default sender")
    with dated(at(story.incident)):
        ship(root, 2, "SMS gateway contract 2.1.0: sender_id left out, the gateway's default sender is used",
             canary=100)
    with dated(at(story.fix, 9)):
        edit_contract(root, "3.0.0", optional_sender=False,
                      changes="sender_id is required again: without it 30% of texts were silently not sent")
    with dated(at(story.fix)):
        ship(root, 3, "SMS gateway contract 3.0.0: sender_id sent on every text again", canary=100)
    with dated(at(story.improvement, 9)):
        improve_prompt(root)
    with dated(at(story.improvement)):
        ship(root, 4, "Prompt v2: steadier delivery of the install confirmation", canary=10, override=True)
    with dated(at(story.improvement + 1)), acting_as(Actor("Ines Duarte", "ines@roadwise.example", "test", login="ines")):
        promote(root, AGENT, "production", full=True, force=True,
                reason="canary healthy for a day (calls arrive with the quarter's ingest)")
    calls = root / ".agentctl" / "quarter.jsonl"
    calls.parent.mkdir(parents=True, exist_ok=True)
    with calls.open("w", encoding="utf-8") as handle:
        for record in story.calls(calls_per_day=calls_per_day, seed=seed):
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
    ingest_calls(root, [str(calls)])
    return story
