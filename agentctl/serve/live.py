"""Deployment state that follows `refs/agentctl/deployments` while the service runs.

A poller looks at the ref every `poll_interval_s` (fetching it from origin first when the
repo has a remote). When the commit moves — a deploy, promote, abort, or a judge rollback —
it builds new routers from that commit and swaps them in whole, so the very next call sees
the new state and no call ever sees half of one. A failing fetch keeps the last good state,
and /readyz says since when and why.

Every live bundle is loaded before the swap and checked against the state's deploy pins (the
commit and content hash each version had when it was deployed). A state in which a live
version's bundle in this clone is not the pinned one — a moved tag, a clone that lacks the
released tags — or cannot be loaded at all is never served: the last good state keeps serving
and /readyz says which bundle and why (on the very first load there is no good state yet, and
those bundles answer 503). The same holds for a state resting on a forged deployment record (or, under
`policy.require_signed`, an unsigned one): it is never served, and before any trusted state is loaded
every routed call answers 503.
"""

from __future__ import annotations

import subprocess
import threading
import time
from typing import Any

from agentctl.ops.resolve import Router


class LiveState:
    def __init__(self, repo: Any, environments: list[str], interval_s: float) -> None:
        self.repo = repo
        self.environments = environments
        self.interval_s = interval_s
        self.routers: dict[str, Router] = {}
        self.commit: str | None = None
        self.loaded = False
        self.loaded_at: float | None = None
        self.checked_at: float | None = None
        self.error: str | None = None
        self.reloads = 0
        self.refused: str | None = None  # the newest state commit that was not served (see _prewarm)
        self._configs: dict[tuple[str, int], dict[str, Any]] = {}  # bundles are immutable: cached for good
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        """Look at the ref once; rebuild the routers when it moved. True when the state changed."""
        from agentctl.errors import AgentctlError
        from agentctl.store.refstore import Snapshot

        with self._lock:
            store = self.repo.deployments
            try:
                head = store.fetch() if store.remote else store.head()
                fetch_error = None
            except AgentctlError as exc:
                head, fetch_error = (self.commit if self.loaded else store.head()), str(exc)
            self.checked_at = time.time()
            if self.loaded and head == self.commit:
                self.error = fetch_error
                return False
            try:
                if store.remote and self.loaded:
                    # bundles released elsewhere arrive as tags; best effort, the state itself is already here
                    subprocess.run(["git", "fetch", "--quiet", "--tags", store.remote], cwd=self.repo.root,
                                   capture_output=True, timeout=30)
                snapshot = Snapshot(store, head)
                routers = {env: Router.from_snapshot(self.repo.root, env, self.repo.config.environments[env],
                                                     snapshot, self._configs) for env in self.environments}
                problems = _prewarm(routers)
                distrust = self._untrusted(routers)
            except Exception as exc:  # noqa: BLE001 - keep serving the last good state, say why on /readyz
                self.error = f"cannot read deployment state at {str(head)[:12]}: {exc}"
                return False
            if distrust:  # a forged record (or, under require_signed, an unsigned one): never served
                self.refused = head
                self.error = (f"deployment state {str(head)[:12]} is not served: {distrust}"
                              + (f"; still serving {str(self.commit)[:12]}" if self.loaded else ""))
                return False
            if problems and self.loaded:
                self.refused = head
                self.error = (f"deployment state {str(head)[:12]} is not served: {'; '.join(problems)}; "
                              f"still serving {str(self.commit)[:12]}")
                return False
            self.routers, self.commit, self.loaded, self.loaded_at = routers, head, True, time.time()
            self.refused = None
            self.reloads += 1
            self.error = fetch_error or ("; ".join(problems) if problems else None)
            return True

    def _untrusted(self, routers: dict[str, Router]) -> str | None:
        """Why the state on the ref cannot be trusted (see agentctl.deploy.signing), or None. Costs nothing
        while nobody signs; signature verdicts are cached per record, so a poll re-checks only new records."""
        from agentctl.deploy.signing import require_trusted_state
        from agentctl.errors import AgentctlError

        for env, router in routers.items():
            try:
                require_trusted_state(self.repo.root, self.repo.config, env, list(router.states), "serve")
            except AgentctlError as exc:
                return exc.message
        return None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="agentctl-state-poller", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.refresh()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def status(self) -> dict[str, Any]:
        now = time.time()
        return {"state_commit": self.commit, "environments": self.environments,
                "state_age_s": None if self.loaded_at is None else round(now - self.loaded_at, 1),
                "checked_s_ago": None if self.checked_at is None else round(now - self.checked_at, 1),
                "poll_interval_s": self.interval_s, "reloads": self.reloads, "refused_state": self.refused,
                "error": self.error}


def _prewarm(routers: dict[str, Router]) -> list[str]:
    """Load every live bundle's config now (so the first call after a deploy does not wait on git) and check
    it against the state's deploy pins; what is wrong, one line per bundle."""
    problems = []
    for router in routers.values():
        for agent, state in router.states.items():
            versions = [s["version"] for s in (state.stable, state.canary) if s and not state.disabled]
            for version in versions:
                try:
                    config = router.config(agent, version)
                except Exception as exc:  # noqa: BLE001 - reported on /readyz
                    problems.append(f"{agent}@v{version} in {router.env}: {getattr(exc, 'message', None) or exc}")
                    continue
                # the config cache outlives states, so check the pin here too, not only when git is read
                pinned = state.pins.get(str(version))
                if pinned and (pinned.get("commit"), pinned.get("content_hash")) != (config.get("commit"),
                                                                                   config.get("content_hash")):
                    problems.append(
                        f"{agent}@v{version} in {router.env}: this clone's bundle (commit "
                        f"{str(config.get('commit'))[:10]}, content {str(config.get('content_hash'))[:12]}) is not the "
                        f"deployed one (commit {str(pinned.get('commit'))[:10]}, content "
                        f"{str(pinned.get('content_hash'))[:12]})")
    return problems
