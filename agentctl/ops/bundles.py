"""Read released bundles back from git objects, and resolve them into what a runtime needs.

A bundle is found through its annotated tag `<agent>@v<N>` → commit → `bundles/<agent>/v<N>.yaml`,
and every component through the blob sha the bundle pinned. The working tree is never read
for a released bundle, so show, verify, deploy and rollback work after files were edited or
deleted. `working_config` gives the same shape from the working tree, for unreleased changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.errors import BadInputError, NotFoundError, ValidationFailed
from agentctl.model import layout, yamlio
from agentctl.model.bundle import Bundle, BundleRef, parse_ref, tag_version, walk_components
from agentctl.model.doccache import CACHE_DIR, DocumentCache, schema_stamp
from agentctl.model.schema import validate_document
from agentctl.model.workspace import load_workspace
from agentctl.store import history
from agentctl.store.results import results_for

if TYPE_CHECKING:
    from agentctl.model.artifacts import Workspace


@dataclass
class AgentConfig:
    """Everything a runtime needs to run one agent: prompt, model settings, tools and KB."""

    agent: str
    version: int | None  # None for the working tree
    prompt_name: str
    prompt_text: str
    prompt_variables: dict[str, Any]
    model: dict[str, Any]
    contracts: dict[str, dict[str, Any]]  # tool name → full contract
    tools: list[dict[str, Any]]           # OpenAI function schemas, in agent order
    kb: dict[str, Any] | None
    prompt_version: int | None = None
    tool_ranges: dict[str, str] = field(default_factory=dict)  # tool name → accepted version range
    definition: dict[str, Any] = field(default_factory=dict)   # the agent.yaml mapping

    def to_dict(self) -> dict[str, Any]:
        return {"agent": self.agent, "version": self.version, "prompt_name": self.prompt_name,
                "prompt_version": self.prompt_version, "prompt_text": self.prompt_text,
                "prompt_variables": self.prompt_variables, "model": self.model, "contracts": self.contracts,
                "tool_ranges": self.tool_ranges, "tools": self.tools, "kb": self.kb, "definition": self.definition}


def function_schema(contract: dict[str, Any]) -> dict[str, Any]:
    """The tool as an LLM sees it (OpenAI function-calling shape)."""
    fn = contract.get("function") or {}
    return {"type": "function", "function": {"name": fn.get("name"), "description": fn.get("description"),
                                             "parameters": fn.get("parameters")}}


# -- finding bundles --------------------------------------------------------------------------------------------

def _as_ref(ref: str | BundleRef) -> BundleRef:
    return ref if isinstance(ref, BundleRef) else parse_ref(ref)


def _sources(root: Path, agent: str) -> dict[int, tuple[str, dict[str, Any]]]:
    """version → (commit-ish holding the bundle file, tag info); tags first, then untagged files at HEAD."""

    found: dict[int, tuple[str, dict[str, Any]]] = {}
    for tag in history.tags(root, f"refs/tags/{agent}@v*"):
        version = tag_version(agent, tag.name)
        if version is not None:
            found[version] = (tag.commit, {"name": tag.name, "date": tag.date, "tagger": tag.tagger,
                                           "message": tag.message})
    head = history.head_commit(root)
    if head:
        for name in history.list_tree(root, head, layout.agent_dir(agent)):
            rel = f"{layout.agent_dir(agent)}/{name}"
            if layout.kind_of(rel) == "bundle" and int(name[1:-5]) not in found:
                found[int(name[1:-5])] = (head, {})
    return dict(sorted(found.items()))


def released_versions(root: Path, agent: str) -> list[int]:
    """Every released version number of `agent`, ascending."""
    return list(_sources(root, agent))


def _read(root: Path, agent: str, wanted: dict[int, tuple[str, dict[str, Any]]], *,
          validate: bool = False) -> list[Bundle]:
    pre = history.prefix(root)
    names = [history.at_commit(commit, layout.bundle_file(agent, v), pre) for v, (commit, _) in wanted.items()]
    # released bundle objects never change: their parsed (and, once checked, valid) data is kept by blob id
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in agent)
    cache = DocumentCache(root, f"{CACHE_DIR}/bundles-{safe}.json", stamp=schema_stamp("bundle"))
    bundles = []
    for (version, (commit, tag)), raw in zip(wanted.items(), history.read_objects(root, names), strict=True):
        rel = layout.bundle_file(agent, version)
        if raw is None:
            raise NotFoundError(f"{agent}@v{version}: {rel} is missing from commit {commit[:12]}",
                                f"the tag {agent}@v{version} points at a commit without its bundle file; "
                                "re-tag the release commit")
        key = DocumentCache.key(raw, "bundle")
        hit = cache.get(key)
        if hit is None or (validate and not hit["valid"]):
            doc = yamlio.parse_text(raw.decode("utf-8"), rel)
            valid = False
            if validate:
                # a hand-edited bundle must fail here, with file:line, not deep inside whoever reads it later
                errors = [d for d in validate_document(doc, "bundle") if d.is_error]
                if errors:
                    raise ValidationFailed(errors)
                valid = True
            hit = {"data": doc.data, "valid": valid or bool(hit and hit["valid"])}
            cache.put(key, hit)
        bundles.append(Bundle.from_file(hit["data"], commit, tag))
    cache.save()
    return bundles


def list_bundles(root: Path, agent: str) -> list[Bundle]:
    """Every released bundle of `agent`, oldest first, read from git objects."""
    return _read(root, agent, _sources(root, agent))


def load_bundle(root: Path, ref: str | BundleRef) -> Bundle:
    """The bundle `ref` names (AGENT, AGENT@latest, AGENT@vN), read from git objects.

    An unknown version raises NotFoundError naming the versions that exist.
    """
    ref = _as_ref(ref)
    sources = _sources(root, ref.agent)
    version = ref.version if ref.version is not None else (max(sources) if sources else None)
    if version is None or version not in sources:
        raise missing_version(ref, list(sources))
    return _read(root, ref.agent, {version: sources[version]}, validate=True)[0]


def missing_version(ref: BundleRef, versions: list[int]) -> NotFoundError:
    listing = ", ".join(f"v{v}" for v in versions) or "none yet"
    if not versions:
        return NotFoundError(f"{ref} does not exist (versions: {listing})",
                             f"run `agentctl release {ref.agent} -m NOTE` to make the first one")
    return NotFoundError(f"{ref} does not exist (versions: {listing})",
                         f"use one of them or `agentctl release {ref.agent}`")


# -- resolving a bundle into a runtime configuration -----------------------------------------------------------

def pinned_blobs(bundle: Bundle) -> list[dict[str, Any]]:
    """Every file a bundle pins with its blob: [{path, blob, sha256, role}] (KB documents outside git excluded)."""
    return [{"path": pinned.path, "blob": pinned.blob, "sha256": pinned.sha256,
             "role": f"tool {pinned.entry.get('name')}" if pinned.role == "tool" else pinned.role}
            for pinned in walk_components(bundle.components) if pinned.role != "kb document" or pinned.blob]


def bundle_config(root: Path, bundle: Bundle) -> AgentConfig:
    """The runtime configuration a bundle pins, read blob by blob from git objects."""

    comp = bundle.components
    prompt, kb = comp.get("prompt") or {}, comp.get("kb")
    entries = [comp["agent"], prompt, prompt["template"], *(comp.get("tools") or []), *([kb] if kb else [])]
    blobs = history.read_objects(root, [e["blob"] for e in entries])
    texts = []
    for entry, raw in zip(entries, blobs, strict=True):
        if raw is None:
            raise NotFoundError(f"{bundle.ref}: blob {entry['blob'][:12]} of {entry['path']} is missing from git",
                                "fetch the full history (git fetch --unshallow) or restore the object")
        texts.append(raw.decode("utf-8"))
    definition = yamlio.parse_text(texts[0], comp["agent"]["path"]).data
    meta = yamlio.parse_text(texts[1], prompt["path"]).data
    template = texts[2]
    tool_entries = comp.get("tools") or []
    contracts = {t["name"]: yamlio.parse_text(text, t["path"]).data for t, text in zip(tool_entries, texts[3:3 + len(tool_entries)], strict=True)}
    manifest = yamlio.parse_text(texts[-1], kb["path"]).data if kb else None
    return AgentConfig(agent=bundle.agent, version=bundle.version, prompt_name=prompt["name"], prompt_text=template,
                       prompt_variables=meta.get("variables") or {}, model=meta.get("model") or {},
                       contracts=contracts, tools=[function_schema(c) for c in contracts.values()], kb=manifest,
                       prompt_version=meta.get("version"),
                       tool_ranges={t["name"]: t.get("range", "") for t in tool_entries}, definition=definition)


def agent_files(ws: Workspace, agent: str) -> dict[str, str]:
    """role → repo-relative path of each file the agent is made of in the working tree."""
    definition = ws.agents[agent]
    files = {"agent": layout.agent_file(agent), "prompt": layout.prompt_meta(definition.prompt)}
    prompt = ws.prompts.get(definition.prompt)
    if prompt:
        files["template"] = prompt.text_path
    for ref in definition.tools:
        files[f"tool:{ref.contract}"] = layout.contract_file(ref.contract)
    if definition.kb:
        files["kb"] = layout.kb_file(definition.kb)
    return files


def load_agent_workspace(root: Path, agent: str, *, check: bool = True) -> Any:
    """The working tree, with errors in this agent's own files (not others') raised as ValidationFailed.

    With check=False only an agent that does not load at all is an error; call
    `raise_agent_errors` later (release first checks for uncommitted files, a clearer message).
    """

    ws = load_workspace(root, strict=False)
    if agent not in ws.agents:
        own = [d for d in ws.errors if d.file.startswith(layout.agent_dir(agent) + "/")]
        if own:
            raise ValidationFailed(own)
        ws.agent(agent)  # raises NotFoundError listing the agents that exist
    if check:
        raise_agent_errors(ws, agent)
    return ws


def raise_agent_errors(ws: Workspace, agent: str) -> None:
    files = set(agent_files(ws, agent).values())
    kb_name = ws.agents[agent].kb
    docs = {d["uri"] for d in ws.kbs[kb_name].documents} if kb_name in ws.kbs else set()
    own = [d for d in ws.errors if d.file in files or d.file in docs]
    if own:
        raise ValidationFailed(own)


def working_config(root: Path, agent: str, ws: Workspace | None = None) -> AgentConfig:
    """The same shape as bundle_config, from the working tree (for testing unreleased changes)."""
    ws = ws if ws is not None else load_agent_workspace(root, agent)
    definition = ws.agents[agent]
    prompt = ws.prompts.get(definition.prompt)
    if prompt is None:
        raise BadInputError(f"agent '{agent}' uses prompt '{definition.prompt}', which does not load",
                            "run `agentctl validate` and fix the errors it reports")
    contracts = {}
    for ref in definition.tools:
        if ref.contract not in ws.contracts:
            raise BadInputError(f"agent '{agent}' uses tool '{ref.contract}', which does not load",
                                "run `agentctl validate` and fix the errors it reports")
        contracts[ref.contract] = ws.contracts[ref.contract].data
    kb = ws.kbs[definition.kb].doc.data if definition.kb and definition.kb in ws.kbs else None
    return AgentConfig(agent=agent, version=None, prompt_name=prompt.name, prompt_text=prompt.text,
                       prompt_variables=prompt.variables, model=prompt.model, contracts=contracts,
                       tools=[function_schema(c) for c in contracts.values()], kb=kb,
                       prompt_version=prompt.version, tool_ranges={r.contract: r.version_range for r in definition.tools},
                       definition=definition.doc.data)


# -- test results (the results store is optional) --------------------------------------------------------------

def suite_results(root: Path, agent: str, version: int) -> dict[str, dict[str, Any]]:
    """suite name → {"status", "id", ...} recorded for `agent@vN`, or {} when nothing is recorded."""

    return dict(results_for(root, agent, version))


def suite_status(root: Path, agent: str, version: int, results: dict[str, dict[str, Any]] | None = None) -> str:
    """One cell for tables: "unit ✓ boundary ✗", or "-" when no results are recorded.

    Pass `results` (one version's entry of `results_by_version`) to avoid reading the ref again.
    """
    found = suite_results(root, agent, version) if results is None else results
    if not found:
        return "-"
    return " ".join(f"{suite} {'✓' if r.get('status') == 'passed' else '✗'}" for suite, r in sorted(found.items()))
