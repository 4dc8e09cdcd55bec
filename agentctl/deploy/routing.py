"""Sticky canary assignment: a documented hash of (agent, salt, key) into 10,000 buckets.

    bucket = int.from_bytes(sha256(f"{agent}\\x00{salt}\\x00{key}".encode("utf-8")).digest()[:8], "big") % 10000
    the key gets the canary  iff  bucket < weight * 100      (weight in whole percent, 0..100)

A key's bucket never changes, so while the weight only grows every key already on the canary
stays there, and each bucket is 0.01% of traffic, so the split matches the weight. Changing the
salt (per environment, `rollout.salt` in agentctl.yaml) reshuffles everyone.
"""

from __future__ import annotations

from hashlib import sha256
from typing import Any

BUCKETS = 10_000


def bucket(agent: str, salt: str, key: str) -> int:
    """The key's bucket in [0, 10000) for this agent and salt."""
    digest = sha256(f"{agent}\x00{salt}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def on_canary(bucket_number: int, weight: int) -> bool:
    """Whether a bucket is routed to the canary at `weight` percent."""
    return bucket_number < weight * (BUCKETS // 100)


def default_salt(env: str, spec: dict[str, Any]) -> str:
    """The environment's `rollout.salt`, or the environment name when none is set."""
    return str((spec.get("rollout") or {}).get("salt") or env)
