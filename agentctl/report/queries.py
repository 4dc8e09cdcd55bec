"""The aggregates behind the report, as SQL the call store runs (one row per day, week or month).

Each function returns plain rows; the CSV files beside the charts are exactly these rows, so a
hand-written query over the same store gives the same numbers. The SQL runs on DuckDB and PostgreSQL
alike; `value_sql` comes rendered for the store's dialect (agentctl.analysis.metrics.render).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scope:
    """Which calls a report reads: environments, one agent, and a day range (inclusive)."""

    environments: tuple[str, ...]
    agent: str
    first: dt.date
    last: dt.date

    def where(self) -> tuple[str, list[Any]]:
        marks = ", ".join("?" for _ in self.environments)
        return (f"environment IN ({marks}) AND agent = ? AND day BETWEEN ? AND ?",
                [*self.environments, self.agent, self.first, self.last])


@dataclass
class DayOutcome:
    day: dt.date
    calls: int
    successes: float
    rate: float | None


def outcome_by_day(store: Any, scope: Scope, value_sql: str) -> list[DayOutcome]:
    """Calls, outcome rate (the business metric's expression) and successes (rate × calls) per day."""
    where, params = scope.where()
    rows = store.query(f"SELECT day, count(*) AS calls, {value_sql} AS rate FROM calls WHERE {where} "
                       "GROUP BY day ORDER BY day", params)
    return [DayOutcome(day, int(calls), (rate or 0.0) * int(calls), None if rate is None else float(rate))
            for day, calls, rate in rows]


@dataclass
class MonthCost:
    month: str  # 2026-11
    calls: int
    successes: float
    cost_usd: float

    @property
    def cost_per_success(self) -> float | None:
        return self.cost_usd / self.successes if self.successes else None


def cost_sql(cost: dict[str, Any]) -> str:
    """The month's spend: a price per call, per minute of talk, or the calls' recorded cost_usd."""
    if cost.get("per_call_usd") is not None:
        return f"count(*) * {float(cost['per_call_usd'])!r}"
    if cost.get("per_minute_usd") is not None:
        return f"coalesce(sum(handle_time_s), 0) / 60.0 * {float(cost['per_minute_usd'])!r}"
    return "coalesce(sum(cost_usd), 0)"


def cost_by_month(store: Any, scope: Scope, value_sql: str, cost: dict[str, Any]) -> list[MonthCost]:
    """Calls, successes and spend per calendar month (successes = Σ of the outcome expression per call)."""
    where, params = scope.where()
    rows = store.query(f"SELECT substr(CAST(day AS VARCHAR), 1, 7) AS month, count(*) AS calls, "
                       f"{value_sql} * count(*) AS successes, {cost_sql(cost)} AS cost "
                       f"FROM calls WHERE {where} GROUP BY month ORDER BY month", params)
    return [MonthCost(month, int(calls), float(successes or 0.0), float(spend or 0.0))
            for month, calls, successes, spend in rows]


@dataclass
class WeekToolSuccess:
    week: dt.date  # the Monday that starts the ISO week
    tool: str
    calls: int
    http_ok: float  # share answered with HTTP 2xx
    contract_ok: float | None  # share of judged calls that met the contract's success criteria
    judged: int

    @property
    def gap(self) -> float | None:
        """Calls that looked fine by HTTP status but did not do their job (the silent failures)."""
        return None if self.contract_ok is None else self.http_ok - self.contract_ok


def tool_success_by_week(store: Any, scope: Scope) -> list[WeekToolSuccess]:
    where, params = scope.where()
    rows = store.query(
        "SELECT date_trunc('week', day)::DATE AS week, tool, count(*) AS calls, "
        "avg(CASE WHEN http_ok THEN 1.0 ELSE 0.0 END) AS http_ok, "
        "avg(CASE WHEN contract_ok THEN 1.0 ELSE 0.0 END) FILTER (WHERE contract_ok IS NOT NULL) AS contract_ok, "
        "count(contract_ok) AS judged "
        f"FROM tool_calls WHERE {where} GROUP BY week, tool ORDER BY week, tool", params)
    return [WeekToolSuccess(week, tool, int(calls), float(http), None if ok is None else float(ok), int(judged))
            for week, tool, calls, http, ok, judged in rows]


def agents_with_calls(store: Any, environments: Sequence[str], first: dt.date, last: dt.date) -> list[str]:
    marks = ", ".join("?" for _ in environments)
    rows = store.query(f"SELECT DISTINCT agent FROM calls WHERE environment IN ({marks}) AND day BETWEEN ? AND ? "
                       "ORDER BY agent", [*environments, first, last])
    return [r[0] for r in rows]
