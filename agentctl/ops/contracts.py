"""`agentctl contracts ...`: diff, history, live verify and OpenAPI import of tool contracts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.clock import now
from agentctl.contracts.compat import diff_contracts
from agentctl.contracts.openapi import is_openapi, load_openapi, operation_contract, tool_name
from agentctl.contracts.sources import load_contract_file, parse_contract_text, rule_overrides
from agentctl.contracts.verify import run_verify
from agentctl.errors import BadInputError, NotFoundError
from agentctl.model import layout, yamlio
from agentctl.model.yamlio import dump_yaml, load_file
from agentctl.repo import RepoLike, as_repo
from agentctl.store.revisions import changed_since_head, path_revisions, read_at, resolve_revision

if TYPE_CHECKING:
    from agentctl.contracts.compat import CompatReport
    from agentctl.contracts.verify import VerifyReport

WORKING_TREE = "working tree"
# The provider's version number is theirs to choose; a provider diff classifies the changes only.
_VERSION_RULES = frozenset({"breaking-change-without-major-bump", "version-not-increased", "version-invalid",
                            "additions-in-patch-release"})


@dataclass
class ContractDiff:
    """The compatibility report between two versions of one tool contract."""

    tool: str
    old_label: str  # "bc08443a1f (1.3.0)", a file path, ...
    new_label: str
    report: CompatReport

    @property
    def breaking(self) -> bool:
        return self.report.breaking

    def to_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "from": self.old_label, "to": self.new_label, **self.report.to_dict()}


def _compare(old: dict[str, Any], new: dict[str, Any], root: Path | None) -> CompatReport:
    try:
        return diff_contracts(old, new, overrides=rule_overrides(root), today=now().date())
    except ValueError as exc:
        raise BadInputError(f"agentctl.yaml contracts.rules: {exc}", "fix the rule id or level") from None


def _contract_at(root: Path, tool: str, rev: str | None) -> dict[str, Any]:
    relpath = layout.contract_file(tool)
    if rev is None:
        if not (root / relpath).is_file():
            raise NotFoundError(f"no tool contract named '{tool}' ({relpath} does not exist)",
                                f"use one of: {', '.join(_tool_names(root)) or 'none yet'}")
        return load_contract_file(root / relpath, relpath)
    text = read_at(root, rev, relpath)
    if text is None:
        raise NotFoundError(f"{relpath} does not exist at {rev}", "pick a revision where the contract exists "
                            f"(`agentctl contracts history {tool}`)")
    return parse_contract_text(text, f"{relpath}@{rev}")


def _tool_names(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / layout.CONTRACTS_DIR).glob("*.yaml"))


def _previous_version_rev(root: Path, tool: str, current: str, before: str | None) -> str:
    """The newest commit whose contract version differs from `current`: the previous release."""

    relpath = layout.contract_file(tool)
    for revision in path_revisions(root, relpath, rev=before):
        text = read_at(root, revision.sha, relpath)
        try:
            data = yamlio.parse_text(text, relpath).data if text else None
        except Exception:  # noqa: BLE001 - an unparseable old version is not the previous release
            continue
        if isinstance(data, dict) and str(data.get("version")) != current:
            return revision.sha
    raise NotFoundError(f"no earlier version of {tool} than {current} in git history",
                        "pass --from REV (a shallow clone may need `git fetch --unshallow`), or compare two files: "
                        "`agentctl contracts diff OLD.yaml NEW.yaml`")


def diff_tool(repo: RepoLike, tool: str, from_rev: str | None = None, to_rev: str | None = None) -> ContractDiff:
    """Compare `tool`'s contract at `from_rev` with `to_rev` (default: previous version → working tree)."""
    repo = as_repo(repo)
    root = repo.root
    new = _contract_at(root, tool, to_rev)
    if from_rev is None:
        from_rev = _previous_version_rev(root, tool, str(new["version"]), to_rev)
    old = _contract_at(root, tool, from_rev)
    to_label = WORKING_TREE if to_rev is None else _short(root, to_rev)
    return ContractDiff(tool, f"{_short(root, from_rev)} ({old['version']})", f"{to_label} ({new['version']})",
                        _compare(old, new, root))


def _short(root: Path, rev: str) -> str:
    return resolve_revision(root, rev)[:10]


def diff_files(old_path: Path, new_path: Path, *, operation: str | None = None,
               root: Path | None = None) -> ContractDiff:
    """Compare two contract files, or one operation in two OpenAPI files (`operation` required then)."""
    old, old_api = _load_either(old_path, operation)
    new, new_api = _load_either(new_path, operation)
    if old_api != new_api:
        raise BadInputError("one file is an OpenAPI document and the other a tool contract",
                            "compare two contracts, or two OpenAPI files with --operation")
    report = _compare(old, new, root)
    if old_api:
        report.changes = [c for c in report.changes if c.rule not in _VERSION_RULES]
    name = str(new.get("name") or operation or new_path.stem)
    return ContractDiff(name, f"{old_path} ({old['version']})", f"{new_path} ({new['version']})", report)


def _load_either(path: Path, operation: str | None) -> tuple[dict[str, Any], bool]:
    if not path.is_file():
        raise NotFoundError(f"no such file: {path}", "pass two contract files, or a tool name")
    if is_openapi(load_file(path, str(path)).data):
        if not operation:
            raise BadInputError(f"{path} is an OpenAPI document", "name the operation to compare: --operation ID")
        spec = load_openapi(path)
        contract = operation_contract(spec, operation, name=tool_name(operation), source=str(path))
        # success is a TODO placeholder, not the provider's word; function mirrors request (reported once)
        contract.pop("success")
        contract.pop("function")
        contract["version"] = str((spec.get("info") or {}).get("version", "unknown"))
        return contract, True
    if operation:
        raise BadInputError(f"{path} is a tool contract, not an OpenAPI document",
                            "drop --operation, or pass OpenAPI files")
    return load_contract_file(path), False


# --------------------------------------------------------------------------- history


@dataclass
class HistoryEntry:
    version: str
    date: str
    author: str
    commit: str
    changes: str

    def to_dict(self) -> dict[str, str]:
        return {"version": self.version, "date": self.date, "author": self.author, "commit": self.commit,
                "changes": self.changes}


@dataclass
class ContractHistory:
    tool: str
    entries: list[HistoryEntry] = field(default_factory=list)  # newest first

    def to_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "versions": [e.to_dict() for e in self.entries]}


def contract_history(repo: RepoLike, tool: str) -> ContractHistory:
    """Each released version of `tool`'s contract (the commit that introduced it), newest first."""
    repo = as_repo(repo)
    root = repo.root

    relpath = layout.contract_file(tool)
    if not (root / relpath).is_file() and not path_revisions(root, relpath, max_count=1):
        raise NotFoundError(f"no tool contract named '{tool}'", f"use one of: {', '.join(_tool_names(root)) or 'none'}")
    entries: list[HistoryEntry] = []
    for revision in path_revisions(root, relpath):
        text = read_at(root, revision.sha, relpath)
        try:
            data = yamlio.parse_text(text, relpath).data if text else None
        except Exception:  # noqa: BLE001 - a broken commit still belongs in the history
            data = None
        data = data if isinstance(data, dict) else {}
        entry = HistoryEntry(str(data.get("version", "?")), revision.date, revision.author, revision.short,
                             " ".join(str(data.get("changes") or revision.subject).split()))
        if entries and entries[-1].version == entry.version:
            entries[-1] = entry  # the older commit introduced this version
        else:
            entries.append(entry)
    if relpath in changed_since_head(root, [relpath]):
        from agentctl.contracts.sources import load_contract_file

        data = load_contract_file(root / relpath, relpath)
        if not entries or str(data["version"]) != entries[0].version:
            entries.insert(0, HistoryEntry(str(data["version"]), "", "", WORKING_TREE,
                                           " ".join(str(data.get("changes", "")).split())))
    return ContractHistory(tool, entries)


# --------------------------------------------------------------------------- verify


def verify_tool(target: str, *, root: Path | None, base_url: str | None = None, env: str | None = None,
                timeout: float | None = None, junit: Path | None = None) -> VerifyReport:
    """Live contract test of `target` (a tool name in the repo, or a contract file) against a backend.

    Exactly one of `base_url` (replaces scheme and host of backend.url) and `env`
    (backend.environments[env]) names the backend. With `junit`, the report is also written there.
    """

    path = Path(target)
    if path.suffix in (".yaml", ".yml", ".json") and path.is_file():
        contract = load_contract_file(path)
    else:
        if root is None:
            raise NotFoundError(f"'{target}' is neither a contract file nor a tool in a config repo",
                                "pass a contract file path, or run inside the config repo")
        contract = _contract_at(root, target, None)
    report = run_verify(contract, base_url=base_url, env=env, timeout=timeout)
    if junit is not None:
        tmp = junit.with_name(f".{junit.name}.tmp")
        tmp.write_text(report.to_junit(), "utf-8")
        tmp.replace(junit)
    return report


# --------------------------------------------------------------------------- import


@dataclass
class ImportResult:
    path: str
    name: str
    version: str
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "name": self.name, "version": self.version, "warnings": self.warnings}


def import_openapi(openapi_file: Path, operation: str, *, root: Path | None, name: str | None = None,
                   out: Path | None = None) -> ImportResult:
    """Write a new tool contract from one OpenAPI operation; never overwrites an existing file."""

    spec = load_openapi(openapi_file)
    tool = name or tool_name(operation)
    if out is None:
        if root is None:
            raise BadInputError("no config repo here to put the contract in", "pass --out FILE or --repo PATH")
        out = root / layout.contract_file(tool)
    if out.exists():
        raise BadInputError(f"{out} already exists", "pick another --name or --out; import never overwrites")
    contract = operation_contract(spec, operation, name=tool, source=openapi_file.name)
    text = (f"# Imported from {openapi_file.name} (operation {operation}).\n"
            "# TODO: the success criteria below are a placeholder; write what proves the call did its job.\n"
            + dump_yaml(contract))
    parse_contract_text(text, str(out))  # what we write must load
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(out)
    criterion = contract["success"]["criteria"][0]["path"]
    warnings = [f"success criteria are a placeholder ({criterion} exists): write what proves the call did its "
                "job, e.g. a message id and an accepted status — HTTP 200 alone proves nothing",
                f"add an owner (`owners: {{tools: {{{tool}: <person>}}}}` in agentctl.yaml) and an example request"]
    if "api.provider.example" in contract["backend"]["url"]:
        warnings.append("the OpenAPI document has no servers: set backend.url to the provider's endpoint")
    return ImportResult(str(out), tool, contract["version"], warnings)
