"""One exception root for everything agentctl reports to a user.

Every subclass carries an exit code and a message that names the fix, so the CLI
can map any failure to one line of text and a documented exit status.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentctl.model.diagnostics import Diagnostic

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_CONFLICT = 4
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70  # an unexpected bug; a log with the traceback is written


class AgentctlError(Exception):
    """Base of every error agentctl expects; its message says what to do next."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, fix: str | None = None) -> None:
        self.message = message
        self.fix = fix
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"{self.message} — {self.fix}" if self.fix else self.message


class BadInputError(AgentctlError):
    """A file, option or reference the user gave is wrong (exit 2)."""


def unknown_environment(name: str, known: Iterable[str]) -> BadInputError:
    """The one wording of an environment agentctl.yaml does not declare."""
    return BadInputError(f"unknown environment '{name}' (agentctl.yaml declares: {', '.join(sorted(known)) or 'none'})",
                         "pass --env with one of those names")


class NotARepositoryError(BadInputError):
    def __init__(self, start: str) -> None:
        super().__init__(
            f"not an agentctl repository (or any parent up to /): no agentctl.yaml above {start}",
            "run `agentctl init` to create one, or pass --repo PATH",
        )


class ValidationFailed(BadInputError):
    """One or more files failed validation; every diagnostic is reported at once."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        super().__init__("\n".join(str(d) for d in errors) or "validation failed")


class NotFoundError(BadInputError):
    """A named agent, version, tool or file does not exist."""


class GitError(BadInputError):
    """git refused an operation; the message says why in git's own terms."""


class GateFailed(AgentctlError):
    """A check, test suite or CI gate failed (exit 1)."""

    exit_code = EXIT_GATE_FAILED


class PolicyRefused(AgentctlError):
    """A change window, freeze or approval rule refused the action (exit 3)."""

    exit_code = EXIT_REFUSED


class ConflictError(AgentctlError):
    """Someone else changed the same state first (exit 4); re-run to retry on top of theirs."""

    exit_code = EXIT_CONFLICT
