"""The gate's `secrets` step: scan the change's whole history, apply the allowlist, report findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentctl.ci.context import Finding
from agentctl.ci.secret_allow import ALLOW_FILE, AllowEntry, load_allowlist, parse_allowlist
from agentctl.ci.secrets import describe

if TYPE_CHECKING:
    from agentctl.ci.context import CiContext
    from agentctl.ci.secret_history import LocatedHit

FIX = ("remove it, rotate it if it was real, and reference a secret by name instead (or mark an intended example "
       f"with `# agentctl: allow-secret`, or list it in {ALLOW_FILE} with a reason)")


def secret_findings(ctx: CiContext) -> list[Finding]:
    """One error per secret the change would land (file:line, and the commit that added it)."""
    from agentctl.ci.secret_history import scan_change

    entries, diagnostics = load_allowlist(ctx.root)
    findings = [Finding("secrets", d.severity, d.file, d.line, d.col, f"{d.message} — {d.fix}" if d.fix else d.message,
                        "secrets-allowlist") for d in diagnostics]
    used: dict[AllowEntry, int] = {}
    for located in scan_change(ctx.root, ctx.base.commit, skip=frozenset({ALLOW_FILE})):
        entry = next((e for e in entries if e.matches(located.hit)), None)
        if entry is not None:
            used[entry] = used.get(entry, 0) + 1
            continue
        findings.append(_finding(ctx, located))
    findings += _new_entries(ctx, used)
    return findings


def _finding(ctx: CiContext, located: LocatedHit) -> Finding:
    from agentctl.ci.steps import agent_of

    hit = located.hit
    what = f"{describe(hit.pattern)} ({hit.excerpt})"
    if located.removed:
        message = (f"{what} was added in commit {located.commit[:7] if located.commit else '?'} and removed later, "
                   f"but that commit is still in the history this change would land — rewrite the branch without it "
                   f"(`git rebase -i {ctx.base.commit[:7]}`, edit that commit), and rotate it if it was real")
    elif located.commit:
        message = f"{what}, added in commit {located.commit[:7]} — {FIX}"
    else:
        message = f"{what} — {FIX}"
    return Finding("secrets", "error", hit.file, hit.line, hit.col, message, hit.pattern, agent_of(hit.file))


def _new_entries(ctx: CiContext, used: dict[AllowEntry, int]) -> list[Finding]:
    """A warning for each allowlist entry this change added that hides a hit: the reviewer judges its reason."""
    base_text = ctx.base_text(ALLOW_FILE)
    before = {e.identity for e in parse_allowlist(base_text)[0]} if base_text else set()
    out = []
    for entry, count in used.items():
        if entry.identity in before:
            continue
        scope = f"[{entry.rule}] " if entry.rule else ""
        out.append(Finding("secrets", "warning", ALLOW_FILE, entry.line, entry.col,
                           f"allowlist entry added by this change hides {count} {scope}hit(s) in {entry.path}: "
                           f"a reviewer must agree that \"{entry.reason}\"", "secret-allowed"))
    return out
