"""Policy checks shared by the deployment verbs: change windows, the promotion gate, step time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentctl.deploy.state import read_state
from agentctl.deploy.windows import WindowPolicy, enforced
from agentctl.errors import PolicyRefused

if TYPE_CHECKING:
    from agentctl.deploy.context import Context
    from agentctl.store.refstore import Snapshot


def check_window(ctx: Context, env: str, spec: dict[str, Any], action: str, override: bool,
                 reason: str) -> dict[str, Any] | None:
    """Refuse `action` outside a change window (exit 3); returns the override record when one was used."""

    windows = WindowPolicy(ctx.policy)
    if not enforced(spec) or action in windows.exempt:
        return None
    status = windows.check(ctx.now)
    if status.open:
        return None
    if override:
        used = dict(ctx.check_override(True, reason, windows.override_roles, "change-window") or {})  # asked: a record
        used["window"] = status.reason
        return used
    nxt = windows.next_open(ctx.now)
    opens = f"next window opens {windows.format(nxt, with_date=True)}" if nxt else "no window opens in the next two years"
    raise PolicyRefused(f"change window closed for {env}: {status.reason}",
                        f"{opens}; {_and(windows.exempt)} {'is' if len(windows.exempt) == 1 else 'are'} exempt; "
                        f"{ctx.who_may(windows.override_roles)} may pass --override --reason \"…\"")


def gate_findings(ctx: Context, snapshot: Snapshot, env: str, spec: dict[str, Any], agent: str, version: int,
                  suites: dict[str, dict[str, Any]]) -> tuple[list[str], dict[str, Any]]:
    """(what is missing, evidence) for putting agent@vN into `env`: earlier environments and suites."""

    missing: list[str] = []
    evidence: dict[str, Any] = {"requires": {}, "suites": {}}
    for earlier in spec.get("requires") or []:
        seen = version in read_state(snapshot, earlier, agent).deployed
        evidence["requires"][earlier] = seen
        if not seen:
            missing.append(f"it was not deployed to {earlier}")
    for suite in spec.get("required_suites") or []:
        result = suites.get(suite)
        evidence["suites"][suite] = {"status": result.get("status"), "id": result.get("id")} if result else None
        if not result:
            missing.append(f"suite {suite} has no result")
        elif result.get("status") != "passed":
            missing.append(f"suite {suite} {result.get('status')} (result {str(result.get('id'))[:12]})")
    return missing, evidence


def gate_fix(env_missing: list[str], suites_missing: list[str], ref: str) -> str:
    """What to do about missing gate evidence, e.g. "deploy it to staging first; get suite unit passing"."""
    steps = []
    if env_missing:
        steps.append(f"deploy it to {_and(env_missing)} first")
    if suites_missing:
        steps.append(f"get suite {_and(suites_missing)} passing for {ref}")
    return "; ".join(steps)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
