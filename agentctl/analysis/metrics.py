"""Metric definitions from agentctl.yaml, compiled into SQL aggregates the call store runs.

Every metric is one aggregate expression over the `calls` or `tool_calls` table. All metrics
of one table are computed in a single scan (each with its own FILTER), grouped by
environment, agent and optionally day or bundle version. Python sees one row per group.

Each metric also reports `n` (the observations behind the value) and a per-observation
variance where one is defined, which the trend test in daily.py needs:
- kind "rate": a share of 0/1 outcomes — variance p(1-p);
- kind "mean": an average — variance from var_samp;
- kind "value": anything else (percentiles, custom SQL) — the trend test uses day-to-day spread.

One dialect layer serves both stores. Metric expressions are written once, in DuckDB SQL (as users
write `sql:` metrics); `render(sql, dialect)` rewrites the few functions PostgreSQL spells otherwise
(quantile_cont → percentile_cont … WITHIN GROUP, len → cardinality, list_avg → a subquery over
unnest). The store's `dialect` attribute (`dialect_of(store)`) picks the variant. Percentiles over
the per-call latency lists are written `quantile_cont(unnest(turn_latencies_ms), q)`: the builder
reads them from one `unnest` of the lists (agentctl.calls.judge_sql.latency_p95_sql) joined to the
main scan, so no list of every sample of a group is ever built.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

RATE, MEAN, VALUE = "rate", "mean", "value"
MISSING_COLUMN = re.compile(r'Referenced column "([^"]+)" not found')
PG_MISSING_COLUMN = re.compile(r'column "(?:[^"]+\.)?([^"]+)" does not exist')
DUCKDB, POSTGRES = "duckdb", "postgres"
# an aggregate over the elements of a list column: read from one unnest of the lists (see aggregate_query)
UNNESTED = re.compile(r"^(\w+)\(unnest\((\w+)\)(\s*,[^()]*)?\)$")


def explain_failure(exc: BaseException) -> str:
    """What to tell a user when the store cannot compute a metric — never a raw database message for
    the common case of a business field no ingested call has carried yet."""
    text = str(exc)
    missing = MISSING_COLUMN.search(text) or PG_MISSING_COLUMN.search(text)
    if missing:
        return f"no stored call has the field '{missing[1]}' yet (it appears once calls carrying it are ingested)"
    return text.splitlines()[0] if text else type(exc).__name__


def _rate(condition: str) -> str:
    return f"avg(CASE WHEN {condition} THEN 1.0 ELSE 0.0 END)"


def _p(q: float) -> str:
    return f"quantile_cont(unnest(turn_latencies_ms), {q})"


@dataclass(frozen=True)
class Builtin:
    table: str  # "calls" or "tool_calls"
    value: str
    n: str
    kind: str
    where: str = ""  # which rows count (besides tool and agent)
    var: str = ""
    description: str = ""


BUILTINS: dict[str, Builtin] = {
    "tool_success": Builtin("tool_calls", _rate("contract_ok"), "count(*)", RATE, "contract_ok IS NOT NULL",
                            description="share of judged tool calls that met the contract's success criteria"),
    "tool_http_success": Builtin("tool_calls", _rate("http_ok"), "count(*)", RATE,
                                 description="share of tool calls answered with HTTP 2xx (what a naive dashboard shows)"),
    "tool_latency_p95": Builtin("tool_calls", "quantile_cont(latency_ms, 0.95)", "count(latency_ms)", VALUE,
                                description="95th percentile tool latency (ms)"),
    "error_rate": Builtin("calls", _rate("is_error"), "count(*)", RATE, description="share of calls that ended in error"),
    "escalation_rate": Builtin("calls", _rate("escalated"), "count(*)", RATE, description="share of calls handed to a human"),
    "transcription_confidence_mean": Builtin("calls", "avg(transcription_confidence)", "count(transcription_confidence)",
                                             MEAN, var="var_samp(transcription_confidence)",
                                             description="mean ASR confidence"),
    "turn_latency_p50": Builtin("calls", _p(0.5), "sum(len(turn_latencies_ms))", VALUE,
                                description="median agent turn latency (ms)"),
    "turn_latency_p95": Builtin("calls", _p(0.95), "sum(len(turn_latencies_ms))", VALUE,
                                description="95th percentile agent turn latency (ms)"),
    "handle_time_mean": Builtin("calls", "avg(handle_time_s)", "count(handle_time_s)", MEAN,
                                var="var_samp(handle_time_s)", description="mean call duration (s)"),
    "cost_mean": Builtin("calls", "avg(cost_usd)", "count(cost_usd)", MEAN, var="var_samp(cost_usd)",
                         description="mean cost per call (USD)"),
    "conversion_rate": Builtin("calls", "", "count(*)", RATE, description="share of calls whose business `field` is true"),
}
TOOL_BUILTINS = {name for name, b in BUILTINS.items() if b.table == "tool_calls"}
GROUPINGS = ("agent", "day", "version")
DEFAULT_TREND_DAYS = 14


@dataclass(frozen=True)
class MetricDef:
    name: str
    table: str
    value_sql: str
    n_sql: str
    var_sql: str
    kind: str
    where: str
    direction: str
    minimum: float | None
    maximum: float | None
    trend_days: int
    max_relative_drop: float | None
    min_calls: int
    owner: str | None
    runbook: str | None
    tool: str | None
    agents: tuple[str, ...] | None
    description: str

    def applies_to(self, agent: str, agent_tools: Sequence[str] | None = None) -> bool:
        """Whether this metric watches `agent` (a tool metric only watches agents that use the tool)."""
        if self.agents is not None and agent not in self.agents:
            return False
        return not (self.tool and agent_tools is not None and self.tool not in agent_tools)

    def worse(self, value: float, reference: float) -> bool:
        return value < reference if self.direction == "higher_is_better" else value > reference


def metric_defs(config: dict[str, Any]) -> list[MetricDef]:
    """Every metric in agentctl.yaml's `metrics:`, compiled (validation has checked names and SQL)."""
    return [compile_metric(name, spec) for name, spec in (config.get("metrics") or {}).items()]


def compile_metric(name: str, spec: dict[str, Any]) -> MetricDef:
    tool = spec.get("tool")
    builtin = BUILTINS.get(spec.get("builtin") or "")
    if builtin is not None:
        table, value, n, var, kind, where = builtin.table, builtin.value, builtin.n, builtin.var, builtin.kind, builtin.where
        if spec.get("builtin") == "conversion_rate":  # a NULL outcome is pending: neither success nor failure
            field = _ident(spec.get("field") or "converted")
            value, n = f"avg(CASE WHEN {field} THEN 1.0 WHEN NOT {field} THEN 0.0 END)", f"count({field})"
        description = spec.get("description") or builtin.description
    else:
        table, value, n, var, where = "calls", f"({spec.get('sql') or 'NULL'})", "count(*)", "", ""
        kind = spec.get("kind") or VALUE
        if kind == MEAN:  # judged with a per-call variance: avg(x) gives var_samp(x), or variance_sql says it
            x = mean_argument(spec.get("sql") or "")
            n, var = (f"count({x})", f"var_samp({x})") if x else (n, "")
            var = spec.get("variance_sql") or var
            kind = MEAN if var else VALUE
        description = spec.get("description") or ""
    if tool and table == "tool_calls":
        where = " AND ".join(filter(None, [where, f"tool = {_literal(tool)}"]))
    threshold = spec.get("threshold") or {}
    trend = spec.get("trend") or {}
    agents = spec.get("agents")
    return MetricDef(name, table, value, n, var, kind, where, spec.get("direction", "higher_is_better"),
                     threshold.get("min"), threshold.get("max"), int(trend.get("window_days", DEFAULT_TREND_DAYS)),
                     trend.get("max_relative_drop"), int(spec.get("min_calls", 1)), spec.get("owner"),
                     spec.get("runbook"), tool if table == "tool_calls" else None,
                     tuple(agents) if agents else None, description)


@dataclass
class MetricValue:
    metric: str
    environment: str
    agent: str
    group: Any  # the day or bundle version when grouped by one, else None
    value: float | None
    n: int
    variance: float | None  # per observation (see module docstring)
    error: str | None = None  # the store could not compute it (e.g. custom SQL names a field never recorded)

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "environment": self.environment, "agent": self.agent,
                "group": self.group.isoformat() if isinstance(self.group, dt.date) else self.group,
                "value": self.value, "n": self.n, **({"error": self.error} if self.error else {})}


def compute(store: Any, metrics: Sequence[MetricDef], environments: Sequence[str], since: dt.date | None,
            until: dt.date | None, by: str = "agent", agents: Sequence[str] | None = None) -> list[MetricValue]:
    """Values of `metrics` per environment × agent (× day or version) for calls started in [since, until]."""
    out: list[MetricValue] = []
    business = set(store.business_columns())
    for table in ("calls", "tool_calls"):
        group = [m for m in metrics if m.table == table]
        if not group:
            continue
        try:
            out += _run(store, table, group, environments, since, until, by, agents, business)
        except Exception:  # noqa: BLE001 - isolate the metric whose SQL fails; the others still count
            for metric in group:
                try:
                    out += _run(store, table, [metric], environments, since, until, by, agents, business)
                except Exception as exc:  # noqa: BLE001
                    message = explain_failure(exc)
                    out += [MetricValue(metric.name, env, "*", None, None, 0, None, message) for env in environments]
    return out


def _run(store: Any, table: str, metrics: list[MetricDef], environments: Sequence[str], since: dt.date | None,
         until: dt.date | None, by: str, agents: Sequence[str] | None, business: set[str]) -> list[MetricValue]:
    keys = ["environment", "agent"] + {"day": ["day"], "version": ["bundle_version"]}.get(by, [])
    conditions = [f"environment IN ({', '.join('?' for _ in environments)})"]
    params: list[str | dt.date] = list(environments)
    if since is not None:
        conditions.append("day >= ?")
        params.append(since)
    if until is not None:
        conditions.append("day <= ?")
        params.append(until)
    if agents:
        conditions.append(f"agent IN ({', '.join('?' for _ in agents)})")
        params += list(agents)
    sql, query_params = aggregate_query(table, metrics, keys=keys, where=" AND ".join(conditions), params=params,
                                        business=business, order=True, dialect=dialect_of(store))
    rows = store.query(sql, query_params)
    out = []
    width = len(keys)
    for row in rows:
        for i, m in enumerate(metrics):
            value, n, var = row[width + 3 * i], int(row[width + 3 * i + 1] or 0), row[width + 3 * i + 2]
            value = None if value is None or n == 0 else float(value)
            if m.kind == RATE and value is not None:
                var = value * (1 - value)
            out.append(MetricValue(m.name, row[0], row[1], row[2] if width > 2 else None, value, n,
                                   None if var is None else float(var)))
    return out


def aggregate_sql(table: str, metrics: Sequence[MetricDef], *, keys: Sequence[str], where: str,
                  business: set[str] | None = None, order: bool = False, dialect: str = DUCKDB) -> str:
    """The one metric query (see aggregate_query) for a `where` without parameters."""
    return aggregate_query(table, metrics, keys=keys, where=where, business=business, order=order,
                           dialect=dialect)[0]


def aggregate_query(table: str, metrics: Sequence[MetricDef], *, keys: Sequence[str], where: str,
                    params: Sequence[Any] = (), business: set[str] | None = None, order: bool = False,
                    dialect: str = DUCKDB) -> tuple[str, list[Any]]:
    """The one metric query and its parameters: for each metric its value, n and per-observation variance
    (columns v_i, n_i, s_i after `keys`), every metric of `table` in one scan, grouped by `keys`, in the
    SQL of `dialect` ("duckdb" or "postgres").

    Used by `metrics`, daily checks and the canary arms alike. A conversion metric whose business
    field has never been recorded reads as no data (NULL), never as a binder error; pass
    `business` (the store's business columns) to get that. `params` are those of `where`'s `?`s; a
    percentile over a list column reads the window a second time (one unnest of the lists), so
    the returned parameters repeat them.
    """
    selects = []
    lists: dict[str, dict[int, tuple[str, str]]] = {}  # list column → {metric index: (aggregate, filter)}
    for i, m in enumerate(metrics):
        expr = m.value_sql
        n_expr = m.n_sql
        if business is not None and m.table == "calls" and _missing_business(expr, business):
            expr = n_expr = "NULL"  # the field has never been recorded: no data, not an error
        filt = f" FILTER (WHERE {render(m.where, dialect)})" if m.where else ""
        variance = f"{render(m.var_sql, dialect)}{filt}" if m.var_sql else "NULL"
        unnested = UNNESTED.match(expr.strip())
        if unnested:  # its value comes from the unnest subquery below
            function, column, rest = unnested.groups()
            lists.setdefault(column, {})[i] = (f"{function}(latency{rest or ''})", m.where)
        value = "NULL" if unnested else f"{render(expr, dialect)}{filt}"
        selects += [f"{value} AS v{i}", f"{render(n_expr, dialect)}{filt} AS n{i}", f"{variance} AS s{i}"]
    group = ", ".join(keys)
    sql = f"SELECT {group}, {', '.join(selects)} FROM {table} WHERE {where} GROUP BY {group}"
    if not lists:
        return sql + (f" ORDER BY {group}" if order else ""), list(params)
    from agentctl.calls.judge_sql import latency_p95_sql

    picks = {i: f"m.v{i}" for i in range(len(metrics))}
    joins = []
    for j, (column, wanted) in enumerate(lists.items()):
        aggregates, carried = {}, {}
        for i, (aggregate, row_filter) in wanted.items():
            if row_filter:
                carried[f"f{i}"] = row_filter
            aggregates[f"u{i}"] = aggregate + (f" FILTER (WHERE f{i})" if row_filter else "")
            picks[i] = f"l{j}.u{i}"
        samples = render(latency_p95_sql(table, tuple(keys), where, column=column, aggregates=aggregates,
                                         carried=carried), dialect)
        on = " AND ".join(f"l{j}.{k} = m.{k}" for k in keys)
        joins.append(f" LEFT JOIN ({samples}) AS l{j} ON {on}")
    columns = [f"m.{k}" for k in keys] + [c for i in range(len(metrics)) for c in (f"{picks[i]} AS v{i}", f"m.n{i}",
                                                                                  f"m.s{i}")]
    outer = f"SELECT {', '.join(columns)} FROM ({sql}) AS m{''.join(joins)}"
    ordering = f" ORDER BY {', '.join(f'm.{k}' for k in keys)}" if order else ""
    return outer + ordering, list(params) * (1 + len(lists))


def dialect_of(store: Any) -> str:
    """The SQL a store speaks: its `dialect` attribute ("postgres"), else DuckDB's."""
    return str(getattr(store, "dialect", DUCKDB))


def render(sql: str, dialect: str = DUCKDB) -> str:
    """`sql` (DuckDB SQL) in `dialect`: on PostgreSQL, the DuckDB functions it lacks become their equivalents."""
    if dialect == DUCKDB or not sql:
        return sql
    if dialect != POSTGRES:
        raise ValueError(f"unknown SQL dialect '{dialect}'")
    return _rewrite(sql, _POSTGRES_RULES)


def _ordered(function: str, default_q: str | None = None) -> Any:
    def rule(args: list[str]) -> str | None:
        if len(args) == 2:
            value, q = args
        elif len(args) == 1 and default_q is not None:
            value, q = args[0], default_q
        else:
            return None
        return f"{function}({q}) WITHIN GROUP (ORDER BY {value})"
    return rule


def _over_elements(aggregate: str) -> Any:
    return lambda args: f"(SELECT {aggregate}(e) FROM unnest({args[0]}) AS e)" if len(args) == 1 else None


_POSTGRES_RULES: dict[str, Any] = {
    "quantile_cont": _ordered("percentile_cont"),
    "quantile_disc": _ordered("percentile_disc"),
    "quantile": _ordered("percentile_disc"),
    "median": _ordered("percentile_cont", "0.5"),
    "len": lambda args: f"cardinality({args[0]})" if len(args) == 1 else None,
    "array_length": lambda args: f"cardinality({args[0]})" if len(args) == 1 else None,
    "list_avg": _over_elements("avg"),
    "list_sum": _over_elements("sum"),
    "list_min": _over_elements("min"),
    "list_max": _over_elements("max"),
}


def _rewrite(sql: str, rules: dict[str, Any]) -> str:
    """Replace calls of the functions in `rules` (outside quoted text), innermost arguments first."""
    out: list[str] = []
    i, size = 0, len(sql)
    while i < size:
        ch = sql[i]
        if ch in ("'", '"'):
            end = _quote_end(sql, i)
            out.append(sql[i:end])
            i = end
            continue
        if ch.isalpha() or ch == "_":
            j = i
            while j < size and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            word = sql[i:j]
            k = j
            while k < size and sql[k].isspace():
                k += 1
            rule = rules.get(word.lower())
            if rule is not None and k < size and sql[k] == "(" and (i == 0 or sql[i - 1] != "."):
                close = _paren_end(sql, k)
                if close is not None:
                    replaced = rule([_rewrite(arg.strip(), rules) for arg in _split_args(sql[k + 1:close])])
                    if replaced is not None:
                        out.append(replaced)
                        i = close + 1
                        continue
            out.append(word)
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _quote_end(sql: str, start: int) -> int:
    quote, i = sql[start], start + 1
    while i < len(sql):
        if sql[i] == quote:
            if i + 1 < len(sql) and sql[i + 1] == quote:  # '' inside a string
                i += 2
                continue
            return i + 1
        i += 1
    return len(sql)


def _outside_quotes(sql: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """Each character of `sql` from `start` outside quoted strings, with the parenthesis depth after it."""
    depth, i = 0, start
    while i < len(sql):
        ch = sql[i]
        if ch in ("'", '"'):
            i = _quote_end(sql, i)
            continue
        depth += 1 if ch == "(" else -1 if ch == ")" else 0
        yield i, ch, depth
        i += 1


def _paren_end(sql: str, start: int) -> int | None:
    """Where the parenthesis opened at `start` closes."""
    return next((i for i, ch, depth in _outside_quotes(sql, start) if ch == ")" and depth == 0), None)


def _split_args(text: str) -> list[str]:
    args, start = [], 0
    for i, ch, depth in _outside_quotes(text):
        if ch == "," and depth == 0:
            args.append(text[start:i])
            start = i + 1
    args.append(text[start:])
    return args if any(a.strip() for a in args) else []


def _missing_business(sql: str, business: set[str]) -> bool:
    """True when a conversion expression names a field the store has no column for yet."""
    return False if not sql.startswith('avg(CASE WHEN "') else sql.split('"')[1] not in business


def mean_argument(sql: str) -> str | None:
    """`x` when `sql` is exactly avg(x) (one plain call, no DISTINCT or FILTER), else None."""
    text = sql.strip()
    match = re.fullmatch(r"(?is)avg\s*\((.*)\)", text)
    if not match or re.match(r"(?i)\s*distinct\b", match[1]):
        return None
    depth = 0
    for char in match[1]:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:  # avg(a) + avg(b): the first ")" closes avg
            return None
    return match[1].strip() if depth == 0 and match[1].strip() else None


def _ident(name: str) -> str:
    return '"' + name.replace('"', "") + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
