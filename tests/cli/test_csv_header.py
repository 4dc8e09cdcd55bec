"""`calls ingest` of a CSV whose header has a column no call record has: one error at the header, with a guess."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.helpers import RepoDir, Result

HEADER = "call_id,agent,bundle_version,environment,started_at,ended_at,outcom,escalated"
ROW = "c{n},install-reminder,1,production,2026-11-20T10:00:00+00:00,2026-11-20T10:02:00+00:00,completed,false"


def test_an_unknown_column_is_one_header_error_with_did_you_mean(example_repo: RepoDir, cli: Callable[..., Result],
                                                                 tmp_path: Path) -> None:
    calls = tmp_path / "calls.csv"
    calls.write_text("\n".join([HEADER, *(ROW.format(n=n) for n in range(50))]) + "\n")
    result = cli("calls", "ingest", str(calls), cwd=example_repo.path)
    assert result.exit_code == 2
    assert result.stderr == (f"agentctl: {calls}:1:62: unknown column 'outcom' — did you mean 'outcome'? — rename it "
                             "in the header (business fields are business.NAME); nothing from this file was stored\n")
    calls.write_text(calls.read_text().replace(",outcom,", ",outcome,"))
    fixed = cli("calls", "ingest", str(calls), cwd=example_repo.path)
    assert fixed.exit_code == 0, fixed.stdout
    assert fixed.stdout.startswith("read 50, stored 50 new")


def test_business_and_extension_columns_are_known(example_repo: RepoDir, cli: Callable[..., Result],
                                                  tmp_path: Path) -> None:
    calls = tmp_path / "calls.csv"
    calls.write_text(HEADER.replace("outcom", "outcome") + ",business.install_completed,x-crm-id\n"
                     + ROW.format(n=1) + ",true,crm-1\n")
    result = cli("calls", "ingest", str(calls), cwd=example_repo.path)
    assert result.exit_code == 0, result.stdout + result.stderr
