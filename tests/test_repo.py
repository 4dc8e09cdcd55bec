"""ConfigRepo: one handle per command — agentctl.yaml parsed once, the deployment ref fetched at most once."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from agentctl.model import yamlio
from agentctl.repo import ConfigRepo
from agentctl.store.gitcmd import Git
from tests.deploy.builders import TUESDAY_10, at, production_canary, release
from tests.helpers import origin_with_clones

AGENT = "install-reminder"
DEPLOY_REF = "refs/agentctl/deployments"


@pytest.fixture
def counted(monkeypatch) -> Counter:
    """Counts agentctl.yaml parses and fetches of the deployment ref, however they are reached."""
    seen: Counter = Counter()
    parse, fetch = yamlio.parse_text, Git.fetch

    def counting_parse(text: str, relpath: str):
        if relpath.endswith("agentctl.yaml"):
            seen["config parsed"] += 1
        return parse(text, relpath)

    def counting_fetch(self, remote: str, refspec: str):
        if DEPLOY_REF in refspec:
            seen["deployments fetched"] += 1
        return fetch(self, remote, refspec)

    monkeypatch.setattr(yamlio, "parse_text", counting_parse)
    monkeypatch.setattr(Git, "fetch", counting_fetch)
    return seen


def test_canary_evaluate_with_a_remote_parses_config_once_and_fetches_once(example_repo, tmp_path, cli,
                                                                           counted) -> None:
    production_canary(example_repo)
    clone, _ = origin_with_clones(example_repo, tmp_path)
    counted.clear()
    with at(TUESDAY_10):
        result = cli("canary", "evaluate", AGENT, "--repo", str(clone.path), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["canary_version"] == 2
    assert counted == {"config parsed": 1, "deployments fetched": 1}


def test_deploy_with_a_remote_parses_config_once_and_fetches_once(example_repo, tmp_path, cli, counted) -> None:
    release(example_repo, count=2)
    clone, other = origin_with_clones(example_repo, tmp_path)
    counted.clear()
    with at(TUESDAY_10):
        result = cli("deploy", f"{AGENT}@v1", "--env", "staging", "--repo", str(clone.path))
    assert result.exit_code == 0, result.stderr
    assert counted == {"config parsed": 1, "deployments fetched": 1}
    # the write really reached the remote: the other clone sees it
    assert ConfigRepo(other.path).deployment_state().read(f"state/staging/{AGENT}.json") is not None


def test_a_handle_reads_config_at_a_revision_through_the_same_git_runner(example_repo) -> None:
    repo = ConfigRepo(example_repo.path)
    example_repo.gen({"agentctl.yaml": "broken: [\n"})
    assert repo.config_at("HEAD").default_environment == "staging"
    assert repo.config_for(fall_back_to_head=True).default_environment == "staging"
    assert repo.config_at("HEAD") is repo.config_at("HEAD")


def test_fresh_handles_see_new_state(example_repo) -> None:
    release(example_repo)
    repo = ConfigRepo(example_repo.path)
    assert repo.deployment_state().commit is None
    from agentctl.ops.rollout import deploy

    with at(TUESDAY_10):
        deploy(repo, f"{AGENT}@v1")
    assert repo.fresh().deployment_state().commit is not None
