"""The plain-text table path must print exactly what rich prints for the same table."""

from __future__ import annotations

import io
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentctl.cli import render

# Mostly the characters the fast path takes, plus some it must hand to rich: markup, emoji codes,
# tabs, wide and zero-width characters.
_ALPHABET = st.sampled_from([*"ab z-09./_", " ", "\n", "é", "ſ", "[", "]", ":", "\\", "\t", "界", "\u0301", "✓"])
_TEXT = st.text(_ALPHABET, max_size=12)
# Only what the fast path takes, so that most examples exercise it (spaces and newlines in odd places).
_PLAIN_TEXT = st.text(st.sampled_from([*"ab z-09./_:]", " ", "\n", "é", "ſ", "\\"]), max_size=12)
_PLAIN_LINE = st.text(st.sampled_from([*"ab z-09./_:]", " ", "é", "\\"]), max_size=12)


class _Stdout(io.StringIO):
    """A non-terminal UTF-8 stdout, as under a pipe or CliRunner."""

    encoding = "utf-8"


def _printed(fast: bool, columns: list[str], rows: list[list[str | None]], title: str | None) -> str:
    """What `render.table` writes to a non-terminal stdout, by the fast path or (fast=False) by rich."""
    out = _Stdout()
    with pytest.MonkeyPatch.context() as patch:
        if not fast:
            patch.setattr(render, "_plain_table", lambda *args: None)
        patch.setattr(sys, "stdout", out)
        try:
            render.table(columns, rows, title=title)
        except Exception as exc:  # rich refuses some markup: both paths must refuse it alike
            return f"raised {type(exc).__name__}: {exc}"
    return out.getvalue()


def _check_same(monkeypatch: pytest.MonkeyPatch, data: st.DataObject, width: int, text: st.SearchStrategy[str],
                line: st.SearchStrategy[str]) -> bool:
    columns = data.draw(st.lists(line, min_size=1, max_size=4))
    rows = data.draw(st.lists(st.lists(st.one_of(st.none(), text), min_size=len(columns), max_size=len(columns)),
                              max_size=5))
    title = data.draw(st.one_of(st.none(), line))
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    assert _printed(True, columns, rows, title) == _printed(False, columns, rows, title)
    stdout, sys.stdout = sys.stdout, _Stdout()
    try:
        return render._plain_table(columns, [["" if c is None else c for c in row] for row in rows], title) is not None
    finally:
        sys.stdout = stdout


_FAST: list[bool] = []


@settings(max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), width=st.integers(min_value=1, max_value=60))
def test_fast_table_prints_what_rich_prints(monkeypatch: pytest.MonkeyPatch, data: st.DataObject, width: int) -> None:
    _check_same(monkeypatch, data, width, _TEXT, _TEXT)


@settings(max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), width=st.integers(min_value=4, max_value=120))
def test_plain_tables_print_what_rich_prints(monkeypatch: pytest.MonkeyPatch, data: st.DataObject, width: int) -> None:
    _FAST.append(_check_same(monkeypatch, data, width, _PLAIN_TEXT, _PLAIN_LINE))


def test_the_plain_property_exercised_the_fast_path() -> None:
    """Guards the test above: most of its tables must have gone through the fast path."""
    if not _FAST:
        pytest.skip("run with test_plain_tables_print_what_rich_prints")
    assert sum(_FAST) > len(_FAST) // 3


def test_validate_table_takes_the_plain_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table `validate` prints (multi-line tools cell, a path as title) needs no rich."""
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setattr(sys, "stdout", _Stdout())
    rows: list[list[str | None]] = [["agent-000", "agent-000 v1", "sms-gateway 2.0.0\ndriver-lookup 1.2.0", "kb v1 (4 docs)", "inès"],
            ["agent-001", "agent-001 v2", "", "", None]]
    plain = render._plain_table(["agent", "prompt", "tools", "KB", "owner"],
                                [["" if c is None else c for c in row] for row in rows], "/tmp/repo")
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    assert plain is not None
    assert plain == _printed(False, ["agent", "prompt", "tools", "KB", "owner"], rows, "/tmp/repo")


@pytest.mark.parametrize("env", [{"FORCE_COLOR": "1"}, {"TTY_COMPATIBLE": "1"}])
def test_colour_forced_goes_to_rich(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "stdout", _Stdout())
    assert render._plain_table(["a"], [["x"]], None) is None


@pytest.mark.parametrize("cell", ["\n", "\n\n", ""])
def test_a_column_with_no_visible_text_prints_what_rich_prints(monkeypatch: pytest.MonkeyPatch, cell: str) -> None:
    """An empty column folds a cell's line breaks in rich: the fast path leaves such a table to rich."""
    monkeypatch.setenv("COLUMNS", "40")
    assert _printed(True, [""], [[cell]], None) == _printed(False, [""], [[cell]], None)
