"""Replay the SMS gateway incident in a test repo: sms-gateway 1.3.0, then 2.0.0 with a required sender_id."""

from __future__ import annotations

from tests.helpers import RepoDir

CONTRACT = "tool-contracts/sms-gateway.yaml"
AGENT = "bundles/install-reminder/agent.yaml"

SMS_GATEWAY_1_3_0 = '''name: sms-gateway
version: 1.3.0
changes: send our driver id as `reference` so delivery receipts can be matched to calls.
description: Texts the driver the app install link through the SMS gateway.
function:
  name: send_install_link
  description: Text the Roadwise Driver app install link to the driver. Only call after the driver agreed.
  parameters:
    type: object
    properties:
      driver_id: {type: string, description: id returned by lookup_driver}
      phone_number: {type: string, pattern: "^\\\\+[1-9][0-9]{7,14}$", description: E.164 number confirmed with the driver}
      platform: {type: string, enum: [android, ios]}
    required: [driver_id, phone_number, platform]
    additionalProperties: false
backend:
  method: POST
  url: https://api.sms-gateway.example/v2/messages
  timeout_s: 8
  headers:
    Authorization: Bearer ${SMS_GATEWAY_TOKEN}
  secrets: [SMS_GATEWAY_TOKEN]
request:
  schema:
    type: object
    properties:
      to: {type: string, pattern: "^\\\\+[1-9][0-9]{7,14}$"}
      body: {type: string, minLength: 1, maxLength: 480}
      reference: {type: string}
    required: [to, body]
response:
  schema:
    type: object
    properties:
      message_id: {type: string}
      status: {type: string, enum: [queued, sent, failed, rejected]}
      error: {type: string}
    required: [status]
success:
  status: [200]
  criteria:
    - path: status
      exists: true
examples:
  - name: android install link
    request: {to: "+15555550142", body: "Roadwise: install the Driver app", reference: drv_1042}
    status: 200
    response: {message_id: msg_7f3a9c, status: queued}
'''


def replay_incident(repo: RepoDir) -> tuple[str, str]:
    """Commit sms-gateway 1.3.0 then the current 2.0.0 (agent ranges follow); returns both shas."""
    v2_contract, v2_agent = repo.read(CONTRACT), repo.read(AGENT)
    repo.gen({CONTRACT: SMS_GATEWAY_1_3_0, AGENT: v2_agent.replace("^2.0.0", "^1.3.0")},
             commit="sms-gateway 1.3.0")
    first = repo.git("rev-parse", "HEAD").strip()
    repo.gen({CONTRACT: v2_contract, AGENT: v2_agent}, commit="sms-gateway 2.0.0: sender_id is required")
    return first, repo.git("rev-parse", "HEAD").strip()
