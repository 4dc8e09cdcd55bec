"""Build deployment scenarios in one line: released bundles with suite results, people, a fixed clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
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


def act_as(monkeypatch: pytest.MonkeyPatch, person: str | None) -> None:
    """Make `person` (an id in the example agentctl.yaml) the acting user; None = the unlisted test identity."""
    if person is None:
        monkeypatch.delenv("AGENTCTL_ACTOR", raising=False)
    else:
        monkeypatch.setenv("AGENTCTL_ACTOR", PEOPLE[person])


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
