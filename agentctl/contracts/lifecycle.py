"""Contract lifecycle checks that run inside `agentctl validate`.

Three findings, all errors: an agent's accepted version range that is not a range; an agent
whose range no longer includes the contract it would call; and a contract edited in the
working tree with a breaking change (or an early removal of a deprecated property) that the
version number does not own up to. The last one reads git only for contracts that differ
from HEAD, so validate stays fast on a clean tree.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentctl.contracts.semver import Range, parse_version
from agentctl.model import layout
from agentctl.model.artifacts import Workspace
from agentctl.model.crossref import check
from agentctl.model.diagnostics import Diagnostic

# Rules that make an edited contract unreleasable as it stands.
LIFECYCLE_RULES = ("breaking-change-without-major-bump", "deprecated-property-removed-before-sunset")


@check
def agent_version_ranges(ws: Workspace) -> Iterator[Diagnostic]:
    """Each agent's accepted range must parse and include the current contract version."""
    for agent in ws.agents.values():
        for ref in agent.tools:
            where: list[str | int] = ["tools", ref.index, "version"]
            try:
                accepted = Range.parse(ref.version_range)
            except ValueError as exc:
                yield agent.doc.diagnostic(where, f"agent '{agent.name}': {exc}",
                                           "write a semver range such as ^2.0.0")
                continue
            contract = ws.contracts.get(ref.contract)
            if contract is None:
                continue  # a missing contract is reported by the reference check
            try:
                current = parse_version(contract.version)
            except ValueError:
                continue  # the schema check reports a malformed version
            if not accepted.contains(current):
                yield agent.doc.diagnostic(
                    where, f"agent '{agent.name}' accepts {ref.contract} {ref.version_range} "
                           f"but the contract is {current}",
                    "widen the range after checking the agent handles the change")


@check
def contract_rule_overrides(ws: Workspace) -> Iterator[Diagnostic]:
    """Unknown rule ids under `contracts.rules` would silently leave a rule at its default level."""
    from agentctl.contracts.compat import RULES

    rules = (ws.config.data.get("contracts") or {}).get("rules") or {}
    for rule in rules:
        if rule not in RULES:
            yield ws.config.doc.diagnostic(["contracts", "rules", rule], f"unknown contract rule id '{rule}'",
                                           "use an id from docs/contract-rules.md", key=True)


@check
def edited_contracts(ws: Workspace) -> Iterator[Diagnostic]:
    """Working-tree contracts compared with HEAD: breaking edits need a major bump."""
    from agentctl.store.revisions import changed_since_head

    relpaths = {layout.contract_file(name): contract for name, contract in ws.contracts.items()}
    heads = changed_since_head(ws.root, list(relpaths))
    if not heads:
        return
    from agentctl.clock import now
    from agentctl.contracts.compat import RULES, diff_contracts
    from agentctl.model.yamlio import parse_text

    rules = (ws.config.data.get("contracts") or {}).get("rules") or {}
    overrides = {rule: level for rule, level in rules.items() if rule in RULES}
    for relpath, head_text in sorted(heads.items()):
        contract = relpaths[relpath]
        try:
            old = parse_text(head_text, f"{relpath}@HEAD").data
        except Exception:  # noqa: BLE001 - a broken HEAD version has nothing to compare against
            continue
        if not isinstance(old, dict):
            continue
        report = diff_contracts(old, contract.data, overrides=overrides, today=now().date())
        for change in report.changes:
            if change.rule in LIFECYCLE_RULES and change.level.value == "ERR":
                where = "" if change.path == "version" else f" at {change.path}"
                yield contract.doc.diagnostic(
                    ["version"], f"{change.rule}: {change.message}{where} (compared with HEAD)",
                    f"see every change with `agentctl contracts diff {contract.name} --from HEAD`")
