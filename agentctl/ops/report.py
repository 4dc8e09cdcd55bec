"""`agentctl report monthly`: the monthly business review, written as Markdown + self-contained HTML with PNG charts.

For each agent: the business outcome per day over the 90 days up to the month's end with its trend,
a 95% band and a labelled marker for every deploy, promote, rollback and tool-contract version change;
cost per successful outcome month over month against the human-handled benchmark; contract-judged vs
HTTP-2xx tool success per week (the silent-failure gap); weekly review scores per rubric criterion.
Then the open backlog by priority and the month's daily-check findings with how fast they were
acknowledged. A one-paragraph summary at the top names the numbers that moved most and the changes
nearest to them. Every chart has the CSV of its numbers beside it.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.errors import BadInputError

if TYPE_CHECKING:
    from agentctl.repo import ConfigRepo
    from agentctl.report.document import Document

WINDOW_DAYS = 90
COST_MONTHS = 3
FORMATS = ("md", "html")


@dataclass
class AgentSummary:
    agent: str
    outcome_month: float | None
    outcome_previous: float | None
    calls_month: int
    cost_per_success_month: float | None
    cost_per_success_previous: float | None
    silent_failure_weeks: list[str]
    shifts: list[dict[str, Any]]
    events: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class MonthlyReport:
    month: str
    first_day: str  # of the 90-day chart window
    last_day: str
    out: str
    summary: str
    files: list[str] = field(default_factory=list)  # relative to `out`
    agents: list[AgentSummary] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    webhook: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "first_day": self.first_day, "last_day": self.last_day, "out": self.out,
                "summary": self.summary, "files": self.files, "agents": [a.to_dict() for a in self.agents],
                "notes": self.notes, "webhook": self.webhook}


def parse_month(text: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of `text` (YYYY-MM); default: the month before `today`'s."""
    if text is None:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    try:
        first = dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise BadInputError(f"--month {text!r} is not a month", "write it as YYYY-MM, e.g. 2026-11") from None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def business_settings(config: dict[str, Any]) -> dict[str, Any]:
    business: dict[str, Any] | None = config.get("business")
    if not business:
        raise BadInputError("agentctl.yaml has no `business:` section, so the report does not know which outcome "
                            "to follow", "add `business: {outcome_metric: install_rate, human_benchmark: "
                            "{cost_per_call_usd: 3.1, outcome_rate: 0.19}}` (see docs/report.md)")
    metric = business["outcome_metric"]
    if metric not in (config.get("metrics") or {}):
        raise BadInputError(f"business.outcome_metric '{metric}' is not a metric in agentctl.yaml",
                            f"use one of: {', '.join(sorted(config.get('metrics') or {})) or 'none'}")
    return business


def monthly_report(repo: ConfigRepo, *, month: str | None = None, agents: list[str] | None = None,
                   out: Path | None = None, formats: tuple[str, ...] = FORMATS, env: str | None = None,
                   post: bool = False, link_base: str | None = None) -> MonthlyReport:
    """Write the month's business review into `out` (default reports/<month>/) and return what it found."""
    from zoneinfo import ZoneInfo

    from agentctl.analysis.metrics import compile_metric, dialect_of, render
    from agentctl.ops.metrics import monitored_environments
    from agentctl.report import cadence
    from agentctl.report.document import Document, Heading, Paragraph, table
    from agentctl.report.queries import agents_with_calls

    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise BadInputError(f"unknown format '{(unknown or [''])[0]}'", f"use one or both of: {', '.join(FORMATS)}")
    config = repo.config.data
    business = business_settings(config)
    tz_name = (config.get("policy") or {}).get("timezone")
    tz = ZoneInfo(tz_name) if tz_name else dt.timezone.utc
    first, last = parse_month(month, repo.now.astimezone(tz).date())
    window_first = last - dt.timedelta(days=WINDOW_DAYS - 1)
    envs = monitored_environments(config, env)
    workspace = repo.workspace
    for name in agents or []:
        if name not in workspace.agents:
            raise BadInputError(f"no agent named '{name}'", f"use one of: {', '.join(sorted(workspace.agents))}")
    metric = compile_metric(business["outcome_metric"], config["metrics"][business["outcome_metric"]])
    if metric.table != "calls":
        raise BadInputError(f"business.outcome_metric '{metric.name}' is a tool metric",
                            "name a metric over calls, e.g. a conversion_rate or a `sql:` rate")
    out_dir = Path(out) if out is not None else repo.root / "reports" / first.strftime("%Y-%m")
    out_dir.mkdir(parents=True, exist_ok=True)
    store = repo.calls()
    chosen = list(agents or agents_with_calls(store, envs, window_first, last) or sorted(workspace.agents))
    value_sql = render(metric.value_sql, dialect_of(store))  # DuckDB or PostgreSQL
    try:
        store.query(f"SELECT {value_sql} FROM calls WHERE false")
    except Exception as exc:  # noqa: BLE001 - e.g. the business field was never recorded: no data, not a crash
        value_sql = "CAST(NULL AS DOUBLE PRECISION)"
        report_note = f"{metric.name} cannot be computed from the stored calls ({str(exc).splitlines()[0]})"
    else:
        report_note = ""
    label = business.get("outcome_label") or metric.name.replace("_", " ")
    report = MonthlyReport(first.strftime("%Y-%m"), window_first.isoformat(), last.isoformat(), str(out_dir), "")
    doc = Document(f"Monthly business review — {first:%B %Y}")
    sections: list[Any] = []
    sentences: list[tuple[float, str]] = []
    for agent in chosen:
        tools = [t.contract for t in workspace.agents[agent].tools]
        section = _agent_section(repo, store, agent, tools, envs, tz, first, last, window_first, value_sql,
                                 business, label, out_dir)
        report.agents.append(section.summary)
        sections.append(section)
        if section.sentences:
            sentences.append((section.weight, " ".join(section.sentences)))
    # the weekly and daily rhythms
    backlog = cadence.backlog(repo.root, chosen)
    findings = cadence.daily_findings(store, config, envs, {a: [t.contract for t in workspace.agents[a].tools]
                                                             for a in chosen}, first, last)
    acks, ack_note = cadence.acknowledgements(repo.root)
    cadence.attach_acks(findings, acks, tz)
    # summary first, then the sections
    ranked = [s for _, s in sorted(sentences, key=lambda x: -x[0])]  # agents whose outcome moved most first
    report.summary = " ".join(ranked) if ranked else f"No calls for {', '.join(chosen)} in {first:%B %Y}."
    doc.add(Heading("Summary"), Paragraph(report.summary))
    for section in sections:
        doc.add(*section.blocks)
    doc.add(Heading("Improvement backlog"))
    if backlog.note:
        doc.add(Paragraph(backlog.note))
    if backlog.open_items:
        counts = ", ".join(f"{p}: {n}" for p, n in backlog.by_priority.items())
        doc.add(Paragraph(f"{len(backlog.open_items)} open item(s) ({counts}); {backlog.closed} closed."),
                table(["priority", "id", "agent", "pattern", "occurrences", "impact", "owner", "status"],
                      [[i.priority, i.id, i.agent, i.pattern, i.occurrences, i.impact, i.owner, i.status]
                       for i in backlog.open_items]))
        _csv(out_dir / "backlog.csv", ["priority", "id", "agent", "pattern", "occurrences", "impact", "owner", "status"],
             [[i.priority, i.id, i.agent, i.pattern, i.occurrences, i.impact, i.owner, i.status]
              for i in backlog.open_items], report)
    doc.add(Heading("Daily-check findings"))
    doc.add(*_findings_blocks(findings, ack_note, first))
    _csv(out_dir / "checks.csv", ["id", "day", "environment", "agent", "metric", "value", "problem", "owner",
                                  "acked_by", "hours_to_ack"],
         [[f.id, f.day.isoformat(), f.environment, f.agent, f.metric, f.value, f.problem, f.owner, f.acked_by,
           f.hours_to_ack] for f in findings], report)
    if report_note:
        report.notes.append(report_note)
    for section in sections:
        report.notes += section.notes
    if backlog.note:
        report.notes.append(backlog.note)
    if ack_note and findings:
        report.notes.append(ack_note)
    _write(doc, out_dir, formats, report)
    report.files = sorted(set(report.files))
    if post:
        report.webhook = _post(config, report, link_base)
    return report


@dataclass
class _Section:
    summary: AgentSummary
    blocks: list[Any]
    sentences: list[str]  # in reading order: level, biggest moves and their changes, silent failures, cost
    notes: list[str]
    weight: float  # how much the agent's outcome moved (orders agents in the summary)


def _agent_section(repo: ConfigRepo, store: Any, agent: str, tools: list[str], envs: list[str], tz: Any,
                   first: dt.date, last: dt.date, window_first: dt.date, value_sql: str, business: dict[str, Any],
                   label: str, out_dir: Path) -> _Section:
    from agentctl.report import cadence, charts, queries
    from agentctl.report.document import Heading, Image, Paragraph, table
    from agentctl.report.events import agent_events
    from agentctl.report.summary import biggest_shifts, pct, points, pooled, trend_points

    blocks: list[Any] = [Heading(f"{agent}", 2)]
    notes: list[str] = []
    sentences: list[str] = []
    weight = 0.0
    scope = queries.Scope(tuple(envs), agent, window_first, last)
    days = queries.outcome_by_day(store, scope, value_sql)
    events = agent_events(repo.root, agent, tools, envs, tz, window_first, last)
    human = business.get("human_benchmark") or {}
    human_rate = human.get("outcome_rate")
    # 1. outcome per day with markers
    trend = trend_points(days)
    files = []
    stem = f"outcome-{agent}"
    blocks.append(Heading(f"{label.capitalize()} per day", 3))
    if days:
        markers = [(e.day, e.label, e.kind) for e in events if e.kind != "release"]
        png = charts.outcome_chart(out_dir / f"{stem}.png", f"{agent}: {label} per day, {window_first} – {last}",
                                   label, [t.day for t in trend], [t.rate for t in trend], [t.trend for t in trend],
                                   [t.low for t in trend], [t.high for t in trend], markers, human_rate)
        csv = charts.write_csv(out_dir / f"{stem}.csv", ["day", "calls", "successes", "rate", "trend_7d",
                                                         "band_low", "band_high"],
                               [[d.day.isoformat(), d.calls, d.successes, d.rate, t.trend, t.low, t.high]
                                for d, t in zip(days, trend, strict=True)])
        alt = (f"{label} per day for {agent} from {window_first} to {last}, with a 7-day trend and 95% band; "
               f"markers: {'; '.join(f'{d} {lbl}' for d, lbl, _ in markers) or 'none'}")
        blocks.append(Image(png, alt, csv))
        files += [png, csv]
    else:
        blocks.append(Paragraph(f"No calls from {agent} between {window_first} and {last}."))
        notes.append(f"{agent}: no calls in the window")
    ev = charts.write_csv(out_dir / f"events-{agent}.csv", ["day", "at", "kind", "label", "detail"],
                          [list(e.to_row().values()) for e in events])
    files.append(ev)
    if events:
        blocks.append(table(["day", "what", "kind", "detail"], [[e.day, e.label, e.kind, e.detail] for e in events]))
    month_days = [d for d in days if first <= d.day <= last]
    previous_first = (first - dt.timedelta(days=1)).replace(day=1)
    previous_days = [d for d in days if previous_first <= d.day < first]
    now_rate, before_rate = pooled(month_days), pooled(previous_days)
    if now_rate is not None:
        change = f" ({points(now_rate - before_rate)} on {previous_first:%B}'s {pct(before_rate)})" \
            if before_rate is not None else ""
        sentences.append(f"**{agent}**: {label} was **{pct(now_rate)}** in {first:%B}{change} over "
                         f"{sum(d.calls for d in month_days):,} calls.")
    shifts = [s for s in biggest_shifts(days, events) if abs(s.delta) >= 0.01]
    moves = []
    for shift in shifts:
        near = ", ".join(f"`{e.label}`" for e in shift.events) or "no recorded change within 3 days"
        weight = max(weight, abs(shift.delta))
        moves.append(f"{pct(shift.before)} → {pct(shift.after)} from {shift.day:%b %d} ({points(shift.delta)}; "
                     f"nearest changes: {near})")
    if moves:
        sentences.append(f"The {label} moved most {' and '.join(moves)} over the 90 days.")
    # 2. cost per successful outcome, month over month
    blocks.append(Heading("Cost per successful outcome", 3))
    cost_first = first
    for _ in range(COST_MONTHS - 1):
        cost_first = (cost_first - dt.timedelta(days=1)).replace(day=1)
    months = queries.cost_by_month(store, queries.Scope(tuple(envs), agent, cost_first, last), value_sql,
                                   business.get("cost") or {})
    human_cps = (human["cost_per_call_usd"] / human_rate
                 if human.get("cost_per_call_usd") is not None and human_rate else None)
    cps_month = next((m.cost_per_success for m in months if m.month == first.strftime("%Y-%m")), None)
    cps_previous = next((m.cost_per_success for m in months if m.month == previous_first.strftime("%Y-%m")), None)
    cost_sentence = ""
    if months:
        png = charts.cost_chart(out_dir / f"cost-{agent}.png", f"{agent}: cost per successful outcome", [m.month for m in months],
                                [m.cost_per_success for m in months], human_cps)
        csv = charts.write_csv(out_dir / f"cost-{agent}.csv", ["month", "calls", "successes", "cost_usd",
                                                               "cost_per_success_usd", "human_cost_per_success_usd"],
                               [[m.month, m.calls, m.successes, m.cost_usd, m.cost_per_success, human_cps]
                                for m in months])
        alt = (f"cost per successful outcome for {agent} by month: "
               + ", ".join(f"{m.month} ${m.cost_per_success:,.2f}" if m.cost_per_success else f"{m.month} —"
                           for m in months)
               + (f"; human-handled benchmark ${human_cps:,.2f}" if human_cps else ""))
        blocks.append(Image(png, alt, csv))
        files += [png, csv]
        if cps_month is not None and human_cps:
            cost_sentence = (f"A successful outcome cost **${cps_month:,.2f}** "
                             f"({'below' if cps_month < human_cps else 'above'} the human-handled ${human_cps:,.2f})"
                             + (f", ${cps_previous:,.2f} the month before." if cps_previous else "."))
    else:
        blocks.append(Paragraph("No calls to cost."))
    if not human_cps:
        blocks.append(Paragraph("No human benchmark: add `business.human_benchmark` (cost_per_call_usd, "
                                "outcome_rate) to agentctl.yaml to compare."))
    # 3. tool success: contract vs HTTP
    blocks.append(Heading("Tool success: contract-judged vs HTTP 2xx, per week", 3))
    weeks = queries.tool_success_by_week(store, scope)
    silent: list[str] = []
    if weeks:
        week_days = sorted({w.week for w in weeks})
        series: dict[str, tuple[list[float | None], list[float | None]]] = {}
        for tool in sorted({w.tool for w in weeks}):
            got = {w.week: w for w in weeks if w.tool == tool}
            series[tool] = ([got[d].http_ok if d in got else None for d in week_days],
                            [got[d].contract_ok if d in got else None for d in week_days])
        png = charts.tool_chart(out_dir / f"tool-success-{agent}.png", f"{agent}: tool success per week — "
                                "the shaded gap is calls answered 2xx that did not do their job", week_days, series)
        csv = charts.write_csv(out_dir / f"tool-success-{agent}.csv", ["week", "tool", "calls", "judged", "http_ok",
                                                                       "contract_ok", "gap"],
                               [[w.week.isoformat(), w.tool, w.calls, w.judged, w.http_ok, w.contract_ok, w.gap]
                                for w in weeks])
        gaps = [w for w in weeks if w.gap is not None and w.gap >= 0.01]
        silent = sorted({w.week.isoformat() for w in gaps})
        alt = (f"weekly tool success for {agent}, HTTP 2xx vs contract-judged: "
               + ("; ".join(f"{w.tool} week of {w.week} {w.http_ok:.0%} vs {w.contract_ok:.0%}" for w in gaps)
                  if gaps else "no gap in any week"))
        blocks.append(Image(png, alt, csv))
        files += [png, csv]
        if gaps:
            worst = max(gaps, key=lambda w: w.gap or 0.0)
            sentences.append(f"Silent failures: `{worst.tool}` answered HTTP 2xx to {worst.http_ok:.0%} of calls but "
                             f"only {worst.contract_ok:.0%} did their job in the week of {worst.week:%b %d} "
                             f"({len(silent)} week(s) with a gap).")
    if cost_sentence:
        sentences.append(cost_sentence)
    else:
        blocks.append(Paragraph("No tool calls recorded."))
    # 4. weekly review scores
    blocks.append(Heading("Weekly review scores", 3))
    reviews = cadence.weekly_reviews(repo.root, agent)
    closed = [w for w in reviews.weeks if w.closed]
    if reviews.note:
        blocks.append(Paragraph(reviews.note.capitalize() + "."))
        notes.append(f"{agent}: {reviews.note}")
    if closed:
        names = sorted({c for w in closed for c in w.criteria})
        png = charts.review_chart(out_dir / f"reviews-{agent}.png", f"{agent}: weekly review score per criterion",
                                  [w.week for w in closed], {c: [w.criteria.get(c) for w in closed] for c in names})
        csv = charts.write_csv(out_dir / f"reviews-{agent}.csv", ["week", "overall", *names],
                               [[w.week, w.overall, *[w.criteria.get(c) for c in names]] for w in closed])
        latest = closed[-1]
        alt = (f"weekly review scores for {agent} per rubric criterion over {len(closed)} week(s); latest "
               f"{latest.week}: " + ", ".join(f"{c} {latest.criteria.get(c, 0):.0%}" for c in names))
        blocks.append(Image(png, alt, csv))
        files += [png, csv]
    summary = AgentSummary(agent, now_rate, before_rate, sum(d.calls for d in month_days), cps_month, cps_previous,
                           silent, [{"day": s.day.isoformat(), "before": s.before, "after": s.after,
                                     "changes": [e.label for e in s.events]} for s in shifts], len(events))
    section = _Section(summary, blocks, sentences, notes, weight)
    section.blocks.append(_FileList(files))
    return section


@dataclass
class _FileList:
    files: list[Path]


def _findings_blocks(findings: list[Any], ack_note: str, first: dt.date) -> list[Any]:
    from agentctl.report.document import Paragraph, table

    if not findings:
        return [Paragraph(f"No daily-check findings in {first:%B %Y}.")]
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for f in findings:
        groups.setdefault((f.agent, f.environment, f.metric), []).append(f)
    rows = []
    for (agent, env, metric), items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        acked = [f.hours_to_ack for f in items if f.hours_to_ack is not None]
        rows.append([metric, agent, env, len(items), f"{items[0].day:%b %d} – {items[-1].day:%b %d}",
                     items[0].owner or "—", f"{len(acked)}/{len(items)}",
                     f"{statistics.median(acked):.1f} h" if acked else "—", items[-1].problem])
    blocks: list[Any] = [Paragraph(f"{len(findings)} finding(s) on {len({f.day for f in findings})} day(s), "
                                   "recomputed with the daily check's thresholds and trend test.")]
    if ack_note:
        blocks.append(Paragraph(ack_note.capitalize() + "."))
    blocks.append(table(["metric", "agent", "env", "days", "first – last", "owner", "acknowledged",
                         "median time to ack", "latest problem"], rows))
    return blocks


def _csv(path: Path, header: list[str], rows: list[list[Any]], report: MonthlyReport) -> None:
    from agentctl.report.charts import write_csv

    write_csv(path, header, rows)
    report.files.append(path.name)


def _write(doc: Document, out_dir: Path, formats: tuple[str, ...], report: MonthlyReport) -> None:
    from agentctl.report.document import to_html, to_markdown

    files = [f for b in doc.blocks if isinstance(b, _FileList) for f in b.files]
    doc.blocks = [b for b in doc.blocks if not isinstance(b, _FileList)]
    report.files += [f.relative_to(out_dir).as_posix() for f in files]
    if "md" in formats:
        (out_dir / "report.md").write_text(to_markdown(doc, out_dir), "utf-8")
        report.files.append("report.md")
    if "html" in formats:
        (out_dir / "report.html").write_text(to_html(doc), "utf-8")
        report.files.append("report.html")


def _post(config: dict[str, Any], report: MonthlyReport, link_base: str | None) -> dict[str, Any]:
    from agentctl.alerts import build_payload, post_webhook

    webhook_env = (config.get("alerts") or {}).get("webhook_env")
    url = os.environ.get(webhook_env) if webhook_env else None
    if not url:
        why = (f"{webhook_env} is not set" if webhook_env else "agentctl.yaml has no alerts.webhook_env")
        return {"ok": False, "status": None, "error": why}
    base = link_base.rstrip("/") + "/" if link_base else f"{report.out.rstrip('/')}/"
    charts = [f for f in report.files if f.endswith(".png")] + [f for f in report.files if f.startswith("report.")]
    links = [f"<{base}{name}|{name}>" if link_base else f"{base}{name}" for name in charts]
    title = f"Monthly business review — {report.month}"
    body = f"*{title}*\n{report.summary}\n" + "\n".join(f"• {link}" for link in links)
    result = post_webhook(url, build_payload(title, body, [report.summary, *[f"• {link}" for link in links]]))
    return result.to_dict()
