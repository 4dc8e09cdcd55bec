"""Sticky routing: the documented hash, the split matches the weight, keys keep their version as it grows."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from agentctl.deploy.routing import BUCKETS, bucket, on_canary


def test_bucket_is_the_documented_hash() -> None:
    digest = hashlib.sha256(b"install-reminder\x00roadwise-2026\x00call-42").digest()
    assert bucket("install-reminder", "roadwise-2026", "call-42") == int.from_bytes(digest[:8], "big") % 10000
    assert BUCKETS == 10_000


def test_split_over_100k_keys_matches_weight_10() -> None:
    hits = sum(on_canary(bucket("install-reminder", "roadwise-2026", f"caller-{i}"), 10) for i in range(100_000))
    assert abs(hits / 100_000 - 0.10) <= 0.005


def test_weight_0_and_100_are_absolute() -> None:
    buckets = [bucket("a", "s", str(i)) for i in range(2000)]
    assert not any(on_canary(b, 0) for b in buckets)
    assert all(on_canary(b, 100) for b in buckets)


def test_salt_and_agent_change_the_assignment() -> None:
    keys = [f"k{i}" for i in range(200)]
    base = [bucket("a", "s1", k) for k in keys]
    assert base != [bucket("a", "s2", k) for k in keys]
    assert base != [bucket("b", "s1", k) for k in keys]


@given(key=st.text(max_size=40), weights=st.lists(st.integers(0, 100), min_size=2, max_size=6))
def test_a_key_never_leaves_the_canary_while_the_weight_only_grows(key: str, weights: list[int]) -> None:
    number = bucket("install-reminder", "roadwise-2026", key)
    assignments = [on_canary(number, w) for w in sorted(weights)]
    first = assignments.index(True) if True in assignments else len(assignments)
    assert assignments == [False] * first + [True] * (len(assignments) - first)
