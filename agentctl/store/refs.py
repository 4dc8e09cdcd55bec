"""Names of the git refs agentctl keeps beside the branches, each defined once."""

from __future__ import annotations

CHECKS_REF = "refs/agentctl/checks"  # daily-check acknowledgements: acks/<finding-id>.json

__all__ = ["CHECKS_REF"]
