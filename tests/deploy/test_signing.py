"""Signed deployment records: real ed25519 keys (ssh-keygen), real git SSH signatures, forgeries made with plain git."""

from __future__ import annotations

import json

import pytest

from agentctl.deploy.state import DEPLOY_REF, parse_message
from tests.deploy.builders import act_as, forge_record, give_signing_keys, make_key, need_ssh_keygen, release

AGENT = "install-reminder"


@pytest.fixture
def keys(tmp_path):
    need_ssh_keygen()
    return {name: make_key(tmp_path / "keys", name) for name in ("ines", "wei", "mallory")}


@pytest.fixture
def signed(example_repo, keys, monkeypatch):
    """ines and wei sign (their public keys committed in agentctl.yaml); ines acts with her own private key."""
    release(example_repo, count=2)
    give_signing_keys(example_repo, {"ines": keys["ines"][1], "wei": keys["wei"][1]})
    act_as(monkeypatch, "ines")
    monkeypatch.setenv("AGENTCTL_SIGNING_KEY", str(keys["ines"][0]))
    monkeypatch.chdir(example_repo.path)
    return example_repo


def _state(repo) -> dict:
    return json.loads(repo.git("show", f"{DEPLOY_REF}:state/staging/{AGENT}.json"))


def _copy_of_last_record(repo, summary: str) -> str:
    _, record = parse_message(repo.git("log", "-1", "--format=%B", DEPLOY_REF))
    return f"{summary}\n\n{json.dumps({**record, 'id': 'f0f0f0f0f0f0f0f0'})}\n"


def test_a_record_forged_with_plain_git_is_reported_by_log_verify_and_nothing_builds_on_it(signed, cli, tmp_path) -> None:
    assert cli("deploy", f"{AGENT}@v1").exit_code == 0
    assert "gpgsig -----BEGIN SSH SIGNATURE-----" in signed.git("cat-file", "-p", DEPLOY_REF)
    good = cli("log", AGENT, "--verify")
    assert good.exit_code == 0, good.stderr
    assert "✓ signed by ines" in good.stdout
    assert "signatures: 1 of 1 record(s) behind this state signed and verified\n" in cli("status", AGENT).stdout

    state = _state(signed)
    state["stable"] = {"version": 2, "since": state["stable"]["since"]}
    forged = forge_record(signed, tmp_path, state, _copy_of_last_record(signed, f"deploy {AGENT}@v2 to staging"))

    plain = cli("log", AGENT)  # without --verify and without require_signed: listed, exit 0
    assert plain.exit_code == 0 and f"deploy {AGENT}@v2 to staging" in plain.stdout
    checked = cli("log", AGENT, "--verify")
    assert checked.exit_code == 1
    assert (f"✗ record {forged[:10]} is forged: not signed, but ines signs every action (signing_key in "
            "agentctl.yaml at ") in checked.stderr
    assert "✗ 1 of 2 record(s) cannot be trusted" in checked.stderr
    as_json = json.loads(cli("log", AGENT, "--verify", "--json").stdout)
    assert [(r["signature"]["status"], r["signature"]["trusted"]) for r in as_json] == [("forged", False),
                                                                                        ("verified", True)]

    status = cli("status", AGENT)
    assert status.exit_code == 1
    assert f"✗ record {forged[:10]} is forged" in status.stderr

    refused = cli("deploy", f"{AGENT}@v1", "--reason", "put it back")
    assert refused.exit_code == 3
    assert f"deploy on the current deployment state refused: record {forged[:10]} on refs/agentctl/deployments is " \
           "forged" in refused.stderr
    assert signed.git("rev-parse", DEPLOY_REF).strip() == forged  # nothing was written on top


def test_a_record_signed_with_a_key_nobody_has_is_forged(signed, keys, cli, tmp_path) -> None:
    assert cli("deploy", f"{AGENT}@v1").exit_code == 0
    state = _state(signed)
    forged = forge_record(signed, tmp_path, state, _copy_of_last_record(signed, "deploy again"))
    # re-sign the forgery with a stranger's key, by hand
    signed.git("update-ref", DEPLOY_REF, forged + "~1")
    tree = signed.git("rev-parse", f"{forged}^{{tree}}").strip()
    resigned = signed.git("-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['mallory'][0]}", "commit-tree", tree,
                          "-p", forged + "~1", "-S", "-m", _copy_of_last_record(signed, "deploy again")).strip()
    signed.git("update-ref", DEPLOY_REF, resigned)
    checked = cli("log", AGENT, "--verify")
    assert checked.exit_code == 1
    assert f"✗ record {resigned[:10]} is forged: signed with a key no person has in agentctl.yaml at" in checked.stderr


def test_claiming_someone_else_with_your_own_key_is_refused_and_writes_nothing(signed, keys, cli, monkeypatch) -> None:
    monkeypatch.setenv("AGENTCTL_SIGNING_KEY", str(keys["wei"][0]))  # wei's key, claiming to be ines
    refused = cli("deploy", f"{AGENT}@v1")
    assert refused.exit_code == 3
    assert ("deploy refused: the key configured here is not ines's signing_key in the committed agentctl.yaml "
            "(names ines but is signed by wei's key); nothing was written") in refused.stderr
    assert signed.git("for-each-ref", DEPLOY_REF).strip() == ""


def test_a_person_who_signs_without_a_key_configured_is_told_how(signed, cli, monkeypatch) -> None:
    monkeypatch.delenv("AGENTCTL_SIGNING_KEY")
    refused = cli("deploy", f"{AGENT}@v1")
    assert refused.exit_code == 3
    assert ("deploy refused: ines must sign deployment records, but no signing key is configured here — configure "
            "your key once: `git config --global gpg.format ssh` and `git config --global user.signingkey "
            "~/.ssh/id_ed25519`") in refused.stderr


def test_git_config_signing_key_is_used(signed, keys, cli, monkeypatch) -> None:
    monkeypatch.delenv("AGENTCTL_SIGNING_KEY")
    signed.git("config", "gpg.format", "ssh")
    signed.git("config", "user.signingkey", str(keys["ines"][0]))
    assert cli("deploy", f"{AGENT}@v1").exit_code == 0
    checked = json.loads(cli("log", AGENT, "--verify", "--json").stdout)
    assert checked[0]["signature"] == {"commit": checked[0]["commit"], "status": "verified", "signer": "ines",
                                       "claimed": "ines", "detail": "signed by ines", "trusted": True}


def test_people_without_a_key_leave_unsigned_records_that_only_require_signed_refuses(example_repo, keys, cli,
                                                                                        monkeypatch, tmp_path) -> None:
    release(example_repo, count=2)
    give_signing_keys(example_repo, {"ines": keys["ines"][1]})
    monkeypatch.chdir(example_repo.path)
    act_as(monkeypatch, "wei")  # wei has no key: an unsigned record, reported as such
    assert cli("deploy", f"{AGENT}@v1").exit_code == 0
    checked = cli("log", AGENT, "--verify")
    assert checked.exit_code == 0 and "· not signed" in checked.stdout

    give_signing_keys(example_repo, {}, require_signed=True)
    everywhere = cli("log", AGENT)  # require_signed: verified without asking, and unsigned is an error
    assert everywhere.exit_code == 1
    assert "is unsigned: not signed" in everywhere.stderr
    assert cli("status", AGENT).exit_code == 1
    refused = cli("deploy", f"{AGENT}@v2")
    assert refused.exit_code == 3
    assert "deploy refused: the policy requires signed records and wei has no signing_key" in refused.stderr


def test_require_signed_resolve_and_export_refuse_an_unsigned_state(example_repo, keys, cli, monkeypatch,
                                                                     tmp_path) -> None:
    release(example_repo, count=1)
    monkeypatch.chdir(example_repo.path)
    act_as(monkeypatch, "wei")
    assert cli("deploy", f"{AGENT}@v1").exit_code == 0  # before anyone signed
    assert cli("resolve", AGENT, "--key", "+15550100").exit_code == 0
    give_signing_keys(example_repo, {"ines": keys["ines"][1]}, require_signed=True)
    refused = cli("resolve", AGENT, "--key", "+15550100")
    assert refused.exit_code == 3
    assert "resolve refused: record" in refused.stderr and "is unsigned" in refused.stderr
    assert cli("export", "--out", str(tmp_path / "out")).exit_code == 3
    assert not (tmp_path / "out").exists()


def test_log_of_an_unknown_agent_is_an_error_with_did_you_mean(example_repo, cli) -> None:
    result = cli("log", "instal-reminder", "--repo", str(example_repo.path))
    assert result.exit_code == 2
    assert "no agent named 'instal-reminder' (agents: install-reminder) — did you mean 'install-reminder'?" \
        in result.stderr



@pytest.fixture
def rosa_asks(example_repo, keys, cli, monkeypatch, tmp_path):
    """ines, wei and rosa sign; ines deploys v1 to staging; rosa (business) asks to disable it: a signed request."""
    rosa_key = make_key(tmp_path / "keys", "rosa")
    keys["rosa"] = rosa_key
    release(example_repo, count=1)
    give_signing_keys(example_repo, {"ines": keys["ines"][1], "wei": keys["wei"][1], "rosa": rosa_key[1]})
    monkeypatch.chdir(example_repo.path)
    act_as(monkeypatch, "ines")
    monkeypatch.setenv("AGENTCTL_SIGNING_KEY", str(keys["ines"][0]))
    assert cli("deploy", f"{AGENT}@v1").exit_code == 0
    act_as(monkeypatch, "rosa")
    monkeypatch.setenv("AGENTCTL_SIGNING_KEY", str(rosa_key[0]))
    refused = cli("disable", AGENT, "--reason", "drivers complain")
    assert refused.exit_code == 3
    return refused.stderr.split("request ")[1].split()[0]


def test_with_signing_the_requester_cannot_approve_by_claiming_someone_else(rosa_asks, keys, cli, monkeypatch) -> None:
    monkeypatch.setenv("AGENTCTL_ACTOR", "Ines Duarte <ines@roadwise.example>")  # rosa's machine and key, claiming ines
    refused = cli("approve", rosa_asks)
    assert refused.exit_code == 3
    assert "approve refused: the key configured here is not ines's signing_key" in refused.stderr
    assert json.loads(cli("approve", "--list", "--json").stdout)["requests"][0]["id"] == rosa_asks  # still pending


def test_with_signing_a_different_persons_key_approves_even_from_a_shared_account(rosa_asks, keys, cli,
                                                                                   monkeypatch) -> None:
    act_as(monkeypatch, "wei")
    monkeypatch.setenv("LOGNAME", "rosa")  # the same OS account as the requester: keys decide, not accounts
    monkeypatch.setenv("USER", "rosa")
    monkeypatch.setenv("AGENTCTL_SIGNING_KEY", str(keys["wei"][0]))
    approved = cli("approve", rosa_asks)
    assert approved.exit_code == 0, approved.stderr
    checked = json.loads(cli("log", AGENT, "--verify", "--json").stdout)
    assert [(r["action"], r["signature"]["detail"]) for r in checked] == [
        ("disable", "signed by wei"), ("request", "signed by rosa"), ("deploy", "signed by ines")]


def test_one_key_listed_for_two_people_cannot_approve_its_own_request(example_repo, keys, cli, monkeypatch) -> None:
    release(example_repo, count=1)
    shared = keys["wei"]
    give_signing_keys(example_repo, {"ines": keys["ines"][1], "wei": shared[1], "rosa": shared[1]})
    monkeypatch.chdir(example_repo.path)
    act_as(monkeypatch, "ines")
    monkeypatch.setenv("AGENTCTL_SIGNING_KEY", str(keys["ines"][0]))
    assert cli("deploy", f"{AGENT}@v1").exit_code == 0
    act_as(monkeypatch, "rosa")
    monkeypatch.setenv("AGENTCTL_SIGNING_KEY", str(shared[0]))
    request_id = cli("disable", AGENT, "--reason", "x").stderr.split("request ")[1].split()[0]
    act_as(monkeypatch, "wei")
    refused = cli("approve", request_id)
    assert refused.exit_code == 3
    assert f"{request_id} was signed with the key agentctl.yaml lists for both" in refused.stderr


def test_validate_refuses_one_signing_key_for_two_people(example_repo, keys, cli) -> None:
    give_signing_keys(example_repo, {"ines": keys["wei"][1], "wei": keys["wei"][1]})
    result = cli("validate", "--repo", str(example_repo.path))
    assert result.exit_code == 2
    line = [n for n, text in enumerate(example_repo.read("agentctl.yaml").splitlines(), 1) if "signing_key" in text][1]
    assert (f"agentctl.yaml:{line}:18: wei has the same signing_key as ines: records signed with it could be "
            "either's — each person signs with their own key") in result.stdout + result.stderr


def test_a_hand_made_record_that_names_nobody_but_carries_a_signers_address_is_forged(signed, cli, tmp_path) -> None:
    assert cli("deploy", f"{AGENT}@v1").exit_code == 0
    _, record = parse_message(signed.git("log", "-1", "--format=%B", DEPLOY_REF))
    message = f"deploy again\n\n{json.dumps({**record, 'person': None, 'id': 'e0e0e0e0e0e0e0e0'})}\n"
    forged = forge_record(signed, tmp_path, _state(signed), message, author_email="ines@roadwise.example")
    checked = cli("log", AGENT, "--verify")
    assert checked.exit_code == 1
    assert f"✗ record {forged[:10]} is forged: not signed, but ines signs every action" in checked.stderr
