"""The ingest journal: webhooks are answered once their calls are fsync'd here; one drainer moves them to the store.

    handler ──rows──▶ Journal (one per process: group commit, one fdatasync for every request that
                      arrived while the previous one ran) ──2xx──▶ platform
                          │ segment files .agentctl/serve-journal/<time>-<pid>-<n>.open → .ready
                          ▼
                      Drainer (one per journal directory, by a lock file) ──append, in order──▶ CallStore
                          │ deletes a segment only after the store committed it

Why: a DuckDB commit costs 25–40 ms whatever its size and the store takes one writer at a time, so a
request that waits for the store waits for the slowest part of the system; an append and an fdatasync
cost ~0.3 ms and every process can have its own file. So `--workers N` gives N event loops on the
cores, each appending to its own segment, and one drainer (a thread of the `serve` parent process
with --workers, of the only process otherwise) turns whole segments into large store batches.

Durability: a 2xx goes out only after the record's frame is written and fdatasync'd (and the
segment's directory entry fsync'd). A process killed after the 2xx leaves its segment behind as
`.open` with no lock on it; the drainer takes such a segment as soon as it can lock it (at start-up
that is the replay of everything a crash left). Frames carry a length and a CRC32, so a frame torn by
the crash (never answered) ends the segment. A segment is deleted only after the store committed it;
a crash between the two replays it once more, in order, which the store's upsert-by-call-id merge
absorbs (later events still come later). A record the store refuses (a business-field type another
worker let through at the same moment) goes to `rejected-*.jsonl` in the journal directory with the
reason and is logged — never silently dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import queue
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.calls.record import CallRows, RecordError
from agentctl.errors import ConflictError

log = logging.getLogger("agentctl.serve.journal")

_HEAD = struct.Struct("<II")  # payload length, CRC32 of the payload
OPEN, READY = ".open", ".ready"
LOCK_NAME = "drain.lock"
SEAL_IDLE_S = 0.01  # seal the segment after this long without appends, so the drainer sees it soon
SEAL_AGE_S = 0.5  # and at least this often under load
DRAIN_POLL_S = 0.05  # how often a drainer looks for segments of other processes
LOAD_ROWS = 200  # a drain this large means load: while calls keep coming, the next one waits LOAD_GAP_S,
LOAD_GAP_S = 1.0  # so commits stay large (one costs ~25-40 ms whatever its size: at 2,000 calls/s, ~2,000 each)
DRAIN_MAX_ROWS = 50_000  # most call events in one drain (whole segments; at least one)
IDLE_CLOSE_S = 0.1  # close the store after this long without work, so other processes get their turn
HOLD_S = 5.0  # longest the drainer keeps the store open while busy
CLOSE_WAIT_S = 60.0  # at shutdown, how long this process's last segment may wait for another process's drainer


class StoreBusy(Exception):
    """The call store stayed locked by another process for longer than the retry budget."""


# -- frames ---------------------------------------------------------------------------------------------
def encode(source: str, rows: list[CallRows]) -> bytes:
    """One journal frame: the rows of one request and their source, as JSON. The call's times travel as ISO text,
    named beside it so they come back as times. (JSON rather than pickle: a frame cannot run code, and a journal
    left by one version reads the same in the next.)"""
    out = []
    for row in rows:
        call, times = row.call, {}
        for key, value in call.items():
            if isinstance(value, dt.date):
                times[key] = "t" if isinstance(value, dt.datetime) else "d"
        if times:
            call = {**call, **{key: call[key].isoformat() for key in times}}
        out.append([call, times, row.business, row.tools])
    payload = json.dumps([source, out], ensure_ascii=False, separators=(",", ":")).encode()
    return _HEAD.pack(len(payload), zlib.crc32(payload)) + payload


def read_segment(path: Path) -> Iterator[tuple[str, list[CallRows]]]:
    """The frames of a segment, in order, up to the first torn or damaged one (written, never answered)."""
    data = path.read_bytes()
    at = 0
    while at + _HEAD.size <= len(data):
        size, crc = _HEAD.unpack_from(data, at)
        payload = data[at + _HEAD.size: at + _HEAD.size + size]
        if len(payload) < size or zlib.crc32(payload) != crc:
            if at + _HEAD.size + size < len(data):
                log.error("journal segment %s is damaged at byte %d; %d bytes after it are skipped",
                          path.name, at, len(data) - at)
            return
        source, rows = json.loads(payload)
        yield source, [CallRows(_times(call, times), business, tools) for call, times, business, tools in rows]
        at += _HEAD.size + size


def _times(call: dict[str, Any], times: dict[str, str]) -> dict[str, Any]:
    for key, kind in times.items():
        call[key] = dt.datetime.fromisoformat(call[key]) if kind == "t" else dt.date.fromisoformat(call[key])
    return call


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- the per-process journal ----------------------------------------------------------------------------
@dataclass
class _Append:
    frame: bytes
    count: int
    future: asyncio.Future[int]
    loop: asyncio.AbstractEventLoop


@dataclass
class _Seal:
    done: threading.Event = field(default_factory=threading.Event)


class Journal:
    """This process's segment: appends from the event loop, one write + fdatasync per group, answer after it."""

    def __init__(self, directory: Path, *, on_sealed: Callable[[], None] | None = None,
                 seal_idle_s: float = SEAL_IDLE_S, seal_age_s: float = SEAL_AGE_S) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.on_sealed = on_sealed
        self.seal_idle_s, self.seal_age_s = seal_idle_s, seal_age_s
        self._queue: queue.SimpleQueue[_Append | _Seal | None] = queue.SimpleQueue()
        self._fd: int | None = None
        self._path: Path | None = None
        self._offset = 0
        self._opened_at = 0.0
        self._n = 0
        self.fsyncs = 0
        self.appended = 0
        self.unsealed = 0  # frames in the open segment (the drainer cannot take them yet)
        self._thread = threading.Thread(target=self._run, name="agentctl-journal", daemon=True)
        self._thread.start()

    async def append(self, rows: list[CallRows], source: str) -> int:
        """Journal `rows` durably; returns how many once they are fsync'd."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._queue.put(_Append(encode(source, rows), len(rows), future, loop))
        return await future

    def seal(self, timeout: float = 30.0) -> bool:
        """Close the open segment now (its frames become the drainer's)."""
        marker = _Seal()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    @property
    def pending(self) -> bool:
        return self.unsealed > 0 or not self._queue.empty()

    def _run(self) -> None:
        while True:
            timeout = None if self._fd is None else max(0.0, min(self.seal_idle_s,
                                                                 self._opened_at + self.seal_age_s - time.monotonic()))
            try:
                first = self._queue.get(timeout=timeout)
            except queue.Empty:
                self._seal()
                continue
            if first is None or isinstance(first, _Seal):
                self._seal()
                if first is None:
                    return
                first.done.set()
                continue
            items, markers = [first], []
            while True:  # everything that queued up while the last fdatasync ran: one group
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(nxt, _Append):
                    items.append(nxt)
                else:
                    markers.append(nxt)
            self._write(items)
            if self._fd is not None and time.monotonic() - self._opened_at > self.seal_age_s:
                self._seal()
            for marker in markers:
                self._seal()
                if marker is None:
                    return
                marker.done.set()

    def _write(self, items: list[_Append]) -> None:
        error: BaseException | None = None
        try:
            fd = self._fd if self._fd is not None else self._open()
            data = b"".join(item.frame for item in items)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fdatasync(fd)
            self._offset += len(data)
            self.fsyncs += 1
            self.appended += len(items)
            self.unsealed += len(items)
        except OSError as exc:  # disk full, I/O error: these requests fail (5xx), nothing of them counts as stored
            error = exc
            log.error("journal append failed: %s", exc)
            if self._fd is not None:
                try:
                    os.ftruncate(self._fd, self._offset)  # no torn frame in front of the next group
                except OSError:
                    self._seal()
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Append, BaseException | None]]] = {}
        for item in items:
            by_loop.setdefault(item.loop, []).append((item, error))
        for loop, batch in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
                loop.call_soon_threadsafe(_resolve, batch)

    def _open(self) -> int:
        self._n += 1
        name = f"{time.time_ns():020d}-{os.getpid()}-{self._n}"
        staging = self.directory / f"{name}.tmp"
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        # locked before it is named .open, so an .open segment without a lock is one whose writer is gone
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        path = self.directory / f"{name}{OPEN}"
        os.rename(staging, path)
        _fsync_dir(self.directory)  # the segment's name is durable before any answer depends on it
        self._fd, self._path, self._offset, self._opened_at = fd, path, 0, time.monotonic()
        return fd

    def _seal(self) -> None:
        fd, path = self._fd, self._path
        self._fd = self._path = None
        if fd is None or path is None:
            return
        try:
            if self._offset:
                os.rename(path, path.with_suffix(READY))  # renamed while still locked
            else:
                path.unlink()
        except OSError as exc:
            log.error("cannot seal journal segment %s: %s (it is taken when this process exits)", path.name, exc)
        finally:
            os.close(fd)
        self.unsealed = 0
        if self._offset and self.on_sealed is not None:
            self.on_sealed()


def _resolve(batch: list[tuple[_Append, BaseException | None]]) -> None:
    for item, error in batch:
        if item.future.done():  # the client went away; its rows are journaled anyway
            continue
        if error is not None:
            item.future.set_exception(error)
        else:
            item.future.set_result(item.count)


# -- the drainer ----------------------------------------------------------------------------------------
class Drainer:
    """Moves sealed (and abandoned) segments into the call store, in order, in large batches; one per directory."""

    def __init__(self, directory: Path, open_store: Callable[[], Any], close_store: Callable[[Any], None], *,
                 retry_s: float = 10.0, on_commit: Callable[[int], None] | None = None,
                 poll_s: float = DRAIN_POLL_S, max_rows: int = DRAIN_MAX_ROWS, idle_close_s: float = IDLE_CLOSE_S,
                 hold_s: float = HOLD_S) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._open, self._close_store = open_store, close_store
        self.retry_s, self.on_commit = retry_s, on_commit
        self.poll_s, self.max_rows, self.idle_close_s, self.hold_s = poll_s, max_rows, idle_close_s, hold_s
        self.store: Any = None
        self._opened_at = 0.0
        self._last_work = 0.0
        self._lock_fd: int | None = None
        self._wake = threading.Event()
        self._stop = False
        self._mutex = threading.Lock()  # one drain at a time (thread loop or settle)
        self.commits = 0
        self.stored = 0
        self.rejected = 0
        self.busy_until = 0.0
        self.load_gap_s = LOAD_GAP_S
        self._last_rows, self._last_drain = 0, 0.0
        self._thread: threading.Thread | None = None

    def start(self) -> Drainer:
        self._thread = threading.Thread(target=self._run, name="agentctl-journal-drainer", daemon=True)
        self._thread.start()
        return self

    def poke(self) -> None:
        self._wake.set()

    @property
    def holds_lock(self) -> bool:
        return self._lock_fd is not None

    def take_lock(self, wait_s: float = 0.0) -> bool:
        """Become this directory's drainer (False while another process is, after waiting up to `wait_s`)."""
        if self._lock_fd is not None:
            return True
        deadline = time.monotonic() + wait_s
        fd = os.open(self.directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.02)
                continue
            self._lock_fd = fd
            return True

    def pending(self) -> list[Path]:
        """Segments to drain, oldest first: sealed ones, and open ones no live process holds (a crash left them)."""
        names = sorted(p for p in self.directory.iterdir() if p.suffix in (READY, OPEN))
        out = []
        for path in names:
            if path.suffix == READY or _abandoned(path):
                out.append(path)
        return out

    def pending_or_open(self) -> list[Path]:
        return [p for p in self.directory.iterdir() if p.suffix in (READY, OPEN)]

    def drain(self) -> int:
        """Everything pending now, into the store; returns the call events stored. Raises StoreBusy."""
        total = 0
        with self._mutex:
            if not self.take_lock():
                return 0
            paths = self.pending()  # what is there now; segments sealed meanwhile are the next drain's
            while paths:
                batch, entries, rows = [], [], 0
                while paths:
                    path = paths.pop(0)
                    try:
                        frames = list(read_segment(path))
                    except FileNotFoundError:
                        continue
                    batch.append(path)
                    entries.extend(frames)
                    rows += sum(len(r) for _, r in frames)
                    if rows >= self.max_rows:
                        break
                if entries:
                    total += self._apply(entries)
                for path in batch:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                self._last_work = time.monotonic()
            return total

    def release(self) -> None:
        store, self.store = self.store, None
        if store is not None:
            self._close_store(store)

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        # several processes on one journal (replicas stopping together): this one's last segment must not wait for
        # the next start — drain it here once the current drainer is gone, or let that drainer take it
        deadline = time.monotonic() + CLOSE_WAIT_S
        mine = f"-{os.getpid()}-"
        while True:
            if self.take_lock():
                try:
                    self.drain()
                except StoreBusy as exc:
                    log.error("%s; the journal keeps the calls for the next start", exc)
                break
            if time.monotonic() > deadline or not any(mine in p.name for p in self.pending_or_open()):
                break
            time.sleep(0.02)
        with self._mutex:
            self.release()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(self.poll_s if self.store is None else min(self.poll_s, self.idle_close_s))
            if self._stop:
                return
            now = time.monotonic()
            if self._last_rows >= LOAD_ROWS and now < self._last_drain + self.load_gap_s and self._writing():
                # under load (and still loaded: some process is filling a segment): let segments gather so the
                # next commit is large; once the traffic stops, the last segments are drained at once
                self._close_if_idle(now)
                time.sleep(min(self._last_drain + self.load_gap_s - now, self.poll_s))
                continue
            self._wake.clear()
            if now < self.busy_until:
                continue
            try:
                self._last_rows, self._last_drain = self.drain(), now
            except StoreBusy as exc:
                log.warning("%s; the journal keeps the calls and the drainer retries", exc)
                self.busy_until = time.monotonic() + 1.0
            except Exception:  # noqa: BLE001 - keep draining later; the segments stay until stored
                log.exception("draining the journal failed; the segments stay and are retried")
                with self._mutex:
                    self.release()
                self.busy_until = time.monotonic() + 1.0
            self._close_if_idle(time.monotonic())

    def _writing(self) -> bool:
        """Some process is appending right now (an open segment with frames in it)."""
        for path in self.directory.iterdir():
            if path.suffix == OPEN:
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_size:
                        return True
        return False

    def _close_if_idle(self, now: float) -> None:
        if self.store is not None and (now - self._last_work > self.idle_close_s or now - self._opened_at > self.hold_s):
            with self._mutex:
                self.release()

    def settle(self) -> None:
        """Drain everything pending now and close the store."""
        self.drain()
        with self._mutex:
            self.release()

    def _store(self) -> Any:
        if self.store is None:
            self.store, self._opened_at = self.open_with_retry(), time.monotonic()
        return self.store

    def open_with_retry(self) -> Any:
        """Open the store once (waiting while another process holds it); the caller closes it."""
        deadline = time.monotonic() + self.retry_s
        delay = 0.01
        while True:
            try:
                return self._open()
            except Exception as exc:  # noqa: BLE001 - ConflictError: another process holds the store's lock
                busy = isinstance(exc, ConflictError) or "lock" in str(exc).lower()
                if not busy or time.monotonic() > deadline:
                    raise StoreBusy(f"the call store is busy: {exc}") from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    def _apply(self, entries: list[tuple[str, list[CallRows]]]) -> int:
        """Append the frames in order: runs of calls grouped by source, cut where a call meets another source."""
        from agentctl.calls.ingest import check_business_types
        from agentctl.clock import now

        store = self._store()
        when = now().replace(tzinfo=None)
        stored = 0
        group: dict[str, list[CallRows]] = {}
        sources: dict[str, str] = {}

        def flush() -> None:
            nonlocal stored
            for source, rows in group.items():
                stored += self._append(store, rows, source, when, check_business_types)
            group.clear()
            sources.clear()

        for source, rows in entries:
            for row in rows:
                call_id = row.call["call_id"]
                if sources.get(call_id, source) != source:  # a later event of this call from another source
                    flush()
                sources[call_id] = source
                group.setdefault(source, []).append(row)
        flush()
        return stored

    def _append(self, store: Any, rows: list[CallRows], source: str, when: Any,
                check: Callable[[CallRows, Any], None]) -> int:
        good = []
        for row in rows:
            try:
                check(row, store)
                good.append(row)
            except RecordError as exc:
                self._reject(row, source, str(exc))
        if not good:
            return 0
        try:
            store.append(good, source, when)
        except Exception as exc:  # noqa: BLE001 - one row the store refuses must not hold back the others
            if len(good) == 1:
                if _is_store_failure(exc):
                    raise
                self._reject(good[0], source, f"{type(exc).__name__}: {exc}")
                return 0
            log.warning("a batch of %d calls failed (%s); storing them one by one", len(good), exc)
            return sum(self._append(store, [row], source, when, lambda _r, _s: None) for row in good)
        self.commits += 1
        self.stored += len(good)
        if self.on_commit is not None:
            with contextlib.suppress(Exception):  # metrics must never fail a committed batch
                self.on_commit(len(good))
        return len(good)

    def _reject(self, row: CallRows, source: str, reason: str) -> None:
        self.rejected += 1
        path = self.directory / f"rejected-{time.strftime('%Y%m%d')}.jsonl"
        entry = {"source": source, "reason": reason, "call": row.call, "business": row.business, "tools": row.tools}
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")
        log.error("call %s was journaled but the store refused it (%s); kept in %s", row.call.get("call_id"),
                  reason, path)


def _is_store_failure(exc: BaseException) -> bool:
    """Not this row's fault: the store itself cannot write (I/O, connection, lock) — retry the segment later."""
    text = f"{type(exc).__name__} {exc}".lower()
    return any(word in text for word in ("ioexception", "i/o", "connection", "lock", "disk", "operationalerror"))


def _abandoned(path: Path) -> bool:
    """An .open segment no process holds: its writer is gone (killed); its frames are ours to drain."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops our lock; nobody writes to an .open segment once its lock is gone
    return True
