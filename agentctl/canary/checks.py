"""`agentctl validate` check for canary analysis policies: each named metric exists and can be judged."""

from __future__ import annotations

from collections.abc import Iterator

from agentctl.canary.policy import all_policy_problems
from agentctl.model.artifacts import Workspace
from agentctl.model.crossref import check
from agentctl.model.diagnostics import Diagnostic


@check
def canary_policies(ws: Workspace) -> Iterator[Diagnostic]:
    yield from all_policy_problems(ws)
