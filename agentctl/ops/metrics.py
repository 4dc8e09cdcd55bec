"""`agentctl metrics`: the metrics declared in agentctl.yaml, computed from the call store."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from agentctl import clock
from agentctl.analysis.metrics import GROUPINGS, compute, metric_defs
from agentctl.errors import BadInputError
from agentctl.repo import RepoLike, as_repo


@dataclass
class MetricRow:
    metric: str
    environment: str
    agent: str
    group: str | None
    value: float | None
    n: int
    threshold: str
    status: str  # ok | breach | no-data
    owner: str | None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class MetricsReport:
    environments: list[str]
    since: str | None
    until: str | None
    by: str
    rows: list[MetricRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"environments": self.environments, "since": self.since, "until": self.until, "by": self.by,
                "rows": [r.to_dict() for r in self.rows]}


def monitored_environments(config: dict[str, Any], env: str | None) -> list[str]:
    """`env` when given, else every production environment, else the default environment."""
    envs = config.get("environments") or {}
    if env is not None:
        if env not in envs:
            raise BadInputError(f"no environment named '{env}'", f"use one of: {', '.join(sorted(envs))}")
        return [env]
    production = [name for name, spec in envs.items() if spec.get("production")]
    return production or [config.get("default_environment") or next(iter(envs))]


def parse_day(text: str | None, *, today: dt.date | None = None) -> dt.date | None:
    """A date (2026-03-01), `today`, `yesterday`, or a span back from today (`7d`, `2w`)."""
    if text is None:
        return None
    today = today or clock.now().date()
    lowered = text.strip().lower()
    if lowered == "today":
        return today
    if lowered == "yesterday":
        return today - dt.timedelta(days=1)
    match = re.fullmatch(r"(\d+)([dw])", lowered)
    if match:
        return today - dt.timedelta(days=int(match[1]) * (7 if match[2] == "w" else 1))
    try:
        return dt.date.fromisoformat(lowered)
    except ValueError:
        raise BadInputError(f"cannot read the date {text!r}", "write 2026-03-01, yesterday or 7d") from None


def threshold_text(minimum: float | None, maximum: float | None) -> str:
    parts = ([f"≥ {minimum:g}"] if minimum is not None else []) + ([f"≤ {maximum:g}"] if maximum is not None else [])
    return ", ".join(parts) or "—"


def show_metrics(repo: RepoLike, agent: str | None = None, *, env: str | None = None, since: str | None = "7d",
                 until: str | None = None, by: str = "agent") -> MetricsReport:
    """Every declared metric per environment and agent (optionally per day or bundle version)."""
    repo = as_repo(repo)

    if by not in GROUPINGS:
        raise BadInputError(f"cannot group by '{by}'", f"use one of: {', '.join(GROUPINGS)}")
    ws = repo.agents  # agentctl.yaml and agent definitions: no prompt, contract or released bundle is read
    if agent is not None:
        ws.agent(agent)
    envs = monitored_environments(ws.config.data, env)
    first, last = parse_day(since), parse_day(until)
    defs = {m.name: m for m in metric_defs(ws.config.data)}
    with repo:
        values = compute(repo.calls(), list(defs.values()), envs, first, last, by, [agent] if agent else None)
    report = MetricsReport(envs, first.isoformat() if first else None, last.isoformat() if last else None, by)
    for v in values:
        m = defs[v.metric]
        if v.agent != "*" and not m.applies_to(v.agent):
            continue
        status = "no-data" if v.value is None or v.n < m.min_calls else (
            "breach" if (m.minimum is not None and v.value < m.minimum) or (m.maximum is not None and v.value > m.maximum)
            else "ok")
        group = v.group.isoformat() if isinstance(v.group, dt.date) else (None if v.group is None else str(v.group))
        report.rows.append(MetricRow(v.metric, v.environment, v.agent, group, v.value, v.n,
                                     threshold_text(m.minimum, m.maximum), status, m.owner, v.error))
    order = list(defs)
    report.rows.sort(key=lambda r: (r.environment, r.agent, order.index(r.metric), r.group or ""))
    return report
