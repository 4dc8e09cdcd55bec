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


@pytest.mark.parametrize("text, where, message", [
    ("a: " + "[" * 1000 + "]" * 1000, "1:67", "values nest more than 64 levels deep"),
    ("".join("  " * i + "k:\n" for i in range(1000)), "65:1", "values nest more than 64 levels deep"),
    ("a: &a [*a]\n", "1:8", "an alias refers to the node that contains it"),
    ("name: x\nupdated: 2026-02-30\n", "2:10", "a value cannot be read: day is out of range for month"),
    ("a: !!binary AAAA\n", "1:1", "a value of YAML type 'bytes' is not allowed here"),
])
def test_hostile_yaml_is_a_positioned_diagnostic(text: str, where: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_text(text, "f.yaml")
    assert str(caught.value.diagnostics[0]).startswith(f"f.yaml:{where}: {message}")


def test_a_tab_the_round_trip_parser_refuses_is_a_syntax_error_at_its_column() -> None:
    doc = parse_text("name: a\tb\n", "f.yaml")
    with pytest.raises(ValidationFailed) as caught:
        doc.diagnostic(["name"], "probe")
    assert str(caught.value.diagnostics[0]).startswith("f.yaml:1:8: YAML syntax error: found character '\\t'")
