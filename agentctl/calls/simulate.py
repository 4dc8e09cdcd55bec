"""Seeded generator of realistic call records, with faults to inject.

Used by tests, benchmarks, the demo, the canary judge and the monthly report. The same
arguments always give the same records. Each call's version is drawn from `versions` (or,
day by day, from `rollout`) by traffic share; callers that want sticky canary assignment can
re-assign `bundle_version` from `caller_key`. `quarter_story` is a whole quarter with weekly
seasonality, a silent SMS fault that starts and ends, its fix and a prompt improvement.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

SMS_TOOL = "sms-gateway"
LOOKUP_TOOL = "driver-lookup"
ESCALATE_TOOL = "escalate-to-human"


@dataclass(frozen=True)
class Fault:
    """Base of injected faults: active from `start_day` (0-based) until before `end_day` (None = to the end)
    for `versions` (None = every version)."""

    versions: frozenset[int] | None = None
    start_day: int = 0
    end_day: int | None = None

    def active(self, day: int, version: int) -> bool:
        return (self.start_day <= day and (self.end_day is None or day < self.end_day)
                and (self.versions is None or version in self.versions))


@dataclass(frozen=True)
class SilentToolFailure(Fault):
    """`tool` answers HTTP 200 but does nothing for `share` of its calls (status failed, no message id)."""

    tool: str = SMS_TOOL
    share: float = 0.3


@dataclass(frozen=True)
class SlowTranscriber(Fault):
    """Turn latency × `factor` and transcription confidence − `confidence_drop` for `share` of calls."""

    factor: float = 1.8
    confidence_drop: float = 0.08
    share: float = 1.0


@dataclass(frozen=True)
class ConversionDrift(Fault):
    """A business field's rate moves linearly from `from_rate` to `to_rate` over `days` days from `start_day`."""

    field: str = "install_completed"
    days: int = 14
    from_rate: float = 0.22
    to_rate: float = 0.16

    def rate(self, day: int) -> float | None:
        if day < self.start_day:
            return None
        step = min(day - self.start_day + 1, self.days)  # day 1 of the drift already moved by one step
        return self.from_rate + (self.to_rate - self.from_rate) * step / self.days


@dataclass(frozen=True)
class StableDegradation(Fault):
    """A constant extra share of `kind` ("escalation", "error" or "conversion" loss) for the given versions."""

    kind: str = "escalation"
    delta: float = 0.05


@dataclass(frozen=True)
class ConversionLift(Fault):
    """A better prompt: `lift` more of all calls end in the business outcome (e.g. +0.02 installs)."""

    lift: float = 0.02


# Mon … Sun call volume relative to the average day: drivers are called less at weekends.
WEEKLY_VOLUME = (1.2, 1.15, 1.1, 1.1, 1.0, 0.85, 0.6)


@dataclass(frozen=True)
class Profile:
    """Healthy behaviour of the simulated agent."""

    answer_rate: float = 0.86
    voicemail_share: float = 0.5  # of unanswered calls
    error_rate: float = 0.01
    escalation_rate: float = 0.08
    agree_rate: float = 0.9  # answered drivers who agree to get the link
    install_rate: float = 0.22  # of all calls
    latency_median_ms: float = 650.0
    confidence_mean: float = 0.92
    extra_business: dict[str, float] = field(default_factory=dict)
    weekly_volume: tuple[float, ...] | None = None  # Mon … Sun factors on calls_per_day (None: flat)


def simulate_calls(*, agent: str = "install-reminder", env: str = "production", versions: dict[int, float] | None = None,
                   start: dt.date | str = "2026-03-01", days: int = 1, calls_per_day: int = 1000, seed: int = 0,
                   faults: list[Fault] | tuple[Fault, ...] = (), profile: Profile | None = None,
                   rollout: Sequence[tuple[int, dict[int, float]]] = ()) -> Iterator[dict[str, Any]]:
    """Yield `days × calls_per_day` call records (dicts in the call-record schema), in time order.

    `rollout` changes the version shares over time: `[(0, {1: 1.0}), (35, {1: 0.9, 2: 0.1}), …]`
    means "from day 35 on, 10% of calls get v2". With `profile.weekly_volume` the number of
    calls varies by weekday around `calls_per_day`.
    """
    rng = random.Random(seed)
    prof = profile or Profile()
    schedule = sorted(rollout) or [(0, versions or {1: 1.0})]
    first_day = dt.date.fromisoformat(start) if isinstance(start, str) else start
    callers = max(10, calls_per_day * days // 2)
    for day in range(days):
        shares = next((s for d, s in reversed(schedule) if d <= day), schedule[0][1])
        version_list, weights = list(shares), list(shares.values())
        date = first_day + dt.timedelta(days=day)
        base = dt.datetime(date.year, date.month, date.day, 13, 0, tzinfo=dt.timezone.utc)
        count = (round(calls_per_day * prof.weekly_volume[date.weekday()]) if prof.weekly_volume
                 else calls_per_day)
        spacing = 36_000 / max(count, 1)  # calls spread over ten hours
        for i in range(count):
            started = base + dt.timedelta(seconds=i * spacing + rng.random() * spacing)
            version = rng.choices(version_list, weights)[0]
            active = [f for f in faults if f.active(day, version)]
            yield _call(rng, prof, active, agent, env, version, started, day,
                        f"{agent}-{env}-s{seed}-d{day:04d}-{i:07d}", f"drv_{rng.randrange(callers):07d}")


@dataclass(frozen=True)
class StoryEvent:
    day: int  # 0-based day of the story
    version: int | None
    what: str


@dataclass(frozen=True)
class QuarterStory:
    """A quarter of one agent's production calls: the founding incident and what came after.

    - weekly seasonality: fewer calls at weekends (`WEEKLY_VOLUME`);
    - v1 stable from day 0, installs 22%;
    - `incident` (the first Monday on or after day 35): v2 ships SMS contract 2.1.0 (sender_id left out) at
      100% and the gateway answers HTTP 200 without sending 30% of texts (status failed, no message id) — installs fall to ~16%;
    - `incident + 14` (a Monday): v3 fixes the request; the silent failures end;
    - `improvement` (day 70 or the Tuesday after): v4's prompt improvement goes 10%, then 100% a day later,
      and installs rise by two points.
    Fault and fix days fall on Mondays, so the weekly tool-success buckets show the gap for exactly two weeks.
    """

    start: dt.date
    days: int
    incident: int
    fix: int
    improvement: int

    @classmethod
    def build(cls, start: dt.date | str = "2026-09-01", days: int = 91) -> QuarterStory:
        first = dt.date.fromisoformat(start) if isinstance(start, str) else start
        incident = 35 + (-(first + dt.timedelta(days=35)).weekday()) % 7  # the Monday on/after day 35
        improvement = 70 + (1 - (first + dt.timedelta(days=70)).weekday()) % 7  # the Tuesday on/after day 70
        if improvement + 2 > days:
            raise ValueError(f"a quarter story needs at least {improvement + 2} days, got {days}")
        return cls(first, days, incident, incident + 14, improvement)

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    @property
    def rollout(self) -> list[tuple[int, dict[int, float]]]:
        return [(0, {1: 1.0}), (self.incident, {2: 1.0}), (self.fix, {3: 1.0}),
                (self.improvement, {3: 0.9, 4: 0.1}), (self.improvement + 1, {4: 1.0})]

    @property
    def faults(self) -> list[Fault]:
        return [SilentToolFailure(start_day=self.incident, end_day=self.fix, tool=SMS_TOOL, share=0.3),
                ConversionLift(versions=frozenset({4}), lift=0.02)]

    @property
    def events(self) -> list[StoryEvent]:
        return [StoryEvent(0, 1, "v1 stable"),
                StoryEvent(self.incident, 2,
                           "v2 100%: sms-gateway contract 2.1.0 leaves sender_id out; 30% of texts silently fail"),
                StoryEvent(self.fix, 3, "v3 100%: contract 3.0.0 sends sender_id again; silent failures end"),
                StoryEvent(self.improvement, 4, "v4 10%: clearer install confirmation in the prompt"),
                StoryEvent(self.improvement + 1, 4, "v4 100%")]

    @property
    def profile(self) -> Profile:
        return Profile(weekly_volume=WEEKLY_VOLUME)

    def calls(self, *, agent: str = "install-reminder", env: str = "production", calls_per_day: int = 1000,
              seed: int = 0) -> Iterator[dict[str, Any]]:
        return simulate_calls(agent=agent, env=env, start=self.start, days=self.days, calls_per_day=calls_per_day,
                              seed=seed, faults=self.faults, rollout=self.rollout, profile=self.profile)


def _call(rng: random.Random, prof: Profile, faults: list[Fault], agent: str, env: str, version: int,
          started: dt.datetime, day: int, call_id: str, caller: str) -> dict[str, Any]:
    degrade = {k: sum(f.delta for f in faults if isinstance(f, StableDegradation) and f.kind == k)
               for k in ("escalation", "error", "conversion")}
    slow = next((f for f in faults if isinstance(f, SlowTranscriber) and rng.random() < f.share), None)
    tools: list[dict[str, Any]] = []
    answered = rng.random() < prof.answer_rate
    escalated = False
    install = False
    if not answered:
        outcome = "voicemail" if rng.random() < prof.voicemail_share else "no_answer"
        duration = rng.uniform(15, 40)
        turns = 1
    else:
        duration = rng.uniform(50, 240)
        turns = rng.randint(4, 12)
        tools.append(_tool(rng, LOOKUP_TOOL, "1.2.0", 200, {"driver_id": caller, "phone_number": "+15555550100",
                                                           "platform": "android", "app_installed": False}, 120))
        outcome = "error" if rng.random() < prof.error_rate + degrade["error"] else "completed"
        sms_ok = False
        if outcome == "completed" and rng.random() < prof.agree_rate:
            silent = any(isinstance(f, SilentToolFailure) and f.tool == SMS_TOOL and rng.random() < f.share
                         for f in faults)
            body = ({"status": "failed", "error": "sender_id is required"} if silent
                    else {"message_id": f"msg_{rng.getrandbits(40):010x}", "status": "queued"})
            tools.append(_tool(rng, SMS_TOOL, "2.0.0", 200 if silent or rng.random() > 0.002 else 503, body, 300))
            sms_ok = not silent and tools[-1]["http_status"] == 200
        if outcome == "completed" and rng.random() < prof.escalation_rate + degrade["escalation"]:
            escalated, outcome = True, "escalated"
            tools.append(_tool(rng, ESCALATE_TOOL, "1.0.0", 201, {"handoff_id": f"ho_{rng.randrange(10**6)}",
                                                                  "queue_position": rng.randrange(5)}, 200))
        install = _installed(rng, prof, faults, day, degrade["conversion"], sms_ok)
    latency_factor = slow.factor if slow else 1.0
    latencies = [round(rng.lognormvariate(0, 0.3) * prof.latency_median_ms * latency_factor, 1) for _ in range(turns)]
    confidence = min(1.0, max(0.0, rng.gauss(prof.confidence_mean - (slow.confidence_drop if slow else 0.0), 0.03)))
    ended = started + dt.timedelta(seconds=duration)
    business = {"install_completed": install}
    for name, rate in prof.extra_business.items():
        business[name] = rng.random() < rate
    return {
        "call_id": call_id, "agent": agent, "bundle_version": version, "environment": env, "caller_key": caller,
        "started_at": started.isoformat(timespec="seconds"), "ended_at": ended.isoformat(timespec="seconds"),
        "outcome": outcome, "ended_reason": "customer-ended-call" if answered else outcome.replace("_", "-"),
        "escalated": escalated, "turn_latencies_ms": latencies, "transcription_confidence": round(confidence, 4),
        "cost_usd": round(duration * 0.0015, 4), "business": business, "tool_calls": tools,
    }


def _installed(rng: random.Random, prof: Profile, faults: list[Fault], day: int, loss: float, sms_ok: bool) -> bool:
    """Installs happen only after a delivered link; the per-link rate keeps the overall rate at the target."""
    drift = next((f for f in faults if isinstance(f, ConversionDrift) and f.field == "install_completed"), None)
    target = (drift.rate(day) if drift else None) or prof.install_rate
    loss -= sum(f.lift for f in faults if isinstance(f, ConversionLift))
    per_link = (target - loss) / (prof.answer_rate * (1 - prof.error_rate) * prof.agree_rate)
    return sms_ok and rng.random() < per_link


def _tool(rng: random.Random, tool: str, version: str, status: int, body: dict[str, Any], latency_ms: float) -> dict[str, Any]:
    return {"tool": tool, "contract_version": version, "http_status": status,
            "latency_ms": round(rng.uniform(0.5, 1.5) * latency_ms, 1),
            "response": body if status < 500 else {"error": "service unavailable"}}


def parse_fault(spec: str) -> Fault:
    """CLI fault syntax: silent-tool:TOOL:SHARE, slow-transcriber:FACTOR, conversion-drift:START:DAYS:FROM:TO,
    degrade:KIND:DELTA, lift:SHARE — each optionally followed by ~FIRST-END (active from day FIRST until
    before day END, 0-based; END may be left out) and @V1,V2 to limit it to versions."""
    import dataclasses

    body, _, only = spec.partition("@")
    body, _, span = body.partition("~")
    kind, *args = body.split(":")
    try:
        versions = frozenset(int(v) for v in only.split(",")) if only else None
        fault: Fault | None = None
        if kind == "silent-tool":
            fault = SilentToolFailure(versions=versions, tool=args[0], share=float(args[1]))
        elif kind == "slow-transcriber":
            fault = SlowTranscriber(versions=versions, factor=float(args[0]) if args else 1.8)
        elif kind == "conversion-drift":
            fault = ConversionDrift(versions=versions, start_day=int(args[0]), days=int(args[1]),
                                    from_rate=float(args[2]), to_rate=float(args[3]))
        elif kind == "degrade":
            fault = StableDegradation(versions=versions, kind=args[0], delta=float(args[1]))
        elif kind == "lift":
            fault = ConversionLift(versions=versions, lift=float(args[0]))
        if fault is not None and span:
            first, _, end = span.partition("-")
            fault = dataclasses.replace(fault, start_day=int(first), end_day=int(end) if end else None)
        if fault is not None:
            return fault
    except (IndexError, ValueError):
        pass
    raise ValueError(f"cannot read fault '{spec}'")


def simulate_lines(*, agent: str = "install-reminder", env: str = "production", versions: dict[int, float] | None = None,
                   start: dt.date | str = "2026-03-01", days: int = 1, calls_per_day: int = 1000, seed: int = 0,
                   faults: list[Fault] | tuple[Fault, ...] = (), profile: Profile | None = None,
                   rollout: Sequence[tuple[int, dict[int, float]]] = ()) -> Iterator[str]:
    """The records of `simulate_calls` as JSONL lines (no newline), drawn a day at a time with numpy.

    Same arguments, distributions and fault semantics as `simulate_calls` (answer, error, agreement,
    escalation and install rates; log-normal turn latencies; silent tool failures, slow transcribers,
    conversion drift, degradations and lifts by day and version), same call ids and times layout; the draws
    differ, so a seed gives other (equally deterministic) records. A million records take seconds, which is
    what `agentctl simulate` and the benchmarks need; tests and the library keep `simulate_calls`.
    """
    import json

    import numpy as np

    rng = np.random.default_rng(seed)
    prof = profile or Profile()
    schedule = sorted(rollout) or [(0, versions or {1: 1.0})]
    first_day = dt.date.fromisoformat(start) if isinstance(start, str) else start
    callers = max(10, calls_per_day * days // 2)
    head = '{"call_id":' + json.dumps(f"{agent}-{env}-s{seed}-d")[:-1]  # the day and index follow
    fixed = f',"agent":{json.dumps(agent)},"bundle_version":'
    env_text = f',"environment":{json.dumps(env)}'
    for day in range(days):
        shares = next((s for d, s in reversed(schedule) if d <= day), schedule[0][1])
        date = first_day + dt.timedelta(days=day)
        count = round(calls_per_day * prof.weekly_volume[date.weekday()]) if prof.weekly_volume else calls_per_day
        if count <= 0:
            continue
        yield from _day_lines(rng, prof, faults, shares, date, day, count, callers, (head, fixed, env_text))


def _day_lines(rng: Any, prof: Profile, faults: Sequence[Fault], shares: dict[int, float], date: dt.date, day: int,
               count: int, callers: int, text: tuple[str, str, str]) -> Iterator[str]:
    import numpy as np

    head, fixed, env_text = text
    spacing = 36_000 / count
    offsets = (np.arange(count) + rng.random(count)) * spacing  # seconds after 13:00 UTC
    version_list = list(shares)
    weights = np.array(list(shares.values()), dtype=float)
    pick = rng.choice(len(version_list), size=count, p=weights / weights.sum())
    version = np.array(version_list)[pick]
    active = [[f for f in faults if f.active(day, v)] for v in version_list]

    def per_version(value: Callable[[list[Fault]], float]) -> Any:
        """Each call's value of `value(faults active for its version)`."""
        return np.array([value(fs) for fs in active], dtype=float)[pick]

    def degradation(kind: str) -> Callable[[list[Fault]], float]:
        return lambda fs: sum(f.delta for f in fs if isinstance(f, StableDegradation) and f.kind == kind)

    degrade = {k: per_version(degradation(k)) for k in ("escalation", "error", "conversion")}
    slow_share = per_version(lambda fs: next((f.share for f in fs if isinstance(f, SlowTranscriber)), 0.0))
    slow_factor = per_version(lambda fs: next((f.factor for f in fs if isinstance(f, SlowTranscriber)), 1.0))
    slow_drop = per_version(lambda fs: next((f.confidence_drop for f in fs if isinstance(f, SlowTranscriber)), 0.0))
    silent_share = per_version(lambda fs: 1 - float(np.prod([1 - f.share for f in fs if isinstance(f, SilentToolFailure)
                                                             and f.tool == SMS_TOOL])))
    drift = next((f for f in faults if isinstance(f, ConversionDrift) and f.field == "install_completed"), None)
    target = (drift.rate(day) if drift else None) or prof.install_rate
    lift = per_version(lambda fs: sum(f.lift for f in fs if isinstance(f, ConversionLift)))
    per_link = (target - (degrade["conversion"] - lift)) / (prof.answer_rate * (1 - prof.error_rate) * prof.agree_rate)

    slow = rng.random(count) < slow_share
    answered = rng.random(count) < prof.answer_rate
    voicemail = rng.random(count) < prof.voicemail_share
    duration = np.where(answered, rng.uniform(50, 240, count), rng.uniform(15, 40, count))
    turns = np.where(answered, rng.integers(4, 13, count), 1)
    error = answered & (rng.random(count) < prof.error_rate + degrade["error"])
    completed = answered & ~error
    agreed = completed & (rng.random(count) < prof.agree_rate)
    silent = agreed & (rng.random(count) < silent_share)
    sms_status = np.where(silent | (rng.random(count) > 0.002), 200, 503)
    sms_ok = agreed & ~silent & (sms_status == 200)
    escalated = completed & (rng.random(count) < prof.escalation_rate + degrade["escalation"])
    install = sms_ok & (rng.random(count) < per_link)
    extra = {name: rng.random(count) < rate for name, rate in prof.extra_business.items()}
    factor = np.where(slow, slow_factor, 1.0)
    latencies = np.round(rng.lognormal(0, 0.3, int(turns.sum())) * prof.latency_median_ms
                         * np.repeat(factor, turns), 1).tolist()
    confidence = np.round(np.clip(rng.normal(prof.confidence_mean - np.where(slow, slow_drop, 0.0), 0.03), 0, 1), 4).tolist()
    caller = rng.integers(0, callers, count).tolist()
    tool_latency = np.round(rng.uniform(0.5, 1.5, (count, 3)) * np.array([120.0, 300.0, 200.0]), 1).tolist()
    message = rng.integers(0, 2**40, count).tolist()
    handoff = rng.integers(0, 10**6, count).tolist()
    queue = rng.integers(0, 5, count).tolist()
    base = np.datetime64(f"{date.isoformat()}T13:00:00", "s")
    started_s = np.floor(offsets)
    starts = np.datetime_as_string(base + started_s.astype("timedelta64[s]"), unit="s").tolist()
    ends = np.datetime_as_string(base + np.floor(offsets + duration).astype("timedelta64[s]"), unit="s").tolist()
    cost = np.round(duration * 0.0015, 4).tolist()
    turn_end = np.cumsum(turns).tolist()
    flags = zip(answered.tolist(), voicemail.tolist(), error.tolist(), agreed.tolist(), silent.tolist(),
                sms_status.tolist(), escalated.tolist(), install.tolist(), version.tolist(), strict=True)
    extras = [(name, values.tolist()) for name, values in extra.items()]
    previous = 0
    for i, (answer, vm, err, agree, quiet, status, esc, installed, v) in enumerate(flags):
        if not answer:
            outcome = "voicemail" if vm else "no_answer"
        else:
            outcome = "error" if err else ("escalated" if esc else "completed")
        drv = f"drv_{caller[i]:07d}"
        tools = []
        if answer:
            tools.append(f'{{"tool":"{LOOKUP_TOOL}","contract_version":"1.2.0","http_status":200,"latency_ms":'
                         f'{tool_latency[i][0]!r},"response":{{"driver_id":"{drv}","phone_number":"+15555550100",'
                         '"platform":"android","app_installed":false}}')
            if agree:
                body = ('{"status":"failed","error":"sender_id is required"}' if quiet else
                        f'{{"message_id":"msg_{message[i]:010x}","status":"queued"}}') if status < 500 \
                    else '{"error":"service unavailable"}'
                tools.append(f'{{"tool":"{SMS_TOOL}","contract_version":"2.0.0","http_status":{status},'
                             f'"latency_ms":{tool_latency[i][1]!r},"response":{body}}}')
            if esc and not err:
                tools.append(f'{{"tool":"{ESCALATE_TOOL}","contract_version":"1.0.0","http_status":201,"latency_ms":'
                             f'{tool_latency[i][2]!r},"response":{{"handoff_id":"ho_{handoff[i]}",'
                             f'"queue_position":{queue[i]}}}}}')
        business = f'"install_completed":{"true" if installed else "false"}' + "".join(
            f',"{name}":{"true" if values[i] else "false"}' for name, values in extras)
        lat = ",".join(map(repr, latencies[previous:turn_end[i]]))
        previous = turn_end[i]
        reason = "customer-ended-call" if answer else outcome.replace("_", "-")
        yield (f'{head}{day:04d}-{i:07d}"{fixed}{v}{env_text},"caller_key":"{drv}","started_at":"{starts[i]}+00:00",'
               f'"ended_at":"{ends[i]}+00:00","outcome":"{outcome}","ended_reason":"{reason}",'
               f'"escalated":{"true" if outcome == "escalated" else "false"},"turn_latencies_ms":[{lat}],'
               f'"transcription_confidence":{confidence[i]!r},"cost_usd":{cost[i]!r},"business":{{{business}}},'
               f'"tool_calls":[{",".join(tools)}]}}')
