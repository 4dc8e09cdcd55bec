"""Test-suite results, kept in git on `refs/agentctl/results` so every clone (and CI) sees them.

Layout on the ref: `<agent>/v<N>/<suite>.json` for released bundles (`<agent>/working/...` is
never stored: unreleased runs are reported, not recorded). Each file holds the latest run of
that suite for that bundle; the ref's history keeps every earlier run. A run's `id` is the
sha256 of its canonical JSON, so a link to results names exactly one run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from agentctl.identity import current_actor
from agentctl.store.refstore import Author, Change, RefStore

RESULTS_REF = "refs/agentctl/results"


def result_path(agent: str, version: int, suite: str) -> str:
    return f"{agent}/v{version}/{suite}.json"


def result_id(run: dict[str, Any]) -> str:
    body = {k: v for k, v in run.items() if k != "id"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def save_result(root: Path, agent: str, version: int, suite: str, run: dict[str, Any], *, retries: int = 5) -> str:
    """Record `run` (must carry "status": "passed"|"failed") as the latest result of `suite` for agent@vN.

    Returns the run's content id. Concurrent writers are serialised by the ref store.
    """
    if run.get("status") not in ("passed", "failed"):
        raise ValueError("run needs status 'passed' or 'failed'")
    record = {**run, "agent": agent, "version": version, "suite": suite}
    record["id"] = result_id(record)
    payload = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode()
    actor = current_actor(root)
    message = f"{agent}@v{version} {suite}: {record['status']}\n\nresult-id: {record['id']}\n"
    RefStore(root, RESULTS_REF).update(lambda snap: Change({result_path(agent, version, suite): payload}, message),
                                       Author(actor.name, actor.email), retries=retries)
    return str(record["id"])


def results_for(root: Path, agent: str, version: int, *, store: RefStore | None = None) -> dict[str, dict[str, Any]]:
    """Latest result per suite for agent@vN: {suite: {"status", "id", ...}} (empty when never run)."""
    return results_by_version(root, agent, f"{agent}/v{version}/", store=store).get(version, {})


def results_by_version(root: Path, agent: str, prefix: str | None = None, *,
                       store: RefStore | None = None) -> dict[int, dict[str, dict[str, Any]]]:
    """Every recorded result of `agent`, as {version: {suite: result}}, in one read of the results ref.

    One snapshot, one tree listing and one batched blob read, however many releases there are:
    `history` shows a tests column for every release.
    """
    store = store or RefStore(root, RESULTS_REF)
    snap = store.snapshot()
    if snap.commit is None:
        return {}
    paths = [p for p in snap.list(prefix or f"{agent}/") if p.endswith(".json")]
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for path, raw in store.read_many_at(snap.commit, paths).items():
        folder = path.split("/")[1] if path.count("/") >= 2 else ""
        if not raw or not folder.startswith("v") or not folder[1:].isdigit():
            continue
        data = json.loads(raw)
        out.setdefault(int(folder[1:]), {})[data.get("suite", Path(path).stem)] = data
    return {v: dict(sorted(r.items())) for v, r in sorted(out.items())}
