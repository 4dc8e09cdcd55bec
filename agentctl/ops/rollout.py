"""`deploy`, `promote`, `abort`: move a bundle through an environment's canary steps.

deploy and promote fail with ConflictError (exit 4) when another writer changed the state
first — the user re-runs and sees the new state. abort retries (it must land during an
incident, and re-checking on the new state is always safe).
"""

from __future__ import annotations

import bisect
import datetime as dt
from typing import TYPE_CHECKING, Any

from agentctl.clock import isoformat, parse_iso
from agentctl.deploy.approvals import rule
from agentctl.deploy.guards import check_window, gate_findings, gate_fix
from agentctl.deploy.state import INCIDENT_PATIENCE_S, Outcome, Planned, commit_action, new_record, read_state
from agentctl.deploy.windows import WindowPolicy
from agentctl.errors import BadInputError, PolicyRefused
from agentctl.ops.bundles import load_bundle
from agentctl.repo import RepoLike, as_repo
from agentctl.store.results import results_for

if TYPE_CHECKING:
    from agentctl.deploy.context import Context
    from agentctl.repo import ConfigRepo
    from agentctl.store.refstore import Snapshot


def steps_of(spec: dict[str, Any]) -> list[int]:
    return sorted(set((spec.get("rollout") or {}).get("steps") or [100]))


def step_index(steps: list[int], weight: int) -> int:
    """Index of the last step at or below `weight` (-1 below the first step)."""
    return bisect.bisect_right(steps, weight) - 1


def deploy(repo: RepoLike, ref: str, env: str | None = None, *, canary: int | None = None, reason: str = "",
           override: bool = False) -> Outcome:
    """Deploy a released bundle to `env`: a canary at `canary`% (default: the first rollout step).

    The first deploy of an agent to an environment, or a deploy at 100%, makes the bundle
    stable at once. Environments with `requires`/`required_suites` refuse (exit 3) a bundle
    that skipped an earlier environment or has no passing results, unless a person with an
    override role passes --override --reason. Outside a change window: exit 3.
    """
    repo = as_repo(repo)
    root = repo.root

    ctx = repo.context()
    env, spec = ctx.environment(env)
    if canary is not None and not 1 <= canary <= 100:
        raise BadInputError(f"--canary {canary} is not a percentage", "pass a whole number from 1 to 100")
    bundle = load_bundle(root, ref)
    agent, version, now = bundle.agent, bundle.version, isoformat(ctx.now)
    window_override = check_window(ctx, env, spec, "deploy", override, reason)
    suites = results_for(root, agent, version, store=repo.results) if spec.get("required_suites") else {}
    steps = steps_of(spec)

    def plan(snapshot: Snapshot) -> Planned:
        state = read_state(snapshot, env, agent)
        record = new_record(ctx, "deploy", env, [agent], reason)
        missing, record["evidence"] = gate_findings(ctx, snapshot, env, spec, agent, version, suites)
        overrides = [o for o in [window_override] if o]
        if missing:
            if not override:
                roles = rule(ctx.policy, "deploy-override").act_alone
                envs = [e for e, seen in record["evidence"]["requires"].items() if not seen]
                suites_missing = [n for n, r in record["evidence"]["suites"].items() if not r or r["status"] != "passed"]
                raise PolicyRefused(f"deploy refused: {bundle.ref} cannot go to {env}: {'; '.join(missing)}",
                                    f"{gate_fix(envs, suites_missing, bundle.ref)}, "
                                    f"or {ctx.who_may(roles)} may pass --override --reason \"…\"")
            gate_override = ctx.check_override(True, reason, rule(ctx.policy, "deploy-override").act_alone, "gate")
            if gate_override is None:  # check_override(True, …) returns the record or raises
                raise PolicyRefused(f"deploy refused: {bundle.ref} cannot go to {env}: {'; '.join(missing)}",
                                    "pass --override --reason \"…\"")
            overrides.append(gate_override | {"missing": missing})
        record["override"] = overrides or None
        if state.canary and state.live_canary:
            current = state.canary["version"]
            if current == version:
                return Planned(f"{bundle.ref} is already the canary at {state.weight}% in {env}", record, write=False)
            raise BadInputError(f"a canary of {agent}@v{current} is at {state.weight}% in {env}",
                                f"promote it (`agentctl promote {agent} --env {env}`) or abort it "
                                f"(`agentctl abort {agent} --env {env}`) first")
        if state.stable and state.stable["version"] == version:
            return Planned(f"{bundle.ref} is already stable in {env}", record, write=False)
        weight = canary if canary is not None else steps[0]
        if state.stable is None or weight >= 100:
            first = " (first deploy: no stable to compare with)" if state.stable is None and weight < 100 else ""
            state.make_stable(version, now)
            summary = f"deploy {bundle.ref} to {env}: stable at 100%{first}"
        else:
            state.canary = {"version": version, "weight": weight, "step_index": step_index(steps, weight),
                            "step_started": now, "started": now, "aborted": None}
            state.mark_deployed(version)
            summary = f"deploy {bundle.ref} to {env}: canary {weight}%, stable v{state.stable['version']} {100 - weight}%"
        record["bundle"] = {"ref": bundle.ref, "commit": bundle.commit, "content_hash": bundle.content_hash}
        state.pins[str(version)] = {"commit": bundle.commit, "content_hash": bundle.content_hash}
        return Planned(summary, record, [state])

    return commit_action(ctx, "deploy", env, [agent], plan)


def promote(repo: RepoLike, agent: str, env: str | None = None, *, to: int | None = None, full: bool = False,
            reason: str = "", override: bool = False, evidence: dict[str, Any] | None = None,
            force: bool = False) -> Outcome:
    """Move the canary to the next rollout step (or `to`%, or 100% with `full`).

    The canary judge runs first (`canary evaluate`): a rollback or inconclusive verdict refuses
    (exit 3) unless a person with the override role passes `force` with a reason; the overridden
    verdict is recorded. Refuses (exit 3) before the step's `min_step_minutes` have passed,
    unless overridden. At 100% the canary becomes the stable bundle. The judge itself
    (`canary watch`) passes its verdict as `evidence` and is not judged twice.
    """
    repo = as_repo(repo)

    ctx = repo.context()
    env, spec = ctx.environment(env)
    if to is not None and not 1 <= to <= 100:
        raise BadInputError(f"--to {to} is not a percentage", "pass a whole number from 1 to 100")
    window_override = check_window(ctx, env, spec, "promote", override, reason)
    windows = WindowPolicy(ctx.policy)
    step_override = ctx.check_override(override, reason, windows.override_roles, "step-time")
    judged = dict(evidence or {})
    judge_override = None
    if "canary_judge" not in judged:
        judged["canary_judge"], judge_override = judge_before_promote(repo, ctx, agent, env, force, reason)
    evidence = judged
    min_minutes = float((spec.get("rollout") or {}).get("min_step_minutes") or 0)
    steps, now = steps_of(spec), isoformat(ctx.now)

    def plan(snapshot: Snapshot) -> Planned:
        state = read_state(snapshot, env, agent)
        if state.canary is None or not state.live_canary:
            raise BadInputError(f"no canary in progress for {agent} in {env}",
                                f"start one with `agentctl deploy {agent} --env {env} --canary {steps[0]}`")
        canary, weight = state.canary, state.weight
        target = 100 if full else to if to is not None else next((s for s in steps if s > weight), 100)
        if target <= weight:
            raise BadInputError(f"the canary is already at {weight}%", "pass a higher --to, or --full")
        record = new_record(ctx, "promote", env, [agent], reason)
        overrides = [o for o in [window_override, judge_override] if o]
        started = parse_iso(canary["step_started"])
        in_step = (ctx.now - started).total_seconds() / 60
        if in_step < min_minutes:
            if step_override is None:
                ready = windows.format(started + dt.timedelta(minutes=min_minutes), with_date=True)
                raise PolicyRefused(
                    f"promote refused: {agent}@v{canary['version']} has been at {weight}% in {env} for "
                    f"{int(in_step)} min; each step needs {min_minutes:g} min",
                    f"promote after {ready}, or {ctx.who_may(windows.override_roles)} may pass --override --reason")
            overrides.append(step_override | {"minutes_in_step": round(in_step, 1)})
        record["override"] = overrides or None
        record["evidence"] = {"minutes_in_step": round(in_step, 1), "min_step_minutes": min_minutes, **(evidence or {})}
        if target >= 100:
            state.make_stable(canary["version"], now)
            summary = f"promote {agent}@v{canary['version']} in {env}: stable at 100% (canary was {weight}%)"
        else:
            state.canary = {**canary, "weight": target, "step_index": step_index(steps, target), "step_started": now}
            summary = f"promote {agent}@v{canary['version']} in {env}: canary {weight}% → {target}%"
        return Planned(summary, record, [state])

    return commit_action(ctx, "promote", env, [agent], plan)


REFUSING_VERDICTS = ("rollback", "inconclusive")


def judge_before_promote(repo: ConfigRepo, ctx: Context, agent: str, env: str, force: bool,
                         reason: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the judge's verdict as evidence, the override record when `force` overrode it).

    Refuses (exit 3) a rollback or inconclusive verdict without `force`; `force` needs a reason
    and the deploy-override role. Without a live canary there is nothing to judge (promote says so).
    """
    from agentctl.ops.canary import evaluate

    if not read_state(repo.deployment_state(), env, agent).live_canary:
        return None, None
    evaluation = evaluate(repo, agent, env)
    verdict = evaluation.to_dict()
    if evaluation.overall not in REFUSING_VERDICTS:
        return verdict, None
    roles = rule(ctx.policy, "deploy-override").act_alone
    said = f"the canary judge says {evaluation.overall}: {evaluation.decision.reason}"
    if not force:
        first = (f"abort it (`agentctl abort {agent} --env {env}`)" if evaluation.overall == "rollback"
                 else f"wait for more calls and check `agentctl canary evaluate {agent} --env {env}`")
        raise PolicyRefused(f"promote refused: {agent}@v{evaluation.canary_version} in {env}: {said}",
                            f"{first}, or {ctx.who_may(roles)} may pass --force --reason \"…\"")
    if not reason.strip():
        raise BadInputError("--force needs --reason", 'say why the verdict is wrong, e.g. --reason "sms test traffic"')
    if not ctx.has_any(roles):
        raise PolicyRefused(f"promote refused: {said}; {ctx.actor} has no role {' or '.join(roles)} to force it",
                            f"ask {ctx.who_may(roles)} to run the command with --force --reason")
    return verdict, {"rule": "canary-judge", "by": ctx.person, "reason": reason, "verdict": evaluation.overall,
                     "judge_reason": evaluation.decision.reason}


def abort(repo: RepoLike, agent: str, env: str | None = None, *, reason: str = "", override: bool = False,
          evidence: dict[str, Any] | None = None) -> Outcome:
    """Set the canary's weight to 0; the stable bundle keeps 100%. Exempt from change windows by default."""
    repo = as_repo(repo)

    ctx = repo.context(fall_back_to_head=True)
    env, spec = ctx.environment(env)
    window_override = check_window(ctx, env, spec, "abort", override, reason)

    def plan(snapshot: Snapshot) -> Planned:
        state = read_state(snapshot, env, agent)
        if state.canary is None or not state.live_canary:
            raise BadInputError(f"no canary in progress for {agent} in {env}", "nothing to abort; see `agentctl status`")
        record = new_record(ctx, "abort", env, [agent], reason)
        record["override"] = [window_override] if window_override else None
        record["evidence"] = dict(evidence or {})
        weight, version = state.weight, state.canary["version"]
        state.canary = {**state.canary, "weight": 0,
                        "aborted": {"by": ctx.person or str(ctx.actor), "at": isoformat(ctx.now), "reason": reason}}
        stable = f"stable v{state.stable['version']} back to 100%" if state.stable else "no stable"
        return Planned(f"abort {agent}@v{version} canary in {env}: {weight}% → 0%, {stable}", record, [state])

    return commit_action(ctx, "abort", env, [agent], plan, patience_s=INCIDENT_PATIENCE_S)
