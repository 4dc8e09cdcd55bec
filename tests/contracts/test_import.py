"""`agentctl contracts import` and provider-spec diffs from OpenAPI 3 files."""

from __future__ import annotations

import json
from pathlib import Path

from agentctl.contracts.sources import load_contract_file

FIXTURES = Path(__file__).parent / "fixtures"
V1 = FIXTURES / "sms-provider-v1.yaml"
V2 = FIXTURES / "sms-provider-v2.yaml"


def test_import_writes_a_valid_contract_into_the_repo(example_repo, cli) -> None:
    result = cli("contracts", "import", str(V1), "--operation", "sendMessage", cwd=example_repo.path)
    assert result.exit_code == 0, result.stderr
    target = example_repo.path / "tool-contracts" / "send-message.yaml"
    assert result.stdout == f"✓ wrote {target} (send-message 1.0.0)\n"
    assert result.stderr.startswith("warning: success criteria are a placeholder (message_id exists): write what "
                                    "proves the call did its job")
    contract = load_contract_file(target)
    assert contract["changes"] == "imported from sms-provider-v1.yaml operation sendMessage"
    assert contract["backend"] == {"method": "POST", "url": "https://eu.sms-provider.example/api/messages",
                                   "timeout_s": 10}
    assert contract["request"]["schema"]["required"] == ["to", "body"]
    assert contract["function"] == {"name": "sendMessage", "description": "Send one SMS message.",
                                    "parameters": contract["request"]["schema"]}
    response = contract["response"]["schema"]
    assert response["properties"]["status"] == {"type": "string", "enum": ["queued", "sent", "failed"]}
    assert response["properties"]["error"] == {"type": ["string", "null"]}
    assert contract["success"] == {"status": [202], "criteria": [{"path": "message_id", "exists": True}]}
    assert target.read_text().startswith("# Imported from sms-provider-v1.yaml (operation sendMessage).\n# TODO:")


def test_import_merges_path_and_query_parameters(cli, tmp_path) -> None:
    out = tmp_path / "get-message.yaml"
    result = cli("contracts", "import", str(V1), "--operation", "getMessage", "--out", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "get-message"
    contract = load_contract_file(out)
    assert contract["backend"]["url"] == "https://eu.sms-provider.example/api/messages/{message_id}"
    assert contract["backend"]["method"] == "GET"
    assert contract["request"]["schema"] == {"type": "object", "required": ["message_id"], "properties": {
        "message_id": {"type": "string"}, "verbose": {"type": "boolean"}}}


def test_import_refuses_to_overwrite(example_repo, cli) -> None:
    result = cli("contracts", "import", str(V1), "--operation", "sendMessage", "--name", "sms-gateway",
                 cwd=example_repo.path)
    assert result.exit_code == 2
    assert result.stderr == (f"agentctl: {example_repo.path / 'tool-contracts' / 'sms-gateway.yaml'} already exists "
                             "— pick another --name or --out; import never overwrites\n")
    assert "version: 2.0.0" in example_repo.read("tool-contracts/sms-gateway.yaml")


def test_import_unknown_operation_lists_the_known_ones(cli, tmp_path) -> None:
    result = cli("contracts", "import", str(V1), "--operation", "send", "--out", str(tmp_path / "x.yaml"))
    assert result.exit_code == 2
    assert result.stderr == ("agentctl: no operation 'send' in the OpenAPI document — use one of: getMessage, "
                             "sendMessage\n")


def test_import_json_openapi_3_1_without_servers(cli, tmp_path) -> None:
    spec = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/ping": {"post": {
        "operationId": "ping", "responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"pong": {"type": "boolean"}}}}}}}}}}}
    source = tmp_path / "api.json"
    source.write_text(json.dumps(spec))
    result = cli("contracts", "import", str(source), "--operation", "ping", "--out", str(tmp_path / "ping.yaml"))
    assert result.exit_code == 0, result.stderr
    assert "warning: the OpenAPI document has no servers: set backend.url to the provider's endpoint" in result.stderr
    contract = load_contract_file(tmp_path / "ping.yaml")
    assert contract["function"]["description"] == "POST /ping"
    assert contract["success"]["criteria"] == [{"path": "pong", "exists": True}]


def test_not_an_openapi_file(cli, tmp_path) -> None:
    result = cli("contracts", "import", str(FIXTURES.parent / "incident.py"), "--operation", "x")
    assert result.exit_code == 2
    assert "is not an OpenAPI 3 document" in result.stderr or "YAML syntax error" in result.stderr


def test_provider_spec_update_is_classified(cli) -> None:
    result = cli("contracts", "diff", str(V1), str(V2), "--operation", "sendMessage", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["tool"], data["old_version"], data["new_version"]) == ("send-message", "1.4.0", "2.0.0")
    assert [(c["rule"], c["level"], c["path"]) for c in data["changes"]] == [
        ("request-property-became-required", "ERR", "request.schema.properties.sender_id")]
    back = cli("contracts", "diff", str(V2), str(V1), "--operation", "sendMessage", "--json")
    assert back.exit_code == 0
    assert {c["rule"] for c in json.loads(back.stdout)["changes"]} == {"request-property-removed"}


def test_provider_diff_needs_the_operation(cli) -> None:
    result = cli("contracts", "diff", str(V1), str(V2))
    assert result.exit_code == 2
    assert "is an OpenAPI document — name the operation to compare: --operation ID" in result.stderr
