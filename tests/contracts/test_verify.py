"""`agentctl contracts verify` against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import re
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug import Request, Response

from agentctl.contracts.probes import plan_probes
from tests.helpers import REPO_ROOT

CONTRACT = REPO_ROOT / "tool-contracts" / "sms-gateway.yaml"
PATH = "/v2/messages"
PHONE = re.compile(r"^\+[1-9][0-9]{7,14}$")
TOKEN = "sandbox-token-123"


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMS_GATEWAY_TOKEN", TOKEN)


def _gateway(check_sender: bool):
    """A gateway that validates what it is sent; with check_sender=False it ignores sender_id (the incident)."""

    def handle(request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Response(json.dumps({"error": "unauthorized"}), 401, content_type="application/json")
        body = request.get_json(silent=True) or {}
        fields = ("to", "body", "sender_id") if check_sender else ("to", "body")
        bad = [f for f in fields if not isinstance(body.get(f), str) or not body[f]]
        if "to" not in bad and not PHONE.match(body["to"]):
            bad.append("to")
        if "reference" in body and not isinstance(body["reference"], str):
            bad.append("reference")
        if bad:
            return Response(json.dumps({"status": "rejected", "error": f"invalid {bad[0]}"}), 400,
                            content_type="application/json")
        return Response(json.dumps({"message_id": "msg_1", "status": "queued"}), 202, content_type="application/json")

    return handle


def base(httpserver, path: str = "") -> str:
    return f"http://127.0.0.1:{httpserver.port}{path}"


def verify(cli, base_url: str, *extra: str):
    return cli("contracts", "verify", str(CONTRACT), "--base-url", base_url, *extra)


def rows(stdout: str) -> dict[str, str]:
    """Probe name → its table row."""
    out = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 2 and cells[1] and cells[1] != "probe":
            out[cells[1]] = line
    return out


def test_plan_for_the_sms_gateway() -> None:
    from agentctl.contracts.sources import load_contract_file

    names = [p.name for p in plan_probes(load_contract_file(CONTRACT))]
    assert names == ["example: android install link", "optional omitted: reference", "missing required: to", "missing required: body",
                     "missing required: sender_id", "wrong type: to (integer)", "pattern violation: to",
                     "wrong type: body (integer)", "wrong type: sender_id (integer)", "wrong type: reference (integer)"]


def test_correct_gateway_passes(httpserver, cli, tmp_path) -> None:
    httpserver.expect_request(PATH, method="POST").respond_with_handler(_gateway(check_sender=True))
    junit = tmp_path / "out" / "verify.xml"
    junit.parent.mkdir()
    result = verify(cli, base(httpserver), "--junit", str(junit))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[0] == f"sms-gateway 2.0.0 → {base(httpserver, PATH)}"
    assert result.stdout.splitlines()[-1] == "✓ all 10 probes passed"
    table = rows(result.stdout)
    assert "│ PASS   │ 202  │" in table["example: android install link"]
    assert "rejected with HTTP 400" in table["missing required: sender_id"]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("10", "0", "0")


def test_empty_200_fails_on_success_criteria(httpserver, cli) -> None:
    httpserver.expect_request(PATH, method="POST").respond_with_data("", status=200)
    result = verify(cli, base(httpserver), "--json")
    assert result.exit_code == 1
    probes = {p["name"]: p for p in json.loads(result.stdout)["probes"]}
    example = probes["example: android install link"]
    assert (example["result"], example["status"]) == ("fail", 200)
    assert example["reason"].startswith("HTTP 200 but success criteria not met: ")
    assert "message_id" in example["reason"] and example["reason"].endswith("(empty body)")


def test_gateway_ignoring_a_required_field_is_the_silent_success_smell(httpserver, cli) -> None:
    httpserver.expect_request(PATH, method="POST").respond_with_handler(_gateway(check_sender=False))
    result = verify(cli, base(httpserver))
    assert result.exit_code == 1
    table = rows(result.stdout)
    assert "│ PASS   │" in table["example: android install link"]
    assert "│ FAIL   │ 202  │" in table["missing required: sender_id"]
    assert "│ PASS   │" in table["missing required: to"]
    assert result.stdout.splitlines()[-3:] == [
        "FAIL missing required: sender_id: backend accepted a request without required field 'sender_id' (HTTP 202, "
        "success criteria met) — the silent-success smell: requests missing it would be dropped without an error",
        "FAIL wrong type: sender_id (integer): backend accepted 'sender_id' as integer instead of string (HTTP 202, "
        "success criteria met) — the silent-success smell: invalid requests would be dropped without an error",
        "✗ 2 of 10 probes failed"]


class _SlowHandler(BaseHTTPRequestHandler):
    release = threading.Event()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.release.wait(5)
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    _SlowHandler.release.clear()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _SlowHandler.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


def test_timeout_is_reported_per_probe(slow_server, cli) -> None:
    result = verify(cli, slow_server, "--timeout", "0.5", "--json")
    assert result.exit_code == 1
    probes = json.loads(result.stdout)["probes"]
    assert {(p["result"], p["reason"], p["status"]) for p in probes} == {("error", "timed out after 0.5 s", None)}


def test_connection_refused_is_reported_per_probe(cli) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = verify(cli, f"http://127.0.0.1:{port}")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    table = rows(result.stdout)
    assert len(table) == 10
    assert all("│ ERROR  │ -    │" in row and "connection refused" in row for row in table.values())


def test_bad_contract_file_exits_2_with_its_position(cli, tmp_path) -> None:
    bad = tmp_path / "sms.yaml"
    bad.write_text(CONTRACT.read_text().replace("  timeout_s: 8", "  timeout_s: soon"))
    result = cli("contracts", "verify", str(bad), "--base-url", "http://127.0.0.1:9")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{bad}:22:14: 'backend.timeout_s' must be a number, got 'soon'")


def test_missing_secret_names_the_variable(cli, monkeypatch) -> None:
    monkeypatch.delenv("SMS_GATEWAY_TOKEN")
    result = verify(cli, "http://127.0.0.1:9")
    assert result.exit_code == 2
    assert result.stderr == ("agentctl: environment variable SMS_GATEWAY_TOKEN is not set (a secret of sms-gateway) — "
                             "export SMS_GATEWAY_TOKEN=... before running verify; secrets are never read from files\n")


def test_backend_is_named_by_env_or_base_url(cli, example_repo) -> None:
    unknown = cli("contracts", "verify", "sms-gateway", "--env", "production", cwd=example_repo.path)
    assert unknown.exit_code == 2
    assert unknown.stderr == ("agentctl: sms-gateway has no backend for environment 'production' — add "
                              "backend.environments.production, or use one of: staging\n")
    neither = cli("contracts", "verify", "sms-gateway", cwd=example_repo.path)
    assert neither.exit_code == 2
    assert "pass exactly one of --base-url URL or --env ENV" in neither.stderr


def test_env_url_and_path_parameters(httpserver, cli, tmp_path) -> None:
    contract = tmp_path / "driver-status.yaml"
    contract.write_text(f"""name: driver-status
version: 1.0.0
changes: first version
function:
  name: driver_status
  description: Look up a driver's onboarding status.
  parameters: {{type: object, properties: {{driver_id: {{type: string}}}}, required: [driver_id]}}
backend:
  method: GET
  url: https://api.example/drivers/{{driver_id}}/status
  environments:
    staging: {base(httpserver, "/drivers/{driver_id}/status")}
request:
  schema: {{type: object, properties: {{driver_id: {{type: string}}, verbose: {{type: boolean}}}}, required: [driver_id]}}
response:
  schema: {{type: object, properties: {{state: {{type: string}}}}, required: [state]}}
success:
  criteria: [{{path: state, in: [onboarded, pending]}}]
examples:
  - request: {{driver_id: drv_7, verbose: true}}
""")
    def status(request: Request) -> Response:
        if request.args.get("verbose", "true") == "true":
            return Response(json.dumps({"state": "pending"}), 200, content_type="application/json")
        return Response(json.dumps({"error": "bad verbose"}), 422, content_type="application/json")

    httpserver.expect_request("/drivers/drv_7/status").respond_with_handler(status)
    result = cli("contracts", "verify", str(contract), "--env", "staging", "--json")
    assert result.exit_code == 0, result.stdout
    assert [(p["name"], p["status"]) for p in json.loads(result.stdout)["probes"]] == [
        ("example: 1", 200), ("optional omitted: verbose", 200), ("wrong type: verbose (integer)", 422)]


def _gateway_rejecting_in_the_body(request: Request) -> Response:
    """The v2 gateway of the incident: an invalid message gets HTTP 200 {"status": "rejected"} and is not sent."""
    body = request.get_json(silent=True) or {}
    bad = [f for f in ("to", "body", "sender_id") if not isinstance(body.get(f), str) or not body[f]]
    if "to" not in bad and not PHONE.match(body["to"]):
        bad.append("to")
    if "reference" in body and not isinstance(body["reference"], str):
        bad.append("reference")
    if bad:
        return Response(json.dumps({"status": "rejected", "error": f"{bad[0]} is required"}), 200,
                        content_type="application/json")
    return Response(json.dumps({"message_id": "msg_1", "status": "queued"}), 202, content_type="application/json")


def test_a_200_rejected_answer_to_an_invalid_request_is_a_rejection(httpserver, cli) -> None:
    httpserver.expect_request(PATH, method="POST").respond_with_handler(_gateway_rejecting_in_the_body)
    result = verify(cli, base(httpserver), "--json")
    assert result.exit_code == 0, result.stdout
    probes = {p["name"]: p for p in json.loads(result.stdout)["probes"]}
    assert {p["result"] for p in probes.values()} == {"pass"}
    assert probes["missing required: sender_id"]["reason"] == (
        "rejected in the body: HTTP 200, success criteria not met (message_id is missing; "
        "status is 'rejected', expected one of queued, sent)")


def test_a_200_that_meets_the_criteria_for_an_invalid_request_is_still_the_smell(httpserver, cli) -> None:
    httpserver.expect_request(PATH, method="POST").respond_with_json({"message_id": "msg_9", "status": "queued"},
                                                                      status=200)
    result = verify(cli, base(httpserver), "--json")
    assert result.exit_code == 1
    probes = {p["name"]: p for p in json.loads(result.stdout)["probes"]}
    assert probes["example: android install link"]["result"] == "pass"
    assert probes["missing required: sender_id"]["result"] == "fail"
    assert "(HTTP 200, success criteria met) — the silent-success smell" in probes["missing required: sender_id"]["reason"]


def test_a_field_made_optional_in_the_contract_is_checked_against_the_provider(httpserver, cli, tmp_path) -> None:
    """The contract drops sender_id from `required`; the gateway still needs it and answers 200 rejected."""
    relaxed = tmp_path / "sms-gateway.yaml"
    relaxed.write_text(CONTRACT.read_text().replace("required: [to, body, sender_id]", "required: [to, body]"))
    httpserver.expect_request(PATH, method="POST").respond_with_handler(_gateway_rejecting_in_the_body)
    result = cli("contracts", "verify", str(relaxed), "--base-url", base(httpserver), "--json")
    assert result.exit_code == 1
    probes = {p["name"]: p for p in json.loads(result.stdout)["probes"]}
    assert probes["optional omitted: sender_id"]["result"] == "fail"
    assert probes["optional omitted: sender_id"]["reason"] == (
        "the contract says 'sender_id' may be left out, but the provider failed a request without it: HTTP 200 but "
        "success criteria not met: message_id is missing; status is 'rejected', expected one of queued, sent — make "
        "'sender_id' required again, or fix the provider")
