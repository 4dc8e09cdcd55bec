"""Who is acting: one source of identity for audit records and approvals.

Order: an automation acting in-process (`acting_as`, e.g. the canary judge), AGENTCTL_ACTOR (explicit),
the CI actor (GitHub Actions), git config, the OS user.
The actor is matched to a person in the committed agentctl.yaml by email or git_emails (CI: ci_logins), never by name.
"""

from __future__ import annotations

import contextvars
import getpass
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_NAME_EMAIL = re.compile(r"^\s*(?P<name>[^<]*?)\s*<(?P<email>[^>]+)>\s*$")


@dataclass(frozen=True)
class Actor:
    name: str
    email: str
    source: str  # "env" | "ci" | "git" | "os"
    login: str = ""

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name

    def person(self, people: Mapping[str, Mapping[str, Any]]) -> str | None:
        """The person id in agentctl.yaml this actor is, or None for a stranger.

        Matched by email (or, in CI, by the CI login), never by name: a name is whatever anyone types.
        """
        for pid, spec in people.items():
            emails = {spec.get("email", "").lower(), *(e.lower() for e in spec.get("git_emails") or [])}
            if self.email and self.email.lower() in emails:
                return pid
            if self.source == "ci" and self.login and self.login in (spec.get("ci_logins") or []):
                return pid
        return None


_AUTOMATION: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("agentctl_actor", default=None)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Within the block, `actor` (an automation such as agentctl-judge) is who acts."""
    token = _AUTOMATION.set(actor)
    try:
        yield actor
    finally:
        _AUTOMATION.reset(token)


def automation() -> Actor | None:
    """The automation acting in-process (`acting_as`), if any."""
    return _AUTOMATION.get()


def current_actor(repo_root: Path | None = None) -> Actor:
    automation = _AUTOMATION.get()
    if automation is not None:
        return automation
    explicit = os.environ.get("AGENTCTL_ACTOR", "").strip()
    if explicit:
        match = _NAME_EMAIL.match(explicit)
        if match:
            return Actor(match["name"] or match["email"], match["email"], "env")
        return Actor(explicit, "", "env", login=explicit)
    if os.environ.get("GITHUB_ACTIONS") == "true" and os.environ.get("GITHUB_ACTOR"):
        login = os.environ["GITHUB_ACTOR"]
        return Actor(login, f"{login}@users.noreply.github.com", "ci", login=login)
    from agentctl.store.git import identity

    found = identity(repo_root)
    if found:
        return Actor(found[0] or found[1], found[1], "git")
    user = getpass.getuser()
    return Actor(user, f"{user}@localhost", "os", login=user)


def identity_claims(repo_root: Path | None = None) -> list[str]:
    """Every identity this user could claim right now, whichever one acts: the AGENTCTL_ACTOR value, git's
    user.email, the CI login, and the OS account (`user@host`). Approvals compare them all, so changing one
    of them does not make the requester someone else (see `persons_claimed`)."""
    import socket

    claims: set[str] = set()
    explicit = os.environ.get("AGENTCTL_ACTOR", "").strip()
    if explicit:
        match = _NAME_EMAIL.match(explicit)
        claims.add(f"email:{match['email'].lower()}" if match else f"login:{explicit}")
    if os.environ.get("GITHUB_ACTIONS") == "true" and os.environ.get("GITHUB_ACTOR"):
        claims.add(f"login:{os.environ['GITHUB_ACTOR']}")
    from agentctl.store.git import identity

    found = identity(repo_root)
    if found and found[1]:
        claims.add(f"email:{found[1].lower()}")
    with suppress(OSError, KeyError):  # no user name anywhere (a bare container): nothing to claim
        claims.add(f"os:{getpass.getuser()}@{socket.gethostname()}")
    return sorted(claims)


def persons_claimed(claims: list[str], people: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The people in agentctl.yaml that any of these claims names (email, git_emails, ci_logins, or a login
    equal to a person id)."""
    found: set[str] = set()
    for claim in claims:
        kind, _, value = claim.partition(":")
        for pid, spec in people.items():
            emails = {str(spec.get("email", "")).lower(), *(str(e).lower() for e in spec.get("git_emails") or [])}
            if (kind == "email" and value in emails) or (kind == "login" and (
                    value == pid or value in (spec.get("ci_logins") or []))):
                found.add(pid)
    return found
