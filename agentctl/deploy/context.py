"""Who acts, when, under which config: the inputs every deployment action shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.clock import now
from agentctl.deploy.signing import CONFIGURE_FIX, local_signing_key, require_signed, signing_keys
from agentctl.errors import BadInputError, PolicyRefused, ValidationFailed, unknown_environment
from agentctl.identity import current_actor
from agentctl.model import layout, yamlio
from agentctl.model.artifacts import Config
from agentctl.model.schema import validate_document
from agentctl.model.yamlio import load_file
from agentctl.store.gitcmd import Git
from agentctl.store.refstore import Author

if TYPE_CHECKING:
    from agentctl.identity import Actor
    from agentctl.store.refstore import RefStore


def parse_config(text: str, label: str) -> Config:
    """agentctl.yaml text, parsed and validated (ValidationFailed with every diagnostic)."""

    doc = yamlio.parse_text(text, label)
    errors = [d for d in validate_document(doc, "config") if d.is_error]
    if errors:
        raise ValidationFailed(errors)
    return Config(doc)


def read_config(root: Path) -> Config:
    """agentctl.yaml from the working tree, validated."""

    doc = load_file(root / layout.CONFIG_FILE, layout.CONFIG_FILE)
    errors = [d for d in validate_document(doc, "config") if d.is_error]
    if errors:
        raise ValidationFailed(errors)
    return Config(doc)


def committed_config(root: Path, rev: str = "HEAD") -> Config | None:
    """agentctl.yaml as committed at `rev`, validated; None when `rev` has none."""

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
    actor: Actor
    person: str | None
    roles: frozenset[str]
    now: dt.datetime
    deployments: RefStore | None = None  # the ref store this command reads and writes
    authority: Config | None = None  # the committed agentctl.yaml: people, roles and policy come from it
    config_commit: str | None = None  # the commit `authority` was read from (HEAD), named in every record

    @property
    def policy(self) -> dict[str, Any]:
        return (self.authority or self.config).policy

    def require_person(self, action: str, env: str) -> None:
        """Refuse (exit 3) a production action by an identity that is no person in the committed agentctl.yaml."""
        spec = self.config.environments.get(env) or {}
        if self.person is not None or not spec.get("production") or self.actor.source == "automation":
            return
        raise PolicyRefused(
            f"{action} refused in {env}: {self.actor} is not a person in the committed agentctl.yaml "
            f"(people are matched by email)",
            "act as yourself: `git config user.email` must be your address under people: in agentctl.yaml; "
            "a new person is added by a reviewed commit to agentctl.yaml")

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
        return sorted({p for role in roles for p in (self.authority or self.config).people_with_role(role)})

    def who_may(self, roles: Iterable[str]) -> str:
        """"an engineering role (ines, wei)" — for refusal messages."""
        roles = list(roles)
        people = self.people_with(roles)
        names = " or ".join(roles) or "no role"
        return f"a person with role {names} ({', '.join(people) or 'nobody is listed in agentctl.yaml'})"

    def signing_key(self, action: str) -> str | None:
        """The key this action's record must be signed with, None when it is not signed.

        Signed when the acting person has a signing_key in the committed agentctl.yaml, or when the
        policy requires signed records; refused (exit 3, with the fix) when no key is configured here.
        """

        authority = self.authority or self.config
        keys = signing_keys(authority)
        strict = require_signed(authority)
        if not (strict or (self.person and self.person in keys)):
            return None
        if self.person and self.person not in keys and self.actor.source != "automation":
            raise PolicyRefused(
                f"{action} refused: the policy requires signed records and {self.person} has no signing_key "
                "in the committed agentctl.yaml",
                f"add `signing_key: <your SSH public key>` under people: {self.person}: in agentctl.yaml by a "
                "reviewed commit")
        key = local_signing_key(self.root)
        if key is None:
            who = self.person or str(self.actor)
            raise PolicyRefused(f"{action} refused: {who} must sign deployment records, but no signing key is "
                                "configured here", CONFIGURE_FIX)
        return key

    def author(self) -> Author:
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


def committed_authority(root: Path, config: Config) -> Config:
    """The committed agentctl.yaml (parsed only when the working copy differs from it)."""

    try:
        committed = Git(root).read_text_at("HEAD", layout.CONFIG_FILE)
    except Exception:
        return config
    if committed is None:
        return config  # nothing committed yet (a new repo): the working copy is all there is
    try:
        if (root / layout.CONFIG_FILE).read_text("utf-8") == committed:
            return config
    except (OSError, UnicodeDecodeError):
        pass
    try:
        return parse_config(committed, f"HEAD:{layout.CONFIG_FILE}")
    except ValidationFailed:
        return config  # a broken committed copy: the validated working one is all there is


def make_context(root: Path, config: Config, actor: Actor, now: dt.datetime,
                 deployments: RefStore | None = None) -> Context:
    """People, roles and policy come from the committed agentctl.yaml (an uncommitted edit grants nothing);
    the working copy is used only in a repo with no commit of it yet."""

    authority = committed_authority(root, config)
    person = actor.person(authority.people)
    roles = frozenset(authority.people.get(person, {}).get("roles") or []) if person else frozenset()
    try:
        head = Git(root).head()
    except Exception:
        head = None
    return Context(root, config, actor, person, roles, now, deployments, authority, head)


def load_context(root: Path, *, fall_back_to_head: bool = False) -> Context:
    """A context for one action (commands build theirs through `ConfigRepo.context`)."""

    return make_context(root, load_config(root, fall_back_to_head=fall_back_to_head), current_actor(root), now())
