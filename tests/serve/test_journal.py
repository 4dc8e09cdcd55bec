"""The ingest journal: fsync'd frames per process, sealed segments, one drainer per directory, refused rows kept."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agentctl.calls.mappers import from_retell
from agentctl.calls.record import CallRows, IngestContext, normalize
from agentctl.repo import ConfigRepo
from agentctl.serve.journal import Drainer, Journal, encode, read_segment
from agentctl.serve.service import store_handles
from agentctl.serve.writer import journal_dir
from tests.helpers import RepoDir
from tests.serve.conftest import LiveServer, dumps, rows
from tests.serve.payloads import retell_call_analyzed, retell_call_ended
from tests.serve.test_app import retell_headers

CALLER = "+15555550142"


def analyzed(repo: RepoDir, call_id: str, installed: Any) -> CallRows:
    payload = retell_call_analyzed(call_id, CALLER, "install-reminder@v2", installed=True)
    payload["call"]["call_analysis"]["custom_analysis_data"]["install_completed"] = installed
    return normalize(from_retell(payload, {}), IngestContext.from_workspace(ConfigRepo(repo.path).workspace))


def test_appends_are_answered_after_the_fsync_and_a_sealed_segment_holds_them_in_order(canary_repo: RepoDir,
                                                                                       tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    sealed: list[int] = []
    journal = Journal(folder, on_sealed=lambda: sealed.append(1), seal_idle_s=60, seal_age_s=60)
    rows_ = [analyzed(canary_repo, f"c-{i}", True) for i in range(3)]

    async def send() -> list[int]:
        return await asyncio.gather(*(journal.append([row], f"src-{i}") for i, row in enumerate(rows_)))

    try:
        assert asyncio.run(send()) == [1, 1, 1]
        [open_segment] = list(folder.glob("*.open"))  # answered: on disk, not yet the drainer's
        assert journal.pending and not list(folder.glob("*.ready"))
        assert journal.seal()
    finally:
        journal.close()
    assert not open_segment.exists() and sealed == [1]
    [ready] = list(folder.glob("*.ready"))
    frames = list(read_segment(ready))
    assert sorted(source for source, _ in frames) == ["src-0", "src-1", "src-2"]
    assert {rows[0].call["call_id"] for _, rows in frames} == {"c-0", "c-1", "c-2"}
    assert frames[0][1][0] == next(r for r in rows_ if r.call["call_id"] == frames[0][1][0].call["call_id"])


def test_one_drainer_per_directory(canary_repo: RepoDir) -> None:
    folder = journal_dir(canary_repo.path)
    folder.mkdir(parents=True)
    (folder / "00000000000000000001-1-1.ready").write_bytes(encode("serve:api", [analyzed(canary_repo, "c-1", True)]))
    first, second = (Drainer(folder, *store_handles(canary_repo.path)) for _ in range(2))
    try:
        assert first.take_lock() and not second.take_lock()
        assert second.drain() == 0 and list(folder.glob("*.ready"))  # not its to take
        first.settle()
    finally:
        first.close()
        second.close()
    assert not list(folder.glob("*.ready"))
    assert rows(canary_repo, "SELECT call_id, install_completed FROM calls") == [("c-1", True)]


def test_a_row_the_store_refuses_is_kept_with_its_reason_and_the_others_are_stored(canary_repo: RepoDir) -> None:
    """Two processes could each accept a different type for one business field; the store takes the first."""
    folder = journal_dir(canary_repo.path)
    folder.mkdir(parents=True)
    frames = encode("serve:a", [analyzed(canary_repo, "c-1", True)]) + encode("serve:b", [analyzed(canary_repo, "c-2", "yes")])
    (folder / "00000000000000000001-1-1.ready").write_bytes(frames)
    drainer = Drainer(folder, *store_handles(canary_repo.path))
    try:
        drainer.settle()
    finally:
        drainer.close()
    assert rows(canary_repo, "SELECT call_id FROM calls") == [("c-1",)]
    [rejected] = list(folder.glob("rejected-*.jsonl"))
    entry = json.loads(rejected.read_text())
    assert (entry["source"], entry["call"]["call_id"], entry["reason"]) == (
        "serve:b", "c-2", "'business.install_completed' is str here but earlier calls stored it as BOOLEAN")
    assert not list(folder.glob("*.ready"))


def test_a_business_field_of_another_type_is_refused_before_the_answer(live: LiveServer, canary_repo: RepoDir) -> None:
    first = retell_call_analyzed("typed-1", CALLER, "install-reminder@v2", installed=True)
    second = retell_call_analyzed("typed-2", CALLER, "install-reminder@v2", installed=True)
    second["call"]["call_analysis"]["custom_analysis_data"]["install_completed"] = "yes"
    with live.client() as client:
        body = dumps(first)
        assert client.post("/webhooks/retell", content=body, headers=retell_headers(body)).status_code == 200
        body = dumps(second)
        refused = client.post("/webhooks/retell", content=body, headers=retell_headers(body))
    assert (refused.status_code, refused.json()) == (422, {
        "error": "call record refused: 'business.install_completed' is str here but earlier calls stored it as BOOLEAN"})
    assert rows(canary_repo, "SELECT call_id FROM calls") == [("typed-1",)]


@pytest.mark.parametrize("tail", [b"", b"\x07"])
def test_a_segment_ends_at_a_torn_frame(tmp_path: Path, canary_repo: RepoDir, tail: bytes) -> None:
    whole = encode("serve:a", [analyzed(canary_repo, "c-1", True)])
    path = tmp_path / "x.ready"
    path.write_bytes(whole + whole[:-5] + tail)
    assert [rows[0].call["call_id"] for _, rows in read_segment(path)] == ["c-1"]


def test_retell_events_of_one_call_reach_the_store_as_one_record(live: LiveServer, canary_repo: RepoDir) -> None:
    with live.client() as client:
        for payload in (retell_call_ended("merge-1", CALLER, "install-reminder@v2"),
                        retell_call_analyzed("merge-1", CALLER, "install-reminder@v2", installed=True)):
            body = dumps(payload)
            assert client.post("/webhooks/retell", content=body, headers=retell_headers(body)).status_code == 200
    assert rows(canary_repo, "SELECT call_id, install_completed, source FROM calls") == [
        ("merge-1", True, "serve:retell:call_analyzed")]
    with live.client() as client:
        journal = client.get("/readyz").json()["journal"]
    assert {k: journal[k] for k in ("segments", "drains", "stored", "rejected")} == {
        "segments": 0, "drains": True, "stored": 2, "rejected": 0}
