"""Write the traceback of an unexpected error to a log file the user can attach to a bug report."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

from agentctl import __version__


def log_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "agentctl" / "logs"


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError as exc:  # the working directory was deleted: the log must still be written
        return f"(unavailable: {exc.strerror or exc})"


def write_crash_log(exc: BaseException, argv: Sequence[str] | None) -> Path:
    from agentctl import clock

    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    lines = [
        f"agentctl {__version__}",
        f"python {sys.version.split()[0]} on {platform.platform()}",
        f"argv: {list(argv) if argv is not None else sys.argv[1:]}",
        f"cwd: {_cwd()}",
        "",
        *traceback.format_exception(type(exc), exc, exc.__traceback__),
    ]
    text = "\n".join(line.rstrip("\n") for line in lines) + "\n"
    for folder in (log_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"agentctl-crash-{stamp}-{os.getpid()}.log"
            path.write_text(text, "utf-8")
            return path
        except OSError:
            continue
    return Path("(could not write a log)")
