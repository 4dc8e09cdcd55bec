"""The registry of cross-file validation checks (and the contract release notes), collected by `validate`
and every workspace load.

Each subsystem registers its own checks (with `agentctl.model.crossref.check`) in the module
named here, so `model/` never imports a layer above it: the list lives at the top, beside the
commands that load a workspace, like an entry-point group. A new subsystem adds one line.
"""

from __future__ import annotations

import importlib

from agentctl.model.crossref import on_first_use

CHECK_MODULES: tuple[str, ...] = (
    "agentctl.model.immutability",
    "agentctl.analysis.metric_checks",
    "agentctl.canary.checks",
    "agentctl.suites.checks",
    "agentctl.contracts.lifecycle",
    "agentctl.contracts.notes",  # not a check: registers the tool-contract release notes with model/notes.py
    "agentctl.runbooks.checks",
    "agentctl.report.checks",
    "agentctl.deploy.checks",
)

_loaded = False


def load_checks() -> None:
    """Import every module in CHECK_MODULES once, so their checks are registered."""
    global _loaded
    if not _loaded:
        for name in CHECK_MODULES:
            importlib.import_module(name)
        _loaded = True


on_first_use(load_checks)  # importing this module is enough: the checks load when a workspace is first checked

__all__ = ["CHECK_MODULES", "load_checks"]
