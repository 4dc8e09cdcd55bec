"""A damaged, locked or misconfigured call store never shows DuckDB's own error: the file, the cause and the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import RepoDir, Result

STORE = ".agentctl/calls.duckdb"
DAMAGED = ("agentctl: the call store .agentctl/calls.duckdb is damaged or not a DuckDB database, so it cannot be "
           "read — move it aside (mv .agentctl/calls.duckdb .agentctl/calls.duckdb.broken) and re-ingest the call "
           "records with `agentctl calls ingest FILE…`; the config repo itself is unaffected\n")
RECORD = ('{"call_id": "c1", "agent": "install-reminder", "bundle_version": 1, "environment": "production", '
          '"started_at": "2026-11-20T10:00:00+00:00", "ended_at": "2026-11-20T10:02:00+00:00", '
          '"outcome": "completed", "escalated": false}\n')


def _ingest(repo: RepoDir, cli: Callable[..., Result], tmp_path: Path) -> Result:
    records = tmp_path / "calls.jsonl"
    records.write_text(RECORD)
    return cli("calls", "ingest", str(records), cwd=repo.path)


def test_a_file_that_is_not_a_store_says_how_to_recover(example_repo: RepoDir, cli: Callable[..., Result]) -> None:
    (example_repo.path / ".agentctl").mkdir()
    (example_repo.path / STORE).write_bytes(b"this is not a database" * 100)
    for command in (("metrics",), ("calls", "ingest", "-")):
        result = cli(*command, cwd=example_repo.path)
        assert (result.exit_code, result.stderr) == (2, DAMAGED), command


def test_damaged_blocks_say_how_to_recover_and_the_fix_works(example_repo: RepoDir, cli: Callable[..., Result],
                                                             tmp_path: Path) -> None:
    assert _ingest(example_repo, cli, tmp_path).exit_code == 0
    store = example_repo.path / STORE
    size = store.stat().st_size
    with store.open("r+b") as handle:  # damage every data block after the headers
        for offset in range(3 * 4096, size, 4096):
            handle.seek(offset)
            handle.write(os.urandom(256))
    result = cli("metrics", "--json", cwd=example_repo.path)
    assert result.exit_code == 2 and result.stderr == DAMAGED
    assert "checksum" not in result.stdout + result.stderr and "Traceback" not in result.stderr
    store.rename(store.with_name("calls.duckdb.broken"))  # what the message says to do
    assert _ingest(example_repo, cli, tmp_path).exit_code == 0
    assert cli("metrics", cwd=example_repo.path).exit_code == 0


def test_a_store_locked_by_another_process_is_a_conflict(example_repo: RepoDir, cli: Callable[..., Result],
                                                         tmp_path: Path) -> None:
    assert _ingest(example_repo, cli, tmp_path).exit_code == 0
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(60)", str(example_repo.path / STORE)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = _ingest(example_repo, cli, tmp_path)
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    assert result.exit_code == 4
    assert result.stderr.startswith("agentctl: the call store .agentctl/calls.duckdb is in use by another process: ")
    assert result.stderr.endswith(f"(PID {holder.pid}) — wait for it to finish (or stop it), then run the command "
                                  "again\n")


def test_a_memory_limit_that_is_not_a_size(example_repo: RepoDir, cli: Callable[..., Result], tmp_path: Path) -> None:
    records = tmp_path / "calls.jsonl"
    records.write_text(RECORD)
    result = cli("calls", "ingest", str(records), "--memory-limit", "lots", cwd=example_repo.path)
    assert (result.exit_code, result.stderr) == (
        2, "agentctl: memory limit 'lots' is not a size — write it like 512MB or 2GB\n")
    assert not (example_repo.path / STORE).exists() or cli("metrics", cwd=example_repo.path).exit_code == 0


def test_damage_found_after_the_store_opened_is_reported_the_same_way(
        example_repo: RepoDir, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    import agentctl.ops.metrics as metrics_ops

    def damaged(*args: object, **kwargs: object) -> None:
        raise duckdb.Error("Corrupt database file: computed checksum 1 does not match stored checksum 2")

    monkeypatch.setattr(metrics_ops, "show_metrics", damaged)
    result = cli("metrics", cwd=example_repo.path)
    assert result.exit_code == 2
    assert result.stderr.startswith("agentctl: the call store is damaged, so it cannot be read — move it aside")
    assert "checksum" not in result.stderr
