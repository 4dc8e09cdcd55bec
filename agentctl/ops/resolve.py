"""`resolve` and `export`: which bundle a call gets, for runtimes (CLI, Python API, or polled files).

Assignment is sticky (see agentctl.deploy.routing): the same key keeps its version across a
canary while the weight only grows. A Router reads the deployment state once and then
resolves any number of keys in memory; bundle configs are read from git objects once each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.clock import isoformat, now
from agentctl.deploy.context import load_config
from agentctl.deploy.routing import BUCKETS, bucket, default_salt, on_canary
from agentctl.deploy.signing import require_trusted_state, signing_active
from agentctl.deploy.state import AgentState, agents_in, read_state, store
from agentctl.errors import BadInputError, NotFoundError
from agentctl.fsutil import write_atomic
from agentctl.platforms import FORMATS, render
from agentctl.repo import as_repo

if TYPE_CHECKING:
    from agentctl.repo import RepoLike
    from agentctl.store.refstore import Snapshot

HASH_SPEC = ('bucket = int.from_bytes(sha256(f"{agent}\\x00{salt}\\x00{key}".encode()).digest()[:8], "big") '
             f"% {BUCKETS}; canary iff bucket < weight * 100")


@dataclass
class Resolution:
    agent: str
    env: str
    key: str
    bucket: int
    track: str  # stable | canary | disabled
    bundle: str | None
    version: int | None
    weight: int
    config: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Router:
    """One snapshot of an environment's deployment state; resolves keys without touching git again."""

    def __init__(self, root: Path, env: str, salt: str, states: dict[str, AgentState], commit: str | None,
                 configs: dict[tuple[str, int], dict[str, Any]] | None = None) -> None:
        self.root, self.env, self.salt, self.states, self.commit = root, env, salt, states, commit
        # bundles are immutable, so a long-running service shares one cache across state reloads
        self._configs: dict[tuple[str, int], dict[str, Any]] = configs if configs is not None else {}

    @classmethod
    def from_snapshot(cls, root: Path, env: str, spec: dict[str, Any], snapshot: Snapshot,
                      configs: dict[tuple[str, int], dict[str, Any]] | None = None) -> Router:
        """A router over one deployment-ref snapshot (agentctl serve re-reads it when the ref moves)."""

        states = {a: read_state(snapshot, env, a) for a in agents_in(snapshot, env)}
        return cls(Path(root), env, default_salt(env, spec), states, snapshot.commit, configs)

    @classmethod
    def load(cls, root: Path | str, env: str | None = None, what: str = "") -> Router:
        root = Path(root)
        config = load_config(root, fall_back_to_head=True)
        name = env or config.default_environment
        spec = config.environments.get(name)
        if spec is None:
            raise BadInputError(f"unknown environment '{name}'", "pass --env with an environment from agentctl.yaml")
        snapshot = store(root).snapshot()
        states = {a: read_state(snapshot, name, a) for a in agents_in(snapshot, name)}

        if signing_active(config):  # nobody signs: no extra cost on this one-shot path
            require_trusted_state(root, config, name, states, what or "resolve")
        return cls(root, name, default_salt(name, spec), states, snapshot.commit)

    def state(self, agent: str) -> AgentState:
        state = self.states.get(agent)
        if state is None:
            raise NotFoundError(f"{agent} is not deployed in {self.env}",
                                f"deploy it first: `agentctl deploy {agent} --env {self.env}`")
        return state

    def assign(self, agent: str, key: str) -> tuple[str, int | None, int]:
        """(track, version, bucket) for `key`; no I/O."""
        state = self.state(agent)
        number = bucket(agent, self.salt, key)
        if state.disabled:
            return "disabled", None, number
        if state.canary and on_canary(number, state.weight):
            return "canary", state.canary["version"], number
        return "stable", state.stable["version"] if state.stable else None, number

    def config(self, agent: str, version: int) -> dict[str, Any]:
        if (agent, version) not in self._configs:
            from agentctl.model.bundle import BundleRef
            from agentctl.ops.bundles import bundle_config, load_bundle

            bundle = load_bundle(self.root, BundleRef(agent, version))
            pinned = self.state(agent).pins.get(str(version))
            if pinned and (pinned["commit"], pinned["content_hash"]) != (bundle.commit, bundle.content_hash):
                from agentctl.errors import ConflictError

                raise ConflictError(
                    f"{bundle.ref} in this clone (commit {bundle.commit[:10]}, content {bundle.content_hash[:12]}) "
                    f"is not the bundle deployed to {self.env} (commit {pinned['commit'][:10]}, content "
                    f"{pinned['content_hash'][:12]}); nothing was served",
                    f"fetch the released tags (`git fetch --tags --force origin`) so {bundle.ref} is the deployed one")
            self._configs[(agent, version)] = {"bundle": bundle.ref, "commit": bundle.commit,
                                               "content_hash": bundle.content_hash,
                                               **bundle_config(self.root, bundle).to_dict()}
        return self._configs[(agent, version)]

    def resolve(self, agent: str, key: str, *, with_config: bool = True) -> Resolution:
        track, version, number = self.assign(agent, key)
        config = self.config(agent, version) if with_config and version is not None else None
        return Resolution(agent, self.env, key, number, track, f"{agent}@v{version}" if version else None,
                          version, self.state(agent).weight, config)


def resolve(root: Path | str, agent: str, *, key: str, env: str | None = None, with_config: bool = True) -> Resolution:
    """The bundle (and its rendered config: prompt, tools as function schemas, KB manifest) call `key` gets."""
    return Router.load(root, env).resolve(agent, key, with_config=with_config)


def resolve_payload(repo: RepoLike, agent: str, *, key: str, env: str | None = None, fmt: str = "agentctl") -> dict[str, Any]:
    """The routed bundle for `key` as a platform payload: agentctl (resolve --json), vapi (POST /call body
    with a transient assistant), retell (create-phone-call overrides) or openai (chat-completions body)."""

    if fmt not in FORMATS:
        raise BadInputError(f"unknown format '{fmt}'", f"use one of: {', '.join(FORMATS)}")
    handle = as_repo(repo)
    found = resolve(handle.root, agent, key=key, env=env, with_config=True)
    serve = handle.config.data.get("serve") or {}
    bundles = ((serve.get("platforms") or {}).get("retell") or {}).get("bundles")
    return render(fmt, found.to_dict(), retell_bundles=bundles)


@dataclass
class ExportResult:
    path: str
    env: str
    agents: list[str]
    bundles: list[str]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def export(root: Path | str, out: Path | str, env: str | None = None) -> ExportResult:
    """Write `<out>/<env>.json`: each agent's stable/canary/weight/disabled, the routing spec and every config."""

    router = Router.load(root, env, "export")
    agents, bundles = {}, {}
    for name, state in sorted(router.states.items()):
        stable = state.stable["version"] if state.stable else None
        live = state.canary["version"] if state.canary and state.live_canary else None
        agents[name] = {"disabled": state.disabled is not None,
                        "stable": {"bundle": f"{name}@v{stable}", "version": stable} if stable else None,
                        "canary": {"bundle": f"{name}@v{live}", "version": live, "weight": state.weight}
                        if live else None}
        for version in (v for v in (stable, live) if v):
            bundles[f"{name}@v{version}"] = router.config(name, version)
    document = {"env": router.env, "generated": isoformat(now()), "state_commit": router.commit,
                "routing": {"buckets": BUCKETS, "salt": router.salt, "hash": HASH_SPEC},
                "agents": agents, "bundles": bundles}

    # pollers never see a half-written file
    target = write_atomic(Path(out) / f"{router.env}.json", json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")
    return ExportResult(str(target), router.env, sorted(agents), sorted(bundles))
