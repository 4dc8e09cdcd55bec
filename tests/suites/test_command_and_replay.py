"""command provider failures, and replay cassettes: missing, stale, recorded and pruned."""

from __future__ import annotations

import pytest

from agentctl.ops.test import run_tests

SUITE = """kind: boundary
name: extra
provider: {provider}
cases:
  - name: greets
    turns: [{{user: "Hello?"}}]
    expect: [{{contains: Jordan}}]
"""


# only the timeout case gets a short timeout: on a loaded machine Python alone can take longer than 0.3 s to start
@pytest.mark.parametrize(("script", "timeout", "expected"), [
    ("import sys; print('boom', file=sys.stderr); sys.exit(3)", 60, "command exited with status 3: boom"),
    ("print('not json')", 60, "command printed malformed JSON (Expecting value: line 1 column 1 (char 0)); "
                              "it must print one transcript object"),
    ("import time; time.sleep(5)", 0.3, "command timed out after 0.3s: command: python agent.py"),
])
def test_command_provider_failures(add_suite, script, timeout, expected) -> None:
    repo = add_suite(SUITE.format(provider=f"{{type: command, command: [python, agent.py], timeout_s: {timeout}}}"))
    repo.gen({"agent.py": script + "\n"})
    case = run_tests(repo.path, "install-reminder", suites=["extra"]).suites[0].cases[0]
    assert case.status == "error"
    assert case.message == expected


def test_record_then_replay_then_prune(add_suite) -> None:
    live = "{type: command, command: [python, bundles/install-reminder/suites/reference_agent.py]}"
    repo = add_suite(SUITE.format(provider=f"{{type: replay, live: {live}}}"))
    missing = run_tests(repo.path, "install-reminder", suites=["extra"]).suites[0].cases[0]
    assert missing.message == ("no cassette for extra/greets (repeat 1): record it with a live provider: "
                               "`agentctl test install-reminder --suite extra --record`")
    folder = repo.path / "bundles/install-reminder/suites/cassettes/extra"
    folder.mkdir(parents=True)
    (folder / "retired-case.r1.json").write_text("{}")
    recorded = run_tests(repo.path, "install-reminder", suites=["extra"], record=True)
    assert recorded.ok and recorded.suites[0].provider == "command: python bundles/install-reminder/suites/reference_agent.py (recording)"
    assert sorted(p.name for p in folder.iterdir()) == ["greets.r1.json"]
    assert run_tests(repo.path, "install-reminder", suites=["extra"]).ok


def test_record_without_a_live_provider_says_what_to_pass(add_suite) -> None:
    repo = add_suite(SUITE.format(provider="{type: replay}"))
    case = run_tests(repo.path, "install-reminder", suites=["extra"], record=True).suites[0].cases[0]
    assert case.message.startswith("--record needs a live provider: pass --provider (e.g. command:CMD")
