"""A contract's success criteria compiled to one SQL expression, so a million tool calls are judged in one query.

`agentctl.contracts.success.judge_response` stays the reference: `compile_success` returns an
expression whose value equals `judge_response(success, status, body).ok` for every status and JSON
body (tests/calls/test_judge_sql.py proves it with hypothesis), or None when a criterion cannot be
written so that it agrees exactly — then that tool is judged in Python, and `fallback_note` says so once.

Python's equality is kept: `1 == 1.0 == true` for numbers and booleans, strings only equal strings.
Not compiled (judged in Python): `equals`/`in` with lists or objects, numbers beyond 2**53 or not finite,
regular expressions beyond a small shared subset of Python `re` and RE2 (no backslashes, `$` or `{}`),
and paths with more than three numeric parts (each may be an object key or a list index).
"""

from __future__ import annotations

import math
import re
from typing import Any

SAFE_PATTERN = re.compile(r"^[A-Za-z0-9_\- .*+?^|()\[\]]*$")
UNSAFE_PARTS = ("(?", "[:", "*+", "++", "?+", "[^]", "[]")
MAX_EXACT = 2**53
MAX_INDEX_PARTS = 3


def compile_success(success: dict[str, Any], status: str = "status", body: str = "body") -> str | None:
    """SQL for `judge_response(success, status, body).ok` over an INTEGER column `status` (NULL = no
    response) and a JSON column `body`; None when the criteria cannot be compiled exactly."""
    accepted = success.get("status")
    if accepted:
        if not all(isinstance(code, int) and not isinstance(code, bool) for code in accepted):
            return None
        status_ok = f"{status} IN ({', '.join(str(int(code)) for code in accepted)})"
    else:
        status_ok = f"{status} BETWEEN 200 AND 299"
    parts = [f"{status} IS NOT NULL", status_ok]
    for criterion in success.get("criteria") or []:
        compiled = _criterion(criterion, body)
        if compiled is None:
            return None
        parts.append(f"({compiled})")
    return "(" + " AND ".join(parts) + ")"


def fallback_note(names: list[str]) -> str:
    """The one line ingest prints when some contracts are judged in Python."""
    return (f"judged in Python (criteria not expressible in SQL): {', '.join(sorted(names))}" if names else "")


def latency_p95_sql(table: str = "calls", group_by: tuple[str, ...] = ("agent", "day"), where: str = "TRUE", *,
                    column: str = "turn_latencies_ms", aggregates: dict[str, str] | None = None,
                    carried: dict[str, str] | None = None) -> str:
    """p95 turn latency per group with memory that does not grow with the samples per group:
    `unnest` the per-call lists, then `quantile_cont` (the same values as
    `list_aggregate(flatten(list(turn_latencies_ms)), 'quantile_cont', 0.95)`, without building one list per group).

    The metric SQL builder (agentctl.analysis.metrics) uses it for every percentile over a list column:
    `aggregates` {alias: aggregate over `latency`} replaces the p95, `carried` {alias: boolean SQL} are
    row-level columns kept beside each sample (for a metric's FILTER). DuckDB SQL; the builder's dialect
    layer rewrites `quantile_cont` for PostgreSQL.
    """
    keys = ", ".join(group_by)
    selects = ", ".join(f"{sql} AS {name}" for name, sql in (aggregates or {"p95_turn_latency_ms":
                                                                          "quantile_cont(latency, 0.95)"}).items())
    extra = "".join(f", ({sql}) AS {name}" for name, sql in (carried or {}).items())
    return (f"SELECT {keys}, {selects} FROM "
            f"(SELECT {keys}, unnest({column}) AS latency{extra} FROM {table} WHERE {where}) AS samples GROUP BY {keys}")


def _criterion(criterion: dict[str, Any], body: str) -> str | None:
    value = _lookup(body, str(criterion["path"]))
    if value is None:
        return None
    present = f"({value}) IS NOT NULL"
    checks = []
    if "exists" in criterion:
        checks.append(present if criterion["exists"] else f"NOT ({present})")
    if any(k in criterion for k in ("equals", "in", "matches", "not_empty")):
        checks.append(present)
        if criterion.get("not_empty"):
            checks.append(f"NOT coalesce({_empty(value)}, FALSE)")
        if "equals" in criterion:
            equal = _equals(value, criterion["equals"])
            if equal is None:
                return None
            checks.append(f"coalesce({equal}, FALSE)")
        if "in" in criterion:
            options = [_equals(value, option) for option in criterion["in"]]
            if any(option is None for option in options):
                return None
            checks.append("coalesce(" + " OR ".join(f"({o})" for o in options) + ", FALSE)")
        if "matches" in criterion:
            pattern = criterion["matches"]
            if not isinstance(pattern, str) or not _safe(pattern):
                return None
            checks.append(f"coalesce(json_type({value}) = 'VARCHAR' AND regexp_matches({value} ->> '$', {_text(pattern)}), FALSE)")
    return " AND ".join(checks) if checks else "TRUE"


def _lookup(body: str, path: str) -> str | None:
    """SQL for the JSON value at `path` (NULL when missing), mirroring `success.lookup`: a flat key holding the
    whole path wins; then each part is an object key, or a list index when the node is a list."""
    parts = path.split(".")
    numeric = [p for p in parts if p.lstrip("-").isdigit()]
    if len(numeric) > MAX_INDEX_PARTS:
        return None
    node = body
    for part in parts:
        key = f"json_extract({node}, {_text(_key_path(part))})"
        if part.lstrip("-").isdigit():
            index = int(part)
            at = f"'$[{index}]'" if index >= 0 else f"'$[#{index}]'"
            node = (f"(CASE json_type({node}) WHEN 'OBJECT' THEN {key} "
                    f"WHEN 'ARRAY' THEN json_extract({node}, {at}) END)")
        else:
            node = key
    if len(parts) == 1:
        return node
    flat = f"json_extract({body}, {_text(_key_path(path))})"
    return f"(CASE WHEN json_type({body}) = 'OBJECT' AND {flat} IS NOT NULL THEN {flat} ELSE {node} END)"


def _key_path(key: str) -> str:
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _empty(value: str) -> str:
    return (f"(json_type({value}) = 'NULL' OR (json_type({value}) = 'VARCHAR' AND ({value} ->> '$') = '') "
            f"OR (json_type({value}) IN ('ARRAY', 'OBJECT') AND json_array_length({value}) = 0 "
            f"AND {value}::VARCHAR IN ('[]', '{{}}')))")


def _equals(value: str, wanted: Any) -> str | None:
    """SQL for Python's `value == wanted` (None when it cannot be written exactly)."""
    if wanted is None:
        return f"json_type({value}) = 'NULL'"
    if isinstance(wanted, str):
        return f"(json_type({value}) = 'VARCHAR' AND ({value} ->> '$') = {_text(wanted)})"
    if isinstance(wanted, (bool, int, float)):
        number = float(wanted)
        if not math.isfinite(number) or abs(number) >= MAX_EXACT or (isinstance(wanted, int) and abs(wanted) >= MAX_EXACT):
            return None
        # true == 1 and 1 == 1.0 in Python; a JSON number beyond 2**53 cannot equal a wanted value below it
        return (f"(CASE json_type({value}) WHEN 'BOOLEAN' THEN ({value}::BOOLEAN)::INTEGER = {number!r} "
                f"WHEN 'BIGINT' THEN {value}::DOUBLE = {number!r} AND abs({value}::HUGEINT) < {MAX_EXACT} "
                f"WHEN 'UBIGINT' THEN FALSE "
                f"WHEN 'DOUBLE' THEN {value}::DOUBLE = {number!r} ELSE FALSE END)")
    return None


def _safe(pattern: str) -> bool:
    """Patterns Python `re` and RE2 read alike: a small character set, no extensions, no possessive repeats."""
    if not SAFE_PATTERN.match(pattern) or any(part in pattern for part in UNSAFE_PARTS):
        return False
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
