"""resolve/export: the bundle a call gets, sticky across a growing canary, with its rendered config."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import agentctl
from agentctl.errors import NotFoundError
from agentctl.ops.disable import disable
from agentctl.ops.resolve import Router, export, resolve
from agentctl.ops.rollout import promote
from tests.deploy.builders import TUESDAY_10, act_as, at, production_canary

AGENT = "install-reminder"


@pytest.fixture
def canary_10(example_repo):
    return production_canary(example_repo)


def test_resolve_returns_bundle_and_rendered_config(canary_10) -> None:
    found = resolve(canary_10.path, AGENT, key="caller-7", env="production")
    assert found.bundle in ("install-reminder@v1", "install-reminder@v2")
    assert found.config["bundle"] == found.bundle
    assert found.config["prompt_text"].startswith("# Role")
    assert found.config["tools"][0]["type"] == "function"
    assert {t["function"]["name"] for t in found.config["tools"]} >= {"send_install_link"}
    assert found.config["kb"]["name"] == "install-faq"
    assert agentctl.resolve(canary_10.path, AGENT, key="caller-7", env="production").bundle == found.bundle


def test_keys_keep_their_version_while_the_canary_grows(canary_10, monkeypatch) -> None:
    act_as(monkeypatch, "ines")  # no calls in this store: the judge's inconclusive verdict is forced
    keys = [f"caller-{i}" for i in range(3000)]
    at_10 = Router.load(canary_10.path, "production")
    before = {k: at_10.assign(AGENT, k)[0] for k in keys}
    assert 0.07 < sum(t == "canary" for t in before.values()) / len(keys) < 0.13
    with at(TUESDAY_10 + dt.timedelta(hours=1)):
        promote(canary_10.path, AGENT, "production", force=True, reason="routing test, no calls")
    at_50 = Router.load(canary_10.path, "production")
    after = {k: at_50.assign(AGENT, k)[0] for k in keys}
    assert all(after[k] == "canary" for k in keys if before[k] == "canary")
    assert 0.45 < sum(t == "canary" for t in after.values()) / len(keys) < 0.55


def test_disabled_agent_resolves_to_nothing(canary_10, monkeypatch) -> None:
    act_as(monkeypatch, "tomas")
    disable(canary_10.path, [AGENT], "production", reason="SMS outage")
    found = resolve(canary_10.path, AGENT, key="caller-7", env="production")
    assert (found.track, found.bundle, found.config) == ("disabled", None, None)


def test_resolving_an_undeployed_agent_is_not_found(example_repo) -> None:
    with pytest.raises(NotFoundError, match="install-reminder is not deployed in staging"):
        resolve(example_repo.path, AGENT, key="k")


def test_export_writes_state_and_configs_atomically(canary_10, tmp_path) -> None:
    result = export(canary_10.path, tmp_path / "out", "production")
    data = json.loads((tmp_path / "out" / "production.json").read_text())
    assert result.bundles == ["install-reminder@v1", "install-reminder@v2"]
    assert data["agents"][AGENT]["canary"] == {"bundle": "install-reminder@v2", "version": 2, "weight": 10}
    assert data["routing"]["salt"] == "roadwise-2026" and data["routing"]["buckets"] == 10000
    assert data["bundles"]["install-reminder@v1"]["kb"]["name"] == "install-faq"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["production.json"]  # no temp file left behind


def test_a_local_tag_that_is_not_the_deployed_bundle_is_refused(canary_10) -> None:
    """Two clones once held different v1 content under one tag; serving reads the pinned commit and hash only."""
    import subprocess

    from agentctl.errors import ConflictError

    path = canary_10.path / "bundles/install-reminder/v1.yaml"
    path.write_text(path.read_text().replace("temperature: 0.", "temperature: 0.9", 1) + "# other content\n")
    git = ["git", "-C", str(canary_10.path)]
    subprocess.run([*git, "commit", "-qam", "another v1"], check=True)
    subprocess.run([*git, "tag", "-f", "-a", "install-reminder@v1", "-m", "another v1"], check=True,
                   capture_output=True)
    with pytest.raises(ConflictError) as refused:
        export(canary_10.path, canary_10.path / "out", "production")
    assert "install-reminder@v1 in this clone (commit " in str(refused.value)
    assert "is not the bundle deployed to production (commit " in str(refused.value)
    assert str(refused.value).endswith("fetch the released tags (`git fetch --tags --force origin`) so "
                                       "install-reminder@v1 is the deployed one")
    assert not (canary_10.path / "out").exists()
