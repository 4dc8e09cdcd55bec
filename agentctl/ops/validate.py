"""`agentctl validate`: schemas plus cross-file checks over the whole repo, reported all at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agentctl.errors import BadInputError, ValidationFailed
from agentctl.model.diagnostics import Diagnostic
from agentctl.ops.test import cassette_warnings
from agentctl.repo import RepoLike, as_repo


@dataclass
class ValidationReport:
    root: str
    diagnostics: list[Diagnostic]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, object]:
        return {"root": self.root, "ok": self.ok, "counts": self.counts,
                "errors": [d.to_dict() for d in self.errors], "warnings": [d.to_dict() for d in self.warnings]}


def validate_repo(repo: RepoLike, paths: Sequence[str | Path] = ()) -> ValidationReport:
    """Validate the repo at `root`; with `paths`, report only findings in those files or folders.

    Cross-file checks always see the whole repo, because an agent in one file can break
    because of a tool contract in another.
    """
    repo = as_repo(repo)
    root = repo.root
    ws = repo.workspace_lenient

    with_suites = sorted(name for name, agent in ws.agents.items() if agent.suites)  # the rest have no cassettes
    diagnostics = [*ws.diagnostics, *cassette_warnings(repo, with_suites, ws=ws)]
    if paths:
        wanted = [_relative(root, p) for p in paths]
        diagnostics = [d for d in diagnostics if any(d.file == w or d.file.startswith(w.rstrip("/") + "/") or w == "."
                                                     for w in wanted)]
    counts = {"prompts": len(ws.prompts), "tool contracts": len(ws.contracts), "KB manifests": len(ws.kbs),
              "agents": len(ws.agents)}
    return ValidationReport(str(root), diagnostics, counts)


def check_repo(repo: RepoLike, paths: Sequence[str | Path] = ()) -> ValidationReport:
    """Like validate_repo, but raise ValidationFailed (exit 2) when any error was found."""
    report = validate_repo(repo, paths)
    if not report.ok:
        raise ValidationFailed(report.diagnostics)
    return report


def _relative(root: Path, path: str | Path) -> str:
    absolute = Path(path).resolve()
    if not absolute.exists():
        raise BadInputError(f"no such file or folder: {path}", "pass paths inside the config repo")
    try:
        return absolute.relative_to(root).as_posix() or "."
    except ValueError:
        raise BadInputError(f"{path} is outside the config repo {root}", "pass paths inside the repo, or use --repo") from None
