from __future__ import annotations

import pytest

from agentctl.errors import BadInputError
from agentctl.model.bundle import BundleRef, content_hash, parse_ref


@pytest.mark.parametrize(("text", "ref"), [
    ("install-reminder", BundleRef("install-reminder", None)),
    ("install-reminder@latest", BundleRef("install-reminder", None)),
    ("install-reminder@v3", BundleRef("install-reminder", 3)),
    ("install-reminder@12", BundleRef("install-reminder", 12)),
])
def test_parse_ref(text: str, ref: BundleRef) -> None:
    assert parse_ref(text) == ref


def test_ref_str() -> None:
    assert str(BundleRef("a", 3)) == "a@v3" and str(BundleRef("a", None)) == "a@latest"


@pytest.mark.parametrize("text", ["", "@v1", "agent@v", "agent@v01", "agent@vx", "Agent@v1", "agent@latest2"])
def test_parse_ref_refuses(text: str) -> None:
    with pytest.raises(BadInputError, match="write AGENT@vN"):
        parse_ref(text)


def test_content_hash_depends_on_every_pinned_file_not_on_order() -> None:
    base = {"agent": {"path": "a", "sha256": "1" * 64}, "prompt": {"path": "p", "sha256": "2" * 64,
                                                                    "template": {"path": "t", "sha256": "3" * 64}},
            "tools": [{"path": "x", "sha256": "4" * 64}, {"path": "y", "sha256": "5" * 64}],
            "kb": {"path": "k", "sha256": "6" * 64, "documents": [{"uri": "d", "sha256": "7" * 64}]}}
    swapped = {**base, "tools": list(reversed(base["tools"]))}
    assert content_hash(base) == content_hash(swapped)
    changed = {**base, "kb": {**base["kb"], "documents": [{"uri": "d", "sha256": "8" * 64}]}}
    assert content_hash(changed) != content_hash(base)
