"""Racing writers against a bare `origin` and two clones: exactly one wins, nothing lost or duplicated."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from agentctl.cli.main import main
from agentctl.deploy.state import parse_message, store
from agentctl.store.refstore import RefStore
from tests.deploy.builders import PEOPLE, release
from tests.helpers import origin_with_clones, run_cli

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


@pytest.mark.slow
def test_incident_commands_never_give_up_under_a_crowd_of_writers(clones) -> None:
    """16 racing commands from two clones of one bare remote (the issue's 50, sized for a 2-core machine):
    rollback and disable are incident commands and must all land; deploys may lose (exit 4)."""
    a, b = clones
    for version in (1, 2):
        assert run_cli("deploy", f"{AGENT}@v{version}", "--repo", str(a.path)).exit_code == 0
    commands = []
    for i in range(16):
        repo = a if i % 2 else b
        if i % 4 == 0:
            commands.append((repo, True, ["rollback", f"{AGENT}@v1"]))
        elif i % 4 == 1:
            commands.append((repo, True, ["disable", AGENT, "--reason", f"incident {i}"]))
        else:
            commands.append((repo, False, ["deploy", f"{AGENT}@v{2 + i % 3}"]))

    def run(job):
        repo, _, args = job
        return run_cli(*args, "--env", "staging", "--repo", str(repo.path), "--json",
                       env={"AGENTCTL_ACTOR": PEOPLE["ines"]})

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, commands))
    for (_, incident, args), result in zip(commands, results, strict=True):
        if incident:
            assert result.exit_code == 0, (args, result.stderr)  # an incident command never gives up
        else:
            assert result.exit_code in (0, 2, 4), (args, result.stderr)
            if result.exit_code == 4:
                assert "nothing was written" in result.stderr
    written = [json.loads(r.stdout)["record"]["id"] for r in results
               if r.exit_code == 0 and json.loads(r.stdout)["changed"]]
    logged = [r["id"] for r in _records(a)]
    assert len(logged) == len(set(logged))  # every success has exactly one record
    assert sorted(logged[:-2]) == sorted(written)
    state = json.loads(store(b.path).snapshot().read(f"state/staging/{AGENT}.json"))
    last = _records(b)[0]["changes"][AGENT]["to"]
    summary = {"stable": state["stable"]["version"], "canary": None, "weight": 0,
               "disabled": state["disabled"] is not None}
    assert summary == last  # the final state is the replay of the log's last action


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
