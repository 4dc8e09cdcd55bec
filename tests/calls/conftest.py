"""Call-store fixtures: a real PostgreSQL server for the session, and one store per test on either backend.

`pg_dsn` uses $AGENTCTL_TEST_PG_DSN when set (.ci/run starts a server and sets it), else starts a
throwaway server with initdb/pg_ctl when the binaries exist, else skips — except under CI=true,
where a missing PostgreSQL is a failure: CI never silently skips the PostgreSQL half.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import RepoDir

IN_CI = os.environ.get("CI") == "true"  # read at import: the autouse isolated_home fixture unsets CI per test
BACKENDS = ["duckdb", "postgres"]


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    from tests.calls import pg_server

    if not os.environ.get("AGENTCTL_TEST_PG_DSN") and pg_server.bin_dir() is None:
        if IN_CI:
            pytest.fail("CI must test the PostgreSQL store: no initdb/pg_ctl and no AGENTCTL_TEST_PG_DSN")
        pytest.skip("no PostgreSQL (install the postgresql package, or set AGENTCTL_TEST_PG_DSN)")
    with pg_server.running() as dsn:
        yield dsn


@pytest.fixture
def pg_schema(pg_dsn: str) -> Iterator[str]:
    """A fresh schema of the test database for one test, dropped afterwards."""
    import psycopg

    from agentctl.calls.pgstore import close_idle

    name = f"t_{uuid.uuid4().hex[:16]}"
    yield name
    close_idle()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def call_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """An empty, writable call store on each backend (the same tests run on both)."""
    if backend == "duckdb":
        from agentctl.calls.store import DuckDBCallStore

        store: Any = DuckDBCallStore(tmp_path / "calls.duckdb")
    else:
        from agentctl.calls.pgstore import PostgresCallStore

        store = PostgresCallStore(request.getfixturevalue("pg_dsn"), schema=request.getfixturevalue("pg_schema"))
    yield store
    store.close()


def use_postgres(repo: RepoDir, dsn: str, schema: str, monkeypatch: pytest.MonkeyPatch,
                 env: str = "AGENTCTL_PG_DSN") -> None:
    """Point a config repo's metrics_source at PostgreSQL (the DSN through the environment, as in production)."""
    repo.edit("agentctl.yaml", "metrics_source:\n  type: duckdb\n  path: .agentctl/calls.duckdb\n",
              f"metrics_source:\n  type: postgres\n  dsn_env: {env}\n  schema: {schema}\n",
              commit="call store on PostgreSQL")
    monkeypatch.setenv(env, dsn)


@pytest.fixture
def backend_repo(backend: str, example_repo: RepoDir, request: pytest.FixtureRequest,
                 monkeypatch: pytest.MonkeyPatch) -> RepoDir:
    """The example config repo with its call store on `backend`."""
    if backend == "postgres":
        use_postgres(example_repo, request.getfixturevalue("pg_dsn"), request.getfixturevalue("pg_schema"),
                     monkeypatch)
    return example_repo
