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
@click.option("--days", type=DAYS, default=None, help="Days to simulate (default: 1; 91 with --story quarter).")
@click.option("--calls-per-day", type=CALLS_PER_DAY, default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--fault", "faults", multiple=True, metavar="SPEC",
              help="silent-tool:TOOL:SHARE, slow-transcriber:FACTOR, conversion-drift:START:DAYS:FROM:TO, "
                   "degrade:KIND:DELTA, lift:SHARE; add ~FIRST-END to bound it to days (0-based, END excluded) "
                   "and @V1,V2 to limit it to versions.")
@click.option("--story", type=click.Choice(["quarter"]), default=None,
              help="quarter: weekly seasonality, v2's silent SMS failures for two weeks from the Monday on/after "
                   "day 35, v3's fix, v4's prompt improvement (overrides --version).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="JSONL file (default stdout).")
@json_option
def simulate(agent: str, env: str, versions: tuple[tuple[int, float], ...], start: str | None, days: int | None,
             calls_per_day: int, seed: int, faults: tuple[str, ...], story: str | None, out: Path | None,
             as_json: bool) -> int:
    """Generate realistic, seeded call records with injected faults (JSONL).

    \b
    Examples:
      agentctl simulate --days 14 --fault silent-tool:sms-gateway:0.3~7-14 --out calls.jsonl
      agentctl simulate --version 11=0.9 --version 12=0.1 --fault silent-tool:sms-gateway:0.3@12
      agentctl simulate --story quarter --start 2026-09-01 --calls-per-day 1000 --out quarter.jsonl
    """
    from agentctl.ops.simulate import simulate_to

    shares: dict[int, float] = dict(versions)
    write = partial(simulate_to, agent=agent, env=env, versions=shares, start=start, days=days,
                    calls_per_day=calls_per_day, seed=seed, faults=list(faults), story=story)
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
