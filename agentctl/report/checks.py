"""`agentctl validate` checks for the `business:` section the monthly report reads."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from agentctl.model.artifacts import Workspace
from agentctl.model.crossref import check
from agentctl.model.diagnostics import Diagnostic


@check
def business_section(ws: Workspace) -> Iterator[Diagnostic]:
    from agentctl.analysis.metrics import TOOL_BUILTINS

    business = ws.config.data.get("business")
    if not isinstance(business, dict):
        return
    doc = ws.config.doc
    metric = business.get("outcome_metric")
    metrics = ws.config.metrics
    if isinstance(metric, str) and metric not in metrics:
        guess = difflib.get_close_matches(metric, list(metrics), n=1)
        yield doc.diagnostic(["business", "outcome_metric"], f"business.outcome_metric '{metric}' is not a metric",
                             f"did you mean '{guess[0]}'?" if guess else
                             f"use one of: {', '.join(sorted(metrics)) or 'none (declare it under metrics:)'}")
    elif isinstance(metric, str) and (metrics[metric] or {}).get("builtin") in TOOL_BUILTINS:
        yield doc.diagnostic(["business", "outcome_metric"],
                             f"business.outcome_metric '{metric}' is a tool metric, not a business outcome",
                             "name a metric over calls, e.g. a conversion_rate or a `sql:` rate")
    owner = business.get("owner")
    if isinstance(owner, str) and owner not in ws.config.people:
        yield doc.diagnostic(["business", "owner"], f"business.owner '{owner}' is not in people:",
                             f"use one of: {', '.join(sorted(ws.config.people)) or 'none'}")
