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
    assert "✓ passed: 22 of 22 cases passed in 2 suites (pass^1 1.00 · pass^2 1.00 · pass^3 1.00)" in result.stdout
    assert "Note: working tree (no released bundle yet): results are not stored" in result.stdout


def test_removing_the_opt_out_phrase_fails_the_named_unit_case(example_repo: RepoDir, cli) -> None:
    example_repo.edit(PROMPT, OPT_OUT, "")
    result = cli("test", "install-reminder", "--suite", "unit", cwd=example_repo.path)
    assert result.exit_code == 1
    assert ("✗ unit/opt-out-phrase-present — prompt 'install-reminder' does not contain the required phrase "
            "'just say stop'") in result.stdout
    assert "✗ failed: 1 of 9 cases failed (1 broke an expectation); 8 passed in 1 suite" in result.stdout


def test_prompt_change_makes_cassettes_stale_and_says_how_to_record(example_repo: RepoDir, cli) -> None:
    example_repo.edit(PROMPT, "friendly onboarding assistant", "warm onboarding assistant")
    result = cli("test", "install-reminder", "--suite", "boundary", "--json", cwd=example_repo.path)
    assert result.exit_code == 1
    case = json.loads(result.stdout)["suites"][0]["cases"][0]
    assert case["status"] == "stale"
    assert case["message"] == ("stale cassette for boundary/greeting-names-driver-and-purpose (repeat 1): it was "
                               "recorded for a different prompt, tools or case (request hash differs): re-record with "
                               "a live provider: `agentctl test install-reminder --suite boundary --record`")
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
    assert stored["boundary"]["counts"] == {"total": 13, "passed": 13, "failed": 0, "error": 0, "stale": 0}
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


REFERENCE_AGENT = "command:python bundles/install-reminder/suites/reference_agent.py"


def test_a_prompt_edit_shows_stale_cassettes_in_validate_test_and_release_and_the_offline_path_fixes_them(
        example_repo: RepoDir, cli) -> None:
    example_repo.edit(PROMPT, "friendly onboarding assistant", "warm onboarding assistant")
    example_repo.edit("prompts/install-reminder/prompt.yaml", "version: 1", "version: 2")
    example_repo.git("commit", "-qam", "Warmer greeting")
    warning = ("bundles/install-reminder/suites/boundary.yaml:7:1: warning: 15 of 15 replay cassettes of suite "
               "'boundary' are stale (15 recorded for a different prompt, tools or case; first: "
               "greeting-names-driver-and-purpose): those cases fail at `agentctl test`, and deploy refuses a bundle "
               "whose required suites did not pass — re-record them: agentctl test install-reminder --suite boundary "
               "--record")

    validated = cli("validate", cwd=example_repo.path)
    assert validated.exit_code == 0  # a warning: the config itself is fine
    assert warning in validated.stderr.splitlines()

    tested = cli("test", "install-reminder", cwd=example_repo.path)
    assert tested.exit_code == 1
    assert "✗ failed: 13 of 22 cases failed (13 stale cassettes); 9 passed in 2 suites" in tested.stdout
    assert "re-record: agentctl test install-reminder --suite boundary --record" in tested.stdout
    assert "│ boundary/opt-out-is-respected" in tested.stdout and "✗ stale" in tested.stdout
    counts = json.loads(cli("test", "install-reminder", "--json", cwd=example_repo.path).stdout)["counts"]
    assert counts == {"total": 22, "passed": 9, "failed": 13, "assertions_failed": 0, "error": 0, "stale": 13}

    released = cli("release", "install-reminder", "-m", "Warmer greeting for drivers on their first call",
                   cwd=example_repo.path)
    assert released.exit_code == 0, released.stderr
    assert warning in released.stderr.splitlines()
    assert "then run `agentctl test install-reminder@v1` so its results are recorded before deploying" in released.stderr

    recorded = cli("test", "install-reminder", "--suite", "boundary", "--record", "--provider", REFERENCE_AGENT,
                   cwd=example_repo.path)
    assert recorded.exit_code == 0, recorded.stdout
    assert "✓ passed: 13 of 13 cases passed in 1 suite" in recorded.stdout
    assert cli("test", "install-reminder", cwd=example_repo.path).exit_code == 0
    validated = cli("validate", "--json", cwd=example_repo.path)
    assert json.loads(validated.stdout)["warnings"] == []


def test_a_mix_of_failures_is_counted_by_kind(example_repo: RepoDir, cli) -> None:
    example_repo.edit(PROMPT, OPT_OUT, "")  # one unit failure, and every boundary cassette goes stale
    result = cli("test", "install-reminder", cwd=example_repo.path)
    assert result.exit_code == 1
    assert ("✗ failed: 14 of 22 cases failed (13 stale cassettes, 1 broke an expectation); 8 passed in 2 suites"
            in result.stdout)


def test_e2e_without_the_staging_url_is_bad_input_and_records_nothing(example_repo: RepoDir, cli,
                                                                     monkeypatch) -> None:
    from agentctl.ops.release import release_bundle
    from agentctl.store.results import results_for

    monkeypatch.delenv("AGENTCTL_STAGING_URL", raising=False)
    monkeypatch.setenv("AGENTCTL_STAGING_TOKEN", "t0ken")
    release_bundle(example_repo.path, "install-reminder", FIRST_NOTE)
    result = cli("test", "install-reminder@v1", "--suite", "e2e", "--env", "staging", cwd=example_repo.path)
    assert result.exit_code == 2
    assert result.stderr == (
        "agentctl: suite e2e needs the environment variable AGENTCTL_STAGING_URL, which is not set (its provider "
        "uses ${AGENTCTL_STAGING_URL}/agents/install-reminder/test?env={env}); nothing was run or recorded — "
        "export AGENTCTL_STAGING_URL=… (the deployed runtime's URL and credentials) and run again\n")
    assert result.stdout == ""
    assert results_for(example_repo.path, "install-reminder", 1) == {}
