"""The pull-request gate: what changed, whom it affects, and whether it may merge."""
