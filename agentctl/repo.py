"""One handle on a config repo, built once per command (in the spirit of dvc's `Repo`).

Every member is loaded on first use and cached for the life of the handle, so a command
parses `agentctl.yaml` once, snapshots (and fetches) the deployment ref once, and opens the
call store only when it reads calls. Ops functions take a `ConfigRepo`; the CLI builds it from
`--repo`; Python API users build it the same way:

    from agentctl.repo import ConfigRepo
    repo = ConfigRepo.discover("path/to/repo")
    repo.config.default_environment

A handle is a view of one moment: a long-running loop (`canary watch`) takes a `fresh()` copy
for each look.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from agentctl import clock
from agentctl.calls.store import open_store
from agentctl.deploy import state as deploy_state
from agentctl.deploy.context import make_context, parse_config, read_config
from agentctl.errors import NotFoundError, ValidationFailed
from agentctl.identity import automation, current_actor
from agentctl.model import layout
from agentctl.model.workspace import load_agents, load_workspace, resolve_root
from agentctl.store.gitcmd import Git
from agentctl.store.refstore import RefStore
from agentctl.store.results import RESULTS_REF
from agentctl.validation import load_checks

if TYPE_CHECKING:
    from agentctl.calls.store import CallStore
    from agentctl.deploy.context import Context
    from agentctl.identity import Actor
    from agentctl.model.artifacts import Config, Workspace
    from agentctl.store.refstore import Snapshot


class ConfigRepo:
    """The config repo at `root`: git, config, workspace, deployment state, call store, actor, clock."""

    def __init__(self, root: Path, *, now: dt.datetime | None = None) -> None:
        self.root = Path(root)
        self._now = now
        self._configs_at: dict[str, Config] = {}
        self._contexts: dict[tuple[bool, Actor], Context] = {}
        self._calls: dict[bool, CallStore] = {}

    @classmethod
    def discover(cls, repo: str | Path | None = None) -> ConfigRepo:
        """`--repo PATH` if given (must hold agentctl.yaml), else the nearest one above the cwd."""
        return cls(resolve_root(repo))

    def fresh(self) -> ConfigRepo:
        """A new handle on the same repo (nothing cached): the next look of a long-running loop."""
        return ConfigRepo(self.root, now=self._now)

    # -- git ----------------------------------------------------------------------------------
    @cached_property
    def git(self) -> Git:
        """The one git runner (read_at, list_at, read_objects, blob_id, prefix, CAS, fetch, push)."""
        return Git(self.root)

    # -- config -------------------------------------------------------------------------------
    @cached_property
    def config(self) -> Config:
        """agentctl.yaml from the working tree, validated once (exit 2 with every diagnostic)."""
        return read_config(self.root)

    def config_at(self, rev: str) -> Config:
        """agentctl.yaml as committed at `rev`, validated; cached per revision."""
        if rev not in self._configs_at:
            text = self.git.read_text_at(rev, layout.CONFIG_FILE)
            if text is None:
                raise NotFoundError(f"no {layout.CONFIG_FILE} committed at {rev}",
                                    "commit agentctl.yaml, or name a revision that has it")
            self._configs_at[rev] = parse_config(text, f"{rev}:{layout.CONFIG_FILE}")
        return self._configs_at[rev]

    def config_for(self, *, fall_back_to_head: bool = False) -> Config:
        """The working-tree config; with fall_back_to_head, the committed one when the working file is
        broken or missing, so an emergency rollback never depends on the state of the checkout."""
        try:
            return self.config
        except ValidationFailed:
            if not fall_back_to_head:
                raise
            try:
                return self.config_at("HEAD")
            except Exception:
                pass
            raise

    def context(self, *, fall_back_to_head: bool = False) -> Context:
        """Who acts, when, under which config, on which deployment store: what every action shares."""
        key = (fall_back_to_head, self.actor)
        if key not in self._contexts:
            config = self.config_for(fall_back_to_head=fall_back_to_head)
            self._contexts[key] = make_context(self.root, config, self.actor, self.now, self.deployments)
        return self._contexts[key]

    # -- the working tree ---------------------------------------------------------------------
    @cached_property
    def workspace(self) -> Workspace:
        """Every prompt, contract, KB manifest and agent in the working tree, validated (strict)."""
        load_checks()
        return load_workspace(self.root, config=self.config)

    @cached_property
    def workspace_lenient(self) -> Workspace:
        """Like `workspace`, but diagnostics are returned on it rather than raised (validate, summaries)."""
        load_checks()
        try:
            config = self.config
        except ValidationFailed:
            return load_workspace(self.root, strict=False)
        return load_workspace(self.root, strict=False, config=config)

    @cached_property
    def agents(self) -> Workspace:
        """agentctl.yaml and the agent definitions only — for commands about deployed agents (canary,
        check, metrics), which never need prompts, contracts or released bundle files."""
        return load_agents(self.root, self.config)

    # -- state --------------------------------------------------------------------------------
    @cached_property
    def deployments(self) -> RefStore:
        """The deployment-state ref store (refs/agentctl/deployments); fetched at most once."""
        store_: RefStore = deploy_state.store(self.root)
        return store_

    def deployment_state(self) -> Snapshot:
        """The deployment state as of this command (with a remote: fetched once, then reused)."""
        return self.deployments.snapshot()

    @cached_property
    def results(self) -> RefStore:
        """The test-results ref store (refs/agentctl/results)."""
        return RefStore(self.root, RESULTS_REF)

    def calls(self, *, read_only: bool = True, memory_limit: str | None = None) -> CallStore:
        """The call store named by `metrics_source` (DuckDB or PostgreSQL), opened on first use (close with `close()`)."""
        if read_only not in self._calls:
            self._calls[read_only] = open_store(self.root, self.config.data, read_only=read_only,
                                                memory_limit=memory_limit)
        return self._calls[read_only]

    # -- who and when -------------------------------------------------------------------------
    @property
    def actor(self) -> Actor:
        """Who acts: an in-process automation (`acting_as`) if one is acting, else the user (looked up once)."""
        return automation() or self._user

    @cached_property
    def _user(self) -> Actor:
        return current_actor(self.root)

    @property
    def now(self) -> dt.datetime:
        return self._now or clock.now()

    def close(self) -> None:
        for store in self._calls.values():
            store.close()
        self._calls.clear()

    def __enter__(self) -> ConfigRepo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ConfigRepo({str(self.root)!r})"


def as_repo(repo: ConfigRepo | str | Path | None) -> ConfigRepo:
    """A handle from a handle, a config root path, or None (discovery from the cwd) — for Python API callers."""
    if isinstance(repo, ConfigRepo):
        return repo
    return ConfigRepo.discover() if repo is None else ConfigRepo(Path(repo))


RepoLike = ConfigRepo | Path | str

__all__ = ["ConfigRepo", "RepoLike", "as_repo"]
