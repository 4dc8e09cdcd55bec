"""`agentctl demo`: the founding incident replayed through the live loop, on a simulated clock.

In a new repo made by `init` (the Install Reminder example), with a fake SMS gateway and `agentctl
serve` both really listening on 127.0.0.1:

1. Tuesday: v1 (SMS contract 1.4.0, no `sender_id`) is stable in production; simulated calls arrive
   as Vapi webhooks through serve and every text is queued.
2. Tuesday night the provider starts requiring `sender_id`; to destinations without a default
   sender it answers HTTP 200 `{"status": "failed"}` and sends nothing. Wednesday's calls: HTTP
   success ~100%, contract-judged SMS success ~70%.
3. Thursday morning `check daily` finds the silent-failure gap and the drop, tags the tools owner and
   links the tool-failure runbook; `runbook run tool-failure --tool sms-gateway` runs `contracts
   verify` against the gateway, which names the cause.
4. The fix: contract 2.0.0 requires `sender_id` (`contracts diff`: request-property-became-required),
   `ci` gates it, v2 is released, staged and canaried at 10% through serve; the judge promotes it
   10 → 50 → 100 on healthy traffic.
5. A bad v3 (an unregistered sender name) is canaried and the judge rolls it back by itself.
6. A summary (texts lost with agentctl vs the two weeks it took without) and the monthly report.

Every step is the public ops function the matching command runs. Events go to `emit` as they
happen; `DemoReport` holds the numbers.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

AGENT = "install-reminder"
TOOL = "sms-gateway"
TZ = ZoneInfo("America/Chicago")
START = dt.datetime(2026, 3, 3, 9, 30, tzinfo=TZ)  # a Tuesday, inside the change window
PROVIDER_CHANGE = dt.datetime(2026, 3, 3, 23, 0, tzinfo=TZ)
HUMAN = ("Ines Duarte", "ines@roadwise.example")  # engineering + oncall in the example's agentctl.yaml
DEMO_UNJUDGED = ("escalation_rate", "install_rate", "transcription_confidence")  # see _Story.demo_analysis
WITHOUT_DAYS = 14
DETECTED = dt.datetime(2026, 3, 5, 7, 0, tzinfo=TZ)  # Thursday's morning check
DAY_HOURS = 10  # calls run 10:00-20:00  # the founding incident went unnoticed for two weeks


@dataclass
class DemoEvent:
    kind: str  # step | note | day | check | runbook | diff | ci | canary | summary | explore
    title: str
    command: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class DemoReport:
    path: str
    simulated_start: str
    simulated_end: str
    days: list[dict[str, Any]] = field(default_factory=list)
    gap_finding: dict[str, Any] | None = None
    diagnosis: str | None = None
    promotions: list[str] = field(default_factory=list)
    rollback: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    chart: str | None = None
    follow_up: list[str] = field(default_factory=list)
    events: list[DemoEvent] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "events"}
        return {**data, "events": [{"kind": e.kind, "title": e.title, "command": e.command} for e in self.events]}


def agentctl_command() -> str:
    """How to run agentctl as printed: the script next to the running interpreter (the venv's), if there is one."""
    script = Path(sys.executable).parent / "agentctl"
    return shlex.quote(str(script)) if script.exists() else "agentctl"


def run_demo(directory: Path | None = None, *, emit: Callable[[DemoEvent], None] | None = None,
             seed: int = 7, fast: bool = False) -> DemoReport:
    """Run the whole story in `directory` (default: a new temporary folder) and report what happened."""
    import tempfile

    from agentctl import clock
    from agentctl.demo.gateway import FakeSmsGateway
    from agentctl.identity import Actor, acting_as
    from agentctl.ops.init import init_repo

    root = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="agentctl-demo-")) / "roadwise-config"
    report = DemoReport(str(root), START.isoformat(), START.isoformat())

    def say(kind: str, title: str, command: str | None = None, **data: Any) -> None:
        event = DemoEvent(kind, title, command, data)
        report.events.append(event)
        if emit is not None:
            emit(event)

    init = init_repo(root)
    say("step", "A config repo with the example Install Reminder agent", f"agentctl init {root}",
        lines=[f"created {init.root} ({len(init.files)} files, one commit)"])
    saved_token = os.environ.get("SMS_GATEWAY_TOKEN")
    os.environ["SMS_GATEWAY_TOKEN"] = "demo-token"  # the contract's declared secret; the fake gateway ignores it
    try:
        with FakeSmsGateway() as gateway, clock.simulated(START) as sim, \
                acting_as(Actor(*HUMAN, "demo", login="ines")):
            _Story(root, gateway, sim, say, report, seed, fast).run()
            report.simulated_end = sim.now().isoformat()
    finally:
        if saved_token is None:
            os.environ.pop("SMS_GATEWAY_TOKEN", None)
        else:
            os.environ["SMS_GATEWAY_TOKEN"] = saved_token
    return report


class _Story:
    def __init__(self, root: Path, gateway: Any, sim: Any, say: Callable[..., None], report: DemoReport, seed: int,
                 fast: bool) -> None:
        self.root, self.gateway, self.sim, self.say, self.report = root, gateway, sim, say, report
        self.seed, self.fast = seed, fast
        self.per_day = 80 if fast else 300
        self.contracts: dict[int, dict[str, Any]] = {}
        self.live: Any = None
        self.caller: Any = None
        self.v2_at_100: dt.datetime | None = None
        self.bad_canary_failed = 0
        self.bad_canary_minutes = 0

    # -- helpers ---------------------------------------------------------------------------------------
    def repo(self) -> Any:
        from agentctl.repo import ConfigRepo

        return ConfigRepo(self.root)

    def at(self, moment: dt.datetime) -> None:
        delta = moment.astimezone(dt.timezone.utc) - self.sim.now()
        if delta.total_seconds() > 0:
            self.sim.advance(delta)

    def local(self, moment: dt.datetime | None = None) -> str:
        return f"{(moment or self.sim.now()).astimezone(TZ):%a %H:%M}"

    def commit(self, message: str, *, amend: bool = False) -> str:
        from agentctl.store.gitcmd import Git

        name, email = HUMAN
        env = {**os.environ, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
               "GIT_COMMITTER_EMAIL": email}
        git = Git(self.root)
        git.run("add", "-A", action="stage the demo's files")
        git.run("commit", "-q", *(["--amend", "--no-edit"] if amend else ["-m", message]), env=env, action="commit")
        return self.commit_head()

    def write_contract(self, version: str, changes: str, *, sender: str | None) -> None:
        """The SMS contract as the tools owner edits it; `sender=None` leaves sender_id out entirely."""
        path = self.root / "tool-contracts" / f"{TOOL}.yaml"
        text = path.read_text("utf-8")
        text = re.sub(r"(?m)^version: .*$", f"version: {version}", text, count=1)
        text = re.sub(r"changes: >-\n(?:  .*\n)+", "changes: >-\n  " + changes + "\n", text, count=1)
        text = re.sub(r"(?m)^  url: .*$", f"  url: {self.gateway.url}", text, count=1)
        text = re.sub(r"(?m)^    production: .*\n", "", text)
        text = re.sub(r"(?m)^    staging: .*$", f"    staging: {self.gateway.url}\n    production: {self.gateway.url}",
                      text, count=1)
        line = "      sender_id: {type: string, minLength: 1, description: registered sender name; required since API v2}\n"
        text = text.replace(line, "")
        text = re.sub(r"(?m)^      sender_id: .*\n", "", text)
        text = re.sub(r"(?m)^    required: \[to, body(?:, sender_id)?\]$", "    required: [to, body]", text, count=1)
        if sender is not None:
            text = text.replace("      body: {type: string", line + "      body: {type: string", 1)
            text = text.replace("    required: [to, body]", "    required: [to, body, sender_id]", 1)
            text = text.replace("      reference: drv_1042", f"      sender_id: {sender}\n      reference: drv_1042", 1)
        path.write_text(text, "utf-8")
        agent_file = self.root / "bundles" / AGENT / "agent.yaml"
        agent_file.write_text(re.sub(r"(contract: sms-gateway\n\s+version: )\^\d+\.\d+\.\d+",
                                     rf"\g<1>^{version.split('.')[0]}.0.0", agent_file.read_text("utf-8")), "utf-8")

    def demo_analysis(self) -> None:
        """The judge reads SMS success only: the demo sends hundreds of calls, and install rate, escalation
        rate and transcription confidence need thousands (or data Vapi's report does not carry) before
        they can tell a canary apart from stable — left in, they would hold every promotion."""
        agent_file = self.root / "bundles" / AGENT / "agent.yaml"
        text = agent_file.read_text("utf-8")
        for metric in DEMO_UNJUDGED:
            text = re.sub(rf"    - metric: {metric}.*\n(?:      .*\n)*", "", text)
        agent_file.write_text(text, "utf-8")

    def ship(self, version: int, note: str, *, canary: bool) -> None:
        """Release, test, deploy to staging, then to production (stable on the first deploy, else a 10% canary)."""
        from agentctl.model.yamlio import load_file
        from agentctl.ops.release import release_bundle
        from agentctl.ops.rollout import deploy
        from agentctl.ops.test import run_tests

        ref = f"{AGENT}@v{version}"
        bundle = release_bundle(self.root, AGENT, note)
        assert bundle.version == version, bundle.version
        self.contracts[version] = load_file(self.root / "tool-contracts" / f"{TOOL}.yaml", f"{TOOL}.yaml").data
        tests = run_tests(self.root, ref)
        staging = deploy(self.root, ref, "staging")
        production = deploy(self.root, ref, "production", canary=10 if canary else None, reason=note)
        passed = sum(1 for s in tests.suites if s.passed)
        self.say("step", f"Release v{version}, test it, stage it, "
                         f"{'start a 10% production canary' if canary else 'deploy it to production'}",
                 f'agentctl release {AGENT} -m "{note}"',
                 lines=[f"released {ref} — {note}",
                        f"agentctl test {ref}: {tests.status}, {passed}/{len(tests.suites)} suites "
                        f"({', '.join(s.name for s in tests.suites)})",
                        f"agentctl deploy {ref} --env staging: {staging.summary}",
                        f"agentctl deploy {ref} --env production{' --canary 10' if canary else ''}: "
                        f"{production.summary}"])
        if self.live is not None:
            self.live.refresh()

    def traffic(self, calls: int, start: dt.datetime, end: dt.datetime) -> Any:
        from agentctl.demo.live import DayTally

        tally: DayTally = self.caller.batch(calls, start, end)
        if tally.refused:
            raise RuntimeError(f"serve refused a simulated call: {tally.refused[0]}")
        self.at(end)
        self.live.settle()
        return tally

    # -- the story -------------------------------------------------------------------------------------
    def run(self) -> None:
        from agentctl.demo.live import Caller, LiveService

        self.say("note", "Simulated clock", lines=[
            f"Time is simulated from {START:%a %Y-%m-%d %H:%M} {START.tzinfo} and moves as calls arrive. "
            f"You act as Ines Duarte (engineering, on-call). The SMS gateway is a local fake at "
            f"{self.gateway.url}."])
        self.write_contract("1.4.0", "the gateway's v1 API: to, body and a reference; the account's default "
                                     "sender is used.", sender=None)
        self.demo_analysis()
        self.commit("", amend=True)  # the repo as it was before the incident: one commit, contract 1.4.0
        self.ship(1, "Install Reminder as it ran before the incident (SMS contract 1.4.0)", canary=False)
        self.live = LiveService(self.repo()).start()
        self.caller = Caller(self.live.url, self.gateway.url, self.contracts, self.seed)
        self.say("step", "agentctl serve answers the voice platform", f"agentctl serve --port {self.live.port} --allow-unsigned vapi",
                 lines=[f"serving production at {self.live.url}: Vapi assistant-request → the routed bundle, "
                        "end-of-call-report → the call store. Each simulated call is two webhooks and, when the "
                        "driver agrees, one real request to the gateway."])
        try:
            self._incident()
            self._fix()
            self._bad_release()
        finally:
            self.live.stop()
        self._summary()

    def _incident(self) -> None:
        days = []
        tue = START.replace(hour=10, minute=0)
        days.append(self._day(tue, "the gateway queues every text"))
        self.at(PROVIDER_CHANGE)
        self.gateway.require_sender_id()
        self.say("note", f"{self.local()} — the provider changes its API", lines=[
            "The SMS provider starts requiring sender_id. Requests without it, to destinations that have no "
            "default sender, get HTTP 200 {\"status\": \"failed\"} and no text. Nobody on the team changed "
            "anything."])
        days.append(self._day(tue + dt.timedelta(days=1), "HTTP still says 200"))
        self.report.days = days
        self.say("days", "Per day: what HTTP says vs what the contract says", rows=days)
        self.at(DETECTED)
        self._check("2026-03-04")
        self._runbook()

    def _day(self, start: dt.datetime, label: str) -> dict[str, Any]:
        tally = self.traffic(self.per_day, start, start.replace(hour=20))
        return {"day": f"{start:%a %Y-%m-%d}", "calls": tally.calls, "texts": tally.texts,
                "http_2xx": round(100 * tally.http_rate, 1), "contract_ok": round(100 * tally.judged_rate, 1),
                "lost": tally.texts - tally.judged_ok, "installs": tally.installs,
                "failure_share": round(100 * (tally.texts - tally.judged_ok) / tally.texts, 1) if tally.texts else 0.0,
                "install_rate": round(100 * tally.installs / tally.calls, 1), "label": label}

    def _check(self, day: str) -> None:
        from agentctl.ops.check import check_daily

        with self.repo() as repo:
            daily = check_daily(repo, date=day, post=False)
        findings = [f for f in daily.breached if f.metric.startswith("sms") or TOOL in f.id]
        gap = next((f for f in daily.breached if "gap" in f.id), None)
        owners = (self.repo().config.data.get("people") or {})
        rows = []
        for f in findings:
            owner = owners.get(f.owner or "", {}).get("name", f.owner)
            rows.append({"id": f.id, "status": f.status, "value": f.value, "n": f.n, "threshold": f.threshold,
                         "detail": f.detail, "owner": owner, "runbook": f.runbook, "first_steps": f.first_steps[:1]})
        if gap is not None:
            self.report.gap_finding = {"id": gap.id, "value": gap.value, "n": gap.n, "owner": gap.owner,
                                       "runbook": gap.runbook}
        self.say("check", f"{self.local()} — the morning check reads Wednesday",
                 f"agentctl check daily --date {day}", findings=rows, breached=len(daily.breached),
                 others=[f"{f.id} ({f.status})" for f in daily.breached if f not in findings])

    def _runbook(self) -> None:
        from agentctl.ops.runbook import run_runbook

        with self.repo() as repo:
            run = run_runbook(repo, "tool-failure", tool=TOOL)
        steps = [{"number": s.number, "status": s.kind, "command": s.command, "exit_code": s.exit_code,
                  "output": s.output, "text": s.text} for s in run.steps]
        verify = next((s for s in run.steps if s.command and "contracts verify" in s.command), None)
        diagnosis = None
        if verify is not None:
            lines = [ln.strip() for ln in (verify.output or "").splitlines()]
            diagnosis = next((ln for ln in lines if ln.startswith("FAIL example")), None) or (lines[-1] if lines else None)
        cause = self.gateway_answer()
        self.report.diagnosis = diagnosis
        self.say("runbook", f"{self.local()} — the on-call runs the runbook the finding links",
                 f"agentctl runbook run tool-failure --tool {TOOL}", steps=steps, diagnosis=diagnosis, cause=cause)

    def gateway_answer(self) -> str:
        """The gateway's own words for the contract's example request (what verify sent first)."""
        import json

        import httpx

        from agentctl.model.yamlio import load_file

        contract = load_file(self.root / "tool-contracts" / f"{TOOL}.yaml", f"{TOOL}.yaml").data
        example = contract["examples"][0]["request"]
        answer = httpx.post(self.gateway.url, json=example, timeout=10)
        sent = "sender_id" in example
        return (f"contract {contract['version']} sends no sender_id; " if not sent else "") + \
            f"the gateway answers HTTP {answer.status_code} {json.dumps(answer.json())}"

    def _fix(self) -> None:
        from agentctl.ops.ci import run_ci
        from agentctl.ops.contracts import diff_tool

        self.at(dt.datetime(2026, 3, 5, 9, 30, tzinfo=TZ))
        before = self.commit_head()
        self.write_contract("2.0.0", "the gateway's v2 API requires sender_id on every message; without it the "
                                     "gateway answers 200 but sends nothing.", sender="ROADWISE")
        ci = run_ci(self.root, base="HEAD")
        ci_steps = [(s.name, s.status) for s in ci.steps] if hasattr(ci, "steps") else []
        self.commit("sms-gateway 2.0.0: send sender_id (required by the gateway's v2 API)")
        diff = diff_tool(self.root, TOOL, before, "HEAD")
        changes = [{"rule": c.rule, "level": str(getattr(c.level, "value", c.level)), "path": c.path,
                    "message": c.message} for c in diff.report.changes]
        self.say("diff", "The fix: the contract gains sender_id", f"agentctl contracts diff {TOOL} {before} HEAD",
                 changes=changes, old=diff.old_label, new=diff.new_label)
        self.say("ci", "CI gates the change", "agentctl ci", ok=ci.ok, steps=ci_steps)
        self.ship(2, "SMS contract 2.0.0: sender_id on every text (the gateway's v2 API requires it)", canary=True)
        self._canary(2)

    def commit_head(self) -> str:
        from agentctl.store.gitcmd import Git

        return Git(self.root).text("rev-parse", "--short", "HEAD").strip()

    def _canary(self, version: int) -> list[dict[str, Any]]:
        from agentctl.ops.canary import watch_once

        batches = []
        weight = 10
        for _ in range(12):
            start = self.sim.now()
            # enough calls for ~15 canary texts per half hour (the judge wants 20 per arm), fewer at 50%
            batch_calls = (160 if weight <= 10 else 50) * (1 if self.fast else 2)
            tally = self.traffic(batch_calls, start, start + dt.timedelta(minutes=30))
            step = watch_once(self.root, AGENT, "production")
            sms = None
            if step.evaluation is not None:
                metric = next((m for m in step.evaluation.decision.metrics if m.name == "sms_success"), None)
                if metric is not None:
                    sms = {"canary": metric.canary, "stable": metric.stable, "verdict": metric.verdict}
            row = {"time": self.local(), "calls": tally.calls, "canary_calls": tally.by_version.get(version, 0),
                   "action": step.action, "message": step.message, "sms": sms,
                   "weight": step.evaluation.weight if step.evaluation is not None else None}
            batches.append(row)
            if version == 3:
                self.bad_canary_failed += tally.texts - tally.judged_ok  # stable v2's texts all go out
                self.bad_canary_minutes += 30
            self.say("batch", "batch", None, **row)
            if step.action == "promote":
                self.report.promotions.append(step.message)
                if "stable at 100%" in step.message:
                    self.v2_at_100 = self.sim.now()
            if step.action == "rollback":
                self.report.rollback = step.message
            if step.action in ("promote", "rollback"):
                self.live.refresh()
            if step.outcome is not None and step.action == "promote":
                weight = 50
            if step.action in ("rollback", "pause", "done") or (step.action == "promote" and "stable" in step.message):
                break
        return batches

    def _bad_release(self) -> None:
        self.at(dt.datetime(2026, 3, 5, 13, 0, tzinfo=TZ))
        self.write_contract("2.1.0", "the texts come from the new brand name RWGO (marketing's request).", sender="RWGO")
        self.commit("sms-gateway 2.1.0: sender name RWGO")
        self.say("note", f"{self.local()} — a bad release", lines=[
            "v3 switches the sender name to RWGO, which nobody registered with the gateway: every text is "
            "answered HTTP 200 {\"status\": \"failed\"}. The suites replay recorded answers, so they pass."])
        self.ship(3, "SMS sender name RWGO (the new brand)", canary=True)
        self._canary(3)

    def _summary(self) -> None:
        from agentctl.ops.report import monthly_report
        from agentctl.repo import ConfigRepo

        wed = self.report.days[-1]
        per_hour = wed["lost"] / DAY_HOURS  # Wednesday's silent failures per hour of calls
        fixed = self.v2_at_100 or self.sim.now()
        hours = (fixed - PROVIDER_CHANGE).total_seconds() / 3600
        summary = {"hours_to_detect": round((DETECTED - PROVIDER_CHANGE).total_seconds() / 3600),
                   "hours_with": round(hours), "days_without": WITHOUT_DAYS, "per_day_lost": wed["lost"],
                   "per_hour_lost": round(per_hour, 1), "failure_share": wed["failure_share"],
                   "affected_with": round(per_hour * hours), "affected_without": round(per_hour * 24 * WITHOUT_DAYS),
                   "fixed_at": self.local(fixed), "bad_canary_failed": self.bad_canary_failed,
                   "bad_canary_minutes": self.bad_canary_minutes}
        with ConfigRepo(self.root, now=self.sim.now()) as repo:
            monthly = monthly_report(repo, month="2026-03")
        chart = next((f for f in monthly.files if f.startswith("outcome-") and f.endswith(".png")), None)
        chart_path = str(Path(monthly.out) / chart) if chart else None
        self.report.chart = chart_path
        self.report.summary = summary
        self.say("summary", "What agentctl changed", None, chart=chart_path, report_dir=monthly.out,
                 report_summary=monthly.summary, **summary)
        cmd = agentctl_command()
        follow = [f"cd {shlex.quote(str(self.root))}",
                  f"{cmd} check daily --date 2026-03-04",
                  f"{cmd} log {AGENT} --env production",
                  f"{cmd} contracts history {TOOL}",
                  f"{cmd} report monthly --month 2026-03"]
        self.report.follow_up = follow
        self.say("explore", "Explore it", None, commands=follow)
