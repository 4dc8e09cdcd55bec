"""A throwaway PostgreSQL server for the tests, CI and benchmarks: initdb into a temp dir, pg_ctl on a unix socket.

    python -m tests.calls.pg_server start DIR   # prints `export AGENTCTL_TEST_PG_DSN=…` for eval
    python -m tests.calls.pg_server stop DIR

initdb refuses to run as root; as root (CI, this sandbox) the server runs as `nobody`, which owns
DIR. Durability is off (fsync, synchronous_commit, full_page_writes): a test server is thrown away.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER = "agentctl"
SETTINGS = ("-c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200 -c shared_buffers=256MB")


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: the PATH, else the newest /usr/lib/postgresql/N/bin (Debian keeps them there)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _as_server_user() -> list[str]:
    return ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []


@dataclass
class PgServer:
    base: Path

    @property
    def dsn(self) -> str:
        return f"postgresql://{USER}@/postgres?host={self.base}"

    def stop(self) -> None:
        stop(self.base)


def start(base: Path | None = None) -> PgServer:
    """initdb + pg_ctl start in `base` (a new short temp dir by default: a unix socket path must stay short)."""
    pg = bin_dir()
    if pg is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl): install the `postgresql` package")
    base = Path(base) if base is not None else Path(tempfile.mkdtemp(prefix="agentctl-pg-", dir="/tmp"))
    base.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(base, "nobody")
    run = _as_server_user()
    data = base / "data"
    subprocess.run([*run, str(pg / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8",
                    "--no-locale", "--no-sync", "--no-instructions"], check=True, capture_output=True, cwd="/")
    result = subprocess.run([*run, str(pg / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w",
                             "-t", "60", "-o", f"-k {base} {SETTINGS}", "start"], capture_output=True, text=True,
                            cwd="/")
    if result.returncode != 0:
        log = (base / "server.log").read_text() if (base / "server.log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {result.stderr}\n{log}")
    return PgServer(base)


@contextmanager
def running() -> Iterator[str]:
    """The DSN of $AGENTCTL_TEST_PG_DSN when set (nothing started or stopped), else of a throwaway server
    started for the block and stopped after it."""
    dsn = os.environ.get("AGENTCTL_TEST_PG_DSN")
    if dsn:
        yield dsn
        return
    server = start()
    try:
        yield server.dsn
    finally:
        server.stop()


def stop(base: Path) -> None:
    pg = bin_dir()
    data = Path(base) / "data"
    if pg is not None and (data / "postmaster.pid").exists():
        subprocess.run([*_as_server_user(), str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, cwd="/")
    shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m tests.calls.pg_server start|stop DIR", file=sys.stderr)
        return 2
    if argv[0] == "start":
        server = start(Path(argv[1]))
        print(f"export AGENTCTL_TEST_PG_DSN='{server.dsn}'")
    else:
        stop(Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
