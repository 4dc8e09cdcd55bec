"""The public Python API: one module per verb, each taking a `ConfigRepo` (agentctl.repo).

Importing ops installs the loader of every subsystem's validation checks (agentctl.validation), so any
workspace an ops function loads is checked by all of them; the check modules are imported when a workspace
is first checked, not by commands that never load one.
"""

import agentctl.validation  # noqa: F401  (installs the checks' loader)
