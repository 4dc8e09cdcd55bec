"""Who acts, when, under which config: the inputs every deployment action shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentctl.errors import BadInputError, PolicyRefused, ValidationFailed, unknown_environment
from agentctl.model import layout
from agentctl.model.artifacts import Config


def parse_config(text: str, label: str) -> Config:
    """agentctl.yaml text, parsed and validated (ValidationFailed with every diagnostic)."""
    from agentctl.model.schema import validate_document
    from agentctl.model.yamlio import parse_text

    doc = parse_text(text, label)
    errors = [d for d in validate_document(doc, "config") if d.is_error]
    if errors:
        raise ValidationFailed(errors)
    return Config(doc)


def read_config(root: Path) -> Config:
    """agentctl.yaml from the working tree, validated."""
    from agentctl.model.schema import validate_document
    from agentctl.model.yamlio import load_file

    doc = load_file(root / layout.CONFIG_FILE, layout.CONFIG_FILE)
    errors = [d for d in validate_document(doc, "config") if d.is_error]
    if errors:
        raise ValidationFailed(errors)
    return Config(doc)


def committed_config(root: Path, rev: str = "HEAD") -> Config | None:
    """agentctl.yaml as committed at `rev`, validated; None when `rev` has none."""
    from agentctl.store.gitcmd import Git

    text = Git(root).read_text_at(rev, layout.CONFIG_FILE)
    return None if text is None else parse_config(text, f"{rev}:{layout.CONFIG_FILE}")


def load_config(root: Path, *, fall_back_to_head: bool = False) -> Config:
    """agentctl.yaml from the working tree, validated.

    With fall_back_to_head, a broken or missing working-tree file is replaced by the last
    committed one, so an emergency rollback never depends on the state of the checkout.
    (Commands reach this through `ConfigRepo.config_for`, which caches the result.)
    """
    try:
        return read_config(root)
    except ValidationFailed:
        if not fall_back_to_head:
            raise
        try:
            committed = committed_config(root)
        except Exception:
            committed = None
        if committed is None:
            raise
        return committed


@dataclass
class Context:
    root: Path
    config: Config
    actor: Any  # agentctl.identity.Actor
    person: str | None
    roles: frozenset[str]
    now: dt.datetime
    deployments: Any = None  # the RefStore this command reads and writes (agentctl.store.refstore.RefStore)

    @property
    def policy(self) -> dict[str, Any]:
        return self.config.policy

    def environment(self, env: str | None) -> tuple[str, dict[str, Any]]:
        """(name, spec) of `env` (default: default_environment); exit 2 for an unknown name."""
        name = env or self.config.default_environment
        spec = self.config.environments.get(name)
        if spec is None:
            raise unknown_environment(name, self.config.environments)
        return name, spec

    def has_any(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & set(roles))

    def people_with(self, roles: Iterable[str]) -> list[str]:
        return sorted({p for role in roles for p in self.config.people_with_role(role)})

    def who_may(self, roles: Iterable[str]) -> str:
        """"an engineering role (ines, wei)" — for refusal messages."""
        roles = list(roles)
        people = self.people_with(roles)
        names = " or ".join(roles) or "no role"
        return f"a person with role {names} ({', '.join(people) or 'nobody is listed in agentctl.yaml'})"

    def author(self) -> Any:
        from agentctl.store.refstore import Author

        return Author(self.actor.name or "unknown", self.actor.email or "unknown@localhost")

    def check_override(self, override: bool, reason: str, roles: Iterable[str], what: str) -> dict[str, Any] | None:
        """The override record when the actor may override `what`, None when no override was asked."""
        if not override:
            return None
        roles = list(roles)
        if not reason.strip():
            raise BadInputError("--override needs --reason", 'say why, e.g. --reason "hotfix for the SMS outage"')
        if not self.has_any(roles):
            raise PolicyRefused(f"override refused: {self.actor} has no role {' or '.join(roles)}",
                                f"ask {self.who_may(roles)} to run the command with --override --reason")
        return {"rule": what, "by": self.person, "reason": reason}


def make_context(root: Path, config: Config, actor: Any, now: dt.datetime, deployments: Any = None) -> Context:
    person = actor.person(config.people)
    roles = frozenset(config.people.get(person, {}).get("roles") or []) if person else frozenset()
    return Context(root, config, actor, person, roles, now, deployments)


def load_context(root: Path, *, fall_back_to_head: bool = False) -> Context:
    """A context for one action (commands build theirs through `ConfigRepo.context`)."""
    from agentctl.clock import now
    from agentctl.identity import current_actor

    return make_context(root, load_config(root, fall_back_to_head=fall_back_to_head), current_actor(root), now())
