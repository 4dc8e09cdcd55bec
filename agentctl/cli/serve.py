"""serve — a thin command over agentctl.serve.service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from agentctl.cli.options import repo_option


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for all).")
@click.option("--port", type=click.IntRange(0, 65535), default=8710, show_default=True, help="TCP port.")
@click.option("--env", "envs", multiple=True, metavar="ENV",
              help="Environment to serve (repeatable; default serve.environments, else the production ones).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes: event loops that each follow the deployment ref and journal their calls; "
                   "this process drains the journals into the call store.")
@click.option("--allow-unsigned", "unsigned", multiple=True, type=click.Choice(["vapi", "retell", "api"]),
              help="Accept unsigned requests for PLATFORM when its secret is not set (local testing only).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]), help="Server log level.")
@repo_option
def serve(host: str, port: int, envs: tuple[str, ...], workers: int, unsigned: tuple[str, ...], log_level: str,
          repo: Path | None) -> int:
    """Serve live calls: route Vapi/Retell calls to the canary and take their records back.

    Endpoints: POST /webhooks/vapi, POST /webhooks/retell, GET /v1/resolve, POST /v1/calls,
    GET /metrics, GET /healthz, GET /readyz. Secrets come from the variables named in the
    `serve:` section of agentctl.yaml (default VAPI_WEBHOOK_SECRET, RETELL_API_KEY,
    AGENTCTL_SERVE_TOKEN); a platform without one is refused unless --allow-unsigned names it.
    A deploy, abort or rollback reaches the next call within serve.poll_interval_s (default 2 s).

    \b
    Examples:
      agentctl serve --env production
      agentctl serve --host 0.0.0.0 --port 8710 --env production --env staging
      agentctl serve --allow-unsigned vapi --allow-unsigned retell --allow-unsigned api   # local testing
    """
    from agentctl.repo import ConfigRepo
    from agentctl.serve.service import serve as run

    def announce(settings: dict[str, Any]) -> None:
        for platform in settings["unsigned"]:
            click.secho(f"WARNING: accepting UNSIGNED {platform} requests (--allow-unsigned {platform}); "
                        "anyone who can reach this port can write call records. Never do this in production.",
                        fg="red", bold=True, err=True)
        click.echo(f"agentctl serve: {', '.join(settings['environments'])} on http://{host}:{port} "
                   f"(state poll every {settings['poll_interval_s']:g} s)", err=True)

    run(ConfigRepo.discover(repo), host=host, port=port, envs=list(envs) or None, workers=workers,
        allow_unsigned=list(unsigned), log_level=log_level, announce=announce)
    return 0
