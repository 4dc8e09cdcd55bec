"""`agentctl ci` end to end: a main branch, a PR branch, and the exit code and text a reviewer sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import RepoDir

PROMPT = "prompts/install-reminder/prompt.yaml"
TEMPLATE = "prompts/install-reminder/system.md"
CONTRACT = "tool-contracts/sms-gateway.yaml"
AGENT = "bundles/install-reminder/agent.yaml"
GOOD_NOTE = "asks which phone the driver uses before texting, so iPhone owners stop getting the Play Store link"


def bump_prompt(repo: RepoDir, note: str = GOOD_NOTE) -> None:
    text = repo.read(PROMPT)
    head, _, rest = text.partition("changes: >-\n")
    rest = rest.split("description:", 1)[1]
    repo.gen({PROMPT: head.replace("version: 1", "version: 2") + f"changes: {note}\ndescription:{rest}"})


@pytest.fixture
def pr(example_repo: RepoDir) -> RepoDir:
    """The example repo on a `pr` branch made from `main`."""
    example_repo.git("checkout", "-q", "-b", "pr")
    return example_repo


@pytest.fixture
def sms_v1(example_repo: RepoDir) -> RepoDir:
    """main holds the gateway contract before sender_id existed (1.4.0); the PR branch starts there."""
    example_repo.edit(CONTRACT, "version: 2.0.0", "version: 1.4.0")
    example_repo.edit(CONTRACT, "required: [to, body, sender_id]", "required: [to, body]")
    example_repo.edit(AGENT, "version: ^2.0.0", "version: ^1.4.0")
    example_repo.git("commit", "-qam", "sms-gateway 1.4.0")
    example_repo.git("checkout", "-q", "-b", "pr")
    return example_repo


def require_sender_id(repo: RepoDir, version: str) -> None:
    repo.edit(CONTRACT, "version: 1.4.0", f"version: {version}")
    repo.edit(CONTRACT, "required: [to, body]", "required: [to, body, sender_id]")
    repo.edit(CONTRACT, "the gateway's v2 API requires", "since the gateway's API v2 it requires")


def rerecord(repo: RepoDir, cli) -> None:
    """What an author does after a prompt change: refresh the replay cassettes and commit them."""
    assert cli("test", "install-reminder", "--suite", "boundary", "--record", cwd=repo.path).exit_code in (0, 1)
    repo.git("add", "bundles/install-reminder/suites/cassettes")
    repo.git("commit", "-q", "-m", "re-record boundary cassettes")


def test_clean_prompt_change_passes(pr: RepoDir, cli) -> None:
    bump_prompt(pr)
    pr.gen({TEMPLATE: pr.read(TEMPLATE) + "\n# Platform\nAsk whether the driver uses Android or iPhone.\n"},
           commit="ask for the platform")
    rerecord(pr, cli)
    result = cli("ci", cwd=pr.path)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "✓ gate passed: 0 errors, 0 warnings; affected agents: install-reminder" in result.stdout
    assert ("notice: impact: bundles/install-reminder/agent.yaml: agent 'install-reminder' is affected: "
            "its test suites changed, prompt install-reminder") in result.stdout


def test_uncommitted_change_is_judged_too(pr: RepoDir, cli) -> None:
    pr.gen({TEMPLATE: pr.read(TEMPLATE) + "\nBe brief.\n"})
    result = cli("ci", cwd=pr.path)
    assert result.exit_code == 1
    assert ("error: discipline: prompts/install-reminder/prompt.yaml:2:10: [version-not-bumped] prompt "
            "'install-reminder' changed (prompts/install-reminder/system.md) but its version is still 1 (base: 1) "
            "— bump `version:` above 1") in result.stdout.splitlines()


def test_sms_gateway_new_required_field_without_major_bump_fails(sms_v1: RepoDir, cli) -> None:
    require_sender_id(sms_v1, "1.5.0")
    sms_v1.git("commit", "-qam", "sender_id is required")
    result = cli("ci", cwd=sms_v1.path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert ("error: compat: tool-contracts/sms-gateway.yaml:34:18: [request-property-became-required] 'sender_id' was "
            "optional and is now required: payloads that omit it are rejected or silently dropped "
            "(used by install-reminder)") in lines
    assert ("error: compat: tool-contracts/sms-gateway.yaml:2:10: [breaking-change-without-major-bump] 1.4.0 → 1.5.0 "
            "has breaking changes (request-property-became-required); release it as 2.0.0 (used by install-reminder)"
            ) in lines


def test_sms_gateway_new_required_field_with_major_bump_passes(sms_v1: RepoDir, cli) -> None:
    require_sender_id(sms_v1, "2.0.0")
    sms_v1.edit(AGENT, "version: ^1.4.0", "version: ^2.0.0")
    sms_v1.git("commit", "-qam", "sender_id is required: 2.0.0")
    result = cli("ci", cwd=sms_v1.path)
    assert result.exit_code == 0, result.stdout
    assert ("warning: compat: tool-contracts/sms-gateway.yaml:34:18: [request-property-became-required] 'sender_id' "
            "was optional and is now required: payloads that omit it are rejected or silently dropped; released as "
            "major version 2.0.0 (used by install-reminder)") in result.stdout.splitlines()
    assert "✓ gate passed: 0 errors, 1 warning; affected agents: install-reminder" in result.stdout


def test_generic_note_fails(pr: RepoDir, cli) -> None:
    bump_prompt(pr, note="update")
    pr.git("commit", "-qam", "prompt")
    result = cli("ci", cwd=pr.path)
    assert result.exit_code == 1
    assert ("error: discipline: prompts/install-reminder/prompt.yaml:3:10: [generic-note] release note \"update\" says "
            "nothing about what changed — write what changed and why, e.g. \"added handling for drivers who report "
            "storage issues; timeout 5s → 8s\"") in result.stdout.splitlines()


def test_unchanged_note_fails(pr: RepoDir, cli) -> None:
    pr.edit(PROMPT, "version: 1", "version: 2", commit="bump only")
    result = cli("ci", cwd=pr.path)
    assert result.exit_code == 1
    assert ("error: discipline: prompts/install-reminder/prompt.yaml:3:10: [note-not-updated] the what-changed note of "
            "prompt 'install-reminder' is the same as on main — rewrite `changes:` to say what this change did and why"
            ) in result.stdout.splitlines()


def test_planted_api_key_fails_with_file_and_line(pr: RepoDir, cli) -> None:
    bump_prompt(pr)
    pr.gen({TEMPLATE: pr.read(TEMPLATE) + "\nInternal: sk-proj-9fQ2x7LmPz8Rt4Wv1Yb6Kc3Nd5\n"}, commit="oops")
    commit = pr.git("rev-parse", "--short=7", "HEAD").strip()
    result = cli("ci", cwd=pr.path)
    assert result.exit_code == 1
    assert (f"error: secrets: prompts/install-reminder/system.md:36:11: [openai-api-key] OpenAI-style API key (sk-p…d5), "
            f"added in commit {commit} — remove it, rotate it if it was real, and reference a secret by name instead (or "
            "mark an intended example with `# agentctl: allow-secret`, or list it in .agentctl-secrets-allow.yaml with a "
            "reason)") in result.stdout.splitlines()
    assert "9fQ2x7LmPz8Rt4Wv1Yb6Kc3Nd5" not in result.stdout  # never echo the secret itself


def test_released_bundle_edited_in_place_fails(example_repo: RepoDir, cli) -> None:
    from agentctl.ops.release import release_bundle
    from tests.bundle_helpers import FIRST_NOTE

    release_bundle(example_repo.path, "install-reminder", FIRST_NOTE)
    example_repo.git("checkout", "-q", "-b", "pr")
    example_repo.gen({TEMPLATE: example_repo.read(TEMPLATE) + "\nBe brief.\n"})
    example_repo.edit("bundles/install-reminder/v1.yaml", "version: 1\n", "version: 1\nx-tweaked: true\n")
    result = cli("ci", cwd=example_repo.path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert ("error: discipline: prompts/install-reminder/prompt.yaml:2:10: [version-not-bumped] prompt 'install-reminder' "
            "changed (prompts/install-reminder/system.md) but its version is still 1 (base: 1); released content was "
            "edited in place (bundles/install-reminder/v1.yaml pins 1) — bump `version:` above 1") in lines
    assert any("[released-bundle-changed] released bundle bundles/install-reminder/v1.yaml was edited in place" in line
               for line in lines)


def test_kb_document_change_reaches_the_manifest_and_agent(pr: RepoDir, cli) -> None:
    pr.gen({"kb/install-faq/ios-install.md": pr.read("kb/install-faq/ios-install.md") + "\nCall +1 312 867 5309.\n"},
           commit="faq")
    result = cli("ci", "--json", cwd=pr.path)
    assert result.exit_code == 1
    import json

    data = json.loads(result.stdout)
    assert data["affected_agents"] == {"install-reminder": ["KB install-faq"]}
    rules = {f["rule"] for s in data["steps"] for f in s["findings"] if f["level"] == "error"}
    # the unit suite also fails: the KB document no longer matches its manifest hash
    assert rules == {"version-not-bumped", "note-not-updated", "phone-number", "suite-case-failed", None}
    assert any(f["file"] == "kb-manifests/install-faq.yaml" and "changed since the manifest was written" in f["message"]
               for s in data["steps"] for f in s["findings"])


def test_no_change_passes_and_touches_no_agent(pr: RepoDir, cli) -> None:
    result = cli("ci", "--json", cwd=pr.path)
    assert result.exit_code == 0
    import json

    assert json.loads(result.stdout)["affected_agents"] == {}


def test_unknown_base_is_bad_input(pr: RepoDir, cli) -> None:
    result = cli("ci", "--base", "no-such-branch", cwd=pr.path)
    assert result.exit_code == 2
    assert "agentctl: unknown base revision 'no-such-branch' — pass --base with a branch" in result.stderr




def test_prompt_change_without_rerecording_fails_on_stale_cassettes(pr: RepoDir, cli) -> None:
    bump_prompt(pr)
    pr.gen({TEMPLATE: pr.read(TEMPLATE) + "\n# Platform\nAsk whether the driver uses Android or iPhone.\n"},
           commit="ask for the platform")
    result = cli("ci", cwd=pr.path)
    assert result.exit_code == 1
    assert "boundary/asks-for-a-human: " in result.stdout
    assert "re-record" in result.stdout


def test_prompt_change_breaking_a_boundary_case_fails(pr: RepoDir, cli) -> None:
    bump_prompt(pr, note="dropped the support-hours sentence; the agent now transfers without quoting hours")
    pr.edit(TEMPLATE, " Human support is available {{ support_hours }}.", "", commit="stop quoting support hours")
    rerecord(pr, cli)
    result = cli("ci", cwd=pr.path)
    assert result.exit_code == 1
    assert "boundary/asks-for-a-human: " in result.stdout
    assert "8am to 6pm Central" in result.stdout
    assert "boundary/greeting-names-driver-and-purpose" not in result.stdout


def test_junit_file_has_one_testcase_per_step(pr: RepoDir, cli, tmp_path: Path) -> None:
    bump_prompt(pr, note="update")
    result = cli("ci", "--junit", str(tmp_path / "out" / "ci.xml"), cwd=pr.path)
    assert result.exit_code == 1
    import xml.etree.ElementTree as ET

    suite = ET.parse(tmp_path / "out" / "ci.xml").getroot()
    assert [c.get("name") for c in suite.iter("testcase")] == ["validate", "impact", "discipline", "compat", "suites",
                                                               "secrets"]
    assert suite.get("failures") == "1"
    assert "[generic-note]" in suite.find("testcase[@name='discipline']/failure").text
