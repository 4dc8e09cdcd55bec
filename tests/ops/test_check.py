"""The SMS-gateway incident end to end: 10,000 calls, 30% silent failures, flagged and posted."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from agentctl.calls.simulate import SilentToolFailure, simulate_calls
from agentctl.ops.calls import ingest_calls
from agentctl.ops.check import check_daily
from agentctl.ops.metrics import show_metrics
from tests.helpers import RepoDir


@pytest.fixture(scope="module")
def incident_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sim") / "calls.jsonl"
    with path.open("w") as out:
        for record in simulate_calls(start="2026-03-10", days=1, calls_per_day=10_000, seed=7,
                                     faults=[SilentToolFailure(tool="sms-gateway", share=0.3)]):
            out.write(json.dumps(record) + "\n")
    return path


@pytest.fixture
def incident_repo(example_repo: RepoDir, incident_jsonl: Path) -> RepoDir:
    example_repo.edit("agentctl.yaml", "    email: wei@roadwise.example\n",
                      "    email: wei@roadwise.example\n    slack: U04WEICHEN\n")
    assert ingest_calls(example_repo.path, [str(incident_jsonl)]).inserted == 10_000
    return example_repo


def test_metrics_show_the_gap_between_http_and_contract_success(incident_repo: RepoDir) -> None:
    report = show_metrics(incident_repo.path, "install-reminder", since="2026-03-01")
    value = {r.metric: r for r in report.rows}
    assert value["sms_http_success"].value == pytest.approx(1.0, abs=0.005)
    assert value["sms_success"].value == pytest.approx(0.70, abs=0.015)
    assert (value["sms_http_success"].status, value["sms_success"].status) == ("ok", "breach")


def test_check_daily_flags_names_owner_posts_and_exits_1(incident_repo: RepoDir, httpserver: HTTPServer, cli,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setenv("AGENTCTL_WEBHOOK_URL", httpserver.url_for("/hook"))
    result = cli("check", "daily", "--date", "2026-03-10", cwd=incident_repo.path)
    assert result.exit_code == 1
    assert re.search(r"✗ sms_success \(install-reminder, production\): (69|70|71)\.\d% is below 0.95 — owner wei",
                     result.stdout)
    (request, _), = httpserver.log
    payload = request.get_json()
    assert set(payload) == {"text", "blocks"}
    assert "<@U04WEICHEN>" in payload["text"] and "docs/runbooks/tool-failure.md" in payload["text"]
    assert any("*sms_success*" in b["text"]["text"] for b in payload["blocks"] if b["type"] == "section")


def test_webhook_failure_is_reported_and_exit_stays_1(incident_repo: RepoDir, cli, monkeypatch) -> None:
    monkeypatch.setenv("AGENTCTL_WEBHOOK_URL", "http://127.0.0.1:9/nothing-listens-here")
    result = cli("check", "daily", "--date", "2026-03-10", "--json", cwd=incident_repo.path)
    assert result.exit_code == 1
    assert result.stderr.startswith("agentctl: webhook not delivered: ConnectError")
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["webhook"]["ok"] is False


def test_markdown_report_and_json(incident_repo: RepoDir, tmp_path: Path) -> None:
    report = check_daily(incident_repo.path, date="2026-03-10", markdown_path=tmp_path / "daily.md", post=False)
    text = (tmp_path / "daily.md").read_text()
    assert text.startswith("## agentctl daily check — 2026-03-10 (production)")
    assert re.search(r"\| breach \| sms_success \| production \| install-reminder \| (69|70|71)\.\d% \|", text)
    statuses = {f.metric: f.status for f in report.findings}
    assert statuses["sms_http_success"] == "ok" and statuses["error_rate"] == "ok"


def test_silence_is_a_finding(example_repo: RepoDir, cli) -> None:
    result = cli("check", "daily", "--date", "2026-03-10", "--json", cwd=example_repo.path)
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert {f["status"] for f in findings} == {"no-data"}
    assert findings[0]["detail"] == "no data for the day: is the agent silent, or are calls not being ingested?"


def test_tool_without_contract_is_a_finding(example_repo: RepoDir, tmp_path: Path) -> None:
    records = list(simulate_calls(start="2026-03-10", days=1, calls_per_day=50, seed=1))
    records[0]["tool_calls"].append({"tool": "weather", "http_status": 200, "response": {}})
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    ingest_calls(example_repo.path, [str(path)])
    report = check_daily(example_repo.path, date="2026-03-10", post=False)
    orphan = [f for f in report.findings if f.metric == "contract:weather"]
    assert orphan[0].detail == "tool weather has no contract: 1 call(s) not judged" and not report.ok


def test_tool_calls_without_a_recorded_body_are_a_finding(example_repo: RepoDir, tmp_path: Path) -> None:
    records = list(simulate_calls(start="2026-03-10", days=1, calls_per_day=50, seed=1))
    sms = [t for r in records for t in r["tool_calls"] if t["tool"] == "sms-gateway"]
    for call in sms[:3]:
        call.pop("response", None)
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    ingest_calls(example_repo.path, [str(path)])
    report = check_daily(example_repo.path, date="2026-03-10", post=False)
    unjudged = [f for f in report.findings if f.metric == "contract:sms-gateway"]
    assert [(f.detail.split(" — ")[0], f.owner) for f in unjudged] == [
        ("tool sms-gateway: 3 call(s) not judged: no response body recorded", "wei")]
    assert not report.ok
