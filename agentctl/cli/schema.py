from __future__ import annotations

import click

from agentctl.cli.render import emit_json
from agentctl.errors import EXIT_OK
from agentctl.model.schema import SCHEMA_NAMES


@click.command()
@click.argument("kind", type=click.Choice(SCHEMA_NAMES))
def schema(kind: str) -> int:
    """Print the JSON Schema for KIND (config, prompt, tool-contract, kb-manifest, agent, bundle, suite, call-record).

    \b
    Examples:
      agentctl schema tool-contract
      agentctl schema config > agentctl.schema.json
    """
    from agentctl.model.schema import load_schema

    emit_json(load_schema(kind))
    return EXIT_OK
