"""Load only the part of the working tree a change reaches, so the gate's cost follows the change.

The result is an ordinary Workspace (same loader, same schema checks, same cross-file checks)
holding the changed components plus everything the affected agents use. When agentctl.yaml
changed every agent is affected, and the whole repo is loaded the usual way.
"""

from __future__ import annotations

from pathlib import Path

from agentctl.ci.impact import Impact
from agentctl.model import layout
from agentctl.model.artifacts import AgentDef, Config, KbManifest, Prompt, ToolContract, Workspace
from agentctl.model.diagnostics import Diagnostic
from agentctl.model.workspace import Loader, load_workspace
from agentctl.model.yamlio import Document


def load_scoped_workspace(root: Path, impact: Impact, changed_paths: list[str]) -> Workspace:
    """A Workspace of the changed components and the affected agents' components, with diagnostics."""
    if impact.everything:
        return load_workspace(root, strict=False)
    from agentctl.model.crossref import check_workspace

    prompts, contracts, kbs = set(impact.names("prompt")), set(impact.names("contract")), set(impact.names("kb"))
    for name in impact.agents:
        uses = impact.uses.get(name)
        if uses:
            prompts.update([uses.prompt] if uses.prompt else [])
            contracts.update(uses.contracts)
            kbs.update([uses.kb] if uses.kb else [])
    loader = Loader(root)
    config_doc = loader.load(layout.CONFIG_FILE, "config") or Document(layout.CONFIG_FILE, {})
    ws = Workspace(root=root, config=Config(config_doc))
    for name in sorted(prompts):
        _load_prompt(loader, ws, name)
    for name in sorted(contracts):
        doc = _load_if_present(loader, layout.contract_file(name), "tool-contract")
        if doc is not None and loader.names_match(doc, name, "tool contract"):
            ws.contracts[name] = ToolContract(name, doc)
    for name in sorted(kbs):
        doc = _load_if_present(loader, layout.kb_file(name), "kb-manifest")
        if doc is not None and loader.names_match(doc, name, "KB manifest"):
            ws.kbs[name] = KbManifest(name, doc)
    for name in sorted(impact.agents):
        doc = _load_if_present(loader, layout.agent_file(name), "agent")
        if doc is not None and loader.names_match(doc, name, "agent"):
            ws.agents[name] = AgentDef(name, doc, layout.agent_dir(name))
    for path in changed_paths:
        if layout.kind_of(path) == "bundle" and (root / path).is_file():
            loader.load(path, "bundle")
    ws.diagnostics = loader.diagnostics
    if config_doc.data:
        ws.diagnostics += check_workspace(ws)
    ws.diagnostics.sort(key=lambda d: (d.file, d.line, d.col))
    return ws


def _load_if_present(loader: Loader, relpath: str, schema: str) -> Document | None:
    # a deleted component is not an error here: the agents still naming it are reported by crossref
    return loader.load(relpath, schema) if (loader.root / relpath).is_file() else None


def _load_prompt(loader: Loader, ws: Workspace, name: str) -> None:
    folder = ws.root / layout.PROMPTS_DIR / name
    if not folder.is_dir():
        return
    relpath = layout.prompt_meta(name)
    if not (folder / layout.PROMPT_META).is_file():
        loader.diagnostics.append(Diagnostic(f"{layout.PROMPTS_DIR}/{name}", 1, 1, f"prompt folder has no {layout.PROMPT_META}",
                                             "add prompt.yaml with name, version, changes and template"))
        return
    doc = loader.load(relpath, "prompt")
    if doc is None or not loader.names_match(doc, name, "prompt"):
        return
    template = doc.data["template"]
    text_path = folder / template
    text_rel = f"{layout.PROMPTS_DIR}/{name}/{template}"
    if not text_path.is_file() or ".." in Path(template).parts:
        loader.diagnostics.append(doc.diagnostic(["template"], f"template file '{text_rel}' does not exist",
                                                 "create it or fix `template:`"))
        return
    ws.prompts[name] = Prompt(name, doc, text_path.read_text("utf-8"), text_rel)
