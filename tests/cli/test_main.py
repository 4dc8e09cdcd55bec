"""The CLI shell: exit codes, no tracebacks, crash logs, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agentctl import __version__
from tests.helpers import REPO_ROOT, run_cli


def test_version() -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"agentctl {__version__}"


def test_version_imports_no_heavy_module() -> None:
    code = ("import sys; from agentctl.cli.main import main; rc = main(['--version']); "
            "heavy = [m for m in ('git', 'jsonschema', 'duckdb', 'rich.progress', 'httpx', 'ruamel.yaml', 'rich') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_every_registered_command_imports_and_has_help() -> None:
    from agentctl.cli.main import COMMANDS, cli

    for name in COMMANDS:
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None, name
        assert command.help, name


@pytest.mark.parametrize("name", ["init", "validate", "schema"])
def test_commands_listed_in_help(name: str) -> None:
    assert name in run_cli("--help").stdout


def test_unknown_command_is_usage_error() -> None:
    result = run_cli("deploi")
    assert result.exit_code == 2
    assert "No such command 'deploi'" in result.stderr


def test_outside_a_repo_is_clear(tmp_path) -> None:
    result = run_cli("validate", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("agentctl: not an agentctl repository")
    assert "Traceback" not in result.stderr


def test_unexpected_error_prints_one_line_and_writes_log(monkeypatch, cli, tmp_path) -> None:
    import agentctl.ops.validate as validate_ops

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(validate_ops, "validate_repo", boom)
    (tmp_path / "agentctl.yaml").write_text("version: 1\n")
    result = cli("validate", cwd=tmp_path)
    assert result.exit_code == 70
    line = result.stderr.strip()
    assert line.startswith("agentctl: internal error: RuntimeError: disk on fire (full trace in ")
    log = line.rsplit("full trace in ", 1)[1].rstrip(")")
    from pathlib import Path

    text = Path(log).read_text()
    assert f"agentctl {__version__}" in text and "Traceback" in text and "disk on fire" in text


def test_schema_prints_json() -> None:
    result = run_cli("schema", "tool-contract")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"].startswith("tool contract")


def test_json_errors_are_json_on_stdout(example_repo, cli) -> None:
    result = cli("deploy", "install-reminder", "--env", "nowhere", "--json", cwd=example_repo.path)
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "error": "unknown environment 'nowhere' (agentctl.yaml declares: production, staging)",
        "fix": "pass --env with one of those names", "exit_code": 2}
    assert result.stderr.startswith("agentctl: unknown environment 'nowhere'")  # people still read stderr


def test_json_error_of_a_refusal_keeps_its_exit_code(example_repo, cli) -> None:
    result = cli("show", "install-reminder@v9", "--json", cwd=example_repo.path)
    document = json.loads(result.stdout)
    assert result.exit_code == document["exit_code"] == 2
    assert "install-reminder@v9" in document["error"] and document["fix"]


def test_json_validation_errors_list_every_diagnostic(example_repo, cli) -> None:
    example_repo.edit("agentctl.yaml", "default_environment: staging", "default_environment: 7")
    result = cli("deploy", "install-reminder", "--json", cwd=example_repo.path)
    document = json.loads(result.stdout)
    assert result.exit_code == document["exit_code"] == 2
    assert document["diagnostics"][0]["file"] == "agentctl.yaml" and document["diagnostics"][0]["line"] == 5


def test_json_usage_errors_are_json_too(cli, tmp_path) -> None:
    result = cli("status", "--bogus", "--json", cwd=tmp_path)
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {"error": "No such option '--bogus'.", "fix": "see `agentctl status --help`",
                                         "exit_code": 2}


def test_without_json_an_error_leaves_stdout_empty(example_repo, cli) -> None:
    result = cli("deploy", "install-reminder", "--env", "nowhere", cwd=example_repo.path)
    assert result.exit_code == 2 and result.stdout == ""
