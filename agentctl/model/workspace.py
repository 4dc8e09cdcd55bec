"""Load a config repo's working tree into a Workspace, collecting every diagnostic on the way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agentctl.errors import BadInputError, NotARepositoryError, ValidationFailed
from agentctl.model import layout
from agentctl.model.artifacts import AgentDef, Config, KbManifest, Prompt, ToolContract, Workspace
from agentctl.model.crossref import check_workspace
from agentctl.model.diagnostics import Diagnostic
from agentctl.model.doccache import DocumentCache, schema_stamp
from agentctl.model.paths import escape_reason
from agentctl.model.released import load_released
from agentctl.model.schema import validate_document
from agentctl.model.yamlio import MAX_FILE_BYTES, Document, load_bytes, load_file


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` holding agentctl.yaml (like git finds .git)."""
    try:
        here = (start or Path.cwd()).resolve()
    except OSError:
        raise BadInputError("the current directory no longer exists (deleted or unmounted)",
                            "cd into an existing folder, or pass --repo PATH") from None
    for folder in (here, *here.parents):
        if (folder / layout.CONFIG_FILE).is_file():
            return folder
    raise NotARepositoryError(str(here))


def resolve_root(repo: str | Path | None) -> Path:
    """`--repo PATH` if given (must hold agentctl.yaml), else discovery from the current directory."""
    if repo is None:
        return find_root()
    try:
        path = Path(repo).resolve()
        found = (path / layout.CONFIG_FILE).is_file()
    except (OSError, RuntimeError, ValueError):
        raise BadInputError(f"--repo {str(repo)[:80]!r} cannot be resolved (deleted folder, symlink loop or bad name)",
                            "pass the path of an existing config repo") from None
    if not found:
        raise NotARepositoryError(str(path))
    return path


CACHED_SCHEMAS = ("config", "prompt", "tool-contract", "kb-manifest", "agent")


class Loader:
    """Loads config files one by one, collecting every diagnostic (and remembering clean files by blob id)."""

    def __init__(self, root: Path, *, cache: bool = True) -> None:
        self.root = root
        self.diagnostics: list[Diagnostic] = []
        self.cache = DocumentCache(root, stamp=schema_stamp(*CACHED_SCHEMAS)) if cache else None

    def load(self, relpath: str, schema: str) -> Document | None:
        key, raw = None, None
        if self.cache is not None:
            try:
                raw = (self.root / relpath).read_bytes()
            except OSError:
                raw = None
            if raw is not None and len(raw) <= MAX_FILE_BYTES:
                key = DocumentCache.key(raw, schema)
                hit = self.cache.get(key)
                if hit is not None:  # parsed and validated clean before: same content, same answer
                    return Document(relpath, hit, raw.decode("utf-8"))
        try:
            doc = load_file(self.root / relpath, relpath) if raw is None else load_bytes(raw, relpath)  # read once
        except ValidationFailed as exc:
            self.diagnostics.extend(exc.diagnostics)
            return None
        try:
            findings = validate_document(doc, schema)
        except ValidationFailed as exc:  # positions need the round-trip parse, which can refuse what the fast one took
            self.diagnostics.extend(exc.diagnostics)
            return None
        self.diagnostics.extend(findings)
        if key is not None and not findings and self.cache is not None:
            self.cache.put(key, doc.data)
        return None if any(d.is_error for d in findings) else doc

    def save(self) -> None:
        if self.cache is not None:
            self.cache.save()

    def names_match(self, doc: Document, expected: str, what: str) -> bool:
        actual = doc.data.get("name")
        if actual != expected:
            self.diagnostics.append(doc.diagnostic(
                ["name"], f"{what} is named '{actual}' but its file says '{expected}'",
                f"set `name: {expected}` or rename the file"))
            return False
        return True


def load_agents(root: Path, config: Config) -> Workspace:
    """The config and the agent definitions only (no prompts, contracts, KBs or released bundles):
    what commands that act on deployed agents need (canary, check). Invalid definitions are
    left out and their diagnostics kept on the Workspace."""
    loader = Loader(root)
    ws = Workspace(root=root, config=config)
    for folder in _sorted_dirs(root / layout.BUNDLES_DIR):
        if (folder / layout.AGENT_FILE).is_file():
            doc = loader.load(layout.agent_file(folder.name), "agent")
            if doc is not None and loader.names_match(doc, folder.name, "agent"):
                ws.agents[folder.name] = AgentDef(folder.name, doc, layout.agent_dir(folder.name))
    loader.save()
    ws.diagnostics = loader.diagnostics
    return ws


def load_workspace(root: Path, *, strict: bool = True, config: Config | None = None) -> Workspace:
    """Load and validate everything under `root`.

    With strict=True (the default for commands that act on the repo) any error raises
    ValidationFailed carrying every diagnostic; strict=False returns them on the Workspace.
    `config`, when the caller already validated agentctl.yaml, is used instead of parsing it again.
    """
    loader = Loader(root)
    config_doc = config.doc if config is not None else loader.load(layout.CONFIG_FILE, "config")
    if config_doc is None:
        if strict:
            raise ValidationFailed(loader.diagnostics)
        config_doc = Document(layout.CONFIG_FILE, {})
    ws = Workspace(root=root, config=Config(config_doc))
    _load_prompts(loader, ws)
    _load_named(loader, ws, layout.CONTRACTS_DIR, "tool-contract", "tool contract",
                lambda name, doc: ws.contracts.__setitem__(name, ToolContract(name, doc)))
    _load_named(loader, ws, layout.KB_DIR, "kb-manifest", "KB manifest",
                lambda name, doc: ws.kbs.__setitem__(name, KbManifest(name, doc)))
    _load_agents(loader, ws)
    loader.save()
    ws.diagnostics = loader.diagnostics
    if config_doc.data:
        ws.diagnostics += check_workspace(ws)
    ws.diagnostics.sort(key=lambda d: (d.file, d.line, d.col))
    if strict and ws.errors:
        raise ValidationFailed(ws.diagnostics)
    return ws


def _sorted_dirs(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")) if path.is_dir() else []


def _load_prompts(loader: Loader, ws: Workspace) -> None:
    for folder in _sorted_dirs(ws.root / layout.PROMPTS_DIR):
        relpath = layout.prompt_meta(folder.name)
        if not (folder / layout.PROMPT_META).is_file():
            loader.diagnostics.append(Diagnostic(
                f"{layout.PROMPTS_DIR}/{folder.name}", 1, 1, f"prompt folder has no {layout.PROMPT_META}",
                "add prompt.yaml with name, version, changes and template"))
            continue
        doc = loader.load(relpath, "prompt")
        if doc is None or not loader.names_match(doc, folder.name, "prompt"):
            continue
        template = doc.data["template"]
        text_rel = f"{layout.PROMPTS_DIR}/{folder.name}/{template}"
        text_path = folder / template
        escape = escape_reason(ws.root, text_rel) or escape_reason(folder, str(template))
        if escape:
            loader.diagnostics.append(doc.diagnostic(["template"], f"template '{_short(template)}' {escape}",
                                                     "name a file in the prompt's folder, e.g. `template: system.md`"))
            continue
        if not text_path.is_file():
            loader.diagnostics.append(doc.diagnostic(["template"], f"template file '{text_rel}' does not exist",
                                                     "create it or fix `template:`"))
            continue
        try:
            text = text_path.read_text("utf-8")
        except UnicodeDecodeError as exc:
            loader.diagnostics.append(Diagnostic(text_rel, 1, 1, f"template is not UTF-8 text (byte {exc.start})",
                                                 "save the file as UTF-8"))
            continue
        except OSError as exc:
            loader.diagnostics.append(doc.diagnostic(["template"], f"template file '{text_rel}' cannot be read: "
                                                     f"{exc.strerror or exc}", "fix the file's permissions or `template:`"))
            continue
        ws.prompts[folder.name] = Prompt(folder.name, doc, text, text_rel)


def _short(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def _load_named(loader: Loader, ws: Workspace, directory: str, schema: str, what: str,
                put: Callable[[str, Document], object]) -> None:
    folder = ws.root / directory
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.yaml")):
        doc = loader.load(f"{directory}/{path.name}", schema)
        if doc is not None and loader.names_match(doc, path.stem, what):
            put(path.stem, doc)


def _load_agents(loader: Loader, ws: Workspace) -> None:
    for folder in _sorted_dirs(ws.root / layout.BUNDLES_DIR):
        if not (folder / layout.AGENT_FILE).is_file():
            loader.diagnostics.append(Diagnostic(
                layout.agent_dir(folder.name), 1, 1, f"agent folder has no {layout.AGENT_FILE}",
                "add agent.yaml naming the agent's prompt, tools and KB"))
            continue
        doc = loader.load(layout.agent_file(folder.name), "agent")
        if doc is not None and loader.names_match(doc, folder.name, "agent"):
            ws.agents[folder.name] = AgentDef(folder.name, doc, layout.agent_dir(folder.name))
    # released bundles: read by the layout agentctl writes, or parsed in full; unchanged ones come from the cache
    ws.released = load_released(ws.root)
    defined = {f"{layout.agent_dir(f.name)}/" for f in _sorted_dirs(ws.root / layout.BUNDLES_DIR)
               if (f / layout.AGENT_FILE).is_file()}
    for released in ws.released:
        if released.relpath.rsplit("/", 1)[0] + "/" in defined:
            loader.diagnostics.extend(released.diagnostics)


_Loader = Loader  # the earlier private name
