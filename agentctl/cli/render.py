"""Output helpers shared by every command: JSON for machines, rich tables for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click

from agentctl.errors import AgentctlError, ValidationFailed


def emit_json(data: Any) -> None:
    """Print `data` as stable, indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str, ensure_ascii=False))


def console(stderr: bool = False) -> Any:
    import os

    from rich.console import Console

    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "160"))
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> None:
    """Print a rich table (plain text when output is not a terminal)."""
    from rich.table import Table

    grid = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    console().print(grid)


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
