from __future__ import annotations

import pytest

from agentctl.errors import ValidationFailed
from agentctl.model.yamlio import parse_text


def test_positions_are_one_based_and_point_at_values() -> None:
    doc = parse_text("a: 1\nb:\n  c: [1, 2]\n", "x.yaml")
    assert doc.position(["b", "c", 1]) == (3, 10)
    assert doc.position(["b", "c"], key=True) == (3, 3)


def test_dates_become_iso_strings_and_booleans_stay_booleans() -> None:
    doc = parse_text("d: 2026-01-01\nflag: true\n", "x.yaml")
    assert doc.data == {"d": "2026-01-01", "flag": True}


def test_duplicate_keys_refused() -> None:
    with pytest.raises(ValidationFailed, match=r"x.yaml:2:1: YAML syntax error: found duplicate key"):
        parse_text("a: 1\na: 2\n", "x.yaml")


def test_harmless_aliases_allowed() -> None:
    doc = parse_text("base: &b {x: 1}\nother: *b\n", "x.yaml")
    assert doc.data["other"] == {"x": 1}
