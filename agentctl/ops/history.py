"""`agentctl history`: the releases of an agent, or the version history of one artifact, rebuilt from git.

Agent history costs two git processes whatever the repository's size: one `for-each-ref`
for the agent's tags and one `cat-file --batch` for their bundle files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agentctl.errors import BadInputError, NotFoundError
from agentctl.model import layout
from agentctl.model.bundle import Bundle, walk_components
from agentctl.model.yamlio import parse_text
from agentctl.ops.bundles import list_bundles, suite_status
from agentctl.repo import RepoLike, as_repo
from agentctl.store import history
from agentctl.store.refstore import RefStore
from agentctl.store.results import results_by_version

ARTIFACT_KINDS = ("prompt", "contract", "kb")


@dataclass
class HistoryRow:
    ref: str
    version: int
    date: str
    author: str
    components: list[str]
    note: str
    tests: str
    commit: str


@dataclass
class AgentHistory:
    agent: str
    rows: list[HistoryRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"agent": self.agent, "releases": [asdict(r) for r in self.rows]}


def component_summary(bundle: Bundle) -> list[str]:
    """["prompt install-reminder v2", "sms-gateway 2.0.0", …, "kb install-faq v1"] for one bundle."""
    comp = bundle.components
    prompt = comp.get("prompt") or {}
    parts = [f"prompt {prompt.get('name')} v{prompt.get('version')}"]
    parts += [f"{t.get('name')} {t.get('version')}" for t in comp.get("tools") or []]
    kb = comp.get("kb")
    if kb:
        parts.append(f"kb {kb.get('name')} v{kb.get('version')}")
    return parts


def agent_history(repo: RepoLike, agent: str) -> AgentHistory:
    """Every release of `agent`, oldest first: version, date, author, components, note and test status."""
    repo = as_repo(repo)
    root = repo.root
    bundles = list_bundles(root, agent)
    if not bundles and not (root / layout.agent_file(agent)).is_file():
        known = sorted(p.parent.name for p in (root / layout.BUNDLES_DIR).glob(f"*/{layout.AGENT_FILE}"))
        raise NotFoundError(f"no agent named '{agent}' (agents: {', '.join(known) or 'none yet'})",
                            "use one of the existing names")

    results = results_by_version(root, agent, store=repo.results)
    rows = [HistoryRow(b.ref, b.version, b.created, b.author, component_summary(b), b.human_note,
                       suite_status(root, agent, b.version, results.get(b.version, {})), b.commit) for b in bundles]
    return AgentHistory(agent, rows)


# -- artifact history -------------------------------------------------------------------------------------------

@dataclass
class ArtifactVersion:
    version: str
    date: str
    author: str
    commit: str
    changes: str
    released_in: list[str]  # bundles that pinned this version
    tests: str              # test status of those bundles ("-" when none)


@dataclass
class ArtifactHistory:
    kind: str
    name: str
    path: str
    versions: list[ArtifactVersion] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "path": self.path, "versions": [asdict(v) for v in self.versions]}


def artifact_path(kind: str, name: str) -> str:
    if kind == "prompt":
        return layout.prompt_meta(name)
    if kind == "contract":
        return layout.contract_file(name)
    if kind == "kb":
        return layout.kb_file(name)
    raise BadInputError(f"unknown artifact kind '{kind}'", f"use one of: {', '.join(ARTIFACT_KINDS)}")


def artifact_history(repo: RepoLike, kind: str, name: str) -> ArtifactHistory:
    """Versions of one prompt, tool contract or KB manifest, oldest first: one row per commit that changed `version`.

    Each row links to the bundles that pinned that version and their test results.
    """
    repo = as_repo(repo)
    root = repo.root

    path = artifact_path(kind, name)
    log = history.log_path(root, path)
    if not log:
        raise NotFoundError(f"{kind} '{name}' has no history: {path} was never committed",
                            "commit it first, or check the name with `agentctl validate`")
    # `git log` names paths from the top of the work tree, as `<commit>:<path>` expects
    contents = history.read_objects(root, [f"{e.commit}:{e.path}" for e in log])
    released = _released_versions(root, kind, name, repo.results)
    rows: list[ArtifactVersion] = []
    for entry, raw in reversed(list(zip(log, contents, strict=True))):
        if raw is None:
            continue  # the commit deleted the file
        try:
            data = parse_text(raw.decode("utf-8"), path).data
        except Exception:  # noqa: BLE001 - a broken historic revision is skipped, not fatal
            continue
        version = str(data.get("version")) if isinstance(data, dict) else "None"
        if rows and rows[-1].version == version:
            continue
        refs = released.get(version, [])
        tests = " ".join(f"{ref}: {status}" for ref, status in refs if status != "-") or "-"
        rows.append(ArtifactVersion(version, entry.date, entry.author, entry.commit,
                                    str(data.get("changes") or "").strip(), [ref for ref, _ in refs], tests))
    return ArtifactHistory(kind, name, path, rows)


def _released_versions(root: Path, kind: str, name: str, results_store: RefStore | None = None) -> dict[str, list[tuple[str, str]]]:
    """artifact version → [(bundle ref, test status)] over every agent's released bundles."""
    out: dict[str, list[tuple[str, str]]] = {}
    for agent_file in sorted((root / layout.BUNDLES_DIR).glob(f"*/{layout.AGENT_FILE}")):
        agent = agent_file.parent.name
        bundles = list_bundles(root, agent)
        results = results_by_version(root, agent, store=results_store) if bundles else {}
        for bundle in bundles:
            for version in _pinned(bundle, kind, name):
                status = suite_status(root, agent, bundle.version, results.get(bundle.version, {}))
                out.setdefault(version, []).append((bundle.ref, status))
    return out


def _pinned(bundle: Bundle, kind: str, name: str) -> list[str]:
    role = {"prompt": "prompt", "contract": "tool", "kb": "kb"}.get(kind)
    return [str(pinned.entry["version"]) for pinned in walk_components(bundle.components)
            if pinned.role == role and pinned.entry.get("name") == name]
