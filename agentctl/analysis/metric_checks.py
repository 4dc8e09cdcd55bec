"""`agentctl validate` checks for the `metrics:` section: known builtins, tools and fields, SQL that parses.

Custom SQL is checked by DuckDB itself (EXPLAIN against an empty calls table), and only
when a `sql:` metric exists, so validating a repo without one never loads DuckDB. Columns
the expression names that the record does not define are taken as business outcome
fields, which exist only once calls carrying them are ingested.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from agentctl.model import layout
from agentctl.model.artifacts import Workspace
from agentctl.model.crossref import check
from agentctl.model.diagnostics import Diagnostic

PREFIX = "EXPLAIN SELECT agent, "


@check
def metric_definitions(ws: Workspace) -> Iterator[Diagnostic]:
    from agentctl.analysis.metrics import BUILTINS, TOOL_BUILTINS

    doc = ws.config.doc
    sql_metrics = []
    for name, spec in ws.config.metrics.items():
        builtin, sql = spec.get("builtin"), spec.get("sql")
        if bool(builtin) == bool(sql):
            yield doc.diagnostic(["metrics", name], f"metric '{name}' needs exactly one of `builtin:` or `sql:`",
                                 "name a builtin (e.g. builtin: error_rate) or write an aggregate SQL expression", key=True)
            continue
        if builtin and builtin not in BUILTINS:
            guess = difflib.get_close_matches(builtin, list(BUILTINS), n=1)
            yield doc.diagnostic(["metrics", name, "builtin"], f"unknown builtin metric '{builtin}'",
                                 f"did you mean '{guess[0]}'?" if guess else f"use one of: {', '.join(BUILTINS)}")
        if builtin == "conversion_rate" and not spec.get("field"):
            yield doc.diagnostic(["metrics", name], f"metric '{name}' (conversion_rate) needs `field:`",
                                 "name the business outcome field, e.g. field: install_completed", key=True)
        tool = spec.get("tool")
        if tool and builtin not in TOOL_BUILTINS:
            yield doc.diagnostic(["metrics", name, "tool"], f"`tool:` has no effect on metric '{name}'",
                                 f"use it with {', '.join(sorted(TOOL_BUILTINS))}", severity="warning", key=True)
        elif tool and tool not in ws.contracts and not (ws.root / layout.contract_file(tool)).is_file():
            yield doc.diagnostic(["metrics", name, "tool"], f"metric '{name}' watches tool '{tool}', which has no contract",
                                 f"use one of: {', '.join(sorted(ws.contracts)) or 'none'}")
        for i, agent in enumerate(spec.get("agents") or []):
            if agent not in ws.agents:
                yield doc.diagnostic(["metrics", name, "agents", i], f"metric '{name}' names agent '{agent}', which does not exist",
                                     f"use one of: {', '.join(sorted(ws.agents)) or 'none'}")
        threshold = spec.get("threshold") or {}
        if "min" in threshold and "max" in threshold and threshold["min"] > threshold["max"]:
            yield doc.diagnostic(["metrics", name, "threshold"], f"threshold min {threshold['min']} is above max {threshold['max']}",
                                 "swap them")
        if sql:
            sql_metrics.append((name, "sql", sql))
        if spec.get("variance_sql"):
            sql_metrics.append((name, "variance_sql", spec["variance_sql"]))
            if not sql or spec.get("kind") != "mean":
                yield doc.diagnostic(["metrics", name, "variance_sql"],
                                     f"`variance_sql:` has no effect on metric '{name}'",
                                     "use it with `sql:` and `kind: mean`", severity="warning", key=True)
    if sql_metrics:
        yield from _check_sql(ws, sql_metrics)


# what DuckDB said of each SQL text: it depends on nothing else, so a process validating many times
# (an editor integration, the fuzz harness, `ci` over many agents) asks DuckDB once per text
_EXPLAINED: dict[str, tuple[str, int | None] | None] = {}


def _check_sql(ws: Workspace, metrics: list[tuple[str, str, str]]) -> Iterator[Diagnostic]:
    con: Any = None
    try:
        for name, key, sql in metrics:
            if sql not in _EXPLAINED:
                if con is None:
                    con = _explain_connection()
                if len(_EXPLAINED) > 1024:
                    _EXPLAINED.clear()
                _EXPLAINED[sql] = _explain(con, sql)
            problem = _EXPLAINED[sql]
            if problem is None:
                continue
            message, offset = problem
            line, col = ws.config.doc.position(["metrics", name, key])
            text_line = next((ln for ln in ws.config.doc.text.splitlines()[line - 1:line]), "")
            if offset is not None and sql in text_line:  # a one-line value: point at the offending character
                col = text_line.index(sql) + offset + 1
            yield Diagnostic(ws.config.doc.relpath, line, col, f"metric '{name}': SQL does not work: {message}",
                             "write one aggregate expression over the calls table, e.g. "
                             "avg(CASE WHEN install_completed THEN 1.0 ELSE 0.0 END)")
    finally:
        if con is not None:
            con.close()


def _explain_connection() -> Any:
    """An in-memory DuckDB with an empty `calls` table of the record's columns."""
    import duckdb

    from agentctl.calls.store import CALL_COLUMNS

    con = duckdb.connect(":memory:")
    columns = ", ".join(f"{n} {t.replace(' NOT NULL', '')}" for n, t in CALL_COLUMNS)
    con.execute(f"CREATE TABLE calls ({columns})")
    return con


def _explain(con: Any, sql: str) -> tuple[str, int | None] | None:
    """None when `sql` binds as an aggregate; else (first line of DuckDB's message, offset into sql)."""
    import duckdb

    from agentctl.analysis.metrics import MISSING_COLUMN

    added: set[str] = set()
    query = f"{PREFIX}{sql} FROM calls GROUP BY agent"
    for _ in range(20):
        try:
            con.execute(query)
            return None
        except duckdb.Error as exc:
            text = str(exc)
            missing = MISSING_COLUMN.search(text)
            if missing and missing[1] not in added and re.fullmatch(r"[a-z][a-z0-9_]*", missing[1]):
                added.add(missing[1])  # a business outcome field: exists once such calls are ingested
                con.execute(f'ALTER TABLE calls ADD COLUMN "{missing[1]}" DOUBLE')
                continue
            return text.splitlines()[0], _caret_offset(text, query)
    return "too many unknown columns", None


def _caret_offset(text: str, query: str) -> int | None:
    """Offset into the metric's SQL of DuckDB's ^ marker (its echo of the query may start with ...)."""
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith("LINE 1: ") and "^" in lines[i + 1]:
            shown = line[len("LINE 1: "):]
            caret = lines[i + 1].index("^") - len("LINE 1: ")
            if shown.startswith("..."):
                shown, caret = shown[3:], caret - 3
            start = query.find(shown.rstrip("."))
            if start < 0:
                return None
            offset = start + caret - len(PREFIX)
            return offset if offset >= 0 else None
    return None
