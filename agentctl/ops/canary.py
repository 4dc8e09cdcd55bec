"""`agentctl canary evaluate` and `canary watch`: judge a production canary, and act on the verdict.

evaluate compares canary and stable calls since the canary started (both arms over the same
period) on every metric of the agent's analysis policy, with anytime-valid confidence sequences
(agentctl.analysis.judge), so it may be run as often as anyone likes.

watch evaluates and acts, as the actor `agentctl-judge`, with the Decision attached as evidence:
rollback → abort the canary at once (stable back to 100%; exempt from change windows);
promote  → the next rollout step, once the step's minimum time has passed and the change window
           is open (otherwise it waits);
inconclusive once the step's minimum time has passed → pause and ask a human (webhook);
anything else → wait for more calls. Each action posts to the webhook named by
`alerts.webhook_env` when that variable is set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl import clock
from agentctl.alerts import build_payload, mention_for, post_webhook, runbook_lines
from agentctl.canary.judging import judge_canary
from agentctl.canary.policy import load_policy
from agentctl.clock import isoformat, parse_iso
from agentctl.deploy.state import read_state
from agentctl.deploy.windows import WindowPolicy, enforced
from agentctl.errors import BadInputError
from agentctl.identity import Actor, acting_as
from agentctl.ops.rollout import abort, promote, steps_of
from agentctl.repo import ConfigRepo, RepoLike, as_repo

if TYPE_CHECKING:
    from agentctl.deploy.state import AgentState

if TYPE_CHECKING:
    from agentctl.deploy.context import Context
    from agentctl.model.artifacts import Config

JUDGE = "agentctl-judge"
ROLLBACK, PROMOTE, WAIT, PAUSE, DONE = "rollback", "promote", "wait", "pause", "done"


@dataclass
class CanaryEvaluation:
    agent: str
    env: str
    canary_version: int
    stable_version: int | None
    weight: int
    step: str  # "1/3 (10%)"
    since: str
    until: str
    elapsed_s: float
    minutes_in_step: float
    min_step_minutes: float
    policy: dict[str, Any]
    decision: Any  # agentctl.analysis.judge.Decision
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def overall(self) -> str:
        return str(self.decision.overall)

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "decision"}
        return {**data, "overall": self.overall, "reason": self.decision.reason,
                "metrics": [m.to_dict() for m in self.decision.metrics]}

    def evidence(self) -> dict[str, Any]:
        """What a deployment record carries: the verdict with every number behind it."""
        return {"canary_judge": self.to_dict()}


def canary_environment(repo: RepoLike, agent: str, env: str | None) -> str | None:
    """`env`, or else the one environment where `agent` has a canary (None: let default_environment apply)."""
    repo = as_repo(repo)
    if env:
        return env

    snapshot = repo.deployment_state()
    found = [name for name in repo.config_for(fall_back_to_head=True).environments
             if read_state(snapshot, name, agent).canary]
    return found[0] if len(found) == 1 else None


def evaluate(repo: RepoLike, agent: str, env: str | None = None) -> CanaryEvaluation:
    """Judge `agent`'s canary in `env` against its stable bundle.

    Without `env`: the environment where the agent has a canary, if exactly one has; else default_environment.
    """
    repo = as_repo(repo)

    ctx = repo.context(fall_back_to_head=True)
    env, spec = ctx.environment(canary_environment(repo, agent, env))
    policy = load_policy(repo.agents, agent)  # config + agent definitions: no released bundle is read
    state = read_state(repo.deployment_state(), env, agent)
    canary = state.canary
    if not canary:
        stable = f"stable is v{state.stable['version']}" if state.stable else "nothing is deployed"
        raise BadInputError(f"no canary of {agent} in {env} to evaluate ({stable})",
                            f"start one: `agentctl deploy {agent}@vN --env {env} --canary {steps_of(spec)[0]}`")
    since = parse_iso(canary["started"])
    aborted = canary.get("aborted")
    until = parse_iso(aborted["at"]) if aborted else ctx.now
    stable_version = state.stable["version"] if state.stable else None
    elapsed = max(0.0, (until - since).total_seconds())
    with repo:  # judged per rollout step, delayed metrics on matured calls only (agentctl.canary.judging)
        final = next((s for s in steps_of(spec) if s > state.weight), 100) == 100
        decision, errors = judge_canary(repo.calls(), repo.deployments, ctx.config.metrics, policy, env=env,
                                        state=state, until=until, elapsed_s=elapsed, final_step=final)
    steps = steps_of(spec)
    step = f"{canary['step_index'] + 1}/{len(steps)} ({state.weight}%)" if state.live_canary else "aborted (0%)"
    in_step = max(0.0, (until - parse_iso(canary["step_started"])).total_seconds() / 60)
    min_step = float((spec.get("rollout") or {}).get("min_step_minutes") or 0)
    return CanaryEvaluation(agent, env, canary["version"], stable_version, state.weight, step, isoformat(since),
                            isoformat(until), elapsed, round(in_step, 1), min_step, policy.to_dict(), decision, errors)


@dataclass
class WatchStep:
    """One look: what the judge said and what watch did about it."""

    at: str
    action: str  # rollback | promote | wait | pause | done
    message: str
    evaluation: CanaryEvaluation | None = None
    outcome: Any = None  # agentctl.deploy.state.Outcome of the action taken
    webhook: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "action": self.action, "message": self.message,
                "evaluation": self.evaluation.to_dict() if self.evaluation else None,
                "outcome": self.outcome.to_dict() if self.outcome else None, "webhook": self.webhook}


def watch_once(repo: RepoLike, agent: str, env: str | None = None) -> WatchStep:
    """Evaluate once and act on the verdict (see the module docstring)."""
    repo = as_repo(repo)

    ctx = repo.context(fall_back_to_head=True)
    env, spec = ctx.environment(canary_environment(repo, agent, env))
    now = isoformat(clock.now())
    state = read_state(repo.deployment_state(), env, agent)
    if not state.live_canary:
        return WatchStep(now, DONE, _finished(state))
    evaluation = evaluate(repo, agent, env)
    decision = evaluation.decision
    if decision.overall == "rollback":
        step = _act(repo, evaluation, ROLLBACK, now)
    elif decision.overall == "promote":
        step = _try_promote(repo, ctx, spec, evaluation, now)
    elif decision.overall == "inconclusive" and evaluation.minutes_in_step >= max(
            evaluation.min_step_minutes, evaluation.policy["min_duration_minutes"]):
        step = WatchStep(now, PAUSE, f"paused: the judge is still inconclusive after {evaluation.minutes_in_step:g} "
                                     f"min at {evaluation.weight}% ({decision.reason}); a human decides: "
                                     f"`agentctl promote {agent} --env {env}` or `agentctl abort {agent} --env {env}`",
                         evaluation)
    else:
        step = WatchStep(now, WAIT, f"{decision.overall}: {decision.reason}", evaluation)
    if step.action in (ROLLBACK, PROMOTE, PAUSE):
        step.webhook = _notify(repo.root, ctx.config, step)
    return step


def _try_promote(repo: ConfigRepo, ctx: Context, spec: dict[str, Any], evaluation: CanaryEvaluation,
                 now: str) -> WatchStep:
    if evaluation.minutes_in_step < evaluation.min_step_minutes:
        return WatchStep(now, WAIT, f"metrics pass; step {evaluation.step} has run {evaluation.minutes_in_step:g} of "
                                    f"{evaluation.min_step_minutes:g} min", evaluation)
    windows = WindowPolicy(ctx.policy)
    status = windows.check(ctx.now)
    if enforced(spec) and "promote" not in windows.exempt and not status.open:
        nxt = windows.next_open(ctx.now)
        opens = f"; next window opens {windows.format(nxt, with_date=True)}" if nxt else ""
        return WatchStep(now, WAIT, f"metrics pass; promotion waits for the change window ({status.reason}{opens})",
                         evaluation)
    return _act(repo, evaluation, PROMOTE, now)


def _act(repo: ConfigRepo, evaluation: CanaryEvaluation, action: str, now: str) -> WatchStep:
    reason = f"canary judge: {evaluation.decision.reason}"
    with acting_as(Actor(JUDGE, f"{JUDGE}@localhost", "automation", login=JUDGE)):
        if action == ROLLBACK:
            outcome = abort(repo, evaluation.agent, evaluation.env, reason=reason, evidence=evaluation.evidence())
        else:
            outcome = promote(repo, evaluation.agent, evaluation.env, reason=reason, evidence=evaluation.evidence())
    return WatchStep(now, action, outcome.summary, evaluation, outcome)


def _finished(state: AgentState) -> str:
    stable = f"stable v{state.stable['version']} at 100%" if state.stable else "nothing stable"
    canary = state.canary or {}
    aborted = canary.get("aborted")
    if aborted:
        return f"no canary in progress: v{canary['version']} was rolled back by {aborted['by']}; {stable}"
    return f"no canary in progress; {stable}"


def _notify(root: Path, config: Config, step: WatchStep) -> dict[str, Any] | None:
    """Post the step to the team's webhook, when `alerts.webhook_env` names a variable that is set."""
    import os


    name = (config.data.get("alerts") or {}).get("webhook_env")
    url = os.environ.get(name, "").strip() if name else ""
    if not url or step.evaluation is None:
        return None
    ev = step.evaluation
    owner = config.owner_of("agents", ev.agent)
    title = {ROLLBACK: "Canary rolled back", PROMOTE: "Canary promoted", PAUSE: "Canary needs a human"}[step.action]
    lines = [f"*{title}: {ev.agent}@v{ev.canary_version} in {ev.env}* (owner {mention_for(config.people)(owner)})",
             step.message, f"judge: *{ev.overall}* — {ev.decision.reason}"]
    lines += [f"• {m.name}: {m.verdict} — {m.reason} (threshold {m.threshold})" for m in ev.decision.metrics]
    lines += runbook_lines(root, [m.name for m in ev.decision.metrics if m.verdict == "fail"], {"agent": ev.agent})
    result = post_webhook(url, build_payload(f"{title}: {ev.agent}@v{ev.canary_version} in {ev.env}",
                                             "\n".join(lines), lines))
    return result.to_dict()


@dataclass
class WatchReport:
    steps: list[WatchStep]

    @property
    def rolled_back(self) -> bool:
        return any(s.action == ROLLBACK for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {"rolled_back": self.rolled_back, "steps": [s.to_dict() for s in self.steps]}


def parse_duration(text: str) -> float:
    """Seconds in "90", "90s", "15m", "2h"; exit 2 otherwise."""
    units = {"s": 1, "m": 60, "h": 3600}
    raw = text.strip().lower()
    try:
        value = float(raw[:-1]) * units[raw[-1]] if raw and raw[-1] in units else float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise BadInputError(f"cannot read duration '{text}'", "write seconds, minutes or hours, e.g. 60s, 15m, 2h")
    return value


def watch(repo: RepoLike, agent: str, env: str | None = None, *, interval: str = "60s", until: str = "done",
          once: bool = False, on_step: Callable[[WatchStep], None] | None = None,
          sleep: Callable[[float], None] | None = None) -> WatchReport:
    """Evaluate every `interval` and act, until the canary is done (promoted to 100%, rolled back or
    paused for a human) or, with `until` as a duration ("2h"), until that much time has passed.
    `once` looks once (for cron). `on_step` sees each look as it happens."""
    repo = as_repo(repo)
    import time


    seconds = parse_duration(interval)
    deadline = None if until == "done" else clock.now() + dt.timedelta(seconds=parse_duration(until))
    steps: list[WatchStep] = []
    while True:
        step = watch_once(repo.fresh(), agent, env)  # each look reads the state anew
        steps.append(step)
        if on_step is not None:
            on_step(step)
        finished = step.action in (ROLLBACK, PAUSE, DONE) or (step.action == PROMOTE and not _still_canary(step))
        if once or finished or (deadline is not None and clock.now() >= deadline):
            return WatchReport(steps)
        (sleep or time.sleep)(seconds)


def _still_canary(step: WatchStep) -> bool:
    states = step.outcome.states if step.outcome else {}
    return any((s.get("canary") or {}).get("weight") for s in states.values())
