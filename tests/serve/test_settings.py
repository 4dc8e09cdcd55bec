"""The `serve:` section: environments served, secrets by variable name, number mappings."""

from __future__ import annotations

import pytest

from agentctl.errors import BadInputError
from agentctl.repo import ConfigRepo
from agentctl.serve.settings import Route, load_settings
from tests.helpers import RepoDir

SECRETS = {"VAPI_WEBHOOK_SECRET": "v", "RETELL_API_KEY": "r", "AGENTCTL_SERVE_TOKEN": "t"}


def test_example_settings_and_secrets_by_variable_name(example_repo: RepoDir) -> None:
    settings = load_settings(ConfigRepo(example_repo.path).config, environ=SECRETS)
    assert settings.environments == ["production"] and settings.poll_interval_s == 2
    assert settings.vapi_numbers == {"+15555550100": Route("install-reminder", "production")}
    assert settings.secrets == {"vapi": "v", "retell": "r", "api": "t"}
    assert settings.to_dict()["platforms"] == {"vapi": "signed", "retell": "signed", "api": "signed"}


def test_missing_secrets_are_refused_unless_allowed_unsigned(example_repo: RepoDir) -> None:
    config = ConfigRepo(example_repo.path).config
    with pytest.raises(BadInputError, match=r"no secret set for vapi \(VAPI_WEBHOOK_SECRET\), api \(AGENTCTL_SERVE_TOKEN\)"):
        load_settings(config, environ={"RETELL_API_KEY": "r"})
    settings = load_settings(config, environ={"RETELL_API_KEY": "r"}, allow_unsigned=["vapi", "api"])
    assert settings.secrets["vapi"] is None and settings.unsigned == ["api", "vapi"]


def test_unknown_or_unserved_environments_are_bad_input(example_repo: RepoDir) -> None:
    config = ConfigRepo(example_repo.path).config
    with pytest.raises(BadInputError, match="unknown environment 'prod' to serve"):
        load_settings(config, envs=["prod"], environ=SECRETS)
    example_repo.edit("agentctl.yaml", '{"+15555550100": install-reminder}\n    retell',
                      '{"+15555550100": {agent: install-reminder, env: production}}\n    retell')
    with pytest.raises(BadInputError, match="routes to environment 'production', which is not served"):
        load_settings(ConfigRepo(example_repo.path).config, envs=["staging"], environ=SECRETS)
