"""Stream call records from JSONL or CSV files into a CallStore, in bounded batches.

Nothing is held beyond one batch, so memory stays flat however large the input. A bad
line never stops the run: it is counted and written, with its line number and reason, to a
rejects file. Good records are never lost and never counted twice: the store upserts by
call_id, merging a later event of a call into the stored record (what it states wins, what it
leaves out is kept), so re-ingesting a file changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from agentctl.calls.mappers import MAPPERS, Defaults, detect
from agentctl.calls.record import CallRows, IngestContext, RecordError, normalize
from agentctl.calls.store import CallStore, sql_type_of

FORMATS = ("auto", "record", "vapi", "retell", "csv")
DEFAULT_BATCH = 20_000  # records per store transaction on the per-record path
BULK_BATCH = 122_880  # lines per block on the engine's path: one row group of calls (DuckDB's 122,880 rows), written
# straight to the file instead of through its log, and whole, so the checkpoint has no partial row groups to merge
# (blocks of 125,000 left one of 2,120 rows each, and closing a store of 1M calls took ≈ 3 s more); memory bounded
READ_CHUNK = 8 << 20  # bytes per read of a JSONL file
T = TypeVar("T")


@dataclass
class IngestStats:
    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    updated: int = 0  # later events merged into a call already stored (Retell call_analyzed after call_ended)
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    first_rejects: list[dict[str, Any]] = field(default_factory=list)  # a few, for the summary
    judged_in_python: set[str] = field(default_factory=set)  # contracts whose criteria do not compile to SQL

    def to_dict(self) -> dict[str, Any]:
        return {"read": self.read, "inserted": self.inserted, "duplicates": self.duplicates, "updated": self.updated,
                "rejected": self.rejected, "reject_reasons": dict(self.reasons.most_common()),
                "first_rejects": self.first_rejects, "judged_in_python": sorted(self.judged_in_python)}


def ingest_files(paths: list[str], store: CallStore, ctx: IngestContext, *, fmt: str = "auto",
                 rejects: IO[str] | None = None, defaults: Defaults | None = None,
                 batch_size: int | None = None, ingested_at: Any = None, stdin: IO[str] | None = None,
                 progress: Callable[[int], None] | None = None) -> IngestStats:
    """Ingest every file in `paths` ('-' reads `stdin`) and return the counts; `progress(records read)`
    is called after each batch (`batch_size` lines; default 122,880 through the engine, 20,000 per record).

    JSONL call records go through the store's set-based path when it has one (`bulk_ingest`, DuckDB: the
    engine parses, checks, judges and merges a whole batch; see calls.bulk). Vapi/Retell payloads and CSV
    rows go there too, mapped to record lines first (a few dict lookups each: `_map_lines`, `_csv_blocks`);
    a line already stored is skipped before it is mapped. The lines the engine cannot take as they are, and
    those the mapper refuses, go through the per-record path below, as the input held them and in line
    order; every other store uses that path for everything."""
    stats = IngestStats()
    defaults = defaults or {}
    salt = hashlib.blake2b(f"{fmt}|{sorted(defaults.items())}".encode()).digest()
    run = _Run(store, ctx, fmt, defaults, rejects, ingested_at, stats)
    bulk_ingest = getattr(store, "bulk_ingest", None)
    for path in paths:
        run.source = "<stdin>" if path == "-" else path
        bulk = bulk_ingest(ctx, salt.hex()) if bulk_ingest is not None else None
        if bulk is not None and bulk.usable:
            stats.judged_in_python.update(bulk.python_judged)
            if _is_csv(path, fmt):  # rows mapped to record lines, then the engine
                for first, lines, items in _csv_blocks(_read(path, fmt, stdin, rows=True), run, salt,
                                                       batch_size or BULK_BATCH):
                    _mapped_block(bulk, first, lines, items, run, salt)
                    if progress is not None:
                        progress(stats.read)
                continue
            first = 1
            for count, block in _byte_blocks(path, stdin, batch_size or BULK_BATCH):
                if fmt == "record" or (fmt == "auto" and not _may_be_payload(block)):
                    _bulk_block(bulk, first, block, count, run, salt)
                else:  # platform payloads mapped to record lines, then the engine
                    lines, items = _map_lines(first, split_lines(block), run, salt)
                    _mapped_block(bulk, first, lines, items, run, salt)
                first += count
                if progress is not None:
                    progress(stats.read)
            continue
        for chunk in _chunks(_read(path, fmt, stdin, rows=True), batch_size or DEFAULT_BATCH):
            stats.read += len(chunk)
            run.python_chunk(_unseen(store, salt, chunk, stats))
            if progress is not None:
                progress(stats.read)
    return stats


@dataclass
class _Run:
    """One ingest run's settings and counts, for the per-record path."""

    store: CallStore
    ctx: IngestContext
    fmt: str
    defaults: Defaults
    rejects: IO[str] | None
    ingested_at: Any
    stats: IngestStats
    source: str = ""

    def python_chunk(self, chunk: list[tuple[int, Any, int | None]]) -> None:
        """Check, judge and store (line number, line or parsed row, event fingerprint) one record at a time."""
        batch: list[tuple[int, Any, CallRows, int | None]] = []
        for line_no, item, mark in chunk:
            parsed = _parse_json(item) if isinstance(item, RawLine) else item
            try:
                rows = prepare(parsed, self.fmt, self.defaults, self.ctx, self.store)
            except RecordError as exc:
                _reject(self.stats, self.rejects, self.source, line_no, str(exc), parsed)
                continue
            batch.append((line_no, parsed, rows, mark))
        _flush(self.store, batch, self.source, self.ingested_at, self.stats, self.rejects)


def _unseen(store: CallStore, salt: bytes, chunk: list[tuple[int, Any]],
            stats: IngestStats) -> list[tuple[int, Any, int | None]]:
    """The items of `chunk` whose exact event is not stored yet (counted as duplicates without being parsed); a
    CSV row as the reader gave it becomes its record here."""
    marks = [fingerprint(salt, item) if isinstance(item, RawLine) else _row_mark(salt, item) if isinstance(item, dict)
             else None for _, item in chunk]
    seen = _seen(store, [mark for mark in marks if mark is not None])
    unseen = []
    for (line_no, item), mark in zip(chunk, marks, strict=True):
        if mark is not None and mark in seen:  # this exact event is stored: no parsing, no judging
            stats.duplicates += 1
        else:
            unseen.append((line_no, csv_item(item) if isinstance(item, dict) else item, mark))
    return unseen


def _row_mark(salt: bytes, row: dict[Any, Any]) -> int:
    """The event fingerprint of a CSV row as the reader gave it (both routes use it)."""
    return fingerprint(salt, repr(tuple(row.items())))


def _bulk_block(bulk: Any, first: int, block: bytes, count: int, run: _Run, salt: bytes) -> None:
    """Lines `first`… through the engine; its suspect lines (and the whole block if the engine cannot read it)
    through the per-record path, in line order."""
    import duckdb

    try:
        result = bulk.block(first, block, run.source, run.ingested_at, count)
    except (duckdb.Error, OSError):
        items = [(n, RawLine(line.rstrip(b"\n").rstrip(b"\r").decode("utf-8", "replace") + "\n"))
                 for n, line in enumerate(split_lines(block), first) if line.strip()]
        run.stats.read += len(items)
        run.python_chunk(_unseen(run.store, salt, items, run.stats))
        return
    run.stats.read += result.read
    run.stats.inserted += result.inserted
    run.stats.updated += result.updated
    run.stats.duplicates += result.duplicates
    suspects: list[tuple[int, Any, int | None]] = []
    for line_no, mark, line in result.suspects:
        if not line.strip():  # blank to Python (e.g. only Unicode separators): not a record
            run.stats.read -= 1
            continue
        suspects.append((line_no, RawLine(line + "\n"), mark or None))  # as read by lines: the error columns match
    run.python_chunk(suspects)


PAYLOAD_HINTS = (b"end-of-call-report", b"call_status")  # what `detect` looks for, as it appears in a line's bytes


def _may_be_payload(text: bytes) -> bool:
    """Whether `auto` must parse this line (or a line of this block) to tell its kind. A line without these
    bytes is a call record for `detect` unless it spells them with escapes; the engine then refuses its unknown
    keys and the per-record path (which maps what it detects) takes it, so no payload is stored as a record."""
    return PAYLOAD_HINTS[0] in text or PAYLOAD_HINTS[1] in text


@dataclass
class _Item:
    """One input line on its way through the engine: its event fingerprint (of the JSONL line as the per-record
    path takes it, or of the CSV row as read), and what that path would read for it, kept as bytes where it can be
    (read only if the line goes there: a block holds no second copy of its payloads or rows)."""

    raw: Any
    mark: int | None
    direct: bool = False  # the mapper refused it (or it is not JSON): only the per-record path can say why
    row: bool = False  # `raw` is a CSV row's record line, which reads back as the row (JSON keeps its values)

    def item(self) -> Any:
        if not isinstance(self.raw, bytes):
            return self.raw
        return json.loads(self.raw) if self.row else _raw_line(self.raw)


def _text_of(line: bytes) -> str:
    return line.rstrip(b"\n").rstrip(b"\r").decode("utf-8", "replace")


def _raw_line(line: bytes) -> RawLine:
    return RawLine(_text_of(line) + "\n")


def _map_lines(first: int, block: list[bytes], run: _Run, salt: bytes) -> tuple[list[bytes], dict[int, _Item]]:
    """A block of JSONL lines as record lines for the engine, one for each input line so the engine numbers
    them as the file does: a platform payload mapped to its call record (minified, ASCII: no byte the engine
    reads specially), a call record as it is, and b"\\n" (blank: not a record) for a line the engine must not
    see — blank, already stored (counted here without being parsed), or refused by the mapper (sent to the
    per-record path, which gives the reason). `items` holds what the per-record path needs for each line
    that is not a record line as it is."""
    fmt = run.fmt
    marks: dict[int, int] = {}
    for n, line in enumerate(block, first):
        if fmt != "auto" or _may_be_payload(line):
            text = _text_of(line)
            if text.strip():
                marks[n] = fingerprint(salt, text)
    seen = _seen(run.store, list(marks.values()))
    lines = list(block)
    items: dict[int, _Item] = {}
    for n, mark in marks.items():
        if mark in seen:  # this exact event is stored: no parsing, no mapping
            run.stats.read += 1
            run.stats.duplicates += 1
            lines[n - first] = b"\n"
            continue
        item = items[n] = _Item(block[n - first], mark)
        try:
            parsed = json.loads(_text_of(item.raw))
            kind = detect(parsed) if fmt == "auto" else fmt
            if kind not in MAPPERS:
                continue  # a call record: the engine reads the line as it is
            lines[n - first] = _record_line(map_record(parsed, kind, run.defaults))
        except Exception:  # noqa: BLE001 - the per-record path reads it again and says why
            item.direct = True
            lines[n - first] = b"\n"
    return lines, items


def _record_line(record: Any) -> bytes:
    return json.dumps(record, separators=(",", ":")).encode("ascii") + b"\n"


CSV_SEEN_CHUNK = 4096  # rows fingerprinted and looked up in the store at once


def _csv_blocks(rows: Iterator[tuple[int, Any]], run: _Run, salt: bytes,
                size: int) -> Iterator[tuple[int, list[bytes], dict[int, _Item]]]:
    """Blocks of `size` CSV rows (as the reader gives them) as (first line number, record lines, items), each
    row mapped as it is read (a block holds its record lines, not its rows) unless the store holds its exact
    event already (counted here, never mapped): a row's record line sits at the line the row ends on (as the
    per-record path numbers it), b"\\n" on the lines a quoted cell spans."""
    first, lines, items = 0, list[bytes](), dict[int, _Item]()
    for chunk in _chunks(rows, CSV_SEEN_CHUNK):
        marks = [_row_mark(salt, row) if isinstance(row, dict) else None for _, row in chunk]
        seen = _seen(run.store, [mark for mark in marks if mark is not None])
        for (line_no, row), mark in zip(chunk, marks, strict=True):
            if mark is not None and mark in seen:
                run.stats.read += 1
                run.stats.duplicates += 1
                continue
            if items and (len(items) >= size or line_no < first + len(lines)):  # (a number placed: a new block)
                yield first, lines, items
                lines, items = [], {}
            if not items:
                first = line_no
            lines.extend([b"\n"] * (line_no - first - len(lines)))
            record = csv_item(row) if isinstance(row, dict) else row
            try:
                if isinstance(record, RecordError):
                    raise record
                lines.append(_record_line(map_record(record, "csv", run.defaults)))
                items[line_no] = _Item(lines[-1], mark, row=True)
            except Exception:  # noqa: BLE001 - the per-record path reads it again and says why
                lines.append(b"\n")
                items[line_no] = _Item(record, mark, direct=True)
    if items:
        yield first, lines, items


def _mapped_block(bulk: Any, first: int, lines: list[bytes], items: dict[int, _Item], run: _Run,
                  salt: bytes) -> None:
    """Record lines numbered from `first` through the engine; the lines it hands back and those the mapper
    refused go through the per-record path, in line order, as the input held them (so a reject carries the
    input line and payload, and its reason is the per-record path's)."""
    import duckdb

    direct = [(n, i.item(), i.mark) for n, i in items.items() if i.direct]
    if len(direct) == len(items) and all(line == b"\n" for line in lines):
        run.stats.read += len(direct)
        run.python_chunk(direct)
        return
    try:
        result = bulk.block(first, lines, run.source, run.ingested_at)
    except (duckdb.Error, OSError):  # the whole block through the per-record path
        pending = [(n, i.item(), i.mark) for n, i in items.items()]
        raw = [(n, _raw_line(line)) for n, line in enumerate(lines, first) if n not in items and line.strip()]
        run.stats.read += len(pending) + len(raw)
        run.python_chunk(sorted(pending + _unseen(run.store, salt, raw, run.stats), key=lambda entry: entry[0]))
        return
    run.stats.read += result.read + len(direct)
    run.stats.inserted += result.inserted
    run.stats.updated += result.updated
    run.stats.duplicates += result.duplicates
    handed_back = set()
    suspects: list[tuple[int, Any, int | None]] = list(direct)
    for line_no, mark, line in result.suspects:
        handed_back.add(line_no)
        known = items.get(line_no)
        if known is not None:
            suspects.append((line_no, known.item(), known.mark if known.mark is not None else (mark or None)))
        elif not line.strip():  # blank to Python (e.g. only Unicode separators): not a record
            run.stats.read -= 1
        else:
            suspects.append((line_no, RawLine(line + "\n"), mark or None))
    # what the engine took is remembered under the per-record path's fingerprint of the input line too, so
    # either path skips it next time without mapping it
    run.store.remember_events([i.mark for n, i in items.items()
                               if i.mark is not None and not i.direct and n not in handed_back])
    run.python_chunk(sorted(suspects, key=lambda entry: entry[0]))


def _is_csv(path: str, fmt: str) -> bool:
    return fmt == "csv" or (fmt == "auto" and path != "-" and Path(path).suffix.lower() == ".csv")


def _byte_lines(path: str, stdin: IO[str] | None) -> Iterator[bytes]:
    """Every line, with its line break, as bytes."""
    if path == "-":
        handle: Any = stdin if stdin is not None else sys.stdin
        raw = getattr(handle, "buffer", None)
        yield from raw if raw is not None else (line.encode("utf-8", "surrogatepass") for line in handle)
        return
    with Path(path).open("rb") as file:
        yield from file


def _byte_blocks(path: str, stdin: IO[str] | None, size: int) -> Iterator[tuple[int, bytes]]:
    """(line count, bytes) of each run of `size` lines (the last may be shorter and lack its line break), read
    in large chunks and cut at a line break: no Python object per line."""
    if path == "-":
        for lines in _chunks(_byte_lines(path, stdin), size):
            yield len(lines), b"".join(lines)
        return
    with Path(path).open("rb", buffering=0) as file:
        parts: list[bytes] = []  # the block so far; `before` line breaks in it
        before = 0
        while chunk := file.read(READ_CHUNK):
            left, at = chunk.count(b"\n"), 0  # line breaks in chunk[at:]
            while before + left >= size:  # the block ends inside this chunk, after its (size - before)-th break
                end = at
                for _ in range(size - before):
                    end = chunk.index(b"\n", end) + 1
                parts.append(chunk[at:end])
                yield size, b"".join(parts)
                left -= size - before
                parts, before, at = [], 0, end
            parts.append(chunk[at:])
            before += left
        rest = b"".join(parts)
        if rest:
            yield before + (not rest.endswith(b"\n")), rest


def split_lines(block: bytes) -> list[bytes]:
    """The lines of a block, each with its line break (the last keeps none if the block ends without one)."""
    lines = [line + b"\n" for line in block.split(b"\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


class RawLine(str):
    """A JSONL line not parsed yet: parsed only when its event is not stored already."""


def fingerprint(salt: bytes, line: str) -> int:
    """A 63-bit fingerprint of one event (its exact line, the input format and defaults)."""
    digest = hashlib.blake2b(line.strip().encode("utf-8", "surrogatepass"), digest_size=8, key=salt)
    return int.from_bytes(digest.digest(), "big") >> 1


def _seen(store: CallStore, marks: list[int]) -> set[int]:
    seen_events = getattr(store, "seen_events", None)
    return seen_events(marks) if seen_events is not None and marks else set()


def _chunks(items: Iterator[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def prepare(parsed: Any, fmt: str, defaults: Defaults, ctx: IngestContext, store: CallStore) -> CallRows:
    """One parsed line as checked table rows, or a RecordError saying why not — never another exception:
    whatever a line holds, it must not stop the run or cost the good lines around it."""
    try:
        if isinstance(parsed, RecordError):
            raise parsed
        rows = normalize(map_record(parsed, fmt, defaults), ctx)
        check_business_types(rows, store)
        return rows
    except RecordError:
        raise
    except RecursionError:
        raise RecordError("the record is nested too deeply to read") from None
    except Exception as exc:  # noqa: BLE001 - any unforeseen shape is this record's problem, not the run's
        raise RecordError(f"cannot read this record ({type(exc).__name__}: {str(exc)[:200]})") from None


def _flush(store: CallStore, batch: list[tuple[int, Any, CallRows, int | None]], source: str, ingested_at: Any,
           stats: IngestStats, rejects: IO[str] | None) -> None:
    if not batch:
        return
    stored: list[int | None] = []
    try:
        _count(stats, store.append([rows for _, _, rows, _ in batch], source, ingested_at))
        stored = [mark for _, _, _, mark in batch]
    except Exception:  # noqa: BLE001 - the store refused the batch: find the lines it refuses, keep the rest
        for line_no, parsed, rows, mark in batch:
            try:
                _count(stats, store.append([rows], source, ingested_at))
                stored.append(mark)
            except Exception as exc:  # noqa: BLE001
                _reject(stats, rejects, source, line_no, f"the call store refused this record ({str(exc)[:200]})",
                        parsed)
    remember = getattr(store, "remember_events", None)
    if remember is not None:
        remember([mark for mark in stored if mark is not None])


def _count(stats: IngestStats, result: Any) -> None:
    stats.inserted += result.inserted
    stats.duplicates += result.duplicates
    stats.updated += result.updated


def map_record(parsed: Any, fmt: str, defaults: Defaults) -> Any:
    """A parsed line as a call record: platform payloads go through their mapper."""
    kind = detect(parsed) if fmt in ("auto", "csv") else fmt
    if kind in MAPPERS:
        if not isinstance(parsed, dict):
            raise RecordError(f"a {kind} payload must be a JSON object")
        return MAPPERS[kind](parsed, defaults)
    return parsed


def check_business_types(rows: CallRows, store: CallStore) -> None:
    known = store.business_columns()
    for name, value in rows.business.items():
        wanted = sql_type_of(value)
        if wanted is None:
            continue
        have = known.get(name)
        if have is None:
            store.add_business_column(name, wanted)
        elif have != wanted:
            raise RecordError(f"'business.{name}' is {type(value).__name__} here but earlier calls stored it as {have}")


def _reject(stats: IngestStats, out: IO[str] | None, source: str, line: int, reason: str, raw: Any) -> None:
    stats.rejected += 1
    stats.reasons[reason.split(" (")[0][:120]] += 1
    entry = {"source": source, "line": line, "reason": reason}
    if len(stats.first_rejects) < 20:
        stats.first_rejects.append(entry)
    if out is not None:
        shown = raw.raw if isinstance(raw, RecordError) and hasattr(raw, "raw") else raw
        out.write(_reject_line({**entry, "record": shown}) + "\n")


def _reject_line(entry: dict[str, Any]) -> str:
    try:
        line = json.dumps(entry, default=str, ensure_ascii=False)
        line.encode("utf-8")  # lone surrogates from \ud800 escapes cannot be written as UTF-8
        return line
    except UnicodeEncodeError:
        return json.dumps(entry, default=str)
    except (RecursionError, ValueError):
        return json.dumps({**entry, "record": repr(entry["record"])[:2000]})


def _read(path: str, fmt: str, stdin: IO[str] | None, *, rows: bool = False) -> Iterator[tuple[int, Any]]:
    """(line number, RawLine, or parsed CSV row or RecordError) for each non-blank line or CSV row."""
    # JSONL lines end at "\n" only (a CR inside a line is JSON whitespace, as the engine reads it): no universal newlines
    if path == "-":
        raw = getattr(sys.stdin, "buffer", None) if stdin is None and fmt != "csv" else None
        if raw is None:
            handle = stdin if stdin is not None else sys.stdin
            yield from (_read_csv(handle, rows) if fmt == "csv" else _read_jsonl(handle))
            return
        lines = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="\n")
        try:
            yield from _read_jsonl(lines)
        finally:
            lines.detach()  # stdin stays open
        return
    file = Path(path)
    is_csv = fmt == "csv" or (fmt == "auto" and file.suffix.lower() == ".csv")
    with file.open("r", encoding="utf-8", newline="" if is_csv else "\n", errors="replace") as handle:
        yield from (_read_csv(handle, rows) if is_csv else _read_jsonl(handle))


def _read_jsonl(handle: IO[str]) -> Iterator[tuple[int, Any]]:
    for line_no, line in enumerate(handle, 1):
        if line.strip():
            yield line_no, RawLine(line)


def _parse_json(line: str) -> Any:
    """The parsed line, or a RecordError (carrying the raw line) saying why it is not JSON."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        return _raw_error(f"bad JSON: {exc.msg} (column {exc.pos + 1})", line)
    except RecursionError:
        return _raw_error("bad JSON: nested too deeply to read", line)
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return _raw_error(f"bad JSON: {str(exc)[:200]}", line)


def _raw_error(reason: str, line: str) -> RecordError:
    error = RecordError(reason)
    error.raw = line.rstrip("\n")[:2000]  # type: ignore[attr-defined]
    return error


CSV_FIELD_LIMIT = 64 * 1024 * 1024  # one cell (a transcript, the tool calls) may be large, not unbounded
CSV_INT = {"bundle_version"}
CSV_FLOAT = {"transcription_confidence", "cost_usd"}
CSV_BOOL = {"escalated"}
CSV_JSON = {"tool_calls", "turn_latencies_ms"}


def _read_csv(handle: IO[str], rows: bool = False) -> Iterator[tuple[int, Any]]:
    """CSV with a header row: record fields as columns, tool_calls as JSON, business fields as business.NAME.
    With `rows`, each row as the reader gives it (`csv_item` makes it a record)."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.DictReader(handle)
    _check_csv_header(list(reader.fieldnames or []), str(getattr(handle, "name", "CSV")))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # the reader stays usable after a broken row
            yield reader.line_num, RecordError(f"bad CSV row: {exc}")
            continue
        yield reader.line_num, row if rows else csv_item(row)


def csv_item(row: dict[Any, Any]) -> Any:
    """A CSV row as a call record, or a RecordError (carrying the row) saying why not."""
    try:
        return _csv_record(row)
    except RecordError as exc:
        exc.raw = row  # type: ignore[attr-defined]
        return exc


def _check_csv_header(columns: list[str], source: str) -> None:
    """One error for a column no record has (not one reject per row), at its place in the header, with a guess."""
    import difflib

    from agentctl.calls.record import KNOWN_KEYS
    from agentctl.errors import BadInputError

    for i, column in enumerate(columns):
        if column not in KNOWN_KEYS and not column.startswith(("business.", "x-")):
            guess = difflib.get_close_matches(column, sorted(KNOWN_KEYS), n=1)
            col = 1 + sum(len(c) + 1 for c in columns[:i])
            raise BadInputError(f"{source}:1:{col}: unknown column '{column}'"
                                + (f" — did you mean '{guess[0]}'?" if guess else ""),
                                "rename it in the header (business fields are business.NAME); nothing from this "
                                "file was stored")


def _csv_record(row: dict[str, Any]) -> dict[str, Any]:
    if None in row:
        raise RecordError("row has more cells than the header")
    record: dict[str, Any] = {}
    for key, text in row.items():
        if text is None or text == "":
            continue
        if key.startswith("business."):
            record.setdefault("business", {})[key[len("business."):]] = _scalar(text)
        elif key in CSV_INT:
            record[key] = int(text) if text.strip().lstrip("-").isdigit() and len(text) < 20 else text
        elif key in CSV_FLOAT:
            try:
                record[key] = float(text)
            except ValueError:
                record[key] = text
        elif key in CSV_BOOL:
            record[key] = {"true": True, "false": False, "1": True, "0": False}.get(text.strip().lower(), text)
        elif key in CSV_JSON:
            if key == "turn_latencies_ms" and not text.lstrip().startswith("["):
                text = "[" + text.replace(";", ",") + "]"
            try:
                record[key] = json.loads(text)
            except (ValueError, RecursionError):
                raise RecordError(f"'{key}' is not valid JSON") from None
        else:
            record[key] = text
    return record


def _scalar(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return float(text) if any(c in text for c in ".eE") or len(text) > 300 else int(text)
    except ValueError:
        return text
