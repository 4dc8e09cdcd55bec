"""What the weekly and daily rhythms left behind, read tolerantly: the report works before they exist.

- weekly reviews: `reviews/<week>/<agent>.yaml`; a closed review has `summary: {overall, criteria: {id: 0..1}}`;
- the improvement backlog: `backlog.yaml` with `items: [{id, agent, pattern, occurrences, impact, priority,
  owner, status}]`;
- daily-check findings, recomputed per day of the month with the daily check's own rules
  (agentctl/analysis/daily.py), and their acknowledgements on `refs/agentctl/checks`
  (`acks/<finding-id>.json`: finding, by, at, note).
Anything missing or unreadable becomes a note ("no weekly reviews yet"), never an error.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.store.refs import CHECKS_REF

CLOSED_STATUSES = frozenset({"done", "closed", "fixed", "wontfix", "won't fix", "rejected"})
PRIORITY_ORDER = ("p0", "p1", "p2", "p3", "critical", "high", "medium", "low")


def _yaml(path: Path) -> Any:
    from ruamel.yaml import YAML

    try:
        return YAML(typ="safe").load(path.read_text("utf-8"))
    except Exception:  # noqa: BLE001 - a broken file is reported as unreadable, not raised
        return None


@dataclass
class ReviewWeek:
    week: str  # the folder name, e.g. 2026-W45
    overall: float | None
    criteria: dict[str, float]
    calls: int
    closed: bool


@dataclass
class Reviews:
    weeks: list[ReviewWeek] = field(default_factory=list)
    note: str = ""


def weekly_reviews(root: Path, agent: str, weeks: Sequence[str] | None = None) -> Reviews:
    """Closed reviews' summary scores per week (oldest first); open ones count their sampled calls only."""
    folder = root / "reviews"
    files = sorted(folder.glob(f"*/{agent}.yaml")) if folder.is_dir() else []
    if not files:
        return Reviews(note="no weekly reviews yet")
    out = Reviews()
    unreadable = []
    for path in files:
        week = path.parent.name
        if weeks is not None and week not in weeks:
            continue
        data = _yaml(path)
        if not isinstance(data, dict):
            unreadable.append(f"reviews/{week}/{agent}.yaml")
            continue
        summary = data.get("summary") if isinstance(data.get("summary"), dict) else None
        criteria = {}
        for key, value in ((summary or {}).get("criteria") or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                criteria[str(key)] = float(value)
        overall = (summary or {}).get("overall")
        sampled = data.get("calls")
        calls: list[Any] = sampled if isinstance(sampled, list) else []
        out.weeks.append(ReviewWeek(week, float(overall) if isinstance(overall, (int, float)) else None, criteria,
                                    len(calls), summary is not None))
    if not out.weeks:
        out.note = "no weekly reviews in this period"
    elif not any(w.closed for w in out.weeks):
        out.note = "weekly reviews are open: no closed review has summary scores yet"
    if unreadable:
        out.note = (out.note + "; " if out.note else "") + f"unreadable: {', '.join(unreadable)}"
    return out


@dataclass
class BacklogItem:
    id: str
    agent: str
    pattern: str
    occurrences: int
    impact: str
    priority: str
    owner: str
    status: str


@dataclass
class Backlog:
    open_items: list[BacklogItem] = field(default_factory=list)
    by_priority: dict[str, int] = field(default_factory=dict)
    closed: int = 0
    note: str = ""


def backlog(root: Path, agents: Sequence[str]) -> Backlog:
    path = root / "backlog.yaml"
    if not path.is_file():
        return Backlog(note="no backlog yet (backlog.yaml is created by the weekly review)")
    data = _yaml(path)
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return Backlog(note="backlog.yaml has no readable `items:` list")
    out = Backlog()
    for raw in items:
        if not isinstance(raw, dict) or (raw.get("agent") and raw.get("agent") not in agents):
            continue
        status = str(raw.get("status") or "open")
        if status.lower() in CLOSED_STATUSES:
            out.closed += 1
            continue
        occurrences = raw.get("occurrences")
        item = BacklogItem(str(raw.get("id", "?")), str(raw.get("agent") or "—"), str(raw.get("pattern") or ""),
                           occurrences if isinstance(occurrences, int) else 0, str(raw.get("impact") or ""),
                           str(raw.get("priority") or "unset"), str(raw.get("owner") or "—"), status)
        out.open_items.append(item)
    rank = {p: i for i, p in enumerate(PRIORITY_ORDER)}
    out.open_items.sort(key=lambda i: (rank.get(i.priority.lower(), len(rank)), i.priority, -i.occurrences, i.id))
    for item in out.open_items:
        out.by_priority[item.priority] = out.by_priority.get(item.priority, 0) + 1
    if not out.open_items:
        out.note = "no open backlog items"
    return out


@dataclass
class Ack:
    finding: str
    by: str
    at: dt.datetime
    note: str


def acknowledgements(root: Path) -> tuple[dict[str, Ack], str]:
    """Acks on refs/agentctl/checks keyed by finding id, and a note when there are none."""
    from agentctl.clock import parse_iso
    from agentctl.store.refstore import RefStore

    store = RefStore(root, CHECKS_REF)
    head = store.head()
    if head is None:
        return {}, "no acknowledgements recorded yet (refs/agentctl/checks does not exist)"
    paths = [p for p in store.list_at(head, "acks/") if p.endswith(".json")]
    acks: dict[str, Ack] = {}
    for path, raw in store.read_many_at(head, paths).items():
        try:
            data = json.loads(raw or b"")
            finding = str(data.get("finding") or Path(path).stem)
            # `check ack` records ENV/AGENT/CHECK plus the day it covers; the report's findings are per day
            key = f"{data['day']}/{finding}" if data.get("day") else finding
            ack = Ack(key, str(data.get("by") or "?"), parse_iso(data["at"]), str(data.get("note") or ""))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        acks[key] = ack
    return acks, "" if acks else "no acknowledgements recorded yet"


@dataclass
class CheckFinding:
    id: str  # <day>/<env>/<agent>/<metric>
    day: dt.date
    environment: str
    agent: str
    metric: str
    value: float | None
    problem: str
    owner: str | None
    acked_by: str | None = None
    hours_to_ack: float | None = None  # from the morning check (09:00 the next day, team timezone)


def daily_findings(store: Any, config: dict[str, Any], environments: Sequence[str], agents: dict[str, Sequence[str]],
                   first: dt.date, last: dt.date) -> list[CheckFinding]:
    """For every day in [first, last]: each metric that crossed its threshold or drifted against its own trend,
    judged with the daily check's rules (thresholds, trend test, Bonferroni over the day's tests)."""
    from agentctl.analysis.daily import DayPoint, format_value, threshold_breach, trend_stat, trend_verdict
    from agentctl.analysis.metrics import compute, metric_defs

    defs = metric_defs(config)
    if not defs:
        return []
    longest = max(m.trend_days for m in defs)
    values = compute(store, defs, environments, first - dt.timedelta(days=longest + 3), last, by="day",
                     agents=list(agents))
    series: dict[tuple[str, str, str], dict[dt.date, DayPoint]] = {}
    for v in values:
        if v.value is not None and not v.error:
            series.setdefault((v.metric, v.environment, v.agent), {})[v.group] = DayPoint(v.value, v.n, v.variance)
    out = []
    day = first
    while day <= last:
        pending = []
        for env in environments:
            for agent, tools in agents.items():
                for metric in defs:
                    if metric.applies_to(agent, tools):
                        points = series.get((metric.name, env, agent), {})
                        pending.append((metric, env, agent, points.get(day), trend_stat(metric, points, day)))
        tests = sum(1 for *_, stat in pending if stat is not None)
        for metric, env, agent, today, stat in pending:
            if today is None or today.n < metric.min_calls:
                continue
            problems = []
            crossed = threshold_breach(metric, today.value)
            if crossed:
                problems.append(f"{format_value(today.value)} is {crossed}")
            verdict = trend_verdict(metric, stat, tests)
            if verdict in ("drift", "drop") and stat is not None:
                problems.append(f"{verdict} vs {metric.trend_days}-day baseline {format_value(stat.baseline)}")
            if problems:
                out.append(CheckFinding(f"{day.isoformat()}/{env}/{agent}/{metric.name}", day, env, agent, metric.name,
                                        today.value, "; ".join(problems), metric.owner))
        day += dt.timedelta(days=1)
    return out


def attach_acks(findings: list[CheckFinding], acks: dict[str, Ack], tz: Any) -> None:
    """Fill who acknowledged each finding and how many hours after the morning check."""
    for finding in findings:
        ack = acks.get(finding.id) or acks.get(finding.id.replace("/", ":"))
        if ack is None:
            continue
        checked = dt.datetime.combine(finding.day + dt.timedelta(days=1), dt.time(9, 0), tzinfo=tz)
        finding.acked_by = ack.by
        finding.hours_to_ack = round(max(0.0, (ack.at - checked).total_seconds() / 3600), 1)
