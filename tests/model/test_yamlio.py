from __future__ import annotations

import re

import pytest

from agentctl.errors import ValidationFailed
from agentctl.model import yamlio
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


# Plain scalars where YAML 1.1 (PyYAML's default) and YAML 1.2 (ruamel's) disagree, and the usual cases.
SCALARS = ["yes", "no", "on", "Off", "y", "0777", "0o17", "0x1F", "1_000", "12:30", "1:20:30", "1e5", "1.0e5", "+.5",
           ".inf", "-.INF", ".nan", "~", "null", "Null", "", "True", "FALSE", "2026-11-11", "2026-11-11T10:00:00+00:00",
           "2026-11-11 10:00:00", "2026-11-11T10:00:00Z", "2026-11-11T10:00:00.123456789+02:00", "0b101", "+12", "-0",
           "1.", ".5", "010", "09", "1e", "'1'", '"yes"', "2.0.0", "^1.2.0", "a b", "-1_0", "0.1_0", "1.5E+3"]


def _ruamel(text: str) -> object:
    from ruamel.yaml import YAML

    from agentctl.model.yamlio import to_plain

    return to_plain(YAML(typ="safe", pure=False).load(text))


@pytest.mark.parametrize("scalar", SCALARS)
def test_the_fast_parser_reads_every_scalar_as_yaml_1_2_does(scalar: str) -> None:
    from agentctl.model.yamlio import _NOT_FAST, _fast_load

    for text in (f"a: {scalar}\nb:\n  - {scalar}\n", f"a: {scalar}\nb: [{scalar}]\nc: {{k: {scalar}}}\n"):
        try:
            full = repr(_ruamel(text))  # repr: nan == nan, and 1 vs True vs 1.0 told apart
        except Exception:  # noqa: BLE001 - the full parser refuses it: so must the fast path
            assert _fast_load(text) is _NOT_FAST
            continue
        fast = _fast_load(text)
        assert fast is _NOT_FAST or repr(fast) == full
    if "123456789" not in scalar:  # a fraction past microseconds: PyYAML truncates, so the full path reads it
        assert _fast_load(f"a: {scalar}\n") is not _NOT_FAST


def test_every_yaml_file_in_the_example_repo_reads_the_same_on_both_parsers() -> None:
    from pathlib import Path

    from agentctl.model.yamlio import _NOT_FAST, _fast_load

    root = Path(__file__).resolve().parents[2]
    files = [p for p in sorted(root.rglob("*.yaml")) if not {".git", ".venv", "node_modules"} & set(p.parts)]
    assert len(files) > 10
    fast_ones = 0
    for path in files:
        text = path.read_text("utf-8")
        fast = _fast_load(text)
        if fast is not _NOT_FAST:
            fast_ones += 1
            assert repr(fast) == repr(_ruamel(text)), path
    assert fast_ones >= 5


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", "a: [\n", "a: 2026-13-45\n", "a: !!set {x, y}\n", "a: !foo 1\n",
                                  "a: !!bool yes\n", "<<: {a: 1}\nb: 2\n",
                                  "x: &a [*a]\n", "%YAML 1.1\n---\na: yes\n", "a: 1\n---\nb: 2\n", "? [1, 2]\n: x\n"])
def test_anything_unusual_takes_the_full_parser(text: str) -> None:
    from agentctl.model.yamlio import _NOT_FAST, _fast_load

    assert _fast_load(text) is _NOT_FAST


@pytest.mark.parametrize("text", ["base: &b {x: 1, y: [a, b]}\nother: *b\nlist: [*b, *b]\n",
                                  "s: &s text\nt: *s\nu: [*s]\n", "k: &k\n  - 1\n  - {a: 2}\nm: *k\n",
                                  "q: Q&A *bold*\n"])
def test_harmless_aliases_take_the_fast_parser_and_read_the_same(text: str) -> None:
    from agentctl.model.yamlio import _NOT_FAST, _fast_load

    fast = _fast_load(text)
    assert fast is not _NOT_FAST
    assert repr(fast) == repr(_ruamel(text))


def test_an_alias_bomb_still_gets_the_full_parsers_refusal() -> None:
    from agentctl.model.yamlio import _NOT_FAST, _fast_load

    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(8)]
    text = "\n".join(levels) + "\n"
    assert _fast_load(text) is _NOT_FAST
    with pytest.raises(ValidationFailed) as caught:
        parse_text(text, "f.yaml")
    assert str(caught.value.diagnostics[0]).startswith("f.yaml:1:1: YAML anchors/aliases expand to more than 100,000")


def test_the_frozen_yaml_1_2_resolvers_are_ruamels() -> None:
    """The fast loader tags plain scalars with its own copy of ruamel's YAML 1.2 table (importing ruamel costs ~20 ms)."""
    from ruamel.yaml.resolver import implicit_resolvers

    theirs = [(tag, regexp.pattern, regexp.flags, list(first))
              for versions, tag, regexp, first in implicit_resolvers if (1, 2) in versions]
    ours = [(yamlio._TAG + name, pattern, re.compile(pattern, flags).flags, list(first))
            for name, pattern, flags, first in yamlio._IMPLICIT_1_2]
    assert ours == theirs, "ruamel.yaml's 1.2 resolvers changed: copy them into yamlio._IMPLICIT_1_2"
