"""Durable, batched ingest for the service: one writer thread, group commit, answer after commit.

Handlers hand their normalized rows to `CallWriter.write` and await it; the writer takes
everything queued at that moment, upserts it in one store transaction and only then resolves
each waiting request. So a webhook is answered 2xx only once its call is committed (a crash
after the answer loses nothing), and under load many webhooks share one commit.

The embedded DuckDB file admits one writing process at a time, and `canary evaluate` or
`check` open it too; the writer therefore closes the store whenever its queue runs dry (and at
least every `HOLD_S` under continuous load), and waits (up to `retry_s`) while another process
holds it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentctl.calls.record import CallRows, RecordError

MAX_BATCH = 5000
HOLD_S = 1.0  # longest the writer keeps the store open while busy, so readers get their turn


@dataclass
class _Item:
    rows: list[CallRows]
    source: str
    future: concurrent.futures.Future[int]


class StoreBusy(Exception):
    """The call store stayed locked by another process for longer than the retry budget."""


class CallWriter:
    def __init__(self, open_store: Callable[[], Any], *, retry_s: float = 10.0,
                 on_stored: Callable[[list[CallRows]], None] | None = None) -> None:
        self._open = open_store
        self.retry_s = retry_s
        self._on_stored = on_stored
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="agentctl-call-writer", daemon=True)
        self.batches = 0
        self.stored = 0
        self._store: Any = None
        self._opened_at = 0.0
        self._thread.start()

    def submit(self, rows: list[CallRows], source: str) -> concurrent.futures.Future[int]:
        future: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._queue.put(_Item(rows, source, future))
        return future

    async def write(self, rows: list[CallRows], source: str) -> int:
        """Store `rows` (all or none); returns how many once they are committed."""
        return await asyncio.wrap_future(self.submit(rows, source))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            items = [first]
            stop = False
            while len(items) < MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                items.append(nxt)
            self._write(items)
            if self._store is not None and (stop or self._queue.empty()
                                            or time.monotonic() - self._opened_at > HOLD_S):
                self._release()
            if stop:
                return

    def _write(self, items: list[_Item]) -> None:
        from agentctl.calls.ingest import check_business_types
        from agentctl.clock import now

        try:
            if self._store is None:
                self._store, self._opened_at = self._open_with_retry(), time.monotonic()
            store = self._store
        except Exception as exc:  # noqa: BLE001 - every waiting request learns why
            for item in items:
                item.future.set_exception(exc)
            return
        accepted: list[_Item] = []
        try:
            for item in items:
                try:
                    for row in item.rows:
                        check_business_types(row, store)
                    accepted.append(item)
                except RecordError as exc:
                    item.future.set_exception(exc)
            by_source: dict[str, list[CallRows]] = {}
            for item in accepted:
                by_source.setdefault(item.source, []).extend(item.rows)
            when = now().replace(tzinfo=None)
            for source, rows in by_source.items():
                store.append(rows, source, when)
        except Exception as exc:  # noqa: BLE001 - the transaction rolled back; nothing of this batch is stored
            self._release()
            for item in accepted:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        self.batches += 1
        stored = [r for item in accepted for r in item.rows]
        self.stored += len(stored)
        if self._on_stored is not None:
            self._on_stored(stored)
        for item in accepted:
            item.future.set_result(len(item.rows))

    def _release(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            store.close()

    def _open_with_retry(self) -> Any:
        deadline = time.monotonic() + self.retry_s
        delay = 0.01
        while True:
            try:
                return self._open()
            except Exception as exc:  # noqa: BLE001 - duckdb.IOException: another process holds the lock
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise StoreBusy(f"the call store is busy: {exc}") from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.2)
