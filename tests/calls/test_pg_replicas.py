"""Four `agentctl serve` processes ingest end-of-call webhooks at once into one PostgreSQL call store.

Duplicates (platform retries to another replica) and Retell call_ended/call_analyzed pairs split across
replicas and posted at the same moment: exactly the calls sent, every pair merged, 0 lost, 0 duplicated.
The full 50,000-call run is benchmarks/pg_replicas.py.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from benchmarks.pg_replicas import point_at_postgres, run


@pytest.mark.slow
def test_four_replicas_share_one_store_exactly(tmp_path: Path, pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks.deploy_fixture import make_canary_repo

    monkeypatch.setenv("AGENTCTL_ACTOR", "Ines Duarte <ines@roadwise.example>")
    root = make_canary_repo(tmp_path / "repo")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    point_at_postgres(root, schema)
    outcome, store, sent = run(root, pg_dsn, schema, calls=1000, replicas=4, clients=32, log_dir=tmp_path)
    assert outcome.failures == []
    assert sent > 1800 and len(outcome.latencies) == sent
    assert store == {"expected": 1000, "calls": 1000, "lost": 0, "duplicated": 0, "vapi": 500,
                     "retell_pairs_merged": 500, "retell_pairs": 500, "tool_calls": 1000,
                     "calls_with_tool_calls": 1000, "duplicated_tool_calls": 0}
