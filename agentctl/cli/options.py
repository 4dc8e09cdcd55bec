"""Options shared by many commands, defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def repo_option(fn: F) -> F:
    return click.option("--repo", "repo", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help="Config repo root (default: found from the current directory, like git).")(fn)


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, callback=_note_json,
                        help="Print machine-readable JSON instead of tables (errors too).")(fn)


# Whether the running command was given --json, so main() can print its error as JSON on stdout.
_JSON_REQUESTED = {"value": False}


def _note_json(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        _JSON_REQUESTED["value"] = True
    return value


def json_requested() -> bool:
    return _JSON_REQUESTED["value"]


def forget_json_request() -> None:
    _JSON_REQUESTED["value"] = False


def env_option(fn: F) -> F:
    return click.option("--env", "env", default=None, metavar="ENV",
                        help="Environment (default: default_environment in agentctl.yaml).")(fn)


def repo_from(repo: Path | None) -> Any:
    """The ConfigRepo handle a command works on, from `--repo` (or found from the current directory)."""
    from agentctl.repo import ConfigRepo

    return ConfigRepo.discover(repo)


def root_from(repo: Path | None) -> Path:
    from agentctl.model.workspace import resolve_root

    return resolve_root(repo)


def optional_root(repo: Path | None) -> Path | None:
    """Like root_from, but None outside a config repo (for commands that also work on plain files)."""
    from agentctl.errors import NotARepositoryError

    try:
        return root_from(repo)
    except NotARepositoryError:
        if repo is not None:
            raise
        return None


# -- argument types: every value a user types is bounded here, so nothing past the parser overflows --------------

MAX_DAYS = 3660  # ten years of calls is the most any command works over
MAX_VERSION = 999_999_999


if TYPE_CHECKING:  # newer click makes ParamType generic; older releases cannot be subscripted at run time
    _ParamType = click.ParamType[Any, Any]
else:
    _ParamType = click.ParamType


class IsoTime(_ParamType):
    """An ISO 8601 time (`2026-12-04T10:00`, offset optional) between 1970 and 9000, so date arithmetic cannot overflow."""

    name = "iso-time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import datetime as dt

        if isinstance(value, dt.datetime):
            return value
        text = str(value)
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if len(text) <= 64 else None
        except ValueError:
            moment = None
        if moment is None:
            self.fail(f"'{_short(text)}' is not an ISO time; write e.g. 2026-12-04T10:00", param, ctx)
        if not 1970 <= moment.year <= 9000:
            self.fail(f"'{text}' is out of range; use a time between 1970 and 9000", param, ctx)
        return moment


class VersionShare(_ParamType):
    """`V` or `V=SHARE`: a bundle version (1…999,999,999) and a finite traffic share between 0 and 1."""

    name = "version-share"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import math

        if isinstance(value, tuple):
            return value
        text = str(value)
        version, sep, share = text.partition("=")
        digits = version.strip().removeprefix("v")
        if not digits.isdigit() or not digits.isascii() or len(digits) > 9 or int(digits) < 1:
            self.fail(f"'{_short(text)}': the version must be a whole number from 1 to {MAX_VERSION:,}; "
                      "write VERSION or VERSION=SHARE, e.g. 12=0.1", param, ctx)
        try:
            number = float(share) if sep and len(share) <= 32 else (1.0 if not sep else math.nan)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or not 0 <= number <= 1:
            self.fail(f"'{_short(text)}': the share must be a number from 0 to 1, e.g. 12=0.1", param, ctx)
        return int(digits), number


ISO_TIME = IsoTime()
VERSION_SHARE = VersionShare()
DAYS = click.IntRange(1, MAX_DAYS)
CALLS_PER_DAY = click.IntRange(0, 1_000_000)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[:limit - 3]}..."
