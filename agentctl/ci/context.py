"""What every gate step sees (CiContext) and what it reports (Finding)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentctl.ci.impact import Impact
    from agentctl.model.artifacts import Workspace
    from agentctl.store.changes import Base, ChangedFile

LEVELS = ("error", "warning", "notice")  # GitHub's annotation levels; only errors fail the gate


@dataclass(frozen=True)
class Finding:
    step: str
    level: str  # "error" | "warning" | "notice"
    file: str | None
    line: int | None
    col: int | None
    message: str
    rule: str | None = None
    agent: str | None = None

    @property
    def is_error(self) -> bool:
        return self.level == "error"

    @property
    def location(self) -> str:
        """`file:line:col` as far as known ("" when the finding is about no file)."""
        if not self.file:
            return ""
        parts = [self.file] + [str(p) for p in (self.line, self.col) if p]
        return ":".join(parts)

    def __str__(self) -> str:
        where = f"{self.location}: " if self.file else ""
        rule = f"[{self.rule}] " if self.rule else ""
        return f"{where}{rule}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CiContext:
    """The change under review: where the repo is, what it is compared with, and whom it affects."""

    root: Path
    base: Base
    changes: list[ChangedFile]
    impact: Impact
    workspace: Workspace  # the head side, loaded only as far as the change reaches
    # runs an agent's suites (root, agent, kinds) → a run with `.suites`; given by the caller (agentctl.ops.ci)
    # so the gate never imports the layer above it
    run_tests: Callable[..., Any] | None = None
    _base_texts: dict[str, str | None] = field(default_factory=dict, repr=False)

    @property
    def changed_paths(self) -> list[str]:
        return [c.path for c in self.changes]

    @property
    def present_paths(self) -> list[str]:
        """Changed files that still exist (added or modified)."""
        return [c.path for c in self.changes if c.status != "D"]

    def base_text(self, relpath: str) -> str | None:
        """The file's text at the base commit (None when it did not exist), read from git objects."""
        if relpath not in self._base_texts:
            from agentctl.store.changes import read_at

            self._base_texts[relpath] = read_at(self.root, self.base.commit, relpath)
        return self._base_texts[relpath]

    def base_data(self, relpath: str) -> Any:
        """The parsed YAML at the base commit, or None when absent or unreadable."""
        from agentctl.errors import ValidationFailed
        from agentctl.model.yamlio import parse_text

        text = self.base_text(relpath)
        if text is None:
            return None
        try:
            return parse_text(text, relpath).data
        except ValidationFailed:
            return None
