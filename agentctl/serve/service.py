"""`agentctl serve`: build the live service for a config repo and run it under uvicorn.

Why Starlette + uvicorn: a small, well-kept ASGI stack (the base of FastAPI) with streaming
request bodies (so the size limit holds before a body is read whole), lifespan hooks for the
state poller and the call writer, and uvicorn's production server (graceful shutdown,
`--workers`, proxy headers) — and nothing else to learn or to ship.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from agentctl.errors import BadInputError

log = logging.getLogger("agentctl.serve")

SETTINGS_ENV = "AGENTCTL_SERVE_OPTIONS"  # how worker processes learn the command line's options


def build_service(repo: Any, *, envs: list[str] | None = None, allow_unsigned: list[str] | None = None,
                  business_types: dict[str, str] | None = None) -> Any:
    """The Service (routing + ingest) for `repo`, with its state loaded once; raises BadInputError on bad settings.

    It drains the call journal itself (a thread), replaying whatever a crash left there before it
    serves, unless the environment says the `serve --workers N` parent drains (then
    `business_types` are the store's business columns the parent read)."""
    from agentctl.calls.record import IngestContext
    from agentctl.serve.app import Service
    from agentctl.serve.live import LiveState
    from agentctl.serve.metrics import ServeMetrics
    from agentctl.serve.settings import load_settings
    from agentctl.serve.writer import DRAINER_ENV, CallWriter, journal_dir

    settings = load_settings(repo.config, envs=envs, allow_unsigned=allow_unsigned)
    ctx = IngestContext.from_workspace(repo.workspace)
    live = LiveState(repo, settings.environments, settings.poll_interval_s)
    live.refresh()
    metrics = ServeMetrics()
    drains = os.environ.get(DRAINER_ENV) != "parent"
    open_store, close_store = store_handles(repo.root)
    writer = CallWriter(journal_dir(repo.root), open_store, close_store=close_store, retry_s=settings.store_retry_s,
                        on_stored=metrics.stored, on_commit=metrics.committed, drain=drains)
    if writer.drainer is not None:
        business_types = replay(writer.drainer)
        writer.drainer.start()
    service = Service(repo, settings, live, writer, metrics, ctx)
    service.business_types = dict(business_types or {})
    return service


def store_handles(root: Any) -> tuple[Any, Any]:
    """Open/close of the drainer's own handle on the store `metrics_source` names (DuckDB file or another CallStore)."""
    from agentctl.repo import ConfigRepo

    store_repo = ConfigRepo(root)
    return (lambda: store_repo.calls(read_only=False)), (lambda _store: store_repo.close())


def replay(drainer: Any) -> dict[str, str]:
    """Start-up: create the store if needed, move what the journal holds (a crash's leftovers) into it, close it.
    Returns the store's business columns (name → SQL type) for the handlers' type check."""
    from agentctl.serve.journal import StoreBusy

    store = drainer.open_with_retry()  # workers starting together take turns
    types: dict[str, str] = dict(store.business_columns())
    drainer.store = store
    try:
        drainer.drain()
        types = dict(store.business_columns())
    except StoreBusy as exc:  # only if another process holds the store past the retry budget: retried later
        log.warning("%s; the journal keeps the calls and the drainer retries", exc)
    finally:
        drainer.release()
    return types


def build_app(repo: Any, *, envs: list[str] | None = None, allow_unsigned: list[str] | None = None,
              business_types: dict[str, str] | None = None) -> Any:
    """The ASGI application for `repo`."""
    from agentctl.serve.app import create_app

    return create_app(build_service(repo, envs=envs, allow_unsigned=allow_unsigned, business_types=business_types))


def app_from_environment() -> Any:
    """uvicorn factory for `--workers N`: each worker process builds its own app from the options."""
    from agentctl.repo import ConfigRepo

    options = json.loads(os.environ[SETTINGS_ENV])
    app = build_app(ConfigRepo.discover(options["root"]), envs=options["envs"], allow_unsigned=options["unsigned"],
                    business_types=options.get("business_types"))
    tune_gc()
    return app


def tune_gc() -> None:
    """A server's garbage collector settings: collect the young generation every 50,000 allocations instead of 700
    (a webhook allocates thousands of short-lived objects; the default made the collector a quarter of the event
    loop's CPU), and keep what start-up loaded (code, config, bundles) out of every later collection."""
    import gc

    gc.set_threshold(50_000, 20, 100)
    gc.freeze()


def serve(repo: Any, *, host: str = "127.0.0.1", port: int = 8710, envs: list[str] | None = None,
          workers: int = 1, allow_unsigned: list[str] | None = None, log_level: str = "info",
          announce: Any = None) -> None:
    """Run the service until interrupted. `announce(settings_dict)` is called once it is configured."""
    import uvicorn

    if workers < 1:
        raise BadInputError("--workers must be 1 or more", "pass --workers 1 (the default) or more")
    if workers == 1:
        service = build_service(repo, envs=envs, allow_unsigned=allow_unsigned)
        tune_gc()
        if announce:
            announce(service.settings.to_dict())
        from agentctl.serve.app import create_app

        uvicorn.run(create_app(service), host=host, port=port, log_level=log_level, access_log=False,
                    timeout_graceful_shutdown=10)
        return
    # check the settings once in this process, so a bad config fails before any worker starts
    import shutil
    import tempfile

    from agentctl.serve.settings import load_settings

    settings = load_settings(repo.config, envs=envs, allow_unsigned=allow_unsigned)
    if announce:
        announce(settings.to_dict())
    # the workers' Prometheus values meet in files here, so /metrics counts every worker's calls
    metrics_dir = tempfile.mkdtemp(prefix="agentctl-serve-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    from agentctl.serve.journal import Drainer
    from agentctl.serve.metrics import ServeMetrics
    from agentctl.serve.writer import DRAINER_ENV, journal_dir

    # this process drains the workers' journals into the store: the workers' event loops only append
    open_store, close_store = store_handles(repo.root)
    drainer = Drainer(journal_dir(repo.root), open_store, close_store, retry_s=settings.store_retry_s,
                      on_commit=ServeMetrics().committed)
    business_types = replay(drainer)
    os.environ[SETTINGS_ENV] = json.dumps({"root": str(repo.root), "envs": envs, "unsigned": allow_unsigned,
                                           "business_types": business_types})
    os.environ[DRAINER_ENV] = "parent"
    drainer.start()
    try:
        uvicorn.run("agentctl.serve.service:app_from_environment", factory=True, host=host, port=port,
                    workers=workers, log_level=log_level, access_log=False, timeout_graceful_shutdown=10)
    finally:
        drainer.close()  # after the workers exited: what they journaled last goes into the store now
        for name in ("PROMETHEUS_MULTIPROC_DIR", DRAINER_ENV):
            os.environ.pop(name, None)
        shutil.rmtree(metrics_dir, ignore_errors=True)
