"""Stale cassettes found before `test` runs: missing ones and ones recorded for another request, with the fix."""

from __future__ import annotations

from collections.abc import Callable

from agentctl.ops.bundles import working_config
from agentctl.ops.test import load_agent_suites
from agentctl.suites.cassettes import SuiteCassettes, check_cassettes, record_command, stale_warnings
from tests.helpers import RepoDir

SUITE = """kind: boundary
name: extra
provider: {provider}
cases:
  - name: greets
    turns: [{{user: "Hello?"}}]
    expect: [{{contains: Jordan}}]
  - name: greets-twice
    repeats: 2
    turns: [{{user: "Hi"}}]
    expect: [{{contains: Jordan}}]
"""
LIVE = "{type: command, command: [python, bundles/install-reminder/suites/reference_agent.py]}"


def _extra(repo: RepoDir) -> SuiteCassettes:
    config = working_config(repo.path, "install-reminder")
    return [r for r in check_cassettes(repo.path, config, load_agent_suites(repo.path, "install-reminder"))
            if r.suite.name == "extra"][0]


def test_missing_then_recorded_then_outdated(add_suite: Callable[[str], RepoDir]) -> None:
    from agentctl.ops.test import run_tests

    repo = add_suite(SUITE.format(provider=f"{{type: replay, live: {LIVE}}}"))
    report = _extra(repo)
    assert (report.total, report.missing, report.outdated) == (
        3, ["greets", "greets-twice (repeat 1)", "greets-twice (repeat 2)"], [])
    assert run_tests(repo.path, "install-reminder", suites=["extra"], record=True).ok
    assert _extra(repo).stale == 0
    repo.edit("bundles/install-reminder/suites/extra.yaml", '{user: "Hi"}', '{user: "Hi there"}')
    report = _extra(repo)
    assert (report.missing, report.outdated) == ([], ["greets-twice (repeat 1)", "greets-twice (repeat 2)"])
    [warning] = [w for w in stale_warnings(repo.path, working_config(repo.path, "install-reminder"),
                                           load_agent_suites(repo.path, "install-reminder"))
                 if w.file.endswith("extra.yaml")]
    assert (warning.line, warning.severity) == (3, "warning")
    assert warning.message.startswith("2 of 3 replay cassettes of suite 'extra' are stale (2 recorded for a "
                                      "different prompt, tools or case; first: greets-twice (repeat 1))")
    assert warning.fix == "re-record them: agentctl test install-reminder --suite extra --record"


def test_without_a_live_provider_the_fix_names_one(add_suite: Callable[[str], RepoDir]) -> None:
    repo = add_suite(SUITE.format(provider="{type: replay}"))
    assert record_command("install-reminder", _extra(repo).suite) == (
        "agentctl test install-reminder --suite extra --record --provider 'command:CMD' "
        "(or openai-compatible:BASE_URL#MODEL)")


def test_cases_with_a_live_provider_have_no_cassette_to_go_stale(add_suite: Callable[[str], RepoDir]) -> None:
    repo = add_suite(SUITE.format(provider=LIVE))
    config = working_config(repo.path, "install-reminder")
    assert [r.suite.name for r in check_cassettes(repo.path, config, load_agent_suites(repo.path, "install-reminder"))
            ] == ["boundary"]
