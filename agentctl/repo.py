"""One handle on a config repo, built once per command (in the spirit of dvc's `Repo`).

Every member is loaded on first use and cached for the life of the handle, so a command
parses `agentctl.yaml` once, snapshots (and fetches) the deployment ref once, and opens the
call store only when it reads calls. Ops functions take a `ConfigRepo`; the CLI builds it from
`--repo`; Python API users build it the same way:

    from agentctl.repo import ConfigRepo
    repo = ConfigRepo.discover("path/to/repo")
    repo.config.default_environment
"""

from __future__ import annotations

import datetime as dt
import subprocess
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from agentctl.errors import ValidationFailed
from agentctl.model import layout

if TYPE_CHECKING:
    from agentctl.calls.store import DuckDBCallStore
    from agentctl.identity import Actor
    from agentctl.model.artifacts import Config, Workspace
    from agentctl.store.refstore import RefStore


class ConfigRepo:
    """The config repo at `root`: git, config, workspace, deployment state, call store, actor, clock."""

    def __init__(self, root: Path, *, now: dt.datetime | None = None) -> None:
        self.root = Path(root)
        self._now = now
        self._configs_at: dict[str, Config] = {}
        self._calls: dict[bool, DuckDBCallStore] = {}

    @classmethod
    def discover(cls, repo: str | Path | None = None) -> ConfigRepo:
        """`--repo PATH` if given (must hold agentctl.yaml), else the nearest one above the cwd."""
        from agentctl.model.workspace import resolve_root

        return cls(resolve_root(repo))

    # -- config -------------------------------------------------------------------------------
    @cached_property
    def config(self) -> Config:
        """agentctl.yaml from the working tree, validated once (exit 2 with every diagnostic)."""
        from agentctl.model.artifacts import Config
        from agentctl.model.schema import validate_document
        from agentctl.model.yamlio import load_file

        doc = load_file(self.root / layout.CONFIG_FILE, layout.CONFIG_FILE)
        errors = [d for d in validate_document(doc, "config") if d.is_error]
        if errors:
            raise ValidationFailed(errors)
        return Config(doc)

    def config_at(self, rev: str) -> Config:
        """agentctl.yaml as committed at `rev`, validated; cached per revision."""
        if rev not in self._configs_at:
            from agentctl.model.artifacts import Config
            from agentctl.model.schema import validate_document
            from agentctl.model.yamlio import parse_text

            proc = subprocess.run(["git", "show", f"{rev}:{layout.CONFIG_FILE}"], cwd=self.root,
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                from agentctl.errors import NotFoundError

                raise NotFoundError(f"no {layout.CONFIG_FILE} committed at {rev}",
                                    "commit agentctl.yaml, or name a revision that has it")
            doc = parse_text(proc.stdout, f"{rev}:{layout.CONFIG_FILE}")
            errors = [d for d in validate_document(doc, "config") if d.is_error]
            if errors:
                raise ValidationFailed(errors)
            self._configs_at[rev] = Config(doc)
        return self._configs_at[rev]

    @cached_property
    def workspace(self) -> Workspace:
        """Every prompt, contract, KB manifest and agent in the working tree, validated (strict)."""
        from agentctl.model.workspace import load_workspace

        return load_workspace(self.root)

    # -- state --------------------------------------------------------------------------------
    @cached_property
    def deployments(self) -> RefStore:
        """The deployment-state ref store (refs/agentctl/deployments)."""
        from agentctl.deploy.state import store

        store_: RefStore = store(self.root)
        return store_

    def calls(self, *, read_only: bool = True, memory_limit: str | None = None) -> DuckDBCallStore:
        """The call store named by `metrics_source`, opened on first use (close with `close()`)."""
        if read_only not in self._calls:
            from agentctl.calls.store import open_store

            self._calls[read_only] = open_store(self.root, self.config.data, read_only=read_only,
                                                memory_limit=memory_limit)
        return self._calls[read_only]

    # -- who and when -------------------------------------------------------------------------
    @cached_property
    def actor(self) -> Actor:
        from agentctl.identity import current_actor

        return current_actor(self.root)

    @property
    def now(self) -> dt.datetime:
        from agentctl.clock import now

        return self._now or now()

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
    """A handle from a handle, a path, or None (discovery) — for Python API entry points."""
    return repo if isinstance(repo, ConfigRepo) else ConfigRepo.discover(repo)


__all__ = ["ConfigRepo", "as_repo"]

