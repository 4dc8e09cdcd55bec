"""`agentctl check daily`: every metric of every agent for one day, against thresholds and trend."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from agentctl import clock
from agentctl.analysis.daily import (
    DailyReport,
    DayPoint,
    Finding,
    render_markdown,
    threshold_breach,
    trend_stat,
    trend_verdict,
)
from agentctl.ops.metrics import monitored_environments, parse_day, threshold_text


def default_day(config: dict[str, Any]) -> dt.date:
    """Yesterday in the team's timezone: the last complete day."""
    from zoneinfo import ZoneInfo

    tz = (config.get("policy") or {}).get("timezone")
    now = clock.now().astimezone(ZoneInfo(tz)) if tz else clock.now()
    return now.date() - dt.timedelta(days=1)


def check_daily(root: Path, *, date: str | None = None, env: str | None = None, post: bool = True,
                markdown_path: Path | None = None) -> DailyReport:
    """Check the day `date` (default yesterday); post findings to the webhook named by alerts.webhook_env.

    A metric without data for the day is a finding ("no-data"): silence is not health.
    Tool calls nobody could judge (no contract, or no response body recorded) are findings too. The caller exits 1 when
    `report.ok` is False; a webhook failure is recorded in `report.webhook`, never raised.
    """
    from agentctl.analysis.metrics import compute, metric_defs
    from agentctl.calls.store import open_store
    from agentctl.model.workspace import load_workspace

    ws = load_workspace(root)
    config = ws.config.data
    day = parse_day(date) if date else default_day(config)
    assert day is not None
    envs = monitored_environments(config, env)
    defs = metric_defs(config)
    longest = max([m.trend_days for m in defs], default=14)
    store = open_store(root, config, read_only=True)
    try:
        values = compute(store, defs, envs, day - dt.timedelta(days=longest + 3), day, by="day")
        # every tool call nobody could judge is reported: no contract, or no response body to judge
        unjudged = store.query("SELECT environment, agent, tool, reasons, count(*) FROM tool_calls WHERE day = ? "
                               f"AND contract_ok IS NULL AND environment IN ({', '.join('?' for _ in envs)}) "
                               "GROUP BY ALL ORDER BY ALL", [day, *envs])
    finally:
        store.close()
    series: dict[tuple[str, str, str], dict[dt.date, DayPoint]] = {}
    errors: dict[tuple[str, str], str] = {}
    for v in values:
        if v.error:
            errors[(v.metric, v.environment)] = v.error
        elif v.value is not None:
            series.setdefault((v.metric, v.environment, v.agent), {})[v.group] = DayPoint(v.value, v.n, v.variance)
    report = DailyReport(day.isoformat(), envs)
    pending = []
    for environment in envs:
        for agent_name, agent in sorted(ws.agents.items()):
            tools = [t.contract for t in agent.tools]
            for metric in defs:
                if not metric.applies_to(agent_name, tools):
                    continue
                points = series.get((metric.name, environment, agent_name), {})
                pending.append((metric, environment, agent_name, points, trend_stat(metric, points, day)))
    tests = sum(1 for *_, stat in pending if stat is not None)
    for metric, environment, agent_name, points, stat in pending:
        report.findings.append(_finding(metric, environment, agent_name, points.get(day), stat, tests,
                                        errors.get((metric.name, environment))))
    for environment, agent_name, tool, reason, count in unjudged:
        if reason == "no contract":
            detail = f"tool {tool} has no contract: {count} call(s) not judged"
            owner = ws.config.owner_of("agents", agent_name)
        else:
            detail = (f"tool {tool}: {count} call(s) {reason} — record the response body (or the fields the success "
                      "criteria need) so success is judged, not assumed")
            owner = ws.config.owner_of("tools", tool) or ws.config.owner_of("agents", agent_name)
        report.findings.append(Finding(f"contract:{tool}", environment, agent_name, None, int(count), "—", "—", "finding",
                                       owner, None, detail))
    mention = _mention(config)
    if markdown_path is not None:
        markdown_path.parent.mkdir(parents=True, exist_ok=True)
        markdown_path.write_text(render_markdown(report), "utf-8")
        report.markdown_file = str(markdown_path)
    webhook_env = (config.get("alerts") or {}).get("webhook_env")
    if post and webhook_env and not report.ok:
        report.webhook = _post(os.environ.get(webhook_env), webhook_env, report, mention)
    return report


def _finding(metric: Any, environment: str, agent: str, today: DayPoint | None, stat: Any, tests: int,
             error: str | None) -> Finding:
    threshold = threshold_text(metric.minimum, metric.maximum)
    verdict = trend_verdict(metric, stat, tests)
    base = dict(metric=metric.name, environment=environment, agent=agent, threshold=threshold, owner=metric.owner,
                runbook=metric.runbook, trend_stat=stat)
    if today is None or today.n < metric.min_calls:
        n = today.n if today else 0
        why = error or (f"only {n} observation(s), fewer than min_calls {metric.min_calls}" if n else
                        "no data for the day: is the agent silent, or are calls not being ingested?")
        return Finding(value=today.value if today else None, n=n, trend=verdict, status="no-data", detail=why, **base)
    problems = []
    crossed = threshold_breach(metric, today.value)
    if crossed:
        problems.append(f"{_fmt(today.value)} is {crossed}")
    if verdict in ("drift", "drop") and stat is not None:
        problems.append(f"{verdict}: last 3 days {_fmt(stat.recent)} vs {metric.trend_days}-day baseline "
                        f"{_fmt(stat.baseline)} ({stat.relative_change:+.1%} worse, p={stat.p:.2g})")
    return Finding(value=today.value, n=today.n, trend=verdict, status="breach" if problems else "ok",
                   detail="; ".join(problems), **base)


def _fmt(value: float) -> str:
    from agentctl.analysis.daily import format_value

    return format_value(value)


def _mention(config: dict[str, Any]) -> Any:
    from agentctl.alerts import mention_for

    return mention_for(config.get("people") or {})


def _post(url: str | None, env_name: str, report: DailyReport, mention: Any) -> dict[str, Any]:
    from agentctl.alerts import build_payload, post_webhook

    if not url:
        return {"ok": False, "status": None, "error": f"{env_name} is not set; nothing was posted"}
    title = f"agentctl daily check {report.date}: {len(report.breached)} finding(s)"
    lines = [f"*{f.metric}* · {f.agent} · {f.environment}: {f.status} — {f.detail or f.status} "
             f"(owner {mention(f.owner)}{', runbook ' + f.runbook if f.runbook else ''})" for f in report.breached]
    return post_webhook(url, build_payload(title, render_markdown(report, mention), lines)).to_dict()
