"""Durable, batched ingest for the service: one writer thread, gathered group commits, answer after commit.

Handlers hand their normalized rows to `CallWriter.write` and await it. The writer takes the
first record that arrives, gathers whatever else arrives within `gather_s` (or until `max_rows`),
upserts it all in one store transaction and only then answers every waiting request — one
wake-up of the event loop per batch, not one per request. So a webhook is answered 2xx only
once its call is committed (a crash after the answer loses nothing), and under load many
webhooks share one commit: requests that arrive while a commit runs form the next batch, so
the batch grows with the load (one commit costs ~40 ms whether it holds 1 call or 500).

The store stays open while records keep coming, and is closed once the queue has been idle
for `idle_close_s` (and at least every `hold_s` under continuous load), so `canary evaluate`,
`check` or `calls ingest` in another process get their turn at an embedded DuckDB file; while
another process holds it the writer waits (up to `retry_s`). The writer only uses the
`CallStore` protocol's `append` (plus `close`), so any store `ConfigRepo.calls()` returns works.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentctl.calls.record import CallRows, RecordError

GATHER_S = 0.004  # after the first record, how long to wait for more before committing
MAX_ROWS = 5000  # most rows in one commit
IDLE_CLOSE_S = 0.1  # close the store after this long without records
HOLD_S = 5.0  # longest the writer keeps the store open while busy, so readers get their turn (reopening costs ~0.1 s)


@dataclass
class _Item:
    rows: list[CallRows]
    source: str
    future: asyncio.Future[int]
    loop: asyncio.AbstractEventLoop


@dataclass
class _Settle:
    done: threading.Event = field(default_factory=threading.Event)


class StoreBusy(Exception):
    """The call store stayed locked by another process for longer than the retry budget."""


class CallWriter:
    def __init__(self, open_store: Callable[[], Any], *, close_store: Callable[[Any], None] | None = None,
                 retry_s: float = 10.0, on_stored: Callable[[list[CallRows]], None] | None = None, gather_s: float = GATHER_S,
                 max_rows: int = MAX_ROWS, idle_close_s: float = IDLE_CLOSE_S, hold_s: float = HOLD_S) -> None:
        self._open = open_store
        self._close_store = close_store or (lambda store: store.close())
        self.retry_s = retry_s
        self.gather_s, self.max_rows, self.idle_close_s, self.hold_s = gather_s, max_rows, idle_close_s, hold_s
        self._on_stored = on_stored
        self._queue: queue.SimpleQueue[_Item | _Settle | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="agentctl-call-writer", daemon=True)
        self.batches = 0
        self.stored = 0
        self.largest_batch = 0
        self._store: Any = None
        self._opened_at = 0.0
        self._thread.start()

    async def write(self, rows: list[CallRows], source: str) -> int:
        """Store `rows` (all or none); returns how many once they are committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._queue.put(_Item(rows, source, future, loop))
        return await future

    def settle(self, timeout: float = 30.0) -> bool:
        """Commit everything queued so far and close the store now (so another reader can open it)."""
        marker = _Settle()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def open_with_retry(self) -> Any:
        """Open the store once (waiting while another process holds it); the caller closes it."""
        return self._open_with_retry()

    @property
    def is_open(self) -> bool:
        return self._store is not None

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle_close_s) if self._store is not None else self._queue.get()
            except queue.Empty:
                self._release()
                continue
            if first is None or isinstance(first, _Settle):
                self._release()
                if first is None:
                    return
                first.done.set()
                continue
            items, marker = self._gather(first)
            self._write(items)
            if self._store is not None and (marker is not None or time.monotonic() - self._opened_at > self.hold_s):
                self._release()
            if marker is None:
                continue
            if isinstance(marker, _Settle):
                marker.done.set()
            else:
                return

    def _gather(self, first: _Item) -> tuple[list[_Item], _Settle | None | bool]:
        """The first record and what else arrives within the gather window; stops early at a settle/close."""
        items, rows = [first], len(first.rows)
        deadline = time.monotonic() + self.gather_s
        while rows < self.max_rows:
            remaining = deadline - time.monotonic()
            try:
                nxt = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                return items, True
            if isinstance(nxt, _Settle):
                return items, nxt
            items.append(nxt)
            rows += len(nxt.rows)
        return items, None

    def _write(self, items: list[_Item]) -> None:
        from agentctl.calls.ingest import check_business_types
        from agentctl.clock import now

        outcomes: list[tuple[_Item, int | None, BaseException | None]] = []
        try:
            if self._store is None:
                self._store, self._opened_at = self._open_with_retry(), time.monotonic()
            store = self._store
        except Exception as exc:  # noqa: BLE001 - every waiting request learns why
            self._deliver([(item, None, exc) for item in items])
            return
        accepted: list[_Item] = []
        try:
            for item in items:
                try:
                    for row in item.rows:
                        check_business_types(row, store)
                    accepted.append(item)
                except RecordError as exc:
                    outcomes.append((item, None, exc))
            by_source: dict[str, list[CallRows]] = {}
            for item in accepted:
                by_source.setdefault(item.source, []).extend(item.rows)
            when = now().replace(tzinfo=None)
            for source, rows in by_source.items():
                store.append(rows, source, when)
        except Exception as exc:  # noqa: BLE001 - the transaction rolled back; nothing of this batch is stored
            self._release()
            self._deliver(outcomes + [(item, None, exc) for item in accepted])
            return
        stored = [r for item in accepted for r in item.rows]
        self.batches += 1
        self.stored += len(stored)
        self.largest_batch = max(self.largest_batch, len(stored))
        if self._on_stored is not None:
            with contextlib.suppress(Exception):  # metrics must never fail a committed write
                self._on_stored(stored)
        self._deliver(outcomes + [(item, len(item.rows), None) for item in accepted])

    @staticmethod
    def _deliver(outcomes: list[tuple[_Item, int | None, BaseException | None]]) -> None:
        """Answer the waiting requests: one call into each event loop for the whole batch."""
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Item, int | None, BaseException | None]]] = {}
        for outcome in outcomes:
            by_loop.setdefault(outcome[0].loop, []).append(outcome)
        for loop, batch in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
                loop.call_soon_threadsafe(_resolve, batch)

    def _release(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            self._close_store(store)

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


def _resolve(batch: list[tuple[_Item, int | None, BaseException | None]]) -> None:
    for item, result, exc in batch:
        if item.future.done():  # the request went away (client disconnected); its rows are stored anyway
            continue
        if exc is not None:
            item.future.set_exception(exc)
        else:
            item.future.set_result(result or 0)
