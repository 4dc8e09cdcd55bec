"""Released bundle files: agentctl's own layout is read without a YAML parser; anything else in full, once."""

from __future__ import annotations

import copy
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from agentctl.model import released, yamlio
from agentctl.model.released import CACHE_FILE, load_released, pins_of, schema_digest
from agentctl.model.schema import validate_document
from agentctl.model.yamlio import dump_yaml, parse_text
from agentctl.ops.validate import validate_repo
from tests.deploy.builders import release

AGENT = "install-reminder"
EXAMPLE = Path(__file__).resolve().parents[2]
HEADER = "# Written by `agentctl release`; released bundles are immutable — do not edit.\n"


def _count_bundle_parses(monkeypatch) -> Counter:
    seen: Counter = Counter()
    parse = yamlio.parse_text

    def counting(text: str, relpath: str):
        if relpath.startswith(f"bundles/{AGENT}/v"):
            seen["bundle parsed"] += 1
        return parse(text, relpath)

    monkeypatch.setattr(yamlio, "parse_text", counting)
    return seen


def _full(text: str) -> tuple[str, list]:
    """(ref, pins) as the YAML parser and the schema give them; asserts the file is schema-clean."""
    doc = parse_text(text, f"bundles/{AGENT}/v1.yaml")
    assert validate_document(doc, "bundle") == []
    return f"{doc.data['agent']}@v{doc.data['version']}", pins_of(doc.data)


def test_the_layout_is_reviewed_for_the_bundle_schema_as_shipped() -> None:
    assert schema_digest() == released._LAYOUT_SCHEMA, (
        "the bundle schema changed: review `_LAYOUT` in agentctl/model/released.py against it (every file the layout "
        "accepts must be schema-valid), then set `_LAYOUT_SCHEMA` to the new digest")


def test_bundles_agentctl_released_are_read_without_a_yaml_parser(example_repo, monkeypatch) -> None:
    release(example_repo, count=2, suites=None)
    seen = _count_bundle_parses(monkeypatch)
    files = load_released(example_repo.path)
    assert [r.ref for r in files] == [f"{AGENT}@v1", f"{AGENT}@v2"] and seen["bundle parsed"] == 0
    for found in files:
        assert not found.diagnostics
        assert (found.ref, found.pins) == _full((example_repo.path / found.relpath).read_text("utf-8"))
    assert not (example_repo.path / CACHE_FILE).exists()  # nothing needed the full parser: nothing to remember


def test_a_bundle_in_another_layout_is_parsed_once_then_known_by_blob_id(example_repo, monkeypatch) -> None:
    release(example_repo, suites=None)
    path = example_repo.path / f"bundles/{AGENT}/v1.yaml"
    expected = load_released(example_repo.path)[0]
    path.write_text(path.read_text("utf-8").replace("\ncomponents:\n", "\n# pinned at release\ncomponents:\n"))
    seen = _count_bundle_parses(monkeypatch)
    first = load_released(example_repo.path)
    assert seen["bundle parsed"] == 1 and (first[0].ref, first[0].pins) == (expected.ref, expected.pins)
    again = load_released(example_repo.path)
    assert seen["bundle parsed"] == 1  # from the cache
    assert (again[0].ref, again[0].pins) == (expected.ref, expected.pins)
    assert (example_repo.path / ".agentctl/cache/.gitignore").read_text() == "*\n"


def test_an_unchanged_bundle_is_not_read_again(example_repo, monkeypatch) -> None:
    release(example_repo, count=2, suites=None)
    files = sorted((example_repo.path / f"bundles/{AGENT}").glob("v*.yaml"))
    for path in files:  # released a while ago: their mtimes cannot move again unseen within the same tick
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    reads: Counter = Counter()
    read_layout = released._read_layout
    monkeypatch.setattr(released, "_read_layout", lambda raw: reads.update(["read"]) or read_layout(raw))
    first = load_released(example_repo.path)
    assert reads["read"] == 2
    assert [(r.ref, r.pins) for r in load_released(example_repo.path)] == [(r.ref, r.pins) for r in first]
    assert reads["read"] == 2  # both known by path, size, mtime and inode
    files[0].write_text(files[0].read_text("utf-8").replace("version: 1\n", "version: one\n", 1))
    again = load_released(example_repo.path)
    assert reads["read"] == 3 and again[0].diagnostics  # the edited one is read again, and its finding reported


def test_an_edited_bundle_is_validated_again(example_repo) -> None:
    release(example_repo, suites=None)
    assert validate_repo(example_repo.path).ok
    path = example_repo.path / f"bundles/{AGENT}/v1.yaml"
    path.write_text(path.read_text().replace("version: 1\n", "version: one\n", 1))
    report = validate_repo(example_repo.path)
    assert [d.file for d in report.errors] == [f"bundles/{AGENT}/v1.yaml"]
    assert validate_repo(example_repo.path).errors == report.errors  # findings are never cached away


def test_a_tampered_pin_is_reported_as_the_full_parser_reports_it(example_repo, monkeypatch) -> None:
    release(example_repo, suites=None)
    path = example_repo.path / f"bundles/{AGENT}/v1.yaml"
    text = path.read_text("utf-8")
    sha = text.split("    template:\n", 1)[1].split("sha256: ", 1)[1][:64]
    path.write_text(text.replace(sha, "f" * 64))  # still the layout agentctl writes: the fast read takes it
    fast = validate_repo(example_repo.path)
    monkeypatch.setattr(released, "_layout_is_current", lambda: False)
    full = validate_repo(example_repo.path)
    assert [str(d) for d in fast.errors] == [str(d) for d in full.errors]
    assert [d.message for d in fast.errors] == [
        f"prompt '{AGENT}' version 2 was released in {AGENT}@v1 but its content changed"]


# Values a YAML reader could take for something else (numbers, dates, null, booleans, comments, indicators):
# whatever dump_yaml makes of them, the fast read must agree with the parser or leave the file to it.
ODD_VALUES = ["prompt", "kb", "null", "Null", "NULL", "~", "true", "False", "yes", "no", "on", "y", "0777", "0o17", "0x1F", "1e5", "1_000",
              "12:30", "2026-11-03", "2026-11-03 10:00:00", "2026-11-03T10:00:00Z", ".inf", "-.inf", ".nan", "+1", "-1",
              "3.14", "1.2.3", "2 lines added", "2e4e", "a: b", "a #b", "a#b", "#x", "- x", "? x", ": x", "[x]", "{x}",
              "x, y", "'q'", '"q"', "it's", "", " lead", "trail ", "two  spaces", "tab\there", "line\nbreak", "é", "naïve",
              "\u00a0nbsp", "x\u2028y", "&anchor", "*alias", "!tag", "|", ">", "%", "@x", "`x`", "<<", "=", "^2.0.0",
              "~1.2", ">=1.0", "*", "https://x.example/a:b", "C:\\path", "a" * 300, "0" * 40, "1" * 64, "e" * 64,
              "0e" + "1" * 62, "ab" * 20, "AB" * 32]
FIELDS = [("agent",), ("created",), ("author",), ("source_commit",), ("content_hash",), ("components", "prompt", "name"),
          ("components", "prompt", "path"), ("components", "prompt", "template", "sha256"), ("components", "tools", 0, "name"),
          ("components", "tools", 0, "version"), ("components", "tools", 0, "range"), ("components", "tools", 0, "blob"),
          ("components", "kb", "documents", 0, "uri"), ("notes", "human"), ("notes", "generated", 0, "summary"),
          ("notes", "generated", 0, "component"), ("notes", "generated", 0, "detail")]


@pytest.fixture(scope="module")
def bundle_data() -> dict:
    """The example's own released bundle, as data."""
    return parse_text((EXAMPLE / f"bundles/{AGENT}/v1.yaml").read_text("utf-8"), "v1.yaml").data


def _variants(data: dict, where: tuple) -> list[tuple[object, str]]:
    """(value, bundle text with `value` at `where`) for every odd value: one dump of the bundle, one per value."""
    out = copy.deepcopy(data)
    target = out
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = "SENTINEL"
    text = HEADER + dump_yaml(out)
    marker = f"{where[-1]}: SENTINEL\n"
    column = next(line.index(marker[:-1]) for line in text.splitlines() if line.endswith(marker[:-1]))
    variants = []
    for value in [*ODD_VALUES, 0, 1, 7, -3, 2.5, None, [], {}, ["Keep each turn short.", "- a bullet", "# Opt-out", "7"]]:
        rendered = dump_yaml({"k": value})[len("k:"):].replace("\n", "\n" + " " * column)[:-column or None]
        variants.append((value, text.replace(marker, f"{where[-1]}:{rendered}")))
    return variants


@pytest.mark.parametrize("where", FIELDS, ids=lambda w: ".".join(map(str, w)))
def test_the_fast_read_agrees_with_the_parser_or_declines(bundle_data, where) -> None:
    accepted = 0
    for value, text in _variants(bundle_data, where):
        fast = released._read_layout(text.encode("utf-8"))
        assert released._read_parts(text) == released._read_whole(text) == fast, (where, value)  # part by part = whole
        if fast is None:
            continue
        accepted += 1
        assert fast == _full(text), (where, value)
    assert accepted  # some values are ordinary enough to take the fast path


def test_layouts_other_than_agentctls_are_left_to_the_parser(bundle_data) -> None:
    text = HEADER + dump_yaml(bundle_data)
    assert released._read_layout(text.encode()) == _full(text)
    others = [text.replace("\n", "\r\n"), text.rstrip("\n"), text.replace("\nnotes:", "\nx-review: ok\nnotes:"),
              text.replace("  agent:\n", "  agent:  \n", 1), text.replace("version: 1\n", "version: 1 # first\n", 1),
              text.replace("\ncomponents:", "\n\ncomponents:"), "\ufeff" + text, "---\n" + text,
              text.replace("  human: ", "  human: !!str ", 1), text.replace("version: 1\n", "version: 01\n", 1),
              text.replace("    - name: sms-gateway", "    -   name: sms-gateway", 1),
              text.replace("this agent\n", "this agent\n      old: 1\n      old: 2\n", 1),  # a duplicate key
              text.replace("\n  prompt:\n", "\n  agent:\n  prompt:\n", 1),  # a component twice, or out of order
              text.replace("\n  tools:", "\n  kb:\n  tools:", 1), text.replace("\n  kb:\n", "\n  x: 1\n  kb:\n", 1)]
    for other in others:
        assert released._read_layout(other.encode()) is None, other[:200]
        assert released._read_parts(other) is None and released._read_whole(other) is None
