"""`agentctl calls ingest`: load call records into the call store, judging tool calls by their contracts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from agentctl import clock
from agentctl.errors import BadInputError

# DuckDB's buffer pool otherwise grows towards 80% of RAM as the store grows; ingest needs little
DEFAULT_MEMORY_LIMIT = "512MB"


@dataclass
class IngestReport:
    store: str
    files: list[str]
    read: int
    inserted: int
    duplicates: int
    rejected: int
    updated: int
    rejects_file: str | None
    reject_reasons: dict[str, int]
    first_rejects: list[dict[str, Any]]
    notes: list[str]  # e.g. the contracts judged in Python because their criteria do not compile to SQL

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def ingest_calls(root: Path, paths: list[str], *, fmt: str = "auto", rejects_path: Path | None = None,
                 defaults: dict[str, Any] | None = None, batch_size: int | None = None,
                 memory_limit: str | None = DEFAULT_MEMORY_LIMIT, stdin: IO[str] | None = None,
                 progress: Callable[[int], None] | None = None) -> IngestReport:
    """Ingest JSONL/CSV files (or '-' for stdin) into the repo's call store.

    Each record is checked against the call-record schema and the repo (known agent and
    environment); its tool calls are judged against the working tree's tool contracts.
    Rejected lines go to `rejects_path` (default .agentctl/rejects/<time>.jsonl) with line
    number and reason. An upsert by call_id: a later event of a stored call (Retell's call_analyzed
    after call_ended) merges into it; re-ingesting the same records changes nothing.
    """
    from agentctl.calls.ingest import FORMATS, ingest_files
    from agentctl.calls.judge_sql import fallback_note
    from agentctl.calls.record import IngestContext
    from agentctl.calls.store import open_store
    from agentctl.model.layout import STATE_DIR
    from agentctl.model.workspace import load_workspace

    if fmt not in FORMATS:
        raise BadInputError(f"unknown format '{fmt}'", f"use one of: {', '.join(FORMATS)}")
    if not paths:
        raise BadInputError("no input files", "pass one or more JSONL/CSV files, or - for stdin")
    for path in paths:
        if path != "-" and not Path(path).is_file():
            raise BadInputError(f"no such file: {path}", "check the path")
    ws = load_workspace(root)
    ctx = IngestContext.from_workspace(ws)
    now = clock.now()
    if rejects_path is None:
        rejects_path = root / STATE_DIR / "rejects" / f"{now.strftime('%Y%m%dT%H%M%S')}.jsonl"
    rejects_path.parent.mkdir(parents=True, exist_ok=True)
    store = open_store(root, ws.config.data, memory_limit=memory_limit)
    try:
        with rejects_path.open("a", encoding="utf-8") as rejects:
            stats = ingest_files(paths, store, ctx, fmt=fmt, rejects=rejects, defaults=defaults,
                                 batch_size=batch_size, ingested_at=now.replace(tzinfo=None),
                                 stdin=stdin, progress=progress)
    finally:
        store.close()
    if stats.rejected == 0 and rejects_path.stat().st_size == 0:
        rejects_path.unlink()
    return IngestReport(str(store.path), list(paths), stats.read, stats.inserted, stats.duplicates, stats.rejected,
                        stats.updated, str(rejects_path) if stats.rejected else None, dict(stats.reasons.most_common()),
                        stats.first_rejects, [fallback_note(sorted(stats.judged_in_python))] if stats.judged_in_python else [])
