"""`agentctl runbook run` against a real SMS gateway on 127.0.0.1 that answers 200 and sends nothing."""

from __future__ import annotations

import json

import pytest
from werkzeug import Request, Response

from tests.helpers import RepoDir

PATH = "/v2/messages"


@pytest.fixture
def silent_gateway(httpserver, example_repo: RepoDir, monkeypatch: pytest.MonkeyPatch) -> RepoDir:
    """The incident's gateway: every request gets HTTP 200 and a body saying nothing was sent."""

    def handle(request: Request) -> Response:
        return Response(json.dumps({"status": "failed", "error": "sender_id is required"}), 200,
                        content_type="application/json")

    httpserver.expect_request(PATH, method="POST").respond_with_handler(handle)
    monkeypatch.setenv("SMS_GATEWAY_TOKEN", "sandbox-token")
    example_repo.edit("tool-contracts/sms-gateway.yaml", "    staging: https://sandbox.sms-gateway.example/v2/messages\n",
                      "    staging: https://sandbox.sms-gateway.example/v2/messages\n"
                      f"    production: http://127.0.0.1:{httpserver.port}{PATH}\n", commit="production backend")
    return example_repo


def test_tool_failure_runbook_reports_silent_success_and_stops_for_a_person(silent_gateway: RepoDir, cli) -> None:
    result = cli("runbook", "run", "tool-failure", "--tool", "sms-gateway", cwd=silent_gateway.path)
    assert result.exit_code == 1, result.stdout + result.stderr
    out = result.stdout
    assert out.splitlines()[0] == "runbook tool-failure: A tool stopped doing its job (owner wei)"
    assert "✗ 1. agentctl contracts verify sms-gateway --env production → exit 1" in out
    assert ("FAIL example: android install link: HTTP 200 but success criteria not met: " in out)
    assert "✓ 2. agentctl contracts history sms-gateway → exit 0" in out
    assert "→ 3. needs a person: Check the provider's status page" in out
    assert "decision rights — disable-one: operations, engineering, oncall" in out
    assert out.splitlines()[-1] == "✗ 1 step(s) failed: 1; stopped at step 3 for a person"
    assert "4." not in out.split("→ 3.")[1]  # nothing after the human step ran


def test_json_report_marks_steps_not_reached(silent_gateway: RepoDir, cli) -> None:
    result = cli("runbook", "run", "tool-failure", "--tool", "sms-gateway", "--json", cwd=silent_gateway.path)
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [(s["number"], s["kind"], s["ok"]) for s in report["steps"]] == [
        (1, "ran", False), (2, "ran", True), (3, "human", True), (4, "not-reached", True),
        (5, "not-reached", True), (6, "not-reached", True)]
    assert report["stopped_at"] == 3 and report["owner"] == "wei"


def test_missing_placeholder_names_the_option(example_repo: RepoDir, cli) -> None:
    result = cli("runbook", "run", "tool-failure", cwd=example_repo.path)
    assert result.exit_code == 2
    assert result.stderr == ("agentctl: runbooks/tool-failure.md:18:1: step 1 needs {tool} — pass --tool to "
                             "`agentctl runbook run tool-failure`\n")


def test_unknown_runbook(example_repo: RepoDir, cli) -> None:
    result = cli("runbook", "run", "flood", cwd=example_repo.path)
    assert result.exit_code == 2
    assert result.stderr == ("agentctl: no runbook 'flood' in runbooks/ — use one of: escalation, quality-degradation, "
                             "tool-failure (or write runbooks/flood.md)\n")


def test_list_shows_owners(example_repo: RepoDir, cli) -> None:
    result = cli("runbook", "list", "--json", cwd=example_repo.path)
    assert {b["name"]: b["owner"] for b in json.loads(result.stdout)} == {
        "escalation": "ines", "quality-degradation": "tomas", "tool-failure": "wei"}
