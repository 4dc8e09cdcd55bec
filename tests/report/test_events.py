"""Marker labels from deployment audit records (state before → after)."""

from __future__ import annotations

import pytest

from agentctl.report.events import deployment_label


@pytest.mark.parametrize(("action", "before", "after", "label"), [
    ("deploy", {"stable": 11, "canary": None, "weight": 0}, {"stable": 11, "canary": 12, "weight": 10}, "v12 10%"),
    ("promote", {"stable": 11, "canary": 12, "weight": 10}, {"stable": 11, "canary": 12, "weight": 50}, "v12 50%"),
    ("promote", {"stable": 11, "canary": 12, "weight": 50}, {"stable": 12, "canary": None, "weight": 0}, "v12 100%"),
    ("deploy", {"stable": None}, {"stable": 1, "canary": None, "weight": 0}, "v1 100%"),
    ("rollback", {"stable": 12, "canary": None, "weight": 0}, {"stable": 11, "canary": None, "weight": 0},
     "rollback → v11"),
    ("abort", {"stable": 11, "canary": 12, "weight": 10}, {"stable": 11, "canary": 12, "weight": 0}, "abort v12"),
    ("disable", {"stable": 11}, {"stable": 11, "disabled": True}, "disabled"),
    ("approve", {}, {}, None),
])
def test_deployment_label(action: str, before: dict, after: dict, label: str | None) -> None:
    assert deployment_label(action, before, after) == label
