"""`window`: is the change window open now (or at a given time), why, and when does it next open."""

from __future__ import annotations

import datetime as dt

from agentctl.deploy.windows import WindowPolicy, WindowStatus, enforced
from agentctl.repo import RepoLike, as_repo


def window_status(repo: RepoLike, at: dt.datetime | None = None, env: str | None = None) -> WindowStatus:
    """The policy's verdict at `at` (default: now); with `env`, a non-enforcing environment is always open."""
    repo = as_repo(repo)

    ctx = repo.context(fall_back_to_head=True)
    moment = at or ctx.now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WindowPolicy(ctx.policy).tz)  # a bare time means the team's timezone
    status = WindowPolicy(ctx.policy).check(moment)
    if env is not None:
        name, spec = ctx.environment(env)
        if not enforced(spec):
            status.open, status.rule, status.next_open = True, "not-enforced", status.at
            status.reason = f"change windows are not enforced in {name}"
    return status
