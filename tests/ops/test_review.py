"""The weekly call review from simulated data: a week with a silent SMS fault from Wednesday."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from agentctl.calls.simulate import simulate_calls
from agentctl.model.yamlio import dump_yaml, load_file
from agentctl.ops.calls import ingest_calls
from tests.helpers import RepoDir
from tests.review.builders import REVIEW, WEEK, write_week


@pytest.fixture(scope="module")
def week_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_week(tmp_path_factory.mktemp("week") / "calls.jsonl")


@pytest.fixture
def week_repo(example_repo: RepoDir, week_jsonl: Path) -> RepoDir:
    assert ingest_calls(example_repo.path, [str(week_jsonl)]).inserted == 1400
    return example_repo


def weekly(cli, repo: RepoDir, *extra: str):
    return cli("review", "weekly", "install-reminder", "--week", WEEK, *extra, cwd=repo.path)


def review_data(repo: RepoDir) -> dict:
    return load_file(repo.path / REVIEW, REVIEW).data


def complete(repo: RepoDir, reviewer: str = "tomas") -> dict:
    """Score every criterion the way a reviewer would: the faulty calls fail `no-false-send-claim`."""
    data = review_data(repo)
    data["reviewer"] = reviewer
    for call in data["calls"]:
        failed = any(t["tool"] == "sms-gateway" and t["verdict"] == "FAILED success criteria" for t in call["tool_calls"])
        for criterion, entry in call["scores"].items():
            entry["score"] = {"clarity": 4, "offers-human": "n/a"}.get(criterion, "yes")
            entry["evidence"] = "AI: I'll text you the link now."
        if failed:
            call["scores"]["no-false-send-claim"].update(
                score="no", evidence="AI: I've sent you the link. (gateway: status failed)",
                finding="agent confirms the link was sent when the SMS gateway did not send it")
    (repo.path / REVIEW).write_text(dump_yaml(data))
    return data


def test_sample_is_10_random_5_longest_5_escalated_distinct_with_tool_verdicts(week_repo: RepoDir, cli) -> None:
    result = weekly(cli, week_repo, "--seed", "7")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"✓ {REVIEW}: 20 calls (10 random, 5 longest, 5 escalated) from 1,400 in {WEEK}")
    data = review_data(week_repo)
    calls = data["calls"]
    assert [c["drawn_as"] for c in calls] == ["longest"] * 5 + ["escalated"] * 5 + ["random"] * 10
    assert len({c["call_id"] for c in calls}) == 20
    assert all(c["outcome"] == "escalated" for c in calls[5:10])
    durations = [c["duration_s"] for c in calls]
    assert min(durations[:5]) >= max(durations[5:])
    assert (data["agent"], data["week"], data["seed"], data["reviewer"]) == ("install-reminder", WEEK, 7, None)
    assert "seeded with '2026-W11:install-reminder:7'" in data["sampling"]["method"]
    faulty = [c for c in calls for t in c["tool_calls"] if t["verdict"] == "FAILED success criteria"]
    assert faulty, "the silent SMS failures must be visible in the sample"
    for call in faulty:
        sms = next(t for t in call["tool_calls"] if t["tool"] == "sms-gateway")
        assert (sms["http_status"], sms["contract_version"]) == (200, "2.0.0")
        assert sms["reasons"].startswith("status") or "message_id" in sms["reasons"]
        assert call["started_at"] >= "2026-03-11"  # the fault starts on Wednesday
    first = calls[0]
    assert first["recording_url"] == f"https://recordings.example/{first['call_id']}.wav"
    assert first["transcript"].startswith("AI: Hi, this is the Roadwise assistant")
    assert list(first["scores"]) == ["greets-and-states-purpose", "confirms-number", "no-false-send-claim",
                                     "offers-human", "respects-opt-out", "clarity"]
    assert first["scores"]["clarity"] == {"score": None, "evidence": None, "note": None}


def test_same_week_and_seed_give_the_same_file(week_repo: RepoDir, cli) -> None:
    assert weekly(cli, week_repo, "--seed", "7").exit_code == 0
    first = (week_repo.path / REVIEW).read_bytes()
    again = weekly(cli, week_repo, "--seed", "7")
    assert again.exit_code == 4 and "already exists (it may hold scores)" in again.stderr
    assert weekly(cli, week_repo, "--seed", "7", "--force").exit_code == 0
    assert (week_repo.path / REVIEW).read_bytes() == first
    assert weekly(cli, week_repo, "--seed", "8", "--force").exit_code == 0
    assert (week_repo.path / REVIEW).read_bytes() != first


def test_a_thin_week_gives_fewer_calls_with_a_note(example_repo: RepoDir, cli, tmp_path: Path) -> None:
    path = tmp_path / "thin.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in simulate_calls(start="2026-03-10", calls_per_day=12, seed=5)))
    ingest_calls(example_repo.path, [str(path)])
    result = weekly(cli, example_repo)
    assert result.exit_code == 0
    data = review_data(example_repo)
    assert len(data["calls"]) == len({c["call_id"] for c in data["calls"]}) == 12
    drawn = data["sampling"]["drawn"]
    assert drawn["longest"] == 5 and drawn["escalated"] < 5 and drawn["random"] == 7 - drawn["escalated"]
    assert data["sampling"]["notes"] == [f"only {drawn['escalated']} escalated call(s) available (asked for 5)",
                                         f"only {drawn['random']} random call(s) available (asked for 10)"]
    assert f"note: only {drawn['random']} random call(s) available (asked for 10)" in result.stdout
    # these records carry no recording_url/transcript: the review says so with nulls
    assert {(c["recording_url"], c["transcript"]) for c in data["calls"]} == {(None, None)}


def test_close_of_an_incomplete_review_names_the_first_unscored_criterion(week_repo: RepoDir, cli) -> None:
    weekly(cli, week_repo, "--seed", "7")
    data = complete(week_repo)
    data["calls"][2]["scores"]["confirms-number"]["score"] = None
    data["calls"][4]["scores"]["clarity"]["score"] = None
    (week_repo.path / REVIEW).write_text(dump_yaml(data))
    lines = (week_repo.path / REVIEW).read_text().splitlines()
    call_line = next(i for i, x in enumerate(lines) if data["calls"][2]["call_id"] in x)
    line = next(i for i in range(call_line, len(lines)) if lines[i].strip() == "confirms-number:") + 2
    result = cli("review", "close", REVIEW, cwd=week_repo.path)
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first == (f"{REVIEW}:{line}:9: call {data['calls'][2]['call_id']}: criterion 'confirms-number' "
                     "is not scored — write yes or no")
    assert "criterion 'clarity' is not scored — write a score from 1 to 5" in result.stderr
    assert not (week_repo.path / "backlog.yaml").exists()
    assert "summary" not in review_data(week_repo)


def test_close_needs_a_known_reviewer_and_required_evidence(week_repo: RepoDir, cli) -> None:
    weekly(cli, week_repo, "--seed", "7")
    data = complete(week_repo, reviewer="nina")
    data["calls"][0]["scores"]["confirms-number"]["evidence"] = ""
    (week_repo.path / REVIEW).write_text(dump_yaml(data))
    result = cli("review", "close", REVIEW, cwd=week_repo.path)
    assert result.exit_code == 2
    assert "reviewer 'nina' is not a person in agentctl.yaml" in result.stderr
    assert f"call {data['calls'][0]['call_id']}: 'confirms-number' needs evidence" in result.stderr


def test_close_writes_scores_and_backlog_and_merges_a_recurring_pattern(week_repo: RepoDir, cli) -> None:
    weekly(cli, week_repo, "--seed", "7")
    data = complete(week_repo)
    faulty = [c["call_id"] for c in data["calls"] if c["scores"]["no-false-send-claim"]["score"] == "no"]
    result = cli("review", "close", REVIEW, "--export", "github", cwd=week_repo.path)
    assert result.exit_code == 0, result.stderr
    summary = review_data(week_repo)["summary"]
    assert summary["criteria"]["no-false-send-claim"] == pytest.approx(1 - len(faulty) / 20)
    assert summary["criteria"]["clarity"] == 0.75 and summary["criteria"]["offers-human"] is None
    assert summary["auto_failed"] == faulty
    # per call: weights 1+2+3+3 at 1.0 and clarity (weight 1) at 0.75, offers-human n/a; an auto-fail call is 0
    assert summary["overall"] == pytest.approx((20 - len(faulty)) * 9.75 / 10 / 20, abs=1e-4)
    backlog = load_file(week_repo.path / "backlog.yaml", "backlog.yaml").data["items"]
    assert [{k: i[k] for k in ("id", "agent", "pattern", "occurrences", "impact", "priority", "owner", "status",
                               "first_seen", "last_seen")} for i in backlog] == [{
        "id": "B-1", "agent": "install-reminder",
        "pattern": "agent confirms the link was sent when the SMS gateway did not send it",
        "occurrences": len(faulty), "impact": 5, "priority": 5 * len(faulty), "owner": "ines", "status": "open",
        "first_seen": WEEK, "last_seen": WEEK}]
    payload = json.loads((week_repo.path / f"reviews/{WEEK}/install-reminder.issues/B-1.json").read_text())
    assert payload["title"].startswith("[B-1] install-reminder: agent confirms the link was sent")
    assert payload["labels"] == ["call-review", "agent:install-reminder"]
    assert f"gh api repos/{{owner}}/{{repo}}/issues --input {week_repo.path}/reviews/{WEEK}/install-reminder.issues/B-1.json" \
        in result.stdout
    # closing again counts nothing twice
    assert cli("review", "close", REVIEW, cwd=week_repo.path).exit_code == 0
    assert load_file(week_repo.path / "backlog.yaml", "backlog.yaml").data["items"][0]["occurrences"] == len(faulty)
    # the next week, the same pattern recurs: the item grows instead of a new one appearing
    cli("review", "weekly", "install-reminder", "--week", "2026-W12", cwd=week_repo.path)
    nxt = "reviews/2026-W12/install-reminder.yaml"
    (week_repo.path / nxt).write_text((week_repo.path / REVIEW).read_text().replace(WEEK, "2026-W12")
                                      .replace("install-reminder-production-s3-d0006", "later-call-d0006"))
    assert cli("review", "close", nxt, cwd=week_repo.path).exit_code == 0
    item, = load_file(week_repo.path / "backlog.yaml", "backlog.yaml").data["items"]
    moved = sum(1 for c in faulty if "-d0006-" in c)
    assert (item["occurrences"], item["last_seen"]) == (len(faulty) + moved, "2026-W12")
    trend = json.loads(cli("review", "trend", "install-reminder", "--json", cwd=week_repo.path).stdout)
    assert trend["weeks"] == [WEEK, "2026-W12"]
    assert trend["scores"][WEEK]["clarity"] == 0.75


def test_interactive_scoring_is_resumable(week_repo: RepoDir, cli, monkeypatch) -> None:
    cli("review", "weekly", "install-reminder", "--week", WEEK, "--seed", "7", "--reviewer", "tomas",
        cwd=week_repo.path)
    data = complete(week_repo)
    last = data["calls"][19]["scores"]
    for entry in last.values():
        entry["score"] = None
    (week_repo.path / REVIEW).write_text(dump_yaml(data))
    # greets (evidence optional), confirms (required), no-false-send (required), offers-human n/a, opt-out, clarity
    answers = ["yes", "", "", "yes", "AI: is +1 555 0100 right?", "", "yes", "AI: sent.", "",
               "n/a", "", "", "yes", "AI: noted.", "", "5", "", ""]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(answers[:6]) + "\n"))
    first = cli("review", "score", REVIEW, cwd=week_repo.path)
    assert first.exit_code != 0  # input ran out: stopped half way
    scores = review_data(week_repo)["calls"][19]["scores"]
    assert scores["greets-and-states-purpose"]["score"] == "yes"
    assert scores["confirms-number"] == {"score": "yes", "evidence": "AI: is +1 555 0100 right?", "note": None}
    assert scores["no-false-send-claim"]["score"] is None
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(answers[6:]) + "\n"))
    second = cli("review", "score", REVIEW, cwd=week_repo.path)
    assert second.exit_code == 0, second.stdout
    assert second.stdout.startswith("4 score(s) to go")
    assert cli("review", "close", REVIEW, cwd=week_repo.path).exit_code == 0


GRADER = """import json, sys
request = json.load(sys.stdin)
tools = " ".join(t["text"] for t in request["transcript"]["turns"] if t["role"] == "tool")
claims = "claim" in request["rubric"]
ok = not (claims and "FAILED" in tools)
print(json.dumps({"pass": ok, "reason": "tool said FAILED" if not ok else "nothing against it"}))
"""


def test_suggest_prescores_as_suggestions_not_scores(week_repo: RepoDir, cli) -> None:
    no_grader = weekly(cli, week_repo, "--suggest")
    assert no_grader.exit_code == 2 and "--suggest needs a grader — add review.grader" in no_grader.stderr
    week_repo.gen({"grader.py": GRADER})
    week_repo.edit("agentctl.yaml", "  sample: {random: 10, longest: 5, escalated: 5}\n",
                   "  sample: {random: 6, longest: 0, escalated: 0}\n"
                   "  grader: {type: command, command: [python, grader.py]}\n")
    result = weekly(cli, week_repo, "--seed", "7", "--suggest")
    assert result.exit_code == 0, result.stderr
    calls = review_data(week_repo)["calls"]
    assert len(calls) == 6 and any(t["verdict"] == "FAILED success criteria" for c in calls for t in c["tool_calls"])
    for call in calls:
        failed = any(t["verdict"] == "FAILED success criteria" for t in call["tool_calls"])
        suggestion = call["suggestion"]
        assert suggestion["by"].startswith("llm-rubric grader — a suggestion, not a score")
        assert suggestion["scores"]["no-false-send-claim"]["suggested"] == ("no" if failed else "yes")
        assert "clarity" not in suggestion["scores"]  # 1-5 criteria are left to people
        assert {e["score"] for e in call["scores"].values()} == {None}
