"""`agentctl review weekly|score|close|trend` — thin commands over agentctl.ops.review."""

from __future__ import annotations

from pathlib import Path

import click

from agentctl.cli.options import env_option, json_option, repo_option
from agentctl.cli.render import emit_json, table


@click.group()
def review() -> None:
    """The weekly call review: draw a sample, score it against the rubric, close it into the backlog.

    \b
    Examples:
      agentctl review weekly install-reminder
      agentctl review trend install-reminder
    """


@review.command()
@click.argument("agents", nargs=-1)
@click.option("--week", metavar="YYYY-Www", help="ISO week to sample (default: the week of yesterday).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random draw (same seed, same calls).")
@click.option("--reviewer", metavar="PERSON", help="Who will score it (a person in agentctl.yaml).")
@click.option("--force", is_flag=True, help="Draw again over an existing review file (its scores are lost).")
@click.option("--suggest", is_flag=True, help="Pre-score calls with review.grader (written as suggestions, not scores).")
@env_option
@repo_option
@json_option
def weekly(agents: tuple[str, ...], week: str | None, seed: int, reviewer: str | None, force: bool, suggest: bool,
           env: str | None, repo: Path | None, as_json: bool) -> int:
    """Draw the week's review sample and write reviews/<week>/<agent>.yaml.

    By default 10 random calls, the 5 with the longest handle time and 5 that escalated
    (review.sample in agentctl.yaml), each with its bundle version, outcome, duration, tool
    calls with their contract verdicts, recording URL and transcript, and an empty score
    block per rubric criterion. Every agent with a rubric when none is named.

    \b
    Examples:
      agentctl review weekly
      agentctl review weekly install-reminder --week 2026-W48 --seed 7 --reviewer tomas
    """
    from agentctl.ops.review import weekly_review
    from agentctl.repo import ConfigRepo

    with ConfigRepo.discover(repo) as handle:
        results = weekly_review(handle, list(agents) or None, week=week, seed=seed, env=env, reviewer=reviewer,
                                force=force, suggest=suggest)
    if as_json:
        emit_json([r.to_dict() for r in results])
        return 0
    for r in results:
        drawn = r.sampling["drawn"]
        click.echo(f"✓ {r.path}: {r.calls} calls ({drawn['random']} random, {drawn['longest']} longest, "
                   f"{drawn['escalated']} escalated) from {r.sampling['population']:,} in {r.week}")
        click.echo(f"  sampling: {r.sampling['method']}")
        for note in r.sampling["notes"]:
            click.echo(f"  note: {note}")
    return 0


@review.command()
@click.argument("review_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--reviewer", metavar="PERSON", help="Recorded as the reviewer if the file has none.")
@repo_option
def score(review_file: Path, reviewer: str | None, repo: Path | None) -> int:
    """Score a review file interactively, one criterion at a time; saved after every answer.

    Stop any time (Ctrl-C) and run it again to resume at the first unscored criterion.
    Hand-editing the file works just as well.

    \b
    Examples:
      agentctl review score reviews/2026-W48/install-reminder.yaml --reviewer tomas
    """
    from agentctl.ops.review import pending_scores, record_score
    from agentctl.repo import ConfigRepo

    handle = ConfigRepo.discover(repo)
    _, left, _ = pending_scores(handle, review_file)
    if not left:
        click.echo(f"✓ every criterion is scored; next: agentctl review close {review_file}")
        return 0
    click.echo(f"{len(left)} score(s) to go")
    current = None
    for item in left:
        call = item.call
        if current != item.call_id:
            current = item.call_id
            click.echo(f"\n── call {call['call_id']} ({call.get('drawn_as')}) · v{call.get('bundle_version')} · "
                       f"{call.get('outcome')} · {call.get('duration_s')} s")
            for tool in call.get("tool_calls") or []:
                click.echo(f"   tool {tool['tool']}: HTTP {tool.get('http_status')} — {tool['verdict']}"
                           + (f" ({tool['reasons']})" if tool.get("reasons") else ""))
            if call.get("recording_url"):
                click.echo(f"   recording: {call['recording_url']}")
        criterion = item.criterion
        choices = click.Choice([str(c) for c in criterion.allowed()], case_sensitive=False)
        value = click.prompt(f"{criterion.id}: {criterion.question}", type=choices)
        evidence = click.prompt("  evidence (quote)" + ("" if criterion.evidence_required and value != "n/a"
                                                        else " [optional]"), default="", show_default=False)
        while criterion.evidence_required and value != "n/a" and not evidence.strip():
            evidence = click.prompt("  this criterion needs evidence — quote the line", default="", show_default=False)
        finding = click.prompt("  finding worth fixing [optional]", default="", show_default=False)
        record_score(review_file, item.call_index, criterion.id, value, evidence or None, None, finding or None,
                     reviewer)
    click.echo(f"\n✓ every criterion is scored; next: agentctl review close {review_file}")
    return 0


@review.command()
@click.argument("review_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--export", type=click.Choice(["github"]), help="Also write GitHub issue payloads for the backlog items.")
@repo_option
@json_option
def close(review_file: Path, export: str | None, repo: Path | None, as_json: bool) -> int:
    """Check a review is complete, compute its scores and turn its findings into backlog.yaml items.

    Exits 2 naming the first unscored criterion (file:line) when anything is missing: a
    score, evidence the rubric requires, or a reviewer who is a person in agentctl.yaml.
    With --export github, writes one `gh api` payload per backlog item beside the review.

    \b
    Examples:
      agentctl review close reviews/2026-W48/install-reminder.yaml
      agentctl review close reviews/2026-W48/install-reminder.yaml --export github
    """
    from agentctl.ops.review import close_review
    from agentctl.repo import ConfigRepo

    result = close_review(ConfigRepo.discover(repo), review_file, export=export)
    if as_json:
        emit_json(result.to_dict())
        return 0
    overall = "—" if result.overall is None else f"{result.overall:.0%}"
    click.echo(f"✓ {result.review} closed: overall {overall}"
               + (f"; auto-failed: {', '.join(result.auto_failed)}" if result.auto_failed else ""))
    table(["criterion", "score"], [(k, "n/a" if v is None else f"{v:.0%}") for k, v in result.criteria.items()])
    if result.backlog:
        table(["id", "pattern", "occurrences", "impact", "priority", "owner", "status"],
              [(i["id"], i["pattern"], i["occurrences"], i["impact"], i["priority"], i.get("owner") or "—",
                i["status"]) for i in result.backlog], title="backlog.yaml")
    for path in result.exported:
        click.echo(f"gh api repos/{{owner}}/{{repo}}/issues --input {path}")
    return 0


@review.command()
@click.argument("agent")
@repo_option
@json_option
def trend(agent: str, repo: Path | None, as_json: bool) -> int:
    """Show an agent's review scores per criterion across weeks (closed reviews only).

    \b
    Examples:
      agentctl review trend install-reminder
    """
    from agentctl.ops.review import review_trend
    from agentctl.repo import ConfigRepo

    result = review_trend(ConfigRepo.discover(repo), agent)
    if as_json:
        emit_json(result.to_dict())
        return 0

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.0%}"

    table(["criterion", *result.weeks],
          [(c, *(pct(result.scores[w].get(c)) for w in result.weeks)) for c in ["overall", *result.criteria]],
          title=f"{agent}: weekly review scores")
    if result.open_reviews:
        click.echo(f"not closed yet: {', '.join(result.open_reviews)}")
    return 0
