"""The request a bundle's sms-gateway contract produces: sender_id only when the contract has it."""

from __future__ import annotations

from agentctl.demo.live import sms_request
from agentctl.model.yamlio import load_file

ARGS = {"driver_id": "drv_1", "phone_number": "+15555550142", "platform": "ios"}


def test_the_shipped_contract_2_0_0_sends_its_example_sender_id(example_repo) -> None:
    contract = load_file(example_repo.path / "tool-contracts" / "sms-gateway.yaml", "sms-gateway.yaml").data
    assert sms_request(contract, ARGS) == {
        "to": "+15555550142", "reference": "drv_1", "sender_id": "ROADWISE",
        "body": "Roadwise: install the Driver app before your first shift: https://get.roadwise.example/i"}


def test_a_contract_without_sender_id_sends_none(example_repo) -> None:
    contract = load_file(example_repo.path / "tool-contracts" / "sms-gateway.yaml", "sms-gateway.yaml").data
    del contract["request"]["schema"]["properties"]["sender_id"]
    assert "sender_id" not in sms_request(contract, ARGS)
