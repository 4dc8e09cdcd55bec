"""Released bundle files are parsed and validated once, then known by blob id."""

from __future__ import annotations

from collections import Counter

from agentctl.model import yamlio
from agentctl.model.released import CACHE_FILE, load_released
from agentctl.ops.validate import validate_repo
from tests.deploy.builders import release

AGENT = "install-reminder"


def _count_bundle_parses(monkeypatch) -> Counter:
    seen: Counter = Counter()
    parse = yamlio.parse_text

    def counting(text: str, relpath: str):
        if relpath.startswith(f"bundles/{AGENT}/v"):
            seen["bundle parsed"] += 1
        return parse(text, relpath)

    monkeypatch.setattr(yamlio, "parse_text", counting)
    return seen


def test_second_load_reads_no_released_bundle(example_repo, monkeypatch) -> None:
    release(example_repo, count=2, suites=None)
    (example_repo.path / CACHE_FILE).unlink(missing_ok=True)
    seen = _count_bundle_parses(monkeypatch)
    first = load_released(example_repo.path)
    assert [r.ref for r in first] == [f"{AGENT}@v1", f"{AGENT}@v2"] and seen["bundle parsed"] == 2
    again = load_released(example_repo.path)
    assert seen["bundle parsed"] == 2  # both came from the cache
    assert [(r.ref, r.pins) for r in again] == [(r.ref, r.pins) for r in first]
    assert (example_repo.path / ".agentctl/cache/.gitignore").read_text() == "*\n"


def test_an_edited_bundle_is_validated_again(example_repo) -> None:
    release(example_repo, suites=None)
    assert validate_repo(example_repo.path).ok
    path = example_repo.path / f"bundles/{AGENT}/v1.yaml"
    path.write_text(path.read_text().replace("version: 1\n", "version: one\n", 1))
    report = validate_repo(example_repo.path)
    assert [d.file for d in report.errors] == [f"bundles/{AGENT}/v1.yaml"]
    assert validate_repo(example_repo.path).errors == report.errors  # findings are never cached away
