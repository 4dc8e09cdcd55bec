"""A diagnostic is one finding about one place in one file, printed as `file:line:col: message — fix`."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int
    col: int
    message: str
    fix: str = ""
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        tail = f" — {self.fix}" if self.fix else ""
        return f"{self.file}:{self.line}:{self.col}: {prefix}{self.message}{tail}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)
