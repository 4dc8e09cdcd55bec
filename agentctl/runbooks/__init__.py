"""Runbooks: owned, versioned procedures in runbooks/<name>.md whose command steps `runbook run` executes."""
