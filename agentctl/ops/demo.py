"""`agentctl demo`: the SMS-gateway incident replayed end to end, caught by the canary judge in minutes.

In a new repo made by `init`, on a simulated clock (Tuesday 10:00 America/Chicago, inside the
change window, moved forward as simulated calls arrive):

1. v1, the example as shipped, is released, tested, deployed to staging and made stable in production;
2. v2 leaves `sender_id` out of SMS requests (contract 2.1.0: "the gateway picks a default sender").
   Its suites pass — replayed cassettes cannot know what the live gateway does — and it goes to staging
   and to a 10% production canary;
3. simulated production calls arrive in 5-minute batches; for 30% of the canary's texts the gateway
   answers HTTP 200 with status "failed" (the real incident); the calls are ingested (tool calls are
   judged by the contract's success criteria) and `canary watch --once` runs after each batch until
   the judge rolls the canary back;
4. v3 sends sender_id again (contract 3.0.0), goes through the same gates, and healthy traffic lets
   the judge promote it 10% → 50% → 100%.

Every step is the real ops function a command runs (the simulator stands in for live traffic).
Events go to `emit` as they happen: (title, the command a user would type, the ops result).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

AGENT = "install-reminder"
START = dt.datetime(2026, 3, 3, 10, 0, tzinfo=ZoneInfo("America/Chicago"))  # a Tuesday, inside the change window
HUMAN = ("Ines Duarte", "ines@roadwise.example")  # engineering + oncall in the example's agentctl.yaml


@dataclass
class DemoEvent:
    title: str
    command: str | None = None
    result: Any = None  # an ops result (to_dict()), a list of them, or None for a plain note
    note: str = ""


@dataclass
class DemoReport:
    path: str
    simulated_start: str
    simulated_end: str
    rolled_back_version: int | None
    rollback_metric: str | None
    canary_calls_to_rollback: int | None
    final_stable: int | None
    events: list[DemoEvent] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "events"}
        return {**data, "events": [{"title": e.title, "command": e.command, "note": e.note} for e in self.events]}


@dataclass
class TrafficBatch:
    """One simulated batch of calls and the judge's look after it."""

    at: str
    local_time: str  # "Tue 10:05", in the policy's timezone
    calls: int
    canary_calls: int
    ingest: Any
    watch: Any  # agentctl.ops.canary.WatchStep

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "local_time": self.local_time, "calls": self.calls, "canary_calls": self.canary_calls,
                "ingest": self.ingest.to_dict(), "watch": self.watch.to_dict()}


def run_demo(directory: Path | None = None, *, emit: Callable[[DemoEvent], None] | None = None,
             seed: int = 7, batch_calls: int = 150) -> DemoReport:
    """Run the whole story in `directory` (default: a new temporary folder) and report what happened."""
    import tempfile

    from agentctl import clock
    from agentctl.identity import Actor, acting_as
    from agentctl.ops.init import init_repo

    root = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="agentctl-demo-")) / "roadwise-config"
    events: list[DemoEvent] = []

    def say(title: str, command: str | None = None, result: Any = None, note: str = "") -> Any:
        event = DemoEvent(title, command, result, note)
        events.append(event)
        if emit is not None:
            emit(event)
        return result

    say("Create a config repo with the example Install Reminder agent", f"agentctl init {root}", init_repo(root))
    with clock.simulated(START) as sim, acting_as(Actor(*HUMAN, "demo", login="ines")):
        say("Simulated clock", note=f"time is simulated from {START:%a %Y-%m-%d %H:%M} {START.tzinfo} and moves "
                                    "forward as simulated calls arrive; you act as Ines Duarte (engineering, oncall)")
        _ship(root, say, 1, "Install Reminder as shipped: texts the install link with sender_id ROADWISE", "production")
        _edit_contract(root, "2.1.0", optional_sender=True, changes=(
            "sender_id is optional: the gateway's v2.1 API uses the account's default sender when it is left out, "
            "so the agent no longer sends it."))
        _ship(root, say, 2, "SMS gateway contract 2.1.0: sender_id is left out and the gateway's default sender "
                            "is used", "canary")
        batches = _traffic(root, say, sim, seed=seed, batch_calls=batch_calls, minutes=5, max_batches=24,
                           fault_version=2)
        rollback = batches[-1].watch if batches and batches[-1].watch.action == "rollback" else None
        if rollback is None:  # the judge has not decided (an unlucky seed): a human ends the canary
            from agentctl.ops.rollout import abort

            say("The judge has not decided yet; ending the canary by hand", f"agentctl abort {AGENT} --env production",
                abort(root, AGENT, "production", reason="demo: the judge had not decided after the simulated batches"))
        _explain(root, say)
        _edit_contract(root, "3.0.0", optional_sender=False, changes=(
            "sender_id is required again: without it the gateway answers 200 but sends nothing to destinations "
            "that have no default sender (30% of texts from v2)."))
        _ship(root, say, 3, "SMS gateway contract 3.0.0: sender_id is sent on every text again (v2 left it out "
                            "and 30% of texts silently failed)", "canary")
        _traffic(root, say, sim, seed=seed + 1000, batch_calls=batch_calls * 14, minutes=15, max_batches=40,
                 fault_version=None)
        _explain(root, say, evaluate_canary=False)
        end = sim.now()
    from agentctl.ops.status import status

    final = status(root, AGENT, "production").agents[0]
    failing = rollback.evaluation.decision if rollback else None
    metric = next((m.name for m in failing.metrics if m.verdict == "fail"), None) if failing else None
    canary_n = next((m.canary["n"] for m in failing.metrics if m.name == metric), None) if failing else None
    say("Explore it", f"cd {root} && agentctl log {AGENT} --env production")
    return DemoReport(str(root), START.isoformat(), end.isoformat(), rollback.evaluation.canary_version if rollback
                      else None, metric, canary_n, final.stable, events)


def _ship(root: Path, say: Callable[..., Any], version: int, note: str, production: str) -> None:
    """Release, test, deploy to staging, then to production as stable (first deploy) or as a canary."""
    from agentctl.ops.release import release_bundle
    from agentctl.ops.rollout import deploy
    from agentctl.ops.test import run_tests

    ref = f"{AGENT}@v{version}"
    say(f"Release v{version}", f'agentctl release {AGENT} -m "{note}"', release_bundle(root, AGENT, note))
    say("Run the unit and boundary suites (replayed cassettes)", f"agentctl test {ref}", run_tests(root, ref))
    say("Deploy to staging", f"agentctl deploy {ref} --env staging", deploy(root, ref, "staging"))
    if production == "canary":
        say("Deploy to production as a 10% canary", f"agentctl deploy {ref} --env production --canary 10",
            deploy(root, ref, "production", canary=10, reason=note))
    else:
        say("Deploy to production", f"agentctl deploy {ref} --env production", deploy(root, ref, "production"))


def _edit_contract(root: Path, version: str, *, optional_sender: bool, changes: str) -> None:
    """The change a tools owner would make by hand: the SMS contract (and, for a major, the agent's range)."""
    from agentctl.store.gitcmd import Git

    path = root / "tool-contracts" / "sms-gateway.yaml"
    text = path.read_text("utf-8")
    text = re.sub(r"(?m)^version: .*$", f"version: {version}", text, count=1)
    text = re.sub(r"changes: >-\n(?:  .*\n)+", "changes: >-\n  " + changes + "\n", text, count=1)
    required = "    required: [to, body]" if optional_sender else "    required: [to, body, sender_id]"
    text = re.sub(r"(?m)^    required: \[to, body(?:, sender_id)?\]$", required, text, count=1)
    path.write_text(text, "utf-8")
    agent_file = root / "bundles" / AGENT / "agent.yaml"
    major = version.split(".")[0]
    agent_file.write_text(re.sub(r"(contract: sms-gateway\n\s+version: )\^\d+\.\d+\.\d+", rf"\g<1>^{major}.0.0",
                                 agent_file.read_text("utf-8")), "utf-8")
    name, email = HUMAN  # the acting person; like `release`, file commits keep git's own (real) time
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
           "GIT_COMMITTER_EMAIL": email}
    git = Git(root)
    git.run("add", "-A", action="stage the contract change")
    git.run("commit", "-q", "-m", f"sms-gateway {version}: {changes}", env=env, action="commit the contract change")


def _traffic(root: Path, say: Callable[..., Any], sim: Any, *, seed: int, batch_calls: int, minutes: int,
             max_batches: int, fault_version: int | None) -> list[TrafficBatch]:
    """Batches of simulated calls, each ingested and followed by one `canary watch --once`."""
    import json

    from agentctl.calls.simulate import SilentToolFailure
    from agentctl.canary.traffic import canary_traffic
    from agentctl.deploy.context import load_config
    from agentctl.deploy.routing import default_salt
    from agentctl.deploy.state import read_state, store
    from agentctl.ops.calls import ingest_calls
    from agentctl.ops.canary import watch_once

    spec = load_config(root).environments["production"]
    faults = [SilentToolFailure(versions=frozenset({fault_version}), share=0.3)] if fault_version else []
    if fault_version:
        say("Simulate production calls", note=f"{batch_calls} calls every {minutes} simulated minutes; for 30% of "
                                              f"v{fault_version}'s texts the gateway answers HTTP 200 with status "
                                              "'failed' and no message id")
    else:
        say("Simulate production calls", note=f"{batch_calls} healthy calls every {minutes} simulated minutes")
    batches: list[TrafficBatch] = []
    folder = root / ".agentctl" / "simulated"
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(max_batches):
        state = read_state(store(root).snapshot(), "production", AGENT)
        if not state.live_canary or not state.stable or not state.canary:
            break
        canary_version: int = state.canary["version"]
        start = sim.now()
        end = sim.advance(dt.timedelta(minutes=minutes))
        records = canary_traffic(agent=AGENT, env="production", salt=default_salt("production", spec),
                                 stable=state.stable["version"], canary=canary_version, weight=state.weight,
                                 start=start, end=end, calls=batch_calls, seed=seed + number, faults=faults)
        path = folder / f"calls-{end:%Y%m%dT%H%M}.jsonl"
        path.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records), "utf-8")
        report = ingest_calls(root, [str(path)])
        canary_calls = len([r for r in records if r["bundle_version"] == canary_version])
        step = watch_once(root, AGENT, "production")
        batch = TrafficBatch(step.at, f"{end.astimezone(START.tzinfo):%a %H:%M}", len(records), canary_calls, report, step)
        batches.append(batch)
        say("batch", f"agentctl calls ingest {path.name} && agentctl canary watch {AGENT} --env production --once",
            batch)
        if step.action in ("rollback", "pause", "done"):
            break
    return batches


def _explain(root: Path, say: Callable[..., Any], *, evaluate_canary: bool = True) -> None:
    from agentctl.ops.canary import evaluate
    from agentctl.ops.status import deployment_log, status

    if evaluate_canary:
        say("Why: the judge's numbers", f"agentctl canary evaluate {AGENT} --env production",
            evaluate(root, AGENT, "production"))
    say("What runs where", f"agentctl status {AGENT} --env production", status(root, AGENT, "production"))
    say("Who did what, and why", f"agentctl log {AGENT} --env production",
        deployment_log(root, AGENT, "production", limit=6))
