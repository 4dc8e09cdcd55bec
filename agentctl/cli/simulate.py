from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import click

from agentctl.cli.options import CALLS_PER_DAY, DAYS, VERSION_SHARE, json_option
from agentctl.cli.render import emit_json
from agentctl.errors import EXIT_OK


@click.command()
@click.option("--agent", default="install-reminder", show_default=True)
@click.option("--env", "env", default="production", show_default=True)
@click.option("--version", "versions", type=VERSION_SHARE, multiple=True, default=("1",), show_default=True, metavar="V[=SHARE]",
              help="Bundle version and its traffic share; repeat for a mix, e.g. --version 11=0.9 --version 12=0.1.")
@click.option("--start", default=None, help="First day (default: --days days ago).")
@click.option("--days", type=DAYS, default=1, show_default=True)
@click.option("--calls-per-day", type=CALLS_PER_DAY, default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--fault", "faults", multiple=True, metavar="SPEC",
              help="silent-tool:TOOL:SHARE, slow-transcriber:FACTOR, conversion-drift:START:DAYS:FROM:TO, "
                   "degrade:KIND:DELTA; add @V1,V2 to limit to versions.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="JSONL file (default stdout).")
@json_option
def simulate(agent: str, env: str, versions: tuple[tuple[int, float], ...], start: str | None, days: int, calls_per_day: int,
             seed: int, faults: tuple[str, ...], out: Path | None, as_json: bool) -> int:
    """Generate realistic, seeded call records with injected faults (JSONL)."""
    from agentctl.ops.simulate import simulate_to

    shares: dict[int, float] = dict(versions)
    write = partial(simulate_to, agent=agent, env=env, versions=shares, start=start, days=days,
                    calls_per_day=calls_per_day, seed=seed, faults=list(faults))
    if out is None:
        write(sys.stdout, "-")
        return EXIT_OK
    with out.open("w", encoding="utf-8") as handle:
        report = write(handle, str(out))
    if as_json:
        emit_json(report.to_dict())
    else:
        click.echo(f"wrote {report.records:,} call records to {report.out}", err=True)
    return EXIT_OK
