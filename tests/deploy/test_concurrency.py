"""Racing writers against a bare `origin` and two clones: exactly one wins, nothing lost or duplicated."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from agentctl.cli.main import main
from agentctl.deploy.state import AgentState, parse_message, store
from agentctl.errors import PolicyRefused
from agentctl.identity import Actor, acting_as
from agentctl.store.refstore import RefStore
from tests.deploy.builders import PEOPLE, act_as, add_agent, release
from tests.helpers import RepoDir, origin_with_clones, run_cli

AGENT = "install-reminder"


@pytest.fixture
def clones(example_repo, tmp_path):
    release(example_repo, count=4)
    return origin_with_clones(example_repo, tmp_path)


def _records(repo) -> list[dict]:
    return [parse_message(e.message)[1] for e in store(repo.path).log()]


def test_concurrent_deploys_from_two_clones_one_wins_other_exits_4(clones, monkeypatch) -> None:
    a, b = clones
    assert main(["deploy", f"{AGENT}@v1", "--repo", str(a.path)]) == 0
    # both commands read the same state before either publishes: a real race, every time
    both_ready = threading.Barrier(2, timeout=30)
    publish = RefStore._publish

    def publish_together(self, old, new):
        both_ready.wait()
        return publish(self, old, new)

    monkeypatch.setattr(RefStore, "_publish", publish_together)
    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = list(pool.map(lambda job: main(["deploy", job[1], "--repo", str(job[0].path)]),
                              [(a, f"{AGENT}@v2"), (b, f"{AGENT}@v3")]))
    assert sorted(codes) == [0, 4]
    monkeypatch.setattr(RefStore, "_publish", publish)
    winner = 2 if codes[0] == 0 else 3
    records = _records(b)
    assert [r["changes"][AGENT]["to"]["stable"] for r in records] == [winner, 1]
    assert _records(a) == records  # both clones see the same history


def test_stress_racing_cli_commands_lose_or_duplicate_nothing(clones) -> None:
    a, b = clones
    for version in (1, 2):
        assert run_cli("deploy", f"{AGENT}@v{version}", "--repo", str(a.path)).exit_code == 0
    commands = []
    for i in range(24):
        repo = a if i % 2 else b
        verb = "rollback" if i % 3 == 0 else "deploy"
        commands.append((repo, verb, f"{AGENT}@v{1 + i % 4}"))

    def run(job):
        repo, verb, ref = job
        return run_cli(verb, ref, "--repo", str(repo.path), "--json", env={"AGENTCTL_ACTOR": PEOPLE["ines"]})

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, commands))
    assert {r.exit_code for r in results} <= {0, 2, 4}, [r.stderr for r in results if r.exit_code not in (0, 2, 4)]
    for result in results:
        if result.exit_code == 2:  # a rollback to a version that was not (yet) stable: said so, wrote nothing
            assert "was never stable in staging" in result.stderr
        if result.exit_code == 4:
            assert "someone else changed refs/agentctl/deployments at the same time; nothing was written" in result.stderr
    written = [json.loads(r.stdout)["record"]["id"] for r in results
               if r.exit_code == 0 and json.loads(r.stdout)["changed"]]
    assert written, "at least one racing command must land"
    logged = [r["id"] for r in _records(a)]
    assert len(logged) == len(set(logged))  # no duplicated record
    assert sorted(logged[:-2]) == sorted(written)  # every landed command recorded once, nothing else
    state = json.loads(store(b.path).snapshot().read(f"state/staging/{AGENT}.json"))
    last = _records(b)[0]["changes"][AGENT]["to"]["stable"]
    assert state["stable"]["version"] == last  # the state is the last recorded action's result


LIVE = """  live:
    description: a production environment without change windows, for the race
    production: true
    change_windows: false
    rollout: {steps: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]}
"""
SIDE_AGENTS = [f"side-{n}" for n in range(1, 6)]  # each with a disable request by rosa, approved in the race
OTHER_AGENTS = [f"other-{n}" for n in range(1, 11)]  # each disabled once in the race


def _person(person: str) -> Actor:
    name, email = PEOPLE[person].rstrip(">").split(" <")
    return Actor(name, email, "env")


@pytest.fixture
def crowd(example_repo, tmp_path, monkeypatch):
    """`live` (production, no windows): v1 stable, v2 a 10% canary; five side agents, each with a pending
    disable request by rosa; ten other agents; a bare origin and three clones."""
    from agentctl.ops.disable import disable
    from agentctl.ops.rollout import deploy

    release(example_repo, count=2)
    example_repo.edit("agentctl.yaml", "  production:\n", LIVE + "  production:\n", commit="a live environment")
    for name in SIDE_AGENTS + OTHER_AGENTS:
        add_agent(example_repo, name)
    act_as(monkeypatch, "ines")
    deploy(example_repo.path, f"{AGENT}@v1", "live")
    deploy(example_repo.path, f"{AGENT}@v2", "live", canary=10)
    act_as(monkeypatch, "rosa")  # business: may not disable alone, so each disable opens a request
    requests = []
    for name in SIDE_AGENTS:
        with pytest.raises(PolicyRefused) as refused:
            disable(example_repo.path, [name], "live", reason=f"{name} misroutes calls")
        requests.append(str(refused.value).split("request ")[1].split()[0])
    act_as(monkeypatch, None)
    a, b = origin_with_clones(example_repo, tmp_path)
    subprocess.run(["git", "clone", "-q", str(tmp_path / "origin.git"), str(tmp_path / "clone-c")], check=True)
    return [a, b, RepoDir(tmp_path / "clone-c")], requests


def _replay(records: list[dict]) -> dict[tuple[str, str], dict]:
    """Each agent's state summary after applying every record's changes, oldest first; every record must start
    from where the previous one left that agent (a lost update would break the chain)."""
    state: dict[tuple[str, str], dict] = {}
    for record in reversed(records):
        for agent, change in (record.get("changes") or {}).items():
            key = (record["env"], agent)
            if key in state:
                assert change["from"] == state[key], (record["id"], change, state[key])
            state[key] = change["to"]
    return state


@pytest.mark.slow
def test_fifty_racing_promote_abort_rollback_disable_approve_commands(crowd) -> None:
    """The issue's race: 50 concurrent commands from three clones of one bare remote (threads in one process:
    git does the racing, one Python keeps the CPU cost modest). Incident commands (abort, rollback, disable,
    approve) all land; promote is the only command that may lose a race (exit 4); every success that changed
    something has exactly one record; the final state is the replay of the log."""
    from agentctl.errors import AgentctlError
    from agentctl.ops.approve import approve
    from agentctl.ops.disable import disable
    from agentctl.ops.rollback import rollback
    from agentctl.ops.rollout import abort, promote

    clones, requests = crowd
    jobs: list[tuple[str, str, Callable[[Path], Any]]] = []
    for i in range(50):
        if i % 10 == 0:
            request = requests[i // 10]
            jobs.append(("approve", "tomas", lambda root, r=request: approve(root, r, reason="seen it")))
        elif i % 10 in (1, 4, 7):
            jobs.append(("promote", "ines", lambda root: promote(root, AGENT, "live", force=True,
                                                                 reason="judge has no calls in the test")))
        elif i % 10 in (2, 8):
            jobs.append(("abort", "wei", lambda root, n=i: abort(root, AGENT, "live", reason=f"abort {n}")))
        elif i % 10 in (3, 6):
            jobs.append(("rollback", "ines", lambda root, n=i: rollback(root, f"{AGENT}@v1", "live",
                                                                        reason=f"rollback {n}")))
        else:
            other = OTHER_AGENTS[len([j for j in jobs if j[0] == "disable"])]
            jobs.append(("disable", "tomas", lambda root, a=other: disable(root, [a], "live", reason=f"{a} is down")))

    def run(numbered):
        n, (verb, person, action) = numbered
        with acting_as(_person(person)):
            try:
                return verb, 0, action(clones[n % 3].path), ""
            except AgentctlError as error:
                return verb, error.exit_code, None, str(error)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, enumerate(jobs)))

    for verb, code, _, said in results:
        if verb == "promote":  # the one non-incident command: it lands, loses the race, or finds nothing to do
            assert code in (0, 2, 4), said
            if code == 4:
                assert "someone else changed refs/agentctl/deployments at the same time; nothing was written" in said
            if code == 2:
                assert "no canary in progress" in said or "already at" in said, said
        elif verb == "abort":  # an incident command never gives up; once the canary is gone it says so
            assert code in (0, 2), said
            if code == 2:
                assert "nothing to abort" in said, said
        else:
            assert code == 0, (verb, said)
    assert sum(1 for verb, code, _, _ in results if verb == "approve" and code == 0) == 5
    written = sorted(out.record["id"] for _, code, out, _ in results if code == 0 and out.changed)
    records = _records(clones[1])
    logged = [r["id"] for r in records]
    assert len(logged) == len(set(logged))  # no record twice
    before_race = 2 + len(SIDE_AGENTS)  # two deploys and five requests
    assert sorted(logged[:-before_race]) == written  # every landed command recorded exactly once, nothing else
    snapshot = store(clones[2].path).snapshot()
    actual = {(env, agent): AgentState.from_dict(json.loads(snapshot.read(path) or b"{}")).summary()
              for path in snapshot.list("state/") for env, agent in [path.removeprefix("state/")
                                                                     .removesuffix(".json").split("/")]}
    assert _replay(records) == actual  # the final state is the replay of the log
    assert all(actual[("live", name)]["disabled"] for name in SIDE_AGENTS + OTHER_AGENTS)


def test_rollback_keeps_retrying_past_many_lost_races(clones, monkeypatch) -> None:
    """Six writers in a row beat the rollback to the remote (it used to give up after 3): it re-plans on each
    new state, backs off, and lands."""
    from agentctl.ops.rollback import rollback

    a, b = clones
    for version in (1, 2):
        assert main(["deploy", f"{AGENT}@v{version}", "--repo", str(a.path)]) == 0
    monkeypatch.setenv("AGENTCTL_ACTOR", PEOPLE["ines"])
    publish, lost, busy = RefStore._publish, [], []

    def crowded(self, old, new):
        if not busy and len(lost) < 6:  # another clone publishes first: a real commit on the remote each time
            busy.append(1)
            verb = ["disable", AGENT, "--reason", "crowd"] if len(lost) % 2 == 0 else ["enable", AGENT]
            try:
                lost.append(main([*verb, "--env", "staging", "--repo", str(b.path)]))
            finally:
                busy.pop()
        return publish(self, old, new)

    monkeypatch.setattr(RefStore, "_publish", crowded)
    done = rollback(a.path, f"{AGENT}@v1", "staging", reason="incident")
    monkeypatch.setattr(RefStore, "_publish", publish)
    assert lost == [0] * 6 and done.changed
    assert _records(b)[0]["id"] == done.record["id"]
