"""`agentctl test` as a user runs it: the shipped example passes offline, breakage names the case."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from tests.bundle_helpers import FIRST_NOTE
from tests.helpers import RepoDir, run_cli

PROMPT = "prompts/install-reminder/system.md"
OPT_OUT = "Always mention at the end of the call: \"If you'd rather not get these reminder calls, just say stop.\"\n"


def test_example_suites_pass_offline(example_repo: RepoDir, cli) -> None:
    result = cli("test", "install-reminder", cwd=example_repo.path)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "unit/opt-out-phrase-present" in result.stdout
    assert "boundary/link-not-received-second-send-fails" in result.stdout
    assert "✓ passed: 22/22 cases in 2 suites (pass^1 1.00 · pass^2 1.00 · pass^3 1.00)" in result.stdout
    assert "Note: working tree (no released bundle yet): results are not stored" in result.stdout


def test_removing_the_opt_out_phrase_fails_the_named_unit_case(example_repo: RepoDir, cli) -> None:
    example_repo.edit(PROMPT, OPT_OUT, "")
    result = cli("test", "install-reminder", "--suite", "unit", cwd=example_repo.path)
    assert result.exit_code == 1
    assert ("✗ unit/opt-out-phrase-present — prompt 'install-reminder' does not contain the required phrase "
            "'just say stop'") in result.stdout
    assert "✗ failed: 8/9 cases in 1 suite" in result.stdout


def test_prompt_change_makes_cassettes_stale_and_says_how_to_record(example_repo: RepoDir, cli) -> None:
    example_repo.edit(PROMPT, "friendly onboarding assistant", "warm onboarding assistant")
    result = cli("test", "install-reminder", "--suite", "boundary", "--json", cwd=example_repo.path)
    assert result.exit_code == 1
    case = json.loads(result.stdout)["suites"][0]["cases"][0]
    assert case["status"] == "error"
    assert case["message"] == ("cassette for boundary/greeting-names-driver-and-purpose (repeat 1) was recorded for a "
                               "different prompt, tools or case (request hash differs): re-record with a live provider: "
                               "`agentctl test install-reminder --suite boundary --record`")
    recorded = cli("test", "install-reminder", "--suite", "boundary", "--record", cwd=example_repo.path)
    assert recorded.exit_code == 0, recorded.stdout
    assert cli("test", "install-reminder", cwd=example_repo.path).exit_code == 0


def test_junit_report_opens_in_a_standard_parser(example_repo: RepoDir, cli, tmp_path) -> None:
    example_repo.edit(PROMPT, OPT_OUT, "")
    report = tmp_path / "out" / "junit.xml"
    result = cli("test", "install-reminder", "--junit", str(report), cwd=example_repo.path)
    assert result.exit_code == 1
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "22" and root.get("failures") == "1"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"install-reminder/unit", "install-reminder/boundary"}
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["opt-out-phrase-present"]
    assert failed[0].find("failure").get("message").startswith("prompt 'install-reminder' does not contain")
    boundary = suites["install-reminder/boundary"]
    assert len(boundary.findall("testcase")) == 13


def test_released_bundle_results_are_recorded_for_history(example_repo: RepoDir, cli) -> None:
    from agentctl.ops.release import release_bundle
    from agentctl.store.results import results_for

    release_bundle(example_repo.path, "install-reminder", FIRST_NOTE)
    result = cli("test", "install-reminder@v1", cwd=example_repo.path)
    assert result.exit_code == 0, result.stdout
    assert "Results recorded for install-reminder@v1: unit " in result.stdout
    stored = results_for(example_repo.path, "install-reminder", 1)
    assert sorted(stored) == ["boundary", "unit"]
    assert stored["boundary"]["status"] == "passed"
    assert stored["boundary"]["counts"] == {"total": 13, "passed": 13, "failed": 0, "error": 0}
    assert stored["boundary"]["bundle"] == "install-reminder@v1"
    assert stored["unit"]["id"][:12] in result.stdout


def test_bad_suite_file_exits_2_with_position(example_repo: RepoDir, cli) -> None:
    example_repo.edit("bundles/install-reminder/suites/boundary.yaml", "kind: boundary", "kind: boundry")
    result = cli("test", "install-reminder", cwd=example_repo.path)
    assert result.exit_code == 2
    assert ("bundles/install-reminder/suites/boundary.yaml:5:7: 'kind' is 'boundry', not one of \"unit\", "
            "\"boundary\", \"e2e\" — did you mean 'boundary'?") in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


def test_validate_reports_suite_files(example_repo: RepoDir, cli) -> None:
    example_repo.edit("bundles/install-reminder/suites/boundary.yaml", "message_id: msg_7f3a9c, status: queued",
                      "message_id: msg_7f3a9c, status: delivered")
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert ("mocked sms-gateway response does not match the contract's response schema: status: 'delivered' is not "
            "one of ['queued', 'sent', 'failed', 'rejected']") in result.stderr


def test_unknown_suite_and_e2e_without_env(example_repo: RepoDir, cli) -> None:
    result = cli("test", "install-reminder", "--suite", "smoke", cwd=example_repo.path)
    assert result.exit_code == 2
    assert "agentctl: no suite named smoke — use one of: boundary, e2e, unit" in result.stderr


def test_subprocess_exit_code_and_json(example_repo: RepoDir) -> None:
    result = run_cli("test", "install-reminder", "--suite", "unit", "--json", cwd=example_repo.path)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "passed" and data["suites"][0]["counts"]["passed"] == 9
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
