from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from agentctl.cli.options import env_option, json_option, repo_from, repo_option
from agentctl.cli.render import console, emit_json, plural, table
from agentctl.errors import EXIT_GATE_FAILED, EXIT_OK


@click.command()
@click.argument("target", metavar="AGENT[@vN]")
@click.option("--suite", "suites", multiple=True, metavar="NAME",
              help="Suite name or kind to run: unit, boundary, e2e (repeatable; default unit and boundary).")
@env_option
@click.option("--provider", default=None, metavar="SPEC",
              help="Run every case with this provider: replay, command:CMD, http:URL, "
                   "openai-compatible:BASE_URL[#MODEL], or a {type: ...} mapping.")
@click.option("--record", is_flag=True, help="Run a live provider and rewrite the replay cassettes.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Cases run in parallel (default min(8, 2×CPUs)).")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write JUnit XML here.")
@repo_option
@json_option
def test(target: str, suites: tuple[str, ...], env: str | None, provider: str | None, record: bool,
         jobs: int | None, junit: Path | None, repo: Path | None, as_json: bool) -> int:
    """Run AGENT's test suites; exit 1 when any case fails.

    AGENT@vN or AGENT@latest tests a released bundle and records the results, which
    `history` and `show` link to. Plain AGENT tests the working tree. With --env, the e2e
    suites run against that deployed environment.

    \b
    Examples:
      agentctl test install-reminder
      agentctl test install-reminder@latest --junit results.xml
      agentctl test install-reminder --suite e2e --env staging
      agentctl test install-reminder --record --provider 'command:python bundles/install-reminder/suites/reference_agent.py'
    """
    from agentctl.ops.test import run_tests

    with _progress(enabled=not as_json) as progress:
        run = run_tests(repo_from(repo), target, suites=suites, env=env, provider=provider, record=record,
                        jobs=jobs, junit=junit, progress=progress)
    if as_json:
        emit_json(run.to_dict())
        return EXIT_OK if run.ok else EXIT_GATE_FAILED
    _render(run)
    return EXIT_OK if run.ok else EXIT_GATE_FAILED


def _render(run: Any) -> None:
    from agentctl.ops.test import summary_counts

    rows = []
    for suite in run.suites:
        for case in suite.cases:
            mark = "✓ pass" if case.passed else {"error": "✗ error", "stale": "✗ stale"}.get(case.status, "✗ FAIL")
            repeats = f"{case.passes}/{len(case.attempts)}" if len(case.attempts) > 1 else ""
            reason = "" if case.passed else ("stale cassette: re-record (see below)" if case.status == "stale"
                                             else _short(case.message))
            rows.append((case.id, mark, repeats, f"{case.duration_ms:.0f} ms", reason))
    table(["case", "result", "passes", "time", "first failure"], rows, title=f"{run.target} · {_providers(run)}")
    out = console()
    for suite in run.suites:
        for case in suite.cases:
            if case.passed or case.status == "stale":
                continue
            out.print(f"\n[bold red]✗ {case.id}[/] — {case.message}", markup=True, highlight=False)
            if len(case.attempts) > 1:
                out.print(f"  {case.passes}/{len(case.attempts)} attempts passed; needs {case.threshold:.0%}")
            for line in (case.excerpt or "").splitlines():
                out.print(f"  │ {line}", markup=False)
        stale = [c.name for c in suite.cases if c.status == "stale"]
        if stale:
            out.print(f"\n[bold yellow]✗ {plural(len(stale), 'stale cassette')} in suite {suite.name}[/] "
                      "(missing, or recorded for a different prompt, tools or case: the agent was never asked): "
                      f"{_short(', '.join(stale), 200)}\n  re-record: {run.rerecord.get(suite.name, '')}",
                      markup=True, highlight=False)
    click.echo(f"\n{summary_line(run, summary_counts(run))}")
    if run.result_ids:
        ids = ", ".join(f"{name} {rid[:12]}" for name, rid in run.result_ids.items())
        click.echo(f"Results recorded for {run.agent}@v{run.stored_as}: {ids}")
    elif run.note:
        click.echo(f"Note: {run.note}")
    if run.junit:
        click.echo(f"JUnit report: {run.junit}")


def summary_line(run: Any, counts: dict[str, Any]) -> str:
    """"✗ failed: 13 of 22 cases failed (9 stale cassettes, 4 broke an expectation); 9 passed in 2 suites (…)"."""
    pass_k = " · ".join(f"pass^{k} {v:.2f}" for k, v in counts["pass_k"].items())
    where = f"in {plural(len(run.suites), 'suite')}" + (f" ({pass_k})" if pass_k else "")
    if run.ok:
        return f"✓ passed: {counts['passed']} of {counts['total']} cases passed {where}"
    kinds = [plural(counts["stale"], "stale cassette") if counts["stale"] else "",
             plural(counts["error"], "error") if counts["error"] else "",
             f"{counts['assertions_failed']} broke an expectation" if counts["assertions_failed"] else ""]
    detail = ", ".join(k for k in kinds if k)
    return (f"✗ failed: {counts['failed']} of {counts['total']} cases failed" + (f" ({detail})" if detail else "")
            + f"; {counts['passed']} passed {where}")


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _providers(run: Any) -> str:
    return ", ".join(dict.fromkeys(f"{s.name}: {s.provider}" for s in run.suites))


class _progress:
    """A rich progress bar on stderr, only when stderr is a terminal (CI logs stay clean)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> _progress | None:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=console(stderr=True), transient=True)
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def start(self, total: int) -> None:
        self.task = self.bar.add_task("testing", total=total)

    def advance(self, label: str) -> None:
        self.bar.update(self.task, advance=1, description=label)
