"""`agentctl check daily|ack`: every metric of every agent for one day — pooled and per bundle version —
against thresholds and trend, the silent-failure gap of every tool, and the on-call's acknowledgements.

Finding ids are stable across days (`<env>/<agent>/<check>`, e.g. `production/install-reminder/sms_success@v2`),
so an acknowledgement recorded with `check ack` is shown by the next morning's check, and a finding
that is still open the next morning without one is repeated with the owner's escalation contact tagged.
Acknowledgements live on the ref refs/agentctl/checks as acks/<finding-id>.json.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl import clock
from agentctl.alerts import build_payload, finding_line, mention_for, post_webhook
from agentctl.analysis.daily import (
    ALPHA,
    MIN_RELATIVE_CHANGE,
    DailyReport,
    DayPoint,
    Finding,
    TrendStat,
    format_value,
    render_markdown,
    threshold_breach,
    trend_stat,
    trend_verdict,
)
from agentctl.analysis.metrics import RATE, compute, metric_defs
from agentctl.errors import BadInputError, GitError, PolicyRefused
from agentctl.model import layout
from agentctl.ops.metrics import monitored_environments, parse_day, threshold_text
from agentctl.repo import as_repo
from agentctl.runbooks.book import load_all, runbook_name
from agentctl.store.refs import CHECKS_REF
from agentctl.store.refstore import Author, Change, RefStore

if TYPE_CHECKING:
    from agentctl.analysis.metrics import MetricDef
    from agentctl.calls.store import CallStore
    from agentctl.model.artifacts import Config
    from agentctl.repo import ConfigRepo
    from agentctl.runbooks.book import Runbook

DEFAULT_GAP_TOLERANCE = 0.01
DEFAULT_ONCALL_ROLE = "oncall"
FINDING_ID = re.compile(r"^([a-z0-9][a-z0-9-]*)/([a-z0-9][a-z0-9-]*)/([A-Za-z0-9_.:@-]+)$")


def default_day(config: dict[str, Any]) -> dt.date:
    """Yesterday in the team's timezone: the last complete day."""
    from zoneinfo import ZoneInfo

    tz = (config.get("policy") or {}).get("timezone")
    now = clock.now().astimezone(ZoneInfo(tz)) if tz else clock.now()
    return now.date() - dt.timedelta(days=1)


@dataclass
class _DayData:
    """What the store says about one day, beyond the per-day series."""

    versions: dict[tuple[str, str, str], dict[int, DayPoint]]  # (metric, env, agent) → version → point
    unjudged: list[tuple[Any, ...]]
    gaps: list[tuple[Any, ...]]


def check_daily(repo: ConfigRepo | Path | str | None, *, date: str | None = None, env: str | None = None,
                post: bool = True, markdown_path: Path | None = None) -> DailyReport:
    """Check the day `date` (default yesterday); post findings to the webhook named by alerts.webhook_env.

    Every metric is judged pooled over all bundle versions and, when more than one version took
    calls that day, per version (threshold, and for rates a test against the other versions): a 10%
    canary's regression is a finding even when the pool looks fine. Each tool's share of calls that
    got HTTP 2xx but failed the contract's success criteria is a finding of its own above
    `on_call.gap_tolerance`. A metric without data is a finding ("no-data"): silence is not health.
    Reads agentctl.yaml and the agent definitions only, not the whole workspace. The caller exits 1
    when `report.ok` is False; a webhook failure is recorded in `report.webhook`, never raised.
    """
    handle = as_repo(repo)
    try:
        return _check(handle, date, env, post, markdown_path)
    finally:
        if handle is not repo:
            handle.close()


def _check(repo: ConfigRepo, date: str | None, env: str | None, post: bool, markdown_path: Path | None) -> DailyReport:
    config = repo.config.data
    day = parse_day(date) if date else default_day(config)
    assert day is not None
    yesterday = day - dt.timedelta(days=1)
    envs = monitored_environments(config, env)
    defs = metric_defs(config)
    longest = max([m.trend_days for m in defs], default=14)
    store = repo.calls(read_only=True)
    values = compute(store, defs, envs, day - dt.timedelta(days=longest + 3), day, by="day")
    data = {d: _day_data(store, defs, envs, d) for d in (day, yesterday)}
    series: dict[tuple[str, str, str], dict[dt.date, DayPoint]] = {}
    errors: dict[tuple[str, str], str] = {}
    for v in values:
        if v.error:
            errors[(v.metric, v.environment)] = v.error
        elif v.value is not None:
            series.setdefault((v.metric, v.environment, v.agent), {})[v.group] = DayPoint(v.value, v.n, v.variance)
    agents = _agents(repo)
    books = _runbooks(repo.root)
    findings = _evaluate(day, data[day], repo.config, defs, envs, agents, series, errors, books)
    open_yesterday = {f.id: f.status for f in _evaluate(yesterday, data[yesterday], repo.config, defs, envs, agents,
                                                        series, errors, books) if f.status != "ok"}
    report = DailyReport(day.isoformat(), envs, findings)
    _annotate(repo, report, yesterday, open_yesterday)
    mention = _mention(config)
    if markdown_path is not None:
        markdown_path.parent.mkdir(parents=True, exist_ok=True)
        markdown_path.write_text(render_markdown(report, mention), "utf-8")
        report.markdown_file = str(markdown_path)
    webhook_env = (config.get("alerts") or {}).get("webhook_env")
    if post and webhook_env and not report.ok:
        report.webhook = _post(os.environ.get(webhook_env), webhook_env, report, mention)
    return report


def _day_data(store: CallStore, defs: list[MetricDef], envs: list[str], day: dt.date) -> _DayData:
    versions: dict[tuple[str, str, str], dict[int, DayPoint]] = {}
    for v in compute(store, defs, envs, day, day, by="version"):
        if v.value is not None and not v.error:
            versions.setdefault((v.metric, v.environment, v.agent), {})[int(v.group)] = DayPoint(v.value, v.n, v.variance)
    marks = ", ".join("?" for _ in envs)
    # every tool call nobody could judge is reported: no contract, or no response body to judge
    unjudged = store.query("SELECT environment, agent, tool, reasons, count(*) FROM tool_calls WHERE day = ? "
                           f"AND contract_ok IS NULL AND environment IN ({marks}) GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4, 5",
                           [day, *envs])
    gaps = store.query("SELECT environment, agent, tool, bundle_version, count(contract_ok), "
                       "count(*) FILTER (WHERE http_ok AND contract_ok = false) FROM tool_calls WHERE day = ? "
                       f"AND environment IN ({marks}) GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4, 5, 6", [day, *envs])
    return _DayData(versions, unjudged, gaps)


def _agents(repo: ConfigRepo) -> dict[str, list[str]]:
    """Agent name → the tool contracts its definition uses (the handle's config-and-agents view, not the
    whole workspace). An agent whose agent.yaml does not validate is still watched, with no tools: its
    calls keep coming."""
    ws = repo.agents
    out = {name: [tool.contract for tool in agent.tools] for name, agent in ws.agents.items()}
    for diagnostic in ws.diagnostics:
        parts = diagnostic.file.split("/")
        if diagnostic.is_error and len(parts) == 3 and parts[0] == layout.BUNDLES_DIR and parts[2] == layout.AGENT_FILE:
            out.setdefault(parts[1], [])
    return dict(sorted(out.items()))


def _runbooks(root: Path) -> dict[str, Runbook]:
    return load_all(root)[0]


def _evaluate(day: dt.date, data: _DayData, config: Config, defs: list[MetricDef], envs: list[str],
              agents: dict[str, list[str]], series: dict[tuple[str, str, str], dict[dt.date, DayPoint]],
              errors: dict[tuple[str, str], str], books: dict[str, Runbook]) -> list[Finding]:
    pending = []
    for environment in envs:
        for agent_name, tools in sorted(agents.items()):
            for metric in defs:
                if metric.applies_to(agent_name, tools):
                    points = series.get((metric.name, environment, agent_name), {})
                    pending.append((metric, environment, agent_name, points, trend_stat(metric, points, day)))
    tests = sum(1 for *_, stat in pending if stat is not None)
    findings = []
    for metric, environment, agent_name, points, stat in pending:
        finding = _finding(metric, environment, agent_name, points.get(day), stat, tests,
                           errors.get((metric.name, environment)))
        findings.append(_link(finding, _metric_runbook(books, metric.name, metric.runbook), metric.tool))
        findings += [_link(f, _metric_runbook(books, metric.name, metric.runbook), metric.tool)
                     for f in _per_version(metric, environment, agent_name,
                                           data.versions.get((metric.name, environment, agent_name), {}))]
    for environment, agent_name, tool, reason, count in data.unjudged:
        if reason == "no contract":
            detail = f"tool {tool} has no contract: {count} call(s) not judged"
            owner = config.owner_of("agents", agent_name)
        else:
            detail = (f"tool {tool}: {count} call(s) {reason} — record the response body (or the fields the success "
                      "criteria need) so success is judged, not assumed")
            owner = config.owner_of("tools", tool) or config.owner_of("agents", agent_name)
        findings.append(_link(Finding(f"contract:{tool}", environment, agent_name, None, int(count), "—", "—", "finding",
                                      owner, None, detail), _event_runbook(books, "contract-not-judged", tool), tool))
    findings += [_link(f, _event_runbook(books, "silent-failure-gap", f.metric.split(".", 1)[1]), f.metric.split(".", 1)[1])
                 for f in _gaps(data.gaps, config)]
    return findings


def _finding(metric: MetricDef, environment: str, agent: str, today: DayPoint | None, stat: TrendStat | None,
             tests: int, error: str | None) -> Finding:
    threshold = threshold_text(metric.minimum, metric.maximum)
    verdict = trend_verdict(metric, stat, tests)
    base: dict[str, Any] = dict(metric=metric.name, environment=environment, agent=agent, threshold=threshold, owner=metric.owner,
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


def _per_version(metric: MetricDef, environment: str, agent: str, versions: dict[int, DayPoint]) -> list[Finding]:
    """One finding per bundle version when several took calls: threshold, and (rates) worse than the others."""
    live = {v: p for v, p in versions.items() if p.n > 0}
    if len(live) < 2:
        return []
    out = []
    threshold = threshold_text(metric.minimum, metric.maximum)
    for version, point in sorted(live.items()):
        name = f"{metric.name}@v{version}"
        base: dict[str, Any] = dict(metric=name, environment=environment, agent=agent, threshold=threshold, owner=metric.owner,
                    runbook=metric.runbook, version=version)
        if point.n < metric.min_calls:
            out.append(Finding(value=point.value, n=point.n, trend="—", status="ok",
                               detail=f"only {point.n} observation(s) for v{version}", **base))
            continue
        problems = []
        crossed = threshold_breach(metric, point.value)
        if crossed:
            problems.append(f"v{version}: {_fmt(point.value)} is {crossed}")
        if metric.kind == RATE:
            rest = [p for v, p in live.items() if v != version]
            rest_n = sum(p.n for p in rest)
            rest_value = sum(p.value * p.n for p in rest) / rest_n
            p_value, relative = _versus(metric, point, rest_value, rest_n)
            if p_value < ALPHA / len(live) and relative >= MIN_RELATIVE_CHANGE:
                problems.append(f"v{version}: {_fmt(point.value)} vs {_fmt(rest_value)} on the other version(s) "
                                f"({relative:+.1%} worse, p={p_value:.2g})")
        if problems:
            problems.append("a canary's regression, whatever the pooled value says")
        out.append(Finding(value=point.value, n=point.n, trend="—", status="breach" if problems else "ok",
                           detail="; ".join(problems), **base))
    return out


def _versus(metric: MetricDef, point: DayPoint, rest_value: float, rest_n: int) -> tuple[float, float]:
    """One-sided two-proportion test of one version against the others (pooled Jeffreys-smoothed null)."""
    events = point.value * point.n + rest_value * rest_n
    pooled = (events + 0.5) / (point.n + rest_n + 1.0)
    sd = math.sqrt(pooled * (1 - pooled) * (1 / point.n + 1 / rest_n))
    gap = (rest_value - point.value) if metric.direction == "higher_is_better" else (point.value - rest_value)
    z = gap / sd if sd > 0 else 0.0
    relative = gap / abs(rest_value) if rest_value else (math.inf if gap > 0 else 0.0)
    return 0.5 * math.erfc(z / math.sqrt(2)), relative


def _gaps(rows: list[tuple[Any, ...]], config: Config) -> list[Finding]:
    """Per tool: the share of judged calls that got HTTP 2xx yet failed the success criteria."""
    tolerance = float((config.data.get("on_call") or {}).get("gap_tolerance", DEFAULT_GAP_TOLERANCE))
    grouped: dict[tuple[str, str, str], dict[int, tuple[int, int]]] = {}
    for environment, agent, tool, version, judged, silent in rows:
        grouped.setdefault((environment, agent, tool), {})[int(version)] = (int(judged), int(silent))
    out = []
    for (environment, agent, tool), by_version in sorted(grouped.items()):
        judged = sum(j for j, _ in by_version.values())
        silent = sum(s for _, s in by_version.values())
        if not judged:
            continue
        share = silent / judged
        detail = ""
        if share > tolerance:
            parts = [f"v{v} {s / j:.1%}" for v, (j, s) in sorted(by_version.items()) if j]
            detail = (f"{tool}: {silent} of {judged} judged call(s) ({share:.1%}) answered HTTP 2xx but failed the "
                      f"contract's success criteria — the silent-failure signature"
                      + (f"; by version: {', '.join(parts)}" if len(parts) > 1 else ""))
        out.append(Finding(f"silent-gap.{tool}", environment, agent, share, judged, f"≤ {tolerance:.0%}", "—",
                           "breach" if detail else "ok", config.owner_of("tools", tool) or config.owner_of("agents", agent),
                           None, detail))
    return out


def _metric_runbook(books: dict[str, Runbook], metric: str, ref: str | None) -> Runbook | None:
    if ref and runbook_name(ref) in books:
        return books[runbook_name(ref)]
    base = metric.split("@", 1)[0]
    return next((b for b in books.values() if b.triggered_by(metric=base)), None)


def _event_runbook(books: dict[str, Runbook], event: str, tool: str) -> Runbook | None:
    return (next((b for b in books.values() if b.triggered_by(event=event)), None)
            or next((b for b in books.values() if b.triggered_by(tool=tool)), None))


def _link(finding: Finding, book: Runbook | None, tool: str | None = None) -> Finding:
    """Give a finding its id and its runbook's name, owner and first steps (with {agent}/{tool}/{env} filled)."""
    finding.id = f"{finding.environment}/{finding.agent}/{finding.metric}"
    if book is not None:
        finding.runbook = book.name
        finding.runbook_owner = book.owner
        values = {"agent": finding.agent, "env": finding.environment, **({"tool": tool} if tool else {})}
        finding.first_steps = [re.sub(r"\{(agent|tool|env)\}", lambda m: values.get(m[1], m[0]), step)
                               for step in book.first_steps(2)]
    return finding


def _annotate(repo: ConfigRepo, report: DailyReport, yesterday: dt.date, open_yesterday: dict[str, str]) -> None:
    """Attach acknowledgements; mark findings open since yesterday without one, tagging the escalation contact."""
    breached = report.breached
    acks = read_acks(repo, [f.id for f in breached]) if breached else {}
    escalation = (repo.config.data.get("on_call") or {}).get("escalation") or {}
    for finding in breached:
        ack = acks.get(finding.id)
        if ack is not None and str(ack.get("day", "")) >= yesterday.isoformat():
            finding.ack = ack
            continue
        if open_yesterday.get(finding.id) == finding.status:  # the same problem, not "no data" turning into a breach
            finding.repeated = True
            finding.escalate_to = escalation.get(finding.owner or "") or escalation.get("default")


def read_acks(repo: ConfigRepo, ids: list[str]) -> dict[str, dict[str, Any]]:
    """finding id → its latest acknowledgement on refs/agentctl/checks (none when the repo has no such ref)."""
    try:
        snapshot = RefStore(repo.root, CHECKS_REF).snapshot()
    except GitError:
        return {}
    if snapshot.commit is None:
        return {}
    raw = snapshot.store.read_many_at(snapshot.commit, [ack_path(i) for i in ids])
    out = {}
    for finding_id in ids:
        blob = raw.get(ack_path(finding_id))
        if blob:
            out[finding_id] = json.loads(blob)
    return out


def ack_path(finding_id: str) -> str:
    return f"acks/{finding_id}.json"


def acknowledge(repo: ConfigRepo, finding_id: str, note: str, *, date: str | None = None) -> dict[str, Any]:
    """Record that the on-call has seen finding `finding_id` (who, when, note) on refs/agentctl/checks.

    Only people with the on-call role (`on_call.role`, default `oncall`) may acknowledge. The
    acknowledgement covers the checked day (default yesterday) and the next morning's check.
    """
    config = repo.config
    match = FINDING_ID.match(finding_id)
    if not match:
        raise BadInputError(f"'{finding_id}' is not a finding id",
                            "copy it from `agentctl check daily` (ENV/AGENT/CHECK, e.g. production/install-reminder/sms_success@v2)")
    if match[1] not in config.environments:
        raise BadInputError(f"'{finding_id}' names environment '{match[1]}', which does not exist",
                            f"use one of: {', '.join(sorted(config.environments))}")
    if not note.strip():
        raise BadInputError("the acknowledgement needs a note", "say what you found or did: --note \"...\"")
    role = (config.data.get("on_call") or {}).get("role", DEFAULT_ONCALL_ROLE)
    actor = repo.actor
    person = actor.person(config.people)
    allowed = config.people_with_role(role)
    if person is None or person not in allowed:
        who = f"'{person}'" if person else str(actor)
        raise PolicyRefused(f"{who} is not on call: only people with role '{role}' ({', '.join(allowed) or 'nobody'}) "
                            "may acknowledge daily findings",
                            "ask the on-call, or act as them with AGENTCTL_ACTOR=<person>")
    day = parse_day(date) if date else default_day(config.data)
    assert day is not None
    record = {"finding": finding_id, "by": person, "at": repo.now.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
              "day": day.isoformat(), "note": note.strip()}
    payload = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode()
    RefStore(repo.root, CHECKS_REF).update(
        lambda _snapshot: Change({ack_path(finding_id): payload}, f"ack {finding_id}: {note.strip()}"),
        Author(actor.name or person, actor.email or f"{person}@localhost"), retries=3)
    return record


def _fmt(value: float) -> str:
    return format_value(value)


def _mention(config: dict[str, Any]) -> Any:
    return mention_for(config.get("people") or {})


def _post(url: str | None, env_name: str, report: DailyReport, mention: Any) -> dict[str, Any]:
    if not url:
        return {"ok": False, "status": None, "error": f"{env_name} is not set; nothing was posted"}
    title = f"agentctl daily check {report.date}: {len(report.breached)} finding(s)"
    lines = [finding_line(f, mention) for f in report.breached]
    return post_webhook(url, build_payload(title, render_markdown(report, mention), lines)).to_dict()
