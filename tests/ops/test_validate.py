"""validate: golden error text for every kind of broken file, all errors in one run, exit 2."""

from __future__ import annotations

import pytest

from tests.helpers import RepoDir

CONTRACT = "tool-contracts/sms-gateway.yaml"


def test_example_repo_validates(example_repo: RepoDir, cli) -> None:
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 0, result.stderr
    assert "✓ valid: 1 prompts, 3 tool contracts, 1 KB manifests, 1 agents" in result.stdout
    assert "install-reminder" in result.stdout


def test_this_repository_validates(cli) -> None:
    from tests.helpers import REPO_ROOT

    result = cli("validate", "--repo", str(REPO_ROOT))
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(("files", "expected"), [
    pytest.param({CONTRACT: "name: sms-gateway\nversion: [1\n"},
                 "tool-contracts/sms-gateway.yaml:3:1: YAML syntax error: did not find expected ',' or ']' "
                 "— check indentation, colons and quoting on this line", id="yaml-syntax"),
    pytest.param({CONTRACT: ""},
                 "tool-contracts/sms-gateway.yaml:1:1: file is empty — add the required keys "
                 "(see `agentctl schema` for the format)", id="empty-file"),
    pytest.param({CONTRACT: "# only a comment\n"},
                 "tool-contracts/sms-gateway.yaml:1:1: file is empty — add the required keys "
                 "(see `agentctl schema` for the format)", id="comment-only"),
    pytest.param({"prompts/install-reminder/prompt.yaml": "name: install-reminder\nversion: two\nchanges: x\ntemplate: system.md\n"},
                 "prompts/install-reminder/prompt.yaml:2:10: 'version' must be a whole number, got 'two' "
                 "— use a whole number and increase it with every change", id="wrong-type"),
    pytest.param({"kb-manifests/install-faq.yaml": "name: install-faq\nversion: 1\ndocuments: []\n"},
                 "kb-manifests/install-faq.yaml:1:1: missing required key 'changes' — describe what changed and why, "
                 "e.g. \"added handling for drivers who report storage issues; timeout 5s → 8s\"", id="missing-key"),
])
def test_broken_file_golden_error(example_repo: RepoDir, cli, files, expected) -> None:
    example_repo.gen(files)
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert expected in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


def test_unknown_tool_points_at_the_reference(example_repo: RepoDir, cli) -> None:
    example_repo.edit("bundles/install-reminder/agent.yaml", "contract: driver-lookup", "contract: driver-lokup")
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert ("bundles/install-reminder/agent.yaml:9:15: agent 'install-reminder' uses tool 'driver-lokup', which has "
            "no contract — create tool-contracts/driver-lokup.yaml or use one of: driver-lookup, escalate-to-human, "
            "sms-gateway") in result.stderr.splitlines()


def test_unowned_metric_is_an_error(example_repo: RepoDir, cli) -> None:
    example_repo.edit("agentctl.yaml", "    owner: rosa\n", "")
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    line = next(i for i, t in enumerate(example_repo.read("agentctl.yaml").splitlines(), 1) if t == "  install_rate:")
    assert (f"agentctl.yaml:{line}:3: metric 'install_rate' has no owner — add `owner: <person>` — "
            "unowned metrics don't get watched") in result.stderr.splitlines()


def test_unowned_agent_and_tool_are_errors(example_repo: RepoDir, cli) -> None:
    example_repo.edit("agentctl.yaml", "    sms-gateway: wei\n", "")
    example_repo.edit("agentctl.yaml", "  agents:\n    install-reminder: ines\n", "")
    err = cli("validate", cwd=example_repo.path).stderr
    assert "tool-contracts/sms-gateway.yaml:1:7: tool 'sms-gateway' has no owner" in err
    assert "bundles/install-reminder/agent.yaml:1:7: agent 'install-reminder' has no owner" in err


def test_owner_must_be_a_known_person(example_repo: RepoDir, cli) -> None:
    example_repo.edit("agentctl.yaml", "    owner: rosa\n", "    owner: rosalind\n")
    err = cli("validate", cwd=example_repo.path).stderr
    assert "owner 'rosalind' of metric 'install_rate' is not a known person — add 'rosalind' under `people:`" in err


def test_all_errors_reported_in_one_run(example_repo: RepoDir, cli) -> None:
    example_repo.gen({CONTRACT: ""}).edit("agentctl.yaml", "    owner: rosa\n", "")
    example_repo.edit("prompts/install-reminder/system.md", "{{ driver_first_name }}", "{{ driver_name }}")
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert "tool-contracts/sms-gateway.yaml:1:1: file is empty" in result.stderr
    assert "metric 'install_rate' has no owner" in result.stderr
    assert ("prompts/install-reminder/system.md:3:6: prompt uses variable 'driver_name', which is not declared — "
            "declare it under `variables:` in prompts/install-reminder/prompt.yaml") in result.stderr
    assert "warning: variable 'driver_first_name' is declared but never used" in result.stderr


def test_unknown_key_warns_with_suggestion_and_exits_zero(example_repo: RepoDir, cli) -> None:
    example_repo.edit(CONTRACT, "description:", "descripton: typo\ndescription:")
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 0
    assert "warning: unknown key 'descripton' — did you mean 'description'?" in result.stderr


def test_kb_hash_mismatch(example_repo: RepoDir, cli) -> None:
    (example_repo.path / "kb/install-faq/ios-install.md").write_text("changed\n")
    err = cli("validate", cwd=example_repo.path).stderr
    assert "document 'kb/install-faq/ios-install.md' changed since the manifest was written" in err


def test_oversized_file_refused(example_repo: RepoDir, cli) -> None:
    example_repo.gen({CONTRACT: "a: " + "x" * (1024 * 1024 + 10) + "\n"})
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert "tool-contracts/sms-gateway.yaml:1:1: file is 1,048,590 bytes, over the 1,048,576-byte limit" in result.stderr


def test_alias_bomb_refused_quickly(example_repo: RepoDir, cli) -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=False):
        levels.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    example_repo.gen({CONTRACT: "\n".join(levels) + "\n"})
    result = cli("validate", cwd=example_repo.path)
    assert result.exit_code == 2
    assert ("tool-contracts/sms-gateway.yaml:1:1: YAML anchors/aliases expand to more than 100,000 nodes — "
            "write the values out instead of nesting aliases") in result.stderr


def test_paths_limit_the_report(example_repo: RepoDir, cli) -> None:
    example_repo.gen({CONTRACT: ""})
    assert cli("validate", "prompts", cwd=example_repo.path).exit_code == 0
    assert cli("validate", CONTRACT, cwd=example_repo.path).exit_code == 2


def test_json_output(example_repo: RepoDir, cli) -> None:
    import json

    example_repo.gen({CONTRACT: ""})
    result = cli("validate", "--json", cwd=example_repo.path)
    data = json.loads(result.stdout)
    assert result.exit_code == 2
    assert data["ok"] is False
    assert data["errors"][0]["file"] == CONTRACT and data["errors"][0]["line"] == 1
