"""RefStore: one commit per change, CAS locally and against a real bare remote, nothing lost or duplicated."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from agentctl.errors import ConflictError
from agentctl.store.refstore import Author, Change, RefStore
from tests.helpers import RepoDir, origin_with_clones

REF = "refs/agentctl/test-state"
ME = Author("Test Operator", "operator@roadwise.example")


def _append(name: str):
    """A change that adds one record file and bumps a counter (so lost updates would show)."""
    def mutate(snap):
        count = json.loads(snap.read("counter.json") or b"0")
        return Change({f"records/{name}.json": json.dumps({"name": name}).encode(),
                       "counter.json": json.dumps(count + 1).encode()}, f"append {name}")
    return mutate


@pytest.fixture
def origin_and_clones(tmp_path: Path, tmp_dir: RepoDir) -> tuple[RepoDir, RepoDir]:
    tmp_dir.gen({"README.md": "x\n"}, commit="first")
    return origin_with_clones(tmp_dir, tmp_path)


def test_local_write_read_list_log(tmp_dir: RepoDir) -> None:
    tmp_dir.gen({"README.md": "x\n"}, commit="first")
    store = RefStore(tmp_dir.path, REF)
    assert store.snapshot().commit is None
    store.update(_append("one"), ME)
    store.update(lambda snap: Change({"records/one.json": None}, "remove one"), ME)
    snap = store.snapshot()
    assert snap.read("counter.json") == b"1"
    assert snap.read("records/one.json") is None
    assert [e.message for e in store.log()] == ["remove one", "append one"]
    assert store.log()[0].author == "Test Operator"
    # the working tree and index are untouched
    assert tmp_dir.git("status", "--porcelain") == ""


def test_local_stale_writer_gets_conflict(tmp_dir: RepoDir) -> None:
    tmp_dir.gen({"README.md": "x\n"}, commit="first")
    store = RefStore(tmp_dir.path, REF)
    store.update(_append("base"), ME)

    def slow_writer(snap):
        RefStore(tmp_dir.path, REF).update(_append("sneaky"), ME)  # someone else wins meanwhile
        return _append("slow")(snap)

    with pytest.raises(ConflictError, match="someone else changed refs/agentctl/test-state"):
        store.update(slow_writer, ME)
    assert store.snapshot().read("counter.json") == b"2"


def test_remote_race_exactly_one_wins(origin_and_clones) -> None:
    a, b = origin_and_clones
    store_a, store_b = RefStore(a.path, REF), RefStore(b.path, REF)
    store_a.update(_append("base"), ME)

    def racing(snap):
        store_a.update(_append("from-a"), ME)  # a pushes while b is deciding
        return _append("from-b")(snap)

    with pytest.raises(ConflictError):
        store_b.update(racing, ME)
    names = sorted(store_b.snapshot().list("records/"))
    assert names == ["records/base.json", "records/from-a.json"]


def test_remote_stress_no_lost_or_duplicated_records(origin_and_clones) -> None:
    a, b = origin_and_clones
    RefStore(a.path, REF).update(_append("base"), ME)
    jobs = [(a if i % 2 else b, f"job-{i:02d}") for i in range(24)]

    def run(job):
        repo, name = job
        try:
            RefStore(repo.path, REF).update(_append(name), ME)
            return name, "ok"
        except ConflictError:
            return name, "conflict"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = dict(pool.map(run, jobs))
    winners = sorted(n for n, r in outcomes.items() if r == "ok")
    final = RefStore(a.path, REF).snapshot()
    recorded = sorted(p.removeprefix("records/").removesuffix(".json") for p in final.list("records/"))
    assert recorded == sorted(["base", *winners])  # every winner recorded once, no loser recorded
    assert json.loads(final.read("counter.json")) == len(winners) + 1  # no lost update
    assert len(RefStore(a.path, REF).log()) == len(winners) + 1
    assert winners, "at least one racing writer must win"


def test_remote_retries_apply_every_change(origin_and_clones) -> None:
    a, b = origin_and_clones
    jobs = [(a if i % 2 else b, f"job-{i:02d}") for i in range(20)]

    def run(job):
        repo, name = job
        RefStore(repo.path, REF).update(_append(name), ME, retries=100)

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(run, jobs))
    final = RefStore(b.path, REF).snapshot()
    assert json.loads(final.read("counter.json")) == 20
    assert len(final.list("records/")) == 20
