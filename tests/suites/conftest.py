from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.helpers import RepoDir


@pytest.fixture
def add_suite(example_repo: RepoDir) -> Callable[[str], RepoDir]:
    """Add a suite file named extra.yaml to the example agent and list it under `suites:`."""

    def add(text: str) -> RepoDir:
        example_repo.gen({"bundles/install-reminder/suites/extra.yaml": text})
        example_repo.edit("bundles/install-reminder/agent.yaml", "  - suites/boundary.yaml\n",
                          "  - suites/boundary.yaml\n  - suites/extra.yaml\n")
        return example_repo

    return add
