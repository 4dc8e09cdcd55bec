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
    assert "<@U04WEICHEN>" in payload["text"] and "runbook **tool-failure**" in payload["text"]
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


# --------------------------------------------------------------------------- a 10% canary with silent SMS failures

@pytest.fixture(scope="module")
def canary_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three days of a 10% canary (v2) whose SMS sends fail silently 30% of the time; v1 is healthy."""
    path = tmp_path_factory.mktemp("canary") / "calls.jsonl"
    with path.open("w") as out:
        for record in simulate_calls(start="2026-03-09", days=3, calls_per_day=3000, seed=11, versions={1: 0.9, 2: 0.1},
                                     faults=[SilentToolFailure(tool="sms-gateway", share=0.3, versions=frozenset({2}))]):
            out.write(json.dumps(record) + "\n")
    return path


@pytest.fixture
def canary_repo(example_repo: RepoDir, canary_jsonl: Path) -> RepoDir:
    example_repo.edit("agentctl.yaml", "    email: wei@roadwise.example\n",
                      "    email: wei@roadwise.example\n    slack: U04WEICHEN\n")
    ingest_calls(example_repo.path, [str(canary_jsonl)])
    return example_repo


def _by_id(report) -> dict[str, object]:
    return {f.id: f for f in report.findings}


def test_canary_regression_is_a_finding_although_the_pool_looks_fine(canary_repo: RepoDir) -> None:
    report = check_daily(canary_repo.path, date="2026-03-10", post=False)
    found = _by_id(report)
    pooled = found["production/install-reminder/sms_success"]
    assert pooled.status == "ok" and 0.95 < pooled.value < 0.99  # what a pooled dashboard shows
    v2 = found["production/install-reminder/sms_success@v2"]
    assert (v2.status, v2.version, v2.owner) == ("breach", 2, "wei")
    assert re.match(r"v2: (6\d|7\d)\.\d% is below 0.95; v2: .* vs 99\.\d% on the other version\(s\)", v2.detail)
    assert found["production/install-reminder/sms_success@v1"].status == "ok"
    assert (v2.runbook, v2.runbook_owner) == ("tool-failure", "wei")
    assert v2.first_steps[0].startswith("1. Test the tool against production exactly as the agent calls it: "
                                        "`agentctl contracts verify sms-gateway --env production`")


def test_silent_failure_gap_is_its_own_finding(canary_repo: RepoDir) -> None:
    gap = _by_id(check_daily(canary_repo.path, date="2026-03-10", post=False))[
        "production/install-reminder/silent-gap.sms-gateway"]
    assert gap.status == "breach" and gap.owner == "wei" and gap.runbook == "tool-failure"
    assert re.match(r"sms-gateway: \d+ of \d+ judged call\(s\) \([23]\.\d%\) answered HTTP 2xx but failed the "
                    r"contract's success criteria — the silent-failure signature; by version: v1 0\.0%, v2 (2\d|3\d)\.\d%$",
                    gap.detail)


def test_alert_tags_owner_and_carries_the_runbook(canary_repo: RepoDir, httpserver: HTTPServer, cli, monkeypatch) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setenv("AGENTCTL_WEBHOOK_URL", httpserver.url_for("/hook"))
    assert cli("check", "daily", "--date", "2026-03-10", cwd=canary_repo.path).exit_code == 1
    (request, _), = httpserver.log
    lines = "\n".join(b["text"]["text"] for b in request.get_json()["blocks"] if b["type"] == "section")
    line = next(x for x in lines.splitlines() if x.startswith("*sms_success@v2*"))
    assert "(owner <@U04WEICHEN>, runbook tool-failure owned by <@U04WEICHEN>) — first steps: 1. Test the tool" in line
    # open since the day before and nobody acknowledged it: the owner's escalation contact is tagged
    assert line.endswith("— repeated, nobody acknowledged it: @ines")


def test_ack_is_recorded_on_the_ref_and_shown_next_morning(canary_repo: RepoDir, cli, monkeypatch) -> None:
    finding = "production/install-reminder/sms_success@v2"
    monkeypatch.setenv("AGENTCTL_ACTOR", "Tomás Berg <tomas@roadwise.example>")
    refused = cli("check", "ack", finding, "--note", "looking", "--date", "2026-03-10", cwd=canary_repo.path)
    assert refused.exit_code == 3
    assert refused.stderr.startswith("agentctl: 'tomas' is not on call: only people with role 'oncall' (ines) may "
                                     "acknowledge daily findings")
    monkeypatch.setenv("AGENTCTL_ACTOR", "Ines Duarte <ines@roadwise.example>")
    done = cli("check", "ack", finding, "--note", "gateway wants sender_id; v2 aborted", "--date", "2026-03-10",
               "--json", cwd=canary_repo.path)
    assert done.exit_code == 0, done.stderr
    record = json.loads(canary_repo.git("show", f"refs/agentctl/checks:acks/{finding}.json"))
    assert {k: record[k] for k in ("finding", "by", "day", "note")} == {
        "finding": finding, "by": "ines", "day": "2026-03-10", "note": "gateway wants sender_id; v2 aborted"}
    assert canary_repo.git("log", "-1", "--format=%an|%s", "refs/agentctl/checks").strip() == (
        f"Ines Duarte|ack {finding}: gateway wants sender_id; v2 aborted")
    next_day = cli("check", "daily", "--date", "2026-03-11", "--no-post", cwd=canary_repo.path)
    assert next_day.exit_code == 1
    block = next_day.stdout.split("✗ sms_success@v2 ")[1].split("✗ ")[0]
    assert "acknowledged by ines at " in block and block.strip().endswith(": gateway wants sender_id; v2 aborted")
    gap = next_day.stdout.split("✗ silent-gap.sms-gateway ")[1]
    assert "repeated: nobody acknowledged it — escalating to ines" in gap


def test_ack_refuses_a_malformed_finding_id(canary_repo: RepoDir, cli, monkeypatch) -> None:
    monkeypatch.setenv("AGENTCTL_ACTOR", "ines")
    result = cli("check", "ack", "sms_success", "--note", "x", cwd=canary_repo.path)
    assert result.exit_code == 2
    assert result.stderr.startswith("agentctl: 'sms_success' is not a finding id — copy it from `agentctl check daily`")


def test_a_metric_silent_for_many_agents_is_one_table_row(example_repo: RepoDir, cli) -> None:
    """Six silent agents: the table folds each metric's no-data rows into one row naming how many agents
    (a 200-agent repo would print a page of them); --json still lists every finding."""
    agent = example_repo.read("bundles/install-reminder/agent.yaml")
    example_repo.gen({f"bundles/agent-{i}/agent.yaml": agent.replace("name: install-reminder", f"name: agent-{i}")
                      for i in range(5)}, commit="five more agents")
    text = cli("check", "daily", "--date", "2026-03-10", "--no-post", cwd=example_repo.path)
    assert text.exit_code == 1
    rows = [line for line in text.stdout.splitlines() if "error_rate" in line and "no-data" in line]
    assert len(rows) == 1 and "6 agents" in rows[0], text.stdout
    findings = json.loads(cli("check", "daily", "--date", "2026-03-10", "--json", cwd=example_repo.path).stdout)["findings"]
    assert len([f for f in findings if f["metric"] == "error_rate"]) == 6
