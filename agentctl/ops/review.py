"""`agentctl review weekly|score|close|trend`: the weekly human call review as files in the repo.

    reviews/<week>/<agent>.yaml   one week's sample with a score block per rubric criterion
    backlog.yaml                  findings of every closed review, prioritised by occurrences × impact
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.errors import BadInputError, ConflictError, NotFoundError, ValidationFailed

if TYPE_CHECKING:
    from agentctl.repo import ConfigRepo
    from agentctl.review.rubric import Rubric

REVIEWS_DIR = "reviews"
RECORD_FIELDS = ("recording_url", "transcript")  # read with .get: older stores have no such columns


@dataclass
class WeeklyResult:
    agent: str
    week: str
    path: str
    calls: int
    sampling: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def review_path(week: str, agent: str) -> str:
    return f"{REVIEWS_DIR}/{week}/{agent}.yaml"


def weekly_review(repo: ConfigRepo, agents: list[str] | None = None, *, week: str | None = None, seed: int = 0,
                  env: str | None = None, reviewer: str | None = None, force: bool = False,
                  suggest: bool = False) -> list[WeeklyResult]:
    """Draw each agent's review sample for `week` (default: the week of yesterday) and write its review file.

    Refuses to overwrite an existing review file (scores may be in it) unless `force`. With `suggest`,
    the grader in `review.grader` pre-scores each call with a transcript under `suggestion:` (never `scores:`).
    """
    from agentctl.fsutil import write_atomic
    from agentctl.model.yamlio import dump_yaml
    from agentctl.ops.check import default_day
    from agentctl.ops.metrics import monitored_environments
    from agentctl.review.rubric import load_rubric, rubric_paths
    from agentctl.review.sample import week_days, week_of

    config = repo.config
    week = week or week_of(default_day(config.data))
    week_days(week)
    environment = monitored_environments(config.data, env)[0]
    names = list(agents or rubric_paths(repo.root))
    if not names:
        raise NotFoundError("no agent has a rubric", "write rubrics/<agent>.yaml first")
    if reviewer is not None and reviewer not in config.people:
        raise BadInputError(f"reviewer '{reviewer}' is not a person in agentctl.yaml",
                            f"use one of: {', '.join(sorted(config.people))}")
    counts = ((config.data.get("review") or {}).get("sample")) or {}
    grader = (config.data.get("review") or {}).get("grader")
    if suggest and not grader:
        raise BadInputError("--suggest needs a grader", "add review.grader to agentctl.yaml (same shape as a "
                            "suite's grader: {type: openai-compatible, base_url: …, model: …} or {type: command, command: […]})")
    results = []
    for agent in names:
        rubric = load_rubric(repo.root, agent)
        rel = review_path(week, agent)
        if (repo.root / rel).exists() and not force:
            raise ConflictError(f"{rel} already exists (it may hold scores)",
                                "score it with `agentctl review score`, or pass --force to draw it again")
        document = _review_document(repo, rubric, agent, environment, week, seed, counts, reviewer)
        if suggest:
            from agentctl.review.suggest import suggest_scores

            suggest_scores(document["calls"], rubric, grader or {}, repo.root)
        write_atomic(repo.root / rel, _HEADER + dump_yaml(document))
        results.append(WeeklyResult(agent, week, rel, len(document["calls"]), document["sampling"]))
    return results


_HEADER = ("# Weekly call review. Score every criterion of every call (yes / no / n/a where the rubric allows it,\n"
           "# or 1-5), quote evidence where the rubric requires it, write a `finding:` for a pattern worth fixing,\n"
           "# set `reviewer:`, then run `agentctl review close` on this file.\n")


def _review_document(repo: ConfigRepo, rubric: Rubric, agent: str, environment: str, week: str, seed: int,
                     counts: dict[str, int], reviewer: str | None) -> dict[str, Any]:
    from agentctl.review.sample import draw_sample

    store = repo.calls(read_only=True)
    sample = draw_sample(store, agent, environment, week, seed, counts)
    ids = [call_id for call_id, _ in sample.calls]
    records = _calls(store, ids)
    tools = _tool_calls(store, ids)
    calls = []
    for call_id, drawn_as in sample.calls:
        record = records[call_id]
        calls.append({
            "call_id": call_id, "drawn_as": drawn_as, "bundle_version": record["bundle_version"],
            "outcome": record["outcome"], "duration_s": _round(record.get("handle_time_s")),
            "started_at": _utc(record.get("started_at")), "tool_calls": tools.get(call_id, []),
            "recording_url": record.get("recording_url"), "transcript": record.get("transcript"),
            "scores": {c.id: {"score": None, "evidence": None, "note": None} for c in rubric.criteria},
        })
    return {"agent": agent, "week": week, "seed": seed, "reviewer": reviewer,
            "rubric": {"path": rubric.path, "version": rubric.version},
            "sampling": sample.description, "calls": calls}


def _calls(store: Any, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    columns = ["call_id", "bundle_version", "outcome", "handle_time_s", "started_at"]
    # fixed columns in newer stores, business columns in older ones: whichever the calls table has
    present = {row[0] for row in store.query("SELECT column_name FROM information_schema.columns "
                                             "WHERE table_name = 'calls' AND table_schema = current_schema()")}
    extra = [name for name in RECORD_FIELDS if name in present]
    marks = ", ".join("?" for _ in ids)
    rows = store.query(f"SELECT {', '.join(columns + [chr(34) + e + chr(34) for e in extra])} FROM calls "
                       f"WHERE call_id IN ({marks})", ids)
    return {row[0]: dict(zip(columns + extra, row, strict=True)) for row in rows}


def _tool_calls(store: Any, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = store.query("SELECT call_id, tool, http_status, contract_ok, reasons, judged_by FROM tool_calls "
                       f"WHERE call_id IN ({marks}) ORDER BY call_id, seq", ids)
    out: dict[str, list[dict[str, Any]]] = {}
    for call_id, tool, status, ok, reasons, judged_by in rows:
        verdict = "not judged" if ok is None else ("met success criteria" if ok else "FAILED success criteria")
        entry = {"tool": tool, "http_status": status, "verdict": verdict}
        if judged_by:
            entry["contract_version"] = judged_by
        if reasons:
            entry["reasons"] = reasons
        out.setdefault(call_id, []).append(entry)
    return out


def _utc(value: Any) -> str | None:
    """The store keeps naive UTC timestamps."""
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


# --------------------------------------------------------------------------- score


def _load_review(repo: ConfigRepo, review_file: Path) -> tuple[Any, Rubric]:
    from agentctl.model.schema import validate_document
    from agentctl.model.yamlio import load_file
    from agentctl.review.rubric import load_rubric

    path = review_file if review_file.is_absolute() else Path.cwd() / review_file
    try:
        rel = path.resolve().relative_to(repo.root.resolve()).as_posix()
    except ValueError:
        rel = str(review_file)
    doc = load_file(path, rel)
    errors = [d for d in validate_document(doc, "review") if d.is_error]
    if errors:
        raise ValidationFailed(errors)
    return doc, load_rubric(repo.root, doc.data["agent"])


@dataclass
class Pending:
    call_index: int
    call_id: str
    criterion: Any
    call: dict[str, Any] = field(repr=False, default_factory=dict)


def pending_scores(repo: ConfigRepo, review_file: Path) -> tuple[Rubric, list[Pending], dict[str, Any]]:
    """What is left to score in a review file, in order (so scoring resumes where it stopped)."""
    from agentctl.review.scoring import normalise

    doc, rubric = _load_review(repo, review_file)
    left = []
    for i, call in enumerate(doc.data["calls"]):
        for criterion in rubric.criteria:
            entry = (call.get("scores") or {}).get(criterion.id) or {}
            if normalise(entry.get("score")) is None:
                left.append(Pending(i, call["call_id"], criterion, call))
    return rubric, left, doc.data


def record_score(review_file: Path, call_index: int, criterion: str, score: Any, evidence: str | None = None,
                 note: str | None = None, finding: str | None = None, reviewer: str | None = None) -> None:
    """Write one score into the review file (round-trip: comments and hand edits stay), atomically."""
    from agentctl.review.scoring import normalise

    def edit(data: Any) -> None:
        entry = data["calls"][call_index]["scores"][criterion]
        entry["score"] = normalise(score)
        if evidence:
            entry["evidence"] = evidence
        if note:
            entry["note"] = note
        if finding:
            entry["finding"] = finding
        if reviewer and not data.get("reviewer"):
            data["reviewer"] = reviewer

    _modify(review_file, edit)


def _modify(path: Path, edit: Any) -> None:
    import io

    from ruamel.yaml import YAML

    from agentctl.fsutil import write_atomic

    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(path.read_text("utf-8"))
    edit(data)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    write_atomic(path, buffer.getvalue())


# --------------------------------------------------------------------------- close


@dataclass
class CloseResult:
    review: str
    overall: float | None
    criteria: dict[str, float | None]
    auto_failed: list[str]
    backlog: list[dict[str, Any]]
    exported: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def close_review(repo: ConfigRepo, review_file: Path, *, export: str | None = None) -> CloseResult:
    """Check the review is complete, write its summary, and turn its findings into backlog items.

    Incomplete → ValidationFailed (exit 2) naming each unscored criterion at file:line, first one first.
    With export="github", also writes one GitHub issue payload per touched backlog item.
    """
    from agentctl.fsutil import write_atomic
    from agentctl.model.yamlio import dump_yaml
    from agentctl.review.backlog import BACKLOG_FILE, load_backlog, merge_findings
    from agentctl.review.scoring import completeness, findings, score_review

    if export not in (None, "github"):
        raise BadInputError(f"cannot export to '{export}'", "use --export github")
    doc, rubric = _load_review(repo, review_file)
    problems = completeness(doc, rubric, repo.config.people)
    if problems:
        raise ValidationFailed(problems)
    data = doc.data
    scores = score_review(data, rubric)
    summary = {"overall": scores.overall, "criteria": scores.criteria, "calls_scored": len(scores.calls),
               "auto_failed": scores.auto_failed, "closed_at": repo.now.astimezone(dt.timezone.utc).isoformat(timespec="seconds")}

    def edit(rt: Any) -> None:
        for call in rt["calls"]:
            call["call_score"] = scores.calls.get(call["call_id"])
        rt["summary"] = summary

    path = review_file if review_file.is_absolute() else Path.cwd() / review_file
    _modify(path, edit)
    backlog = load_backlog(repo.root)
    owner = repo.config.owner_of("agents", data["agent"])
    touched = merge_findings(backlog, data["agent"], data["week"], findings(data, rubric), owner)
    write_atomic(repo.root / BACKLOG_FILE, "# Improvement backlog groomed by the weekly call review "
                 "(priority = occurrences × impact).\n" + dump_yaml(backlog))
    result = CloseResult(doc.relpath, scores.overall, scores.criteria, scores.auto_failed, touched)
    if export == "github":
        result.exported = _export_github(repo, path, touched)
    return result


def _export_github(repo: ConfigRepo, review: Path, items: list[dict[str, Any]]) -> list[str]:
    from agentctl.fsutil import write_atomic
    from agentctl.review.backlog import github_payload

    logins = {pid: (spec.get("ci_logins") or [None])[0] for pid, spec in repo.config.people.items()
              if spec.get("ci_logins")}
    folder = review.with_name(review.stem + ".issues")
    written = []
    for item in items:
        target = folder / f"{item['id']}.json"
        write_atomic(target, json.dumps(github_payload(item, logins), indent=2, ensure_ascii=False) + "\n")
        written.append(str(target))
    return written


# --------------------------------------------------------------------------- trend


@dataclass
class Trend:
    agent: str
    weeks: list[str]
    criteria: list[str]
    scores: dict[str, dict[str, float | None]]  # week → criterion (and "overall") → score
    open_reviews: list[str]

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def review_trend(repo: ConfigRepo, agent: str) -> Trend:
    """Each closed review's per-criterion scores for `agent`, oldest week first."""
    from agentctl.model.yamlio import load_file
    from agentctl.review.rubric import load_rubric

    rubric = load_rubric(repo.root, agent)
    scores: dict[str, dict[str, float | None]] = {}
    open_reviews = []
    for path in sorted((repo.root / REVIEWS_DIR).glob(f"*/{agent}.yaml")):
        data = load_file(path, f"{REVIEWS_DIR}/{path.parent.name}/{path.name}").data
        summary = data.get("summary") if isinstance(data, dict) else None
        if not summary:
            open_reviews.append(path.parent.name)
            continue
        scores[path.parent.name] = {"overall": summary.get("overall"), **(summary.get("criteria") or {})}
    return Trend(agent, sorted(scores), [c.id for c in rubric.criteria], scores, open_reviews)
