"""Build deployment scenarios in one line: released bundles with suite results, people, a fixed clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import RepoDir

CHICAGO = ZoneInfo("America/Chicago")
TUESDAY_10 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=CHICAGO)
FRIDAY_10 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=CHICAGO)
FREEZE_DAY = dt.datetime(2026, 12, 22, 10, 0, tzinfo=CHICAGO)  # a Tuesday inside holiday-peak

PEOPLE = {
    "ines": "Ines Duarte <ines@roadwise.example>",  # engineering, oncall
    "tomas": "Tomás Berg <tomas@roadwise.example>",  # quality, operations
    "wei": "Wei Chen <wei@roadwise.example>",  # tools, engineering
    "rosa": "Rosa Okafor <rosa@roadwise.example>",  # business
    "amara": "Amara Lindqvist <amara@roadwise.example>",  # director
}


def person_env(person: str) -> dict[str, str]:
    """The environment of `person` at their own machine: AGENTCTL_ACTOR, git's user.email and their OS account."""
    email = PEOPLE[person].split("<")[1].rstrip(">")
    return {"AGENTCTL_ACTOR": PEOPLE[person], "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.email",
            "GIT_CONFIG_VALUE_0": email, "LOGNAME": person, "USER": person}


def act_as(monkeypatch: pytest.MonkeyPatch, person: str | None) -> None:
    """Make `person` (an id in the example agentctl.yaml) the acting user; None = the unlisted test identity."""
    if person is None:
        for name in person_env("ines"):
            monkeypatch.delenv(name, raising=False)
    else:
        for name, value in person_env(person).items():
            monkeypatch.setenv(name, value)


@contextmanager
def as_person(person: str = "ines") -> Iterator[None]:
    """Within the block, `person` acts (production actions need a person from the committed agentctl.yaml)."""
    import os

    before = os.environ.get("AGENTCTL_ACTOR")
    os.environ["AGENTCTL_ACTOR"] = PEOPLE[person]
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("AGENTCTL_ACTOR", None)
        else:
            os.environ["AGENTCTL_ACTOR"] = before


@contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    import time_machine

    with time_machine.travel(moment, tick=False):
        yield


def release(repo: RepoDir, agent: str = "install-reminder", *, count: int = 1, suites: str | None = "passed") -> list[int]:
    """Release `count` new bundles of `agent` (each with a changed prompt) and record suite results."""
    from agentctl.store.results import save_result
    from tests.bundle_helpers import release_prompt_change

    versions = []
    for _ in range(count):
        bundle = release_prompt_change(repo.path, agent)
        if suites:
            for suite in ("unit", "boundary"):
                save_result(repo.path, agent, bundle.version, suite, {"status": suites})
        versions.append(bundle.version)
    return versions


def add_agent(repo: RepoDir, name: str) -> None:
    """A second agent sharing the example's prompt, tools and KB (no suites of its own), owned by ines."""
    import re

    text = repo.read("bundles/install-reminder/agent.yaml").replace("name: install-reminder", f"name: {name}")
    text = re.sub(r"^suites:.*\n(?:  - .*\n)*", "", text, flags=re.M)
    config = repo.read("agentctl.yaml").replace("    install-reminder: ines\n", f"    install-reminder: ines\n    {name}: ines\n")
    repo.gen({f"bundles/{name}/agent.yaml": text, "agentctl.yaml": config}, commit=f"add {name}")




def production_canary(repo: RepoDir, agent: str = "install-reminder", weight: int = 10) -> RepoDir:
    """v1 and v2 released and staged; in production v1 is stable and v2 a `weight`% canary (Tuesday 10:00)."""
    from agentctl.ops.rollout import deploy

    release(repo, agent, count=2)
    deploy(repo.path, f"{agent}@v1")
    deploy(repo.path, f"{agent}@v2")
    with at(TUESDAY_10), as_person("ines"):
        deploy(repo.path, f"{agent}@v1", "production")
        deploy(repo.path, f"{agent}@v2", "production", canary=weight)
    return repo


IN_CI = __import__("os").environ.get("CI") == "true"  # read at import: the isolated_home fixture removes CI


def need_ssh_keygen() -> str:
    """ssh-keygen's path; skipped where it is missing, but a failure in CI (signing must be tested there)."""
    import shutil

    found = shutil.which("ssh-keygen")
    if found is None:
        if IN_CI:
            pytest.fail("ssh-keygen is required in CI to test signed deployment records")
        pytest.skip("ssh-keygen is not installed")
    return found


def make_key(folder: Path, name: str) -> tuple[Path, str]:
    """A fresh ed25519 key pair without passphrase: (private key path, public key line)."""
    import subprocess

    folder.mkdir(parents=True, exist_ok=True)
    private = folder / name
    subprocess.run([need_ssh_keygen(), "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(private)], check=True)
    return private, (folder / f"{name}.pub").read_text("utf-8").strip()


def give_signing_keys(repo: RepoDir, keys: dict[str, str], *, require_signed: bool = False) -> None:
    """Commit `signing_key:` lines for these people (and optionally policy.require_signed) to agentctl.yaml."""
    text = repo.read("agentctl.yaml")
    for person, public in keys.items():
        anchor = f"    email: {PEOPLE[person].split('<')[1].rstrip('>')}\n"
        assert anchor in text, anchor
        text = text.replace(anchor, f"{anchor}    signing_key: {public}\n", 1)
    if require_signed:
        text = text.replace("policy:\n", "policy:\n  require_signed: true\n", 1)
    repo.gen({"agentctl.yaml": text}, commit="people sign their deployment actions")


def forge_record(repo: RepoDir, tmp: Path, state: dict[str, Any], message: str,
                 env: str = "staging", agent: str = "install-reminder", author_email: str | None = None) -> str:
    """A commit made by hand with plain git on refs/agentctl/deployments (a worktree, an edit, `git commit`)."""
    import json

    from agentctl.deploy.state import DEPLOY_REF

    work = tmp / "forgery"
    repo.git("worktree", "add", "-q", "--detach", str(work), DEPLOY_REF)
    forger = RepoDir(work)
    forger.gen({f"state/{env}/{agent}.json": json.dumps(state, indent=2, sort_keys=True) + "\n"})
    who = ["-c", f"user.email={author_email}"] if author_email else []
    forger.git(*who, "commit", "-q", "-a", "--allow-empty", "-m", message)
    commit = forger.git("rev-parse", "HEAD").strip()
    repo.git("update-ref", DEPLOY_REF, commit)
    repo.git("worktree", "remove", "--force", str(work))
    return commit
