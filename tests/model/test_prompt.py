from __future__ import annotations

import pytest

from agentctl.errors import BadInputError
from agentctl.model.prompt import placeholders, render

DECLARED = {"name": {"type": "string"}, "day": {"type": "date"}, "kind": {"type": "enum", "values": ["a", "b"]}}


def test_render_is_deterministic() -> None:
    text = "Hi {{ name }}, {{day}} ({{ kind }})"
    values = {"name": "Jordan", "day": "2026-12-01", "kind": "a"}
    assert render(text, DECLARED, values) == render(text, DECLARED, values) == "Hi Jordan, 2026-12-01 (a)"


def test_render_refuses_missing_undeclared_and_mistyped() -> None:
    with pytest.raises(BadInputError) as err:
        render("{{ name }} {{ other }}", DECLARED, {"name": 3, "kind": "c", "extra": 1})
    message = str(err.value)
    assert "'extra' is not a declared variable" in message
    assert "variable 'name' must be a string, got 3" in message
    assert "variable 'kind' is 'c', not one of a, b" in message
    assert "no value for required variable 'day'" in message
    assert "template uses 'other', which is not declared" in message


def test_placeholder_positions() -> None:
    assert [(p.name, p.line, p.col) for p in placeholders("x\n  {{ a }} {{b}}")] == [("a", 2, 3), ("b", 2, 11)]
