"""Build deployment scenarios in one line: released bundles with suite results, people, a fixed clock."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
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
def at(moment: dt.datetime) -> Iterator[None]:
    import time_machine

    with time_machine.travel(moment, tick=False):
        yield


def release(repo: RepoDir, agent: str = "install-reminder", *, count: int = 1, suites: str | None = "passed") -> list[int]:
    """Release `count` new bundles of `agent` (each with a changed prompt) and record suite results."""
    from agentctl.ops.release import release_bundle
    from agentctl.store.results import save_result

    versions = []
    for _ in range(count):
        text = repo.read("prompts/install-reminder/system.md")
        repo.gen({"prompts/install-reminder/system.md": text + "\nBe brief.\n"}, commit="tweak prompt")
        bundle = release_bundle(repo.path, agent, "tweak prompt")
        if suites:
            for suite in ("unit", "boundary"):
                save_result(repo.path, agent, bundle.version, suite, {"status": suites})
        versions.append(bundle.version)
    return versions


def add_agent(repo: RepoDir, name: str) -> None:
    """A second agent sharing the example's prompt and tools."""
    text = repo.read("bundles/install-reminder/agent.yaml").replace("name: install-reminder", f"name: {name}")
    repo.gen({f"bundles/{name}/agent.yaml": text}, commit=f"add {name}")


def origin_with_clones(repo: RepoDir, tmp_path: Path) -> tuple[RepoDir, RepoDir]:
    """A bare `origin` mirroring `repo` (refs included) and two clones of it."""
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo.path), str(tmp_path / "origin.git")], check=True)
    clones = []
    for name in ("clone-a", "clone-b"):
        subprocess.run(["git", "clone", "-q", str(tmp_path / "origin.git"), str(tmp_path / name)], check=True)
        clones.append(RepoDir(tmp_path / name))
    return clones[0], clones[1]
