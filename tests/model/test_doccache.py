"""Unchanged, schema-clean config files come from the blob-id cache; edited ones are parsed and checked again."""

from __future__ import annotations

from collections import Counter

from agentctl.model import yamlio
from agentctl.ops.validate import validate_repo


def test_unchanged_files_are_not_parsed_twice_and_edits_are_seen(example_repo, monkeypatch) -> None:
    assert validate_repo(example_repo.path).ok  # fills the cache
    seen: Counter = Counter()
    parse = yamlio.parse_text

    def counting(text: str, relpath: str):
        seen[relpath] += 1
        return parse(text, relpath)

    monkeypatch.setattr(yamlio, "parse_text", counting)
    assert validate_repo(example_repo.path).ok
    assert "tool-contracts/sms-gateway.yaml" not in seen and "prompts/install-reminder/prompt.yaml" not in seen
    example_repo.edit("tool-contracts/sms-gateway.yaml", "name: sms-gateway", "name: sms-gateway-typo")
    report = validate_repo(example_repo.path)
    assert seen["tool-contracts/sms-gateway.yaml"] == 1
    assert any(d.file == "tool-contracts/sms-gateway.yaml" and "sms-gateway-typo" in d.message for d in report.errors)
