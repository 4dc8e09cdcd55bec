"""`agentctl serve`: build the live service for a config repo and run it under uvicorn.

Why Starlette + uvicorn: a small, well-kept ASGI stack (the base of FastAPI) with streaming
request bodies (so the size limit holds before a body is read whole), lifespan hooks for the
state poller and the call writer, and uvicorn's production server (graceful shutdown,
`--workers`, proxy headers) — and nothing else to learn or to ship.
"""

from __future__ import annotations

import json
import os
from typing import Any

from agentctl.errors import BadInputError

SETTINGS_ENV = "AGENTCTL_SERVE_OPTIONS"  # how worker processes learn the command line's options


def build_service(repo: Any, *, envs: list[str] | None = None, allow_unsigned: list[str] | None = None) -> Any:
    """The Service (routing + ingest) for `repo`, with its state loaded once; raises BadInputError on bad settings."""
    from agentctl.calls.record import IngestContext
    from agentctl.calls.store import open_store
    from agentctl.serve.app import Service
    from agentctl.serve.live import LiveState
    from agentctl.serve.metrics import ServeMetrics
    from agentctl.serve.settings import load_settings
    from agentctl.serve.writer import CallWriter

    settings = load_settings(repo.config, envs=envs, allow_unsigned=allow_unsigned)
    ctx = IngestContext.from_workspace(repo.workspace)
    live = LiveState(repo, settings.environments, settings.poll_interval_s)
    live.refresh()
    metrics = ServeMetrics()
    root, config = repo.root, repo.config.data
    # create the store (DuckDB file, or the PostgreSQL tables that replicas share) before the first call
    open_store(root, config).close()
    writer = CallWriter(lambda: open_store(root, config), retry_s=settings.store_retry_s, on_stored=metrics.stored)
    return Service(repo, settings, live, writer, metrics, ctx)


def build_app(repo: Any, *, envs: list[str] | None = None, allow_unsigned: list[str] | None = None) -> Any:
    """The ASGI application (Starlette) for `repo`."""
    from agentctl.serve.app import create_app

    return create_app(build_service(repo, envs=envs, allow_unsigned=allow_unsigned))


def app_from_environment() -> Any:
    """uvicorn factory for `--workers N`: each worker process builds its own app from the options."""
    from agentctl.repo import ConfigRepo

    options = json.loads(os.environ[SETTINGS_ENV])
    return build_app(ConfigRepo.discover(options["root"]), envs=options["envs"], allow_unsigned=options["unsigned"])


def serve(repo: Any, *, host: str = "127.0.0.1", port: int = 8710, envs: list[str] | None = None,
          workers: int = 1, allow_unsigned: list[str] | None = None, log_level: str = "info",
          announce: Any = None) -> None:
    """Run the service until interrupted. `announce(settings_dict)` is called once it is configured."""
    import uvicorn

    if workers < 1:
        raise BadInputError("--workers must be 1 or more", "pass --workers 1 (the default) or more")
    if workers == 1:
        service = build_service(repo, envs=envs, allow_unsigned=allow_unsigned)
        if announce:
            announce(service.settings.to_dict())
        from agentctl.serve.app import create_app

        uvicorn.run(create_app(service), host=host, port=port, log_level=log_level, access_log=False,
                    timeout_graceful_shutdown=10)
        return
    # check the settings once in this process, so a bad config fails before any worker starts
    from agentctl.serve.settings import load_settings

    settings = load_settings(repo.config, envs=envs, allow_unsigned=allow_unsigned)
    if announce:
        announce(settings.to_dict())
    os.environ[SETTINGS_ENV] = json.dumps({"root": str(repo.root), "envs": envs, "unsigned": allow_unsigned})
    uvicorn.run("agentctl.serve.service:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=False, timeout_graceful_shutdown=10)
