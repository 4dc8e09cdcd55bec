"""Durable ingest for the service: the handlers' side of the journal (see serve.journal).

`CallWriter.write(rows, source)` returns once the rows are fsync'd in this process's journal
segment — that is when a webhook may be answered 2xx. The drainer (a thread here, or of the
`serve --workers N` parent process) moves sealed segments into the call store in large batches
and closes the store when idle, so `canary evaluate`, `check` or `calls ingest` in another process
get their turn at an embedded DuckDB file. `settle()` seals this process's segment, drains it into
the store and closes the store — what a test or the demo does before reading the store in-process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentctl.calls.record import CallRows
from agentctl.serve.journal import Drainer, Journal, StoreBusy

__all__ = ["CallWriter", "StoreBusy", "journal_dir"]

DRAINER_ENV = "AGENTCTL_SERVE_DRAINER"  # "parent": worker processes journal only; the serve parent drains


def journal_dir(root: Path) -> Path:
    from agentctl.model.layout import STATE_DIR

    return Path(root) / STATE_DIR / "serve-journal"


class CallWriter:
    def __init__(self, directory: Path, open_store: Callable[[], Any], *, close_store: Callable[[Any], None],
                 retry_s: float = 10.0, on_stored: Callable[[list[CallRows]], None] | None = None,
                 on_commit: Callable[[int], None] | None = None, drain: bool = True) -> None:
        self.directory = directory
        self._on_stored = on_stored
        self.drainer = (Drainer(directory, open_store, close_store, retry_s=retry_s, on_commit=on_commit)
                        if drain else None)
        self.journal = Journal(directory, on_sealed=self.drainer.poke if self.drainer else None)
        # the drainer's thread is started by the caller once the start-up replay is done (service.replay)

    async def write(self, rows: list[CallRows], source: str) -> int:
        """Journal `rows` (all or none); returns how many once they are durable."""
        count = await self.journal.append(rows, source)
        if self._on_stored is not None:
            self._on_stored(rows)
        return count

    def settle(self, timeout: float = 30.0) -> bool:
        """Seal this process's segment, get everything journaled into the store, and close the store."""
        deadline = time.monotonic() + timeout
        if not self.journal.seal(timeout):
            return False
        if self.drainer is not None and self.drainer.take_lock():
            self.drainer.settle()
            return True
        while self._own_segments():  # another process drains this directory: wait until it took ours
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        self.journal.close()
        if self.drainer is not None:
            self.drainer.close()

    def open_with_retry(self) -> Any:
        """Open the store once (waiting while another process holds it); the caller closes it."""
        if self.drainer is None:
            raise RuntimeError("this process does not drain the journal")
        return self.drainer.open_with_retry()

    def status(self) -> dict[str, Any]:
        """For /readyz: whether this process drains, what waits in the journal, what the store refused."""
        from agentctl.serve.journal import OPEN, READY

        try:
            waiting = sum(1 for p in self.directory.iterdir() if p.suffix in (OPEN, READY))
        except FileNotFoundError:
            waiting = 0
        drainer = self.drainer
        return {"directory": str(self.directory), "segments": waiting,
                "drains": bool(drainer and drainer.holds_lock),
                **({"stored": drainer.stored, "commits": drainer.commits, "rejected": drainer.rejected}
                   if drainer is not None else {})}

    @property
    def _store(self) -> Any:
        """Not None while calls answered here are on their way to the store (or the store is open)."""
        if self.drainer is not None and self.drainer.store is not None:
            return self.drainer.store
        if self.journal.pending or self._own_segments():
            return True
        return None

    @property
    def is_open(self) -> bool:
        return self._store is not None

    def _own_segments(self) -> bool:
        """Segments still to drain: all of them if this process drains, else the ones this process wrote."""
        from agentctl.serve.journal import OPEN, READY

        try:
            if self.drainer is not None and self.drainer.holds_lock:
                return bool(self.drainer.pending())
            mine = f"-{os.getpid()}-"
            return any(mine in p.name and p.suffix in (OPEN, READY) for p in self.directory.iterdir())
        except FileNotFoundError:
            return False
