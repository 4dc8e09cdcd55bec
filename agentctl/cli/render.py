"""Output helpers shared by every command: JSON for machines, rich tables for people."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click

from agentctl.errors import AgentctlError, ValidationFailed


def emit_json(data: Any) -> None:
    """Print `data` as stable, indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str, ensure_ascii=False))


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    width = None if sys.stdout.isatty() else _columns()
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> None:
    """Print a rich table (plain text when output is not a terminal)."""
    cells = [["" if cell is None else str(cell) for cell in row] for row in rows]
    plain = _plain_table(columns, cells, title)
    if plain is not None:
        sys.stdout.write(plain)
        sys.stdout.flush()
        return
    from rich.table import Table

    grid = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        grid.add_column(column)
    for row in cells:
        grid.add_row(*row)
    console().print(grid)


def _columns() -> int:
    return int(os.environ.get("COLUMNS", "160"))


# Text that rich prints as it is: no markup tag (`[`), no emoji code (`:name:`), no tab or control
# character, and only characters one cell wide. Newlines only split a cell into lines.
_PLAIN_CELL = re.compile(r"(?:[ -Z\\\]-~À-ſ]|\n)*")
_EMOJI_CODE = re.compile(r":\S*?:")


def _plain_table(columns: Sequence[str], rows: list[list[str]], title: str | None) -> str | None:
    """The exact text rich prints for this table when stdout is not a terminal, or None to let rich print it.

    Building a rich Table of a few hundred rows costs about 0.3 s, most of `validate`'s table.
    Only the plain case is written here: no colour, a UTF-8 stream, every cell plain text, and a table
    narrow enough that rich would not wrap a column. Anything else goes to rich, which defines this
    output (tests/cli/test_render.py compares the two on generated tables).
    """
    if not columns or sys.platform == "win32" or sys.stdout.isatty() or "IPython" in sys.modules:
        return None
    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1":
        return None
    if not (getattr(sys.stdout, "encoding", None) or "utf-8").lower().startswith("utf"):
        return None
    texts = [*columns, *(cell for row in rows for cell in row)]
    if title:
        texts.append(title)
    if any(len(row) != len(columns) for row in rows) or not all(_PLAIN_CELL.fullmatch(t) for t in texts):
        return None
    if any(_EMOJI_CODE.search(t) for t in texts) or any("\n" in t for t in [*columns, title or ""]):
        return None
    split = [[cell.split("\n") for cell in row] for row in rows]
    widths = [len(header) for header in columns]
    for row_lines in split:
        for i, lines in enumerate(row_lines):
            widths[i] = max(widths[i], *map(len, lines))
    if sum(widths) + 3 * len(widths) + 1 > _columns() or 0 in widths:  # (rich folds the lines of an empty column)
        return None

    def rule(left: str, fill: str, cross: str, right: str) -> str:
        return left + cross.join(fill * (w + 2) for w in widths) + right + "\n"

    out = [title + "\n"] if title else []
    out.append(rule("┏", "━", "┳", "┓"))
    out.append("┃" + "┃".join(f" {h.ljust(w)} " for h, w in zip(columns, widths, strict=True)) + "┃\n")
    out.append(rule("┡", "━", "╇", "┩"))
    for row_lines in split:
        for k in range(max(map(len, row_lines))):
            out.append("│" + "│".join(f" {(lines[k] if k < len(lines) else '').ljust(w)} "
                                     for lines, w in zip(row_lines, widths, strict=True)) + "│\n")
    out.append(rule("└", "─", "┴", "┘"))
    return "".join(out)


def print_error(exc: AgentctlError) -> None:
    """Errors go to stderr as plain lines, so they stay greppable and golden-testable."""
    if isinstance(exc, ValidationFailed):
        for diagnostic in exc.diagnostics:
            click.echo(str(diagnostic), err=True)
        errors = sum(1 for d in exc.diagnostics if d.is_error)
        click.echo(count_line(errors, len(exc.diagnostics) - errors), err=True)
        return
    click.echo(f"agentctl: {exc}", err=True)


def count_line(errors: int, warnings: int) -> str:
    """"2 errors, 1 warning" — the closing line after a list of diagnostics."""
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def is_tty() -> bool:
    return sys.stdout.isatty()
