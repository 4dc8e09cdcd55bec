"""`agentctl contracts diff|history`: what a user sees, and the exit codes CI gates on."""

from __future__ import annotations

import json

from tests.contracts.incident import CONTRACT, replay_incident


def test_diff_names_the_incident_change_as_breaking(example_repo, cli) -> None:
    old, _ = replay_incident(example_repo)
    result = cli("contracts", "diff", "sms-gateway", cwd=example_repo.path)
    assert result.exit_code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"sms-gateway: {old[:10]} (1.3.0) → working tree (2.0.0)"
    row = next(line for line in lines if "request-property-became-required" in line)
    assert "│ ERR   │ request.schema.properties.sender_id" in row
    assert lines[-1] == "✗ breaking: 1 ERR, 3 WARN, 0 INFO"


def test_diff_json_between_two_revisions(example_repo, cli) -> None:
    old, new = replay_incident(example_repo)
    result = cli("contracts", "diff", "sms-gateway", "--from", "HEAD~1", "--to", "HEAD", "--json",
                 cwd=example_repo.path)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["from"], data["to"]) == (f"{old[:10]} (1.3.0)", f"{new[:10]} (2.0.0)")
    assert data["breaking"] is True
    errs = [(c["rule"], c["path"]) for c in data["changes"] if c["level"] == "ERR"]
    assert errs == [("request-property-became-required", "request.schema.properties.sender_id")]


def test_repo_override_relaxes_the_gate(example_repo, cli) -> None:
    replay_incident(example_repo)
    example_repo.gen({"agentctl.yaml": example_repo.read("agentctl.yaml")
                      + "contracts:\n  rules:\n    request-property-became-required: WARN\n"})
    result = cli("contracts", "diff", "sms-gateway", "--json", cwd=example_repo.path)
    assert result.exit_code == 0
    levels = {c["rule"]: c["level"] for c in json.loads(result.stdout)["changes"]}
    assert levels["request-property-became-required"] == "WARN"


def test_diff_without_history_says_what_to_pass(example_repo, cli) -> None:
    result = cli("contracts", "diff", "sms-gateway", cwd=example_repo.path)
    assert result.exit_code == 2
    assert result.stderr.startswith("agentctl: no earlier version of sms-gateway than 2.0.0 in git history — pass --from REV")


def test_diff_unknown_revision_and_tool(example_repo, cli) -> None:
    bad_rev = cli("contracts", "diff", "sms-gateway", "--from", "nope", cwd=example_repo.path)
    assert bad_rev.exit_code == 2
    assert bad_rev.stderr.startswith("agentctl: unknown revision 'nope' — ")
    bad_tool = cli("contracts", "diff", "sms-gatewya", cwd=example_repo.path)
    assert bad_tool.exit_code == 2
    assert "no tool contract named 'sms-gatewya'" in bad_tool.stderr
    assert "use one of: driver-lookup, escalate-to-human, sms-gateway" in bad_tool.stderr


def test_diff_two_files(example_repo, cli, tmp_path) -> None:
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    text = example_repo.read(CONTRACT)
    old.write_text(text)
    new.write_text(text.replace("version: 2.0.0", "version: 2.1.0")
                   .replace("      reference: {type: string,", "      priority: {type: integer}\n      reference: {type: string,"))
    safe = cli("contracts", "diff", str(old), str(new), cwd=tmp_path)
    assert safe.exit_code == 0, safe.stdout + safe.stderr
    assert "request-property-added-optional" in safe.stdout
    assert safe.stdout.splitlines()[-1] == "✓ not breaking: 0 ERR, 0 WARN, 1 INFO"
    breaking = cli("contracts", "diff", str(new), str(old), "--json", cwd=tmp_path)
    assert breaking.exit_code == 1
    rules = [c["rule"] for c in json.loads(breaking.stdout)["changes"]]
    assert rules == ["request-property-removed", "version-not-increased"]


def test_diff_bad_file_points_at_the_line(cli, tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: sms-gateway\nversion: [1]\n")
    good = tmp_path / "good.yaml"
    good.write_text("x: 1\n")
    result = cli("contracts", "diff", str(bad), str(good), cwd=tmp_path)
    assert result.exit_code == 2
    assert f"{bad}:2:10: 'version' must be a string, got a list" in result.stderr


def test_history_lists_each_version(example_repo, cli) -> None:
    old, new = replay_incident(example_repo)
    result = cli("contracts", "history", "sms-gateway", "--json", cwd=example_repo.path)
    assert result.exit_code == 0
    versions = json.loads(result.stdout)["versions"]
    assert [(v["version"], v["author"]) for v in versions] == [
        ("2.0.0", "Test Operator"), ("1.3.0", "Test Operator"), ("2.0.0", "Test Operator")]
    assert [v["commit"] for v in versions[:2]] == [new[:10], old[:10]]
    assert versions[1]["changes"] == "send our driver id as `reference` so delivery receipts can be matched to calls."
    table = cli("contracts", "history", "sms-gateway", cwd=example_repo.path)
    assert table.exit_code == 0
    assert "│ 1.3.0   │" in table.stdout and old[:10] in table.stdout


def test_history_shows_an_unreleased_working_tree_version(example_repo, cli) -> None:
    example_repo.edit(CONTRACT, "version: 2.0.0", "version: 2.1.0")
    versions = json.loads(cli("contracts", "history", "sms-gateway", "--json", cwd=example_repo.path).stdout)["versions"]
    assert [(v["version"], v["commit"]) for v in versions][0] == ("2.1.0", "working tree")


def test_a_request_field_made_optional_warns_and_points_to_verify(example_repo, cli) -> None:
    example_repo.edit("tool-contracts/sms-gateway.yaml", "required: [to, body, sender_id]", "required: [to, body]")
    example_repo.edit("tool-contracts/sms-gateway.yaml", "version: 2.0.0", "version: 2.1.0")
    example_repo.git("commit", "-qam", "sender_id optional again?")
    result = cli("contracts", "diff", "sms-gateway", "--from", "HEAD~1", "--to", "HEAD", "--json",
                 cwd=example_repo.path)
    assert result.exit_code == 0  # not breaking for requests we send, but a claim about the provider
    [change] = [c for c in json.loads(result.stdout)["changes"] if c["rule"] == "request-property-became-optional"]
    assert (change["level"], change["path"]) == ("WARN", "request.schema.properties.sender_id")
    assert change["message"].endswith("if it still needs it, those requests fail (maybe with HTTP 200 and nothing "
                                      "done): confirm with `agentctl contracts verify sms-gateway` against its sandbox "
                                      "(probe 'optional omitted: sender_id')")
