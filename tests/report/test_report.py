"""`agentctl report monthly` on the incident quarter (tests/report/story.py), built once for the module.

The quarter: v1 stable from Sep 1; on Monday Oct 12 sms-gateway 2.1.0 leaves sender_id out and v2 goes to 100%,
30% of texts get HTTP 200 but are not sent; on Monday Oct 26 contract 3.0.0 and v3 fix it; v4's prompt
improvement goes 10% on Nov 10 and 100% on Nov 11.
"""

from __future__ import annotations

import csv
import datetime as dt
import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.report.story import AGENT, build_quarter

MONTH = "2026-11"
INCIDENT, FIX = dt.date(2026, 10, 12), dt.date(2026, 10, 26)


@pytest.fixture(scope="module")
def quarter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A config repo holding the incident quarter, and its November report in reports/2026-11/."""
    from agentctl.ops.init import init_repo
    from agentctl.ops.report import monthly_report
    from agentctl.repo import ConfigRepo

    base = tmp_path_factory.mktemp("quarter")
    gitconfig = base / ".gitconfig"
    gitconfig.write_text("[user]\n\tname = Test Operator\n\temail = operator@roadwise.example\n"
                         "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n")
    with pytest.MonkeyPatch.context() as mp:  # the autouse HOME isolation is per test; this fixture outlives one
        mp.setenv("HOME", str(base))
        mp.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                    "AGENTCTL_ACTOR", "AGENTCTL_WEBHOOK_URL"):
            mp.delenv(var, raising=False)
        root = base / "config"
        init_repo(root)
        build_quarter(root, calls_per_day=200)
        with ConfigRepo(root) as repo:
            monthly_report(repo, month=MONTH)
        yield root


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def hand_query(root: Path, sql: str) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(root / ".agentctl" / "calls.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_outcome_chart_marks_the_contract_change_and_the_fix(quarter: Path) -> None:
    out = quarter / "reports" / MONTH
    markdown = (out / "report.md").read_text("utf-8")
    alt = re.search(r"!\[(install rate per day[^\]]*)\]\(outcome-install-reminder\.png\)", markdown)
    assert alt is not None
    for marker in ("2026-10-12 sms-gateway 2.0.0 → 2.1.0", "2026-10-12 v2 100%", "2026-10-26 sms-gateway 2.1.0 → 3.0.0",
                   "2026-10-26 v3 100%", "2026-11-10 v4 10%", "2026-11-11 v4 100%"):
        assert marker in alt.group(1)
    events = {(e["day"], e["label"]) for e in read_csv(out / f"events-{AGENT}.csv")}
    assert ("2026-10-12", "sms-gateway 2.0.0 → 2.1.0") in events and ("2026-10-26", "v3 100%") in events
    summary = markdown.split("## Summary", 1)[1].split("##", 1)[0]
    moves = re.findall(r"→ [\d.]+% from (Oct \d+) \(([+-][\d.]+) pts; nearest changes: ([^)]*)\)", summary)
    assert len(moves) == 2
    (drop_day, drop, drop_near), (rise_day, rise, rise_near) = moves
    assert drop_day == "Oct 12" and float(drop) < -5 and "`sms-gateway 2.0.0 → 2.1.0`, `v2 100%`" in drop_near
    assert 26 <= int(rise_day.split()[1]) <= 29 and float(rise) > 3  # the level change, found within 3 days of the fix
    assert "`sms-gateway 2.1.0 → 3.0.0`, `v3 100%`" in rise_near


@pytest.mark.slow
def test_silent_failure_gap_only_in_the_two_incident_weeks(quarter: Path) -> None:
    rows = [r for r in read_csv(quarter / "reports" / MONTH / f"tool-success-{AGENT}.csv") if r["tool"] == "sms-gateway"]
    gaps = {r["week"]: float(r["gap"]) for r in rows}
    assert len(gaps) == 14  # Aug 31 … Nov 30, Monday weeks
    assert {week for week, gap in gaps.items() if gap > 0} == {"2026-10-12", "2026-10-19"}
    assert all(0.25 < gaps[w] < 0.35 for w in ("2026-10-12", "2026-10-19"))
    assert all(float(r["http_ok"]) > 0.99 for r in rows)  # a dashboard of HTTP status saw nothing


@pytest.mark.slow
def test_csv_numbers_equal_a_hand_written_duckdb_query(quarter: Path) -> None:
    out = quarter / "reports" / MONTH
    daily = hand_query(quarter, "SELECT day, count(*), sum(CASE WHEN install_completed THEN 1 ELSE 0 END) FROM calls "
                                "WHERE environment = 'production' AND agent = 'install-reminder' "
                                "AND day BETWEEN DATE '2026-09-02' AND DATE '2026-11-30' GROUP BY day ORDER BY day")
    ours = read_csv(out / f"outcome-{AGENT}.csv")
    assert [(r["day"], int(r["calls"]), round(float(r["successes"]))) for r in ours] == \
        [(d.isoformat(), n, int(s)) for d, n, s in daily]
    weekly = hand_query(quarter, "SELECT date_trunc('week', day)::DATE, tool, count(*), "
                                 "sum(http_ok::INT) / count(*), sum(contract_ok::INT) / count(contract_ok) "
                                 "FROM tool_calls WHERE environment = 'production' AND agent = 'install-reminder' "
                                 "AND day BETWEEN DATE '2026-09-02' AND DATE '2026-11-30' GROUP BY ALL ORDER BY 1, 2")
    ours_weekly = read_csv(out / f"tool-success-{AGENT}.csv")
    assert len(ours_weekly) == len(weekly)
    for row, (week, tool, calls, http_ok, contract) in zip(ours_weekly, weekly, strict=True):
        assert (row["week"], row["tool"], int(row["calls"])) == (week.isoformat(), tool, calls)
        assert float(row["http_ok"]) == pytest.approx(http_ok, abs=1e-6)
        assert float(row["contract_ok"]) == pytest.approx(contract, abs=1e-6)
    monthly = hand_query(quarter, "SELECT strftime(day, '%Y-%m'), count(*), "
                                  "sum(CASE WHEN install_completed THEN 1 ELSE 0 END), sum(handle_time_s) / 60 * 0.09 "
                                  "FROM calls WHERE environment = 'production' AND agent = 'install-reminder' "
                                  "AND day BETWEEN DATE '2026-09-01' AND DATE '2026-11-30' GROUP BY 1 ORDER BY 1")
    ours_cost = read_csv(out / f"cost-{AGENT}.csv")
    assert [r["month"] for r in ours_cost] == ["2026-09", "2026-10", "2026-11"]
    for row, (month, calls, installs, spend) in zip(ours_cost, monthly, strict=True):
        assert (row["month"], int(row["calls"]), round(float(row["successes"]))) == (month, calls, installs)
        assert float(row["cost_per_success_usd"]) == pytest.approx(spend / installs, rel=1e-6)
        assert float(row["human_cost_per_success_usd"]) == pytest.approx(3.10 / 0.19, rel=1e-6)


@pytest.mark.slow
def test_pngs_are_real_charts(quarter: Path) -> None:
    import numpy as np
    from PIL import Image

    out = quarter / "reports" / MONTH
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == [f"cost-{AGENT}.png", f"outcome-{AGENT}.png", f"tool-success-{AGENT}.png"]
    for name in pngs:
        path = out / name
        assert path.stat().st_size > 15_000
        assert (path.with_suffix(".csv")).is_file()
        with Image.open(path) as image:
            assert image.size == (1100, 462)
            pixels = np.asarray(image.convert("RGB"), dtype=float)
        assert pixels.std() > 10  # not a blank canvas
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200  # lines, bands and text were drawn


@pytest.mark.slow
def test_html_is_self_contained(quarter: Path) -> None:
    page = (quarter / "reports" / MONTH / "report.html").read_text("utf-8")
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert len(sources) == 3 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<script" not in page and "@import" not in page and "url(" not in page


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (.ci/run installs it)")
def test_html_renders_in_headless_chromium(quarter: Path, tmp_path: Path) -> None:
    page = (quarter / "reports" / MONTH / "report.html").read_text("utf-8")
    # a probe added to a copy: the title says how many images Chromium decoded (the report itself has no script)
    probe = ("<script>window.addEventListener('load', () => { const imgs = [...document.images]; "
             "document.title = 'decoded ' + imgs.filter(i => i.complete && i.naturalWidth === 1100).length + '/' "
             "+ imgs.length; });</script>")
    copy = tmp_path / "report.html"
    copy.write_text(page.replace("</body>", probe + "</body>"), "utf-8")
    shot = tmp_path / "shot.png"
    proc = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
                           "--dump-dom", copy.as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "<title>decoded 3/3</title>" in proc.stdout
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1200,2000", (quarter / "reports" / MONTH / "report.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 20_000


@pytest.mark.slow
def test_absent_cadence_files_are_named_not_fatal(quarter: Path) -> None:
    markdown = (quarter / "reports" / MONTH / "report.md").read_text("utf-8")
    assert "No weekly reviews yet." in markdown
    assert "no backlog yet" in markdown
    assert "No acknowledgements recorded yet" in markdown
    checks = read_csv(quarter / "reports" / MONTH / "checks.csv")
    assert checks and {c["metric"] for c in checks} >= {"install_rate"}


@pytest.mark.slow
def test_reviews_backlog_and_acks_feed_the_report(quarter: Path, tmp_path: Path, cli) -> None:
    from agentctl.report.cadence import CHECKS_REF
    from agentctl.store.refstore import Author, Change, RefStore

    (quarter / "reviews" / "2026-W45").mkdir(parents=True)
    (quarter / "reviews" / "2026-W46").mkdir(parents=True)
    for week, score in (("2026-W45", 0.7), ("2026-W46", 0.85)):
        (quarter / "reviews" / week / f"{AGENT}.yaml").write_text(
            "calls:\n  - {call_id: c1, scores: {confirmation: {score: 3}}}\n"
            f"summary: {{overall: {score}, criteria: {{confirmation: {score}, tone: 0.9}}}}\n", "utf-8")
    (quarter / "backlog.yaml").write_text(
        "items:\n"
        "  - {id: B-1, agent: install-reminder, pattern: rushed confirmation, occurrences: 4, impact: high, "
        "priority: p1, owner: tomas, status: open}\n"
        "  - {id: B-2, agent: install-reminder, pattern: wrong number loop, occurrences: 2, impact: low, "
        "priority: p2, owner: ines, status: done}\n", "utf-8")
    day = read_csv(quarter / "reports" / MONTH / "checks.csv")[0]
    finding = day["id"].split("/", 1)[1]  # as `check ack` records it: ENV/AGENT/CHECK plus the day it covers
    ack = {"finding": finding, "day": day["day"], "by": "ines", "note": "looked at it",
           "at": f"{dt.date.fromisoformat(day['day']) + dt.timedelta(days=1)}T17:30:00-06:00"}
    RefStore(quarter, CHECKS_REF).update(
        lambda snap: Change({f"acks/{finding}.json": json.dumps(ack).encode()}, "ack"),
        Author("Ines Duarte", "ines@roadwise.example"))
    try:
        result = cli("report", "monthly", "--month", MONTH, "--repo", str(quarter), "--out", str(tmp_path / "r"),
                     "--format", "md", "--json")
    finally:
        shutil.rmtree(quarter / "reviews")
        (quarter / "backlog.yaml").unlink()
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert f"reviews-{AGENT}.png" in data["files"] and "report.html" not in data["files"]
    scores = read_csv(tmp_path / "r" / f"reviews-{AGENT}.csv")
    assert [(r["week"], r["confirmation"]) for r in scores] == [("2026-W45", "0.7"), ("2026-W46", "0.85")]
    markdown = (tmp_path / "r" / "report.md").read_text("utf-8")
    assert "| p1 | B-1 | install-reminder | rushed confirmation | 4 | high | tomas | open |" in markdown
    assert "B-2" not in markdown and "1 open item(s) (p1: 1); 1 closed." in markdown
    acked = [c for c in read_csv(tmp_path / "r" / "checks.csv") if c["acked_by"]]
    assert [(c["id"], c["hours_to_ack"]) for c in acked] == [(day["id"], "8.5")]


class _Hook(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, type[_Hook]]]:
    class Hook(_Hook):
        received: list[dict] = []

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", Hook
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_post_sends_summary_and_chart_links(quarter: Path, tmp_path: Path, cli, webhook, monkeypatch) -> None:
    url, hook = webhook
    monkeypatch.setenv("AGENTCTL_WEBHOOK_URL", url)
    result = cli("report", "monthly", "--month", MONTH, "--repo", str(quarter), "--out", str(tmp_path / "r"),
                 "--post", "--link-base", "https://wiki.roadwise.example/reports/2026-11")
    assert result.exit_code == 0, result.stderr
    assert len(hook.received) == 1
    text = hook.received[0]["text"]
    assert text.startswith("*Monthly business review — 2026-11*\n**install-reminder**: install rate was")
    assert "<https://wiki.roadwise.example/reports/2026-11/outcome-install-reminder.png|outcome-install-reminder.png>" \
        in text
    hook.status = 500
    failed = cli("report", "monthly", "--month", MONTH, "--repo", str(quarter), "--out", str(tmp_path / "r"), "--post")
    assert failed.exit_code == 1
    assert failed.stderr.startswith("agentctl: webhook not delivered: webhook answered HTTP 500")


def test_bad_month_and_missing_business_section_exit_2(example_repo, cli) -> None:
    bad = cli("report", "monthly", "--month", "November", "--repo", str(example_repo.path))
    assert bad.exit_code == 2
    assert "--month 'November' is not a month" in bad.stderr and "YYYY-MM" in bad.stderr
    text = example_repo.read("agentctl.yaml")
    example_repo.gen({"agentctl.yaml": text[:text.index("\nbusiness:\n")] + "\n" + text[text.index("# Default canary"):]})
    missing = cli("report", "monthly", "--month", "2026-11", "--repo", str(example_repo.path))
    assert missing.exit_code == 2 and "agentctl.yaml has no `business:` section" in missing.stderr


def test_empty_store_still_writes_a_report(example_repo, cli, tmp_path: Path) -> None:
    result = cli("report", "monthly", "--month", "2026-11", "--repo", str(example_repo.path), "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("No calls for install-reminder in November 2026.")
    markdown = (tmp_path / "r" / "report.md").read_text("utf-8")
    assert "No calls from install-reminder between 2026-09-02 and 2026-11-30." in markdown
