"""Per-arm aggregates for the judge: one SQL query per table, grouped by bundle version, built by the
one metric SQL builder (agentctl.analysis.metrics.aggregate_query) that `metrics` and daily checks use, in the
store's SQL dialect (DuckDB or PostgreSQL).

The judge needs, per metric and arm, n and successes (rates) or n, sum and sum of squares (means).
Metric definitions (agentctl.analysis.metrics) give each metric as an aggregate value expression, an
n expression and a row filter, so both arms and every metric of a table come out of one scan:

    SELECT bundle_version, <value_i> FILTER (WHERE <where_i>), <n_i> FILTER (...), <var_i> FILTER (...)
    FROM calls WHERE agent = ? AND environment = ? AND bundle_version IN (?, ?)
                 AND started_at >= ? AND started_at < ?
    GROUP BY bundle_version

Tool metrics read `tool_calls`, which carries no call time, so their calls are chosen by call_id
from the same window. From (mean, n, sample variance) the sums follow exactly:
sum = mean·n, sum of squares = var·(n − 1) + n·mean².
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentctl.analysis.metrics import aggregate_query, dialect_of, explain_failure
from agentctl.analysis.sequential import ArmStats

if TYPE_CHECKING:
    from agentctl.calls.store import CallStore


def arm_stats(store: CallStore, defs: Sequence[Any], *, agent: str, env: str, versions: Sequence[int],
              since: dt.datetime, until: dt.datetime) -> tuple[dict[int, dict[str, ArmStats]], dict[str, str]]:
    """({bundle version: {metric name: ArmStats}}, {metric: error}) for calls started in [since, until).

    A metric whose SQL the store cannot run (e.g. it names a business field never recorded) has no
    data; its error is returned so the explanation can say why.
    """
    out: dict[int, dict[str, ArmStats]] = {v: {} for v in versions}
    errors: dict[str, str] = {}
    for table in ("calls", "tool_calls"):
        group = [d for d in defs if d.table == table]
        if not group:
            continue
        try:
            rows = _query(store, table, group, agent, env, versions, since, until)
        except Exception:  # noqa: BLE001 - isolate the metric whose SQL fails; the others still count
            for d in group:
                try:
                    _collect(out, [d], _query(store, table, [d], agent, env, versions, since, until))
                except Exception as exc:  # noqa: BLE001
                    errors[d.name] = explain_failure(exc)
            continue
        _collect(out, group, rows)
    return out, errors


def arm_slices(store: CallStore, defs: Sequence[Any], *, agent: str, env: str, versions: Sequence[int],
               since: dt.datetime, until: dt.datetime, seconds: float
               ) -> tuple[list[dict[int, dict[str, ArmStats]]], dict[str, str]]:
    """Like :func:`arm_stats`, per time slice of `seconds` from `since` (oldest first; empty slices kept).

    One query per table: the slice is a GROUP BY key (a tool call falls in its call's slice)."""
    count = max(1, math.ceil((until - since).total_seconds() / seconds))
    out: list[dict[int, dict[str, ArmStats]]] = [{v: {} for v in versions} for _ in range(count)]
    errors: dict[str, str] = {}
    origin = _naive_utc(since).replace(tzinfo=dt.timezone.utc).timestamp()
    for table in ("calls", "tool_calls"):
        group = [d for d in defs if d.table == table]
        if not group:
            continue
        started = "started_at" if table == "calls" else (
            "(SELECT c.started_at FROM calls c WHERE c.call_id = tool_calls.call_id LIMIT 1)")
        key = f"CAST(floor((extract(epoch FROM {started}) - {origin!r}) / {float(seconds)!r}) AS BIGINT)"
        try:
            rows = _query(store, table, group, agent, env, versions, since, until, key)
        except Exception:  # noqa: BLE001 - isolate the metric whose SQL fails; the others still count
            for d in group:
                try:
                    _collect_slices(out, [d], _query(store, table, [d], agent, env, versions, since, until, key))
                except Exception as exc:  # noqa: BLE001
                    errors[d.name] = explain_failure(exc)
            continue
        _collect_slices(out, group, rows)
    return out, errors


def _collect_slices(out: list[dict[int, dict[str, ArmStats]]], group: Sequence[Any],
                    rows: list[tuple[Any, ...]]) -> None:
    for row in rows:
        index = min(max(int(row[1]), 0), len(out) - 1)
        _collect(out[index], group, [(row[0], *row[2:])])


def _query(store: CallStore, table: str, group: Sequence[Any], agent: str, env: str, versions: Sequence[int],
           since: dt.datetime, until: dt.datetime, key: str | None = None) -> list[tuple[Any, ...]]:
    start, end = _naive_utc(since), _naive_utc(until)
    window = ("agent = ? AND environment = ? AND started_at >= ? AND started_at < ? "
              "AND day BETWEEN ? AND ?")  # the day range lets zone maps skip most of a large store
    # `day` is the team's calendar day, which may differ from the UTC date by one
    first, last = start.date() - dt.timedelta(days=1), end.date() + dt.timedelta(days=1)
    params: list[Any] = [agent, env, start, end, first, last]
    marks = ", ".join("?" for _ in versions)
    if table == "calls":
        where, query_params = f"{window} AND bundle_version IN ({marks})", [*params, *versions]
    else:
        where = (f"agent = ? AND environment = ? AND bundle_version IN ({marks}) "
                 f"AND day BETWEEN ? AND ? AND call_id IN (SELECT call_id FROM calls WHERE {window})")
        query_params = [agent, env, *versions, first, last, *params]
    keys = ["bundle_version", *([key] if key else [])]
    sql, all_params = aggregate_query(table, group, keys=keys, where=where, params=query_params,
                                      business=set(store.business_columns()), dialect=dialect_of(store))
    rows: list[tuple[Any, ...]] = store.query(sql, all_params)
    return rows


def _collect(out: dict[int, dict[str, ArmStats]], group: Sequence[Any], rows: list[tuple[Any, ...]]) -> None:
    for row in rows:
        version = int(row[0])
        for i, d in enumerate(group):
            value, n, var = row[1 + 3 * i], int(row[2 + 3 * i] or 0), row[3 + 3 * i]
            out.setdefault(version, {})[d.name] = _stats(d.kind, value, n, var)


def _stats(kind: str, value: Any, n: int, var: Any) -> ArmStats:
    if n == 0 or value is None:
        return ArmStats(0)
    value = float(value)
    if kind == "rate":
        return ArmStats(n, successes=round(value * n))  # avg of 0/1 times n is the success count
    variance = float(var) if var is not None else 0.0
    return ArmStats(n, total=value * n, total_sq=variance * (n - 1) + n * value * value)


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    """The store keeps timestamps as naive UTC."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
