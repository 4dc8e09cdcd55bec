"""The public Python API: one module per verb, each taking a `ConfigRepo` (agentctl.repo).

Importing ops registers every subsystem's validation checks (agentctl.validation), so any
workspace an ops function loads is checked by all of them.
"""

from agentctl.validation import load_checks

load_checks()
