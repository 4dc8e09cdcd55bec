"""Daily checks: every metric of every agent for one day, against its thresholds and its own trend.

Trend method (documented in docs/calls-and-metrics.md):
- baseline: the `window_days` (default 14) days before the recent window, pooled;
- recent: the last 3 days (the checked day and the two before) weighted 1, 2, 3 — the
  matched filter for a slow linear drift, so recent days count most;
- one-sided test in the metric's bad direction. Variances: binomial p0(1-p0) under the null
  for rates, per-call sample variance for means, plus the between-day variance the baseline
  shows beyond sampling noise (so ordinary day-to-day wobble is not news); for percentiles
  and custom values the day-to-day spread alone;
- for rates, p0 is the pooled rate of baseline and recent days with the Jeffreys prior
  Beta(1/2, 1/2) added ((x + 1/2) / (n + 1)): after an error-free fortnight p0 would be 0 and
  any single error an "infinitely significant" change; the prior keeps the variance honest;
- the p-value reads the statistic against Student's t, not the normal: the between-day
  variance is estimated from the baseline's few days (baseline days − 1 degrees of freedom);
  Welch–Satterthwaite turns that into the statistic's degrees of freedom (exactly baseline
  days − 1 for percentiles and custom values, near-normal when sampling noise dominates);
- `drift` when p < alpha / m (Bonferroni over the m trend tests of the run, alpha = 0.01)
  and the relative change is at least 2% (negligible shifts are not findings however big n is);
  it is called `drop` instead when the change also exceeds the metric's `max_relative_drop`.
  Both need the same evidence: a big drop on thin data is still noise until it is significant.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentctl.analysis.metrics import RATE, VALUE, MetricDef

ALPHA = 0.01
RECENT_WEIGHTS = (1.0, 2.0, 3.0)  # oldest → newest
MIN_RELATIVE_CHANGE = 0.02
MIN_BASELINE_DAYS = 7


@dataclass
class DayPoint:
    value: float
    n: int
    variance: float | None  # per observation


@dataclass
class TrendStat:
    baseline: float
    recent: float
    relative_change: float  # in the bad direction: +0.1 means 10% worse than baseline
    z: float
    p: float

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 6) for k, v in self.__dict__.items()}


def trend_stat(metric: MetricDef, series: dict[dt.date, DayPoint], day: dt.date) -> TrendStat | None:
    """The recent-vs-baseline statistic for `day`, or None when there is too little history."""
    recent_days = [day - dt.timedelta(days=len(RECENT_WEIGHTS) - 1 - i) for i in range(len(RECENT_WEIGHTS))]
    base_start = recent_days[0] - dt.timedelta(days=metric.trend_days)
    base = [series[d] for d in _days(base_start, recent_days[0]) if d in series and series[d].n > 0]
    recent = [(w, series[d]) for w, d in zip(RECENT_WEIGHTS, recent_days, strict=False) if d in series and series[d].n > 0]
    if len(base) < min(MIN_BASELINE_DAYS, metric.trend_days) or not recent:
        return None
    total_n = sum(p.n for p in base)
    if metric.kind == VALUE:
        baseline = sum(p.value for p in base) / len(base)
        spread = _var([p.value for p in base])
        var_base, per_day = spread / len(base), [spread for _ in recent]
        between = spread
    else:
        baseline = sum(p.value * p.n for p in base) / total_n
        if metric.kind == RATE:
            # pooled null rate with the Jeffreys prior, so an error-free baseline still has a variance
            events = sum(p.value * p.n for p in base) + sum(p.value * p.n for _, p in recent)
            trials = total_n + sum(p.n for _, p in recent)
            p0 = (events + 0.5) / (trials + 1.0)
            unit = p0 * (1 - p0)
            sampling = [unit / p.n for p in base]
            var_base = unit / total_n
            recent_sampling = [unit / p.n for _, p in recent]
        else:
            pooled = sum((p.variance or 0.0) * p.n for p in base) / total_n
            sampling = [(p.variance or 0.0) / p.n for p in base]
            var_base = pooled / total_n
            recent_sampling = [(p.variance if p.variance is not None else pooled) / p.n for _, p in recent]
        between = max(0.0, _var([p.value for p in base]) - sum(sampling) / len(sampling))
        var_base += between / len(base)
        per_day = [s + between for s in recent_sampling]
    weights = [w for w, _ in recent]
    recent_value = sum(w * p.value for w, p in recent) / sum(weights)
    var_recent = sum(w * w * v for w, v in zip(weights, per_day, strict=False)) / sum(weights) ** 2
    # the part of the variance estimated from the baseline's day-to-day spread (k − 1 degrees of freedom);
    # Welch–Satterthwaite gives the statistic's degrees of freedom (all of them k − 1 when nothing else is known)
    estimated = between / len(base) + between * sum(w * w for w in weights) / sum(weights) ** 2
    total = var_base + var_recent
    df = (len(base) - 1) * (total / estimated) ** 2 if estimated > 0 else math.inf
    gap = (baseline - recent_value) if metric.direction == "higher_is_better" else (recent_value - baseline)
    sd = math.sqrt(var_base + var_recent)
    z = gap / sd if sd > 0 else (math.inf if gap > 0 else 0.0)
    relative = gap / abs(baseline) if baseline else (math.inf if gap > 0 else 0.0)
    return TrendStat(baseline, recent_value, relative, z, t_upper_tail(z, df))


def t_upper_tail(t: float, df: float) -> float:
    """P(T > t) for Student's t with `df` degrees of freedom (df ≥ 1; infinite df is the normal)."""
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    if math.isinf(df) or df > 1e6:
        return 0.5 * math.erfc(t / math.sqrt(2))
    df = max(df, 1.0)
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1.0 - tail


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes 6.4)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x > (a + 1.0) / (a + b + 2.0):
        return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b
    return front * _beta_fraction(a, b, x) / a


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-14:
            break
    return h


def trend_verdict(metric: MetricDef, stat: TrendStat | None, tests: int, alpha: float = ALPHA) -> str:
    """ok | drift | drop | short-history, given the number of trend tests in the run (Bonferroni)."""
    if stat is None:
        return "short-history"
    if stat.p >= alpha / max(tests, 1) or stat.relative_change < MIN_RELATIVE_CHANGE:
        return "ok"
    if metric.max_relative_drop is not None and stat.relative_change > metric.max_relative_drop:
        return "drop"
    return "drift"


@dataclass
class Finding:
    metric: str
    environment: str
    agent: str
    value: float | None
    n: int
    threshold: str
    trend: str
    status: str  # ok | breach | no-data | finding
    owner: str | None
    runbook: str | None
    detail: str = ""
    trend_stat: TrendStat | None = None
    id: str = ""  # <env>/<agent>/<check>, stable across days (what `check ack` names)
    version: int | None = None  # set on per-bundle-version findings
    runbook_owner: str | None = None
    first_steps: list[str] = field(default_factory=list)
    ack: dict[str, Any] | None = None  # the on-call's acknowledgement, when there is one
    repeated: bool = False  # open since yesterday and nobody acknowledged it
    escalate_to: str | None = None  # who is tagged because of that

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "trend_stat"}
        out["trend_stat"] = self.trend_stat.to_dict() if self.trend_stat else None
        return out


@dataclass
class DailyReport:
    date: str
    environments: list[str]
    findings: list[Finding] = field(default_factory=list)
    webhook: dict[str, Any] | None = None
    markdown_file: str | None = None

    @property
    def breached(self) -> list[Finding]:
        return [f for f in self.findings if f.status != "ok"]

    @property
    def ok(self) -> bool:
        return not self.breached

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date, "environments": self.environments, "ok": self.ok,
                "breached": len(self.breached), "findings": [f.to_dict() for f in self.findings],
                "webhook": self.webhook, "markdown_file": self.markdown_file}


def threshold_breach(metric: MetricDef, value: float) -> str:
    if metric.minimum is not None and value < metric.minimum:
        return f"below {metric.minimum:g}"
    if metric.maximum is not None and value > metric.maximum:
        return f"above {metric.maximum:g}"
    return ""


def format_value(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if 0 <= value <= 1 else f"{value:,.1f}"


def render_markdown(report: DailyReport, mention: Any = lambda owner: owner or "—") -> str:
    """The report as a Markdown table (also the webhook text); `mention` turns an owner into a tag."""
    lines = [f"## agentctl daily check — {report.date} ({', '.join(report.environments)})", ""]
    breached = report.breached
    lines.append(f"**{len(breached)} finding(s)**" if breached else "All metrics within thresholds and trend.")
    lines += ["", "| status | metric | env | agent | value | n | threshold | trend | owner | runbook |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for f in sorted(report.findings, key=lambda f: (f.status == "ok", f.environment, f.agent, f.metric)):
        lines.append(f"| {f.status} | {f.metric} | {f.environment} | {f.agent} | {format_value(f.value)} | {f.n} | "
                     f"{f.threshold} | {f.trend} | {mention(f.owner)} | {f.runbook or ''} |")
    details = [finding_detail(f, mention) for f in breached]
    return "\n".join(lines + ([""] + details if details else [])) + "\n"


def finding_detail(f: Finding, mention: Any = lambda owner: owner or "—") -> str:
    """One Markdown bullet: what is wrong, who owns it, the runbook and its first steps, ack or escalation."""
    text = f"- **{f.metric}** ({f.agent}, {f.environment}): {f.detail or f.status} — owner {mention(f.owner)}"
    if f.runbook:
        text += f"; runbook **{f.runbook}**" + (f" (owner {mention(f.runbook_owner)})" if f.runbook_owner else "")
        if f.first_steps:
            text += ": " + " ".join(f.first_steps)
    if f.ack:
        text += f"; acknowledged by {f.ack.get('by')} at {f.ack.get('at')}: {f.ack.get('note')}"
    elif f.repeated:
        text += f"; ⚠ repeated, unacknowledged — escalating to {mention(f.escalate_to)}"
    return text + (f" · ack: `agentctl check ack {f.id} --note \"...\"`" if f.id and not f.ack else "")


def _days(start: dt.date, end: dt.date) -> Sequence[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


def _var(values: Sequence[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)
