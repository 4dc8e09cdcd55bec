"""PNG charts (matplotlib, Agg backend, no display) with the CSV of their numbers beside them.

matplotlib is imported only here and only when a chart is drawn, so `agentctl --version` stays fast.
Figures are built with the object API (no pyplot global state), a fixed size and DPI, and saved
without a timestamp, so the same numbers give the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 4.2, 110
COLORS = {"deploy": "#1f5fbf", "contract": "#c0392b", "release": "#7f8c8d"}


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else (f"{v:.6f}".rstrip("0").rstrip(".") if isinstance(v, float) else v)
                             for v in row])
    return path


def _figure() -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    axes = figure.add_subplot(1, 1, 1)
    axes.grid(True, color="#dddddd", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _save(figure: Any, path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", metadata={"Software": None})
    return path


def _percent_axis(axes: Any) -> None:
    from matplotlib.ticker import PercentFormatter

    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _date_axis(axes: Any) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def outcome_chart(path: Path, title: str, ylabel: str, days: Sequence[dt.date], rates: Sequence[float | None],
                  trend: Sequence[float | None], low: Sequence[float | None], high: Sequence[float | None],
                  markers: Sequence[tuple[dt.date, str, str]], benchmark: float | None = None) -> Path:
    """Daily outcome rate, its 7-day trend with a 95% band, and one labelled vertical line per event."""
    figure, axes = _figure()
    band = [(d, lo, hi) for d, lo, hi in zip(days, low, high, strict=True) if lo is not None and hi is not None]
    if band:
        axes.fill_between([b[0] for b in band], [b[1] for b in band], [b[2] for b in band], color="#9ecae1",
                          alpha=0.45, linewidth=0, label="95% band (7-day)")
    axes.plot(days, [r if r is not None else float("nan") for r in rates], color="#6baed6", linewidth=0.9,
              marker=".", markersize=3, label="daily")
    axes.plot(days, [t if t is not None else float("nan") for t in trend], color="#08306b", linewidth=2.0,
              label="7-day trend")
    if benchmark is not None:
        axes.axhline(benchmark, color="#555555", linestyle=":", linewidth=1.2, label=f"human benchmark {benchmark:.0%}")
    _percent_axis(axes)
    values = [v for v in [*rates, *high] if v is not None]
    top = max(values + [benchmark or 0.0], default=1.0)
    axes.set_ylim(0, top * 1.45 if top > 0 else 1.0)
    for i, (day, label, kind) in enumerate(markers):
        color = COLORS.get(kind, "#333333")
        axes.axvline(day, color=color, linestyle="--", linewidth=1.0, alpha=0.85)
        axes.annotate(label, xy=(day, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -4 - 11 * (i % 4)),
                      textcoords="offset points", fontsize=7, color=color, va="top", ha="left",
                      bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    _date_axis(axes)
    axes.set_title(title, fontsize=11, loc="left")
    axes.set_ylabel(ylabel)
    axes.legend(loc="lower left", fontsize=7, ncols=4, frameon=False)
    return _save(figure, path)


def cost_chart(path: Path, title: str, months: Sequence[str], agent: Sequence[float | None],
               human: float | None) -> Path:
    """Cost per successful outcome per month, agent bars vs the human-handled benchmark line."""
    figure, axes = _figure()
    positions = list(range(len(months)))
    bars = axes.bar(positions, [a if a is not None else 0.0 for a in agent], color="#2171b5", width=0.55,
                    label="agent")
    for bar, value in zip(bars, agent, strict=True):
        if value is not None:
            axes.annotate(f"${value:,.2f}", xy=(bar.get_x() + bar.get_width() / 2, bar.get_height()),
                          xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
    if human is not None:
        latest = next((a for a in reversed(agent) if a), None)
        ratio = f" ({human / latest:.1f}× the agent's latest)" if latest else ""
        axes.axhline(human, color="#cb181d", linestyle="--", linewidth=1.5, label=f"human-handled ${human:,.2f}{ratio}")
    axes.set_xticks(positions, list(months))
    axes.set_ylabel("USD per successful outcome")
    axes.set_title(title, fontsize=11, loc="left")
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    top = max([v for v in agent if v is not None] + [human or 0.0], default=1.0)
    axes.set_ylim(0, top * 1.25 if top > 0 else 1.0)
    return _save(figure, path)


def tool_chart(path: Path, title: str, weeks: Sequence[dt.date],
               series: Mapping[str, tuple[Sequence[float | None], Sequence[float | None]]]) -> Path:
    """Per tool and ISO week: HTTP-2xx success (dashed) vs contract-judged success (solid); the gap is shaded."""
    figure, axes = _figure()
    palette = ["#08519c", "#a63603", "#006d2c", "#54278f", "#636363"]
    for i, (tool, (http, contract)) in enumerate(sorted(series.items())):
        color = palette[i % len(palette)]
        h = [v if v is not None else float("nan") for v in http]
        c = [v if v is not None else float("nan") for v in contract]
        axes.plot(weeks, h, color=color, linestyle="--", linewidth=1.2, marker="o", markersize=3,
                  label=f"{tool} HTTP 2xx")
        axes.plot(weeks, c, color=color, linewidth=2.0, marker="o", markersize=3, label=f"{tool} contract")
        axes.fill_between(weeks, c, h, where=[a == a and b == b and a > b + 1e-9 for a, b in zip(h, c, strict=True)],
                          color=color, alpha=0.18, linewidth=0)
    _percent_axis(axes)
    low = min([v for http, contract in series.values() for v in [*http, *contract] if v is not None], default=0.0)
    axes.set_ylim(max(0.0, min(low, 0.9) - 0.05), 1.02)
    _date_axis(axes)
    axes.set_title(title, fontsize=11, loc="left")
    axes.set_ylabel("success per week")
    axes.legend(loc="lower left", fontsize=7, ncols=3, frameon=False)
    return _save(figure, path)


def review_chart(path: Path, title: str, weeks: Sequence[str], criteria: Mapping[str, Sequence[float | None]]) -> Path:
    """Weekly review score (0..1) per rubric criterion."""
    figure, axes = _figure()
    positions = list(range(len(weeks)))
    for name, scores in sorted(criteria.items()):
        axes.plot(positions, [s if s is not None else float("nan") for s in scores], marker="o", linewidth=1.6,
                  markersize=4, label=name)
    axes.set_xticks(positions, list(weeks), fontsize=8)
    _percent_axis(axes)
    axes.set_ylim(0, 1.05)
    axes.set_title(title, fontsize=11, loc="left")
    axes.set_ylabel("score")
    axes.legend(loc="lower left", fontsize=7, ncols=3, frameon=False)
    return _save(figure, path)
