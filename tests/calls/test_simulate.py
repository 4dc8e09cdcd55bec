"""The simulator: seeded, faults do what they say, CLI writes JSONL."""

from __future__ import annotations

import json

from agentctl.calls.simulate import ConversionDrift, SilentToolFailure, parse_fault, simulate_calls


def sms_calls(records):
    return [t for r in records for t in r["tool_calls"] if t["tool"] == "sms-gateway"]


def test_same_seed_same_records() -> None:
    assert list(simulate_calls(days=1, calls_per_day=50, seed=9)) == list(simulate_calls(days=1, calls_per_day=50, seed=9))
    assert list(simulate_calls(days=1, calls_per_day=50, seed=9)) != list(simulate_calls(days=1, calls_per_day=50, seed=8))


def test_silent_failure_answers_200_without_message_id() -> None:
    records = list(simulate_calls(days=1, calls_per_day=3000, seed=1, faults=[SilentToolFailure(share=0.3)]))
    sms = sms_calls(records)
    silent = [t for t in sms if t["http_status"] == 200 and "message_id" not in t["response"]]
    assert 0.27 < len(silent) / len(sms) < 0.33
    assert silent[0]["response"] == {"status": "failed", "error": "sender_id is required"}


def test_version_mix_and_fault_limited_to_a_version() -> None:
    records = list(simulate_calls(days=1, calls_per_day=4000, seed=2, versions={11: 0.9, 12: 0.1},
                                  faults=[SilentToolFailure(share=1.0, versions=frozenset({12}))]))
    share12 = sum(r["bundle_version"] == 12 for r in records) / len(records)
    assert 0.08 < share12 < 0.12
    assert all("message_id" in t["response"] for r in records if r["bundle_version"] == 11 for t in sms_calls([r])
               if t["http_status"] == 200)


def test_conversion_drift_moves_the_rate() -> None:
    drift = ConversionDrift(start_day=2, days=4, from_rate=0.22, to_rate=0.10)
    records = list(simulate_calls(days=8, calls_per_day=4000, seed=3, faults=[drift]))
    rate = {d: sum(r["business"]["install_completed"] for r in records if r["call_id"].split("-d")[1].startswith(f"{d:04d}"))
            / 4000 for d in (0, 7)}
    assert abs(rate[0] - 0.22) < 0.02 and abs(rate[7] - 0.10) < 0.02


def test_fault_syntax() -> None:
    assert parse_fault("silent-tool:sms-gateway:0.3@2,3") == SilentToolFailure(
        versions=frozenset({2, 3}), tool="sms-gateway", share=0.3)


def test_cli_writes_jsonl(tmp_path, cli) -> None:
    out = tmp_path / "calls.jsonl"
    result = cli("simulate", "--days", "2", "--calls-per-day", "10", "--start", "2026-03-01",
                 "--fault", "silent-tool:sms-gateway:0.3", "--out", str(out))
    assert result.exit_code == 0 and result.stderr.strip() == f"wrote 20 call records to {out}"
    assert len([json.loads(line) for line in out.read_text().splitlines()]) == 20
    bad = cli("simulate", "--fault", "loud-tool:x")
    assert bad.exit_code == 2 and bad.stderr.startswith("agentctl: cannot read fault 'loud-tool:x'")


def test_a_fault_with_an_end_day_stops() -> None:
    records = list(simulate_calls(days=6, calls_per_day=1500, seed=4,
                                  faults=[SilentToolFailure(start_day=2, end_day=4, share=0.3)]))
    silent_by_day: dict[int, int] = {}
    for r in records:
        day = int(r["call_id"].split("-d")[1][:4])
        silent_by_day[day] = silent_by_day.get(day, 0) + sum(
            1 for t in sms_calls([r]) if t["http_status"] == 200 and "message_id" not in t["response"])
    assert silent_by_day[0] == silent_by_day[1] == silent_by_day[4] == silent_by_day[5] == 0
    assert silent_by_day[2] > 200 and silent_by_day[3] > 200


def test_quarter_story_has_weekly_seasonality_an_incident_a_fix_and_an_improvement() -> None:
    import datetime as dt

    from agentctl.calls.simulate import QuarterStory

    story = QuarterStory.build("2026-09-01", 91)
    assert (story.date(story.incident), story.date(story.fix)) == (dt.date(2026, 10, 12), dt.date(2026, 10, 26))
    assert story.date(story.improvement).weekday() == 1  # a Tuesday, inside the change window
    records = list(story.calls(calls_per_day=400, seed=5))
    by_day: dict[str, list[dict]] = {}
    for r in records:
        by_day.setdefault(r["started_at"][:10], []).append(r)
    assert len(by_day["2026-09-07"]) == 480 and len(by_day["2026-09-13"]) == 240  # Monday vs Sunday volume

    def install_rate(first: str, last: str) -> float:
        calls = [r for d, rs in by_day.items() if first <= d <= last for r in rs]
        return sum(r["business"]["install_completed"] for r in calls) / len(calls)

    assert 0.20 < install_rate("2026-09-01", "2026-10-11") < 0.24
    assert 0.13 < install_rate("2026-10-12", "2026-10-25") < 0.17
    assert 0.22 < install_rate("2026-11-11", "2026-11-29") < 0.26
    assert {r["bundle_version"] for r in by_day["2026-10-12"]} == {2}
    assert {r["bundle_version"] for r in by_day["2026-11-10"]} == {3, 4}


def test_fault_day_range_syntax_and_story_cli(tmp_path, cli) -> None:
    assert parse_fault("silent-tool:sms-gateway:0.3~41-55@2") == SilentToolFailure(
        versions=frozenset({2}), start_day=41, end_day=55, tool="sms-gateway", share=0.3)
    assert parse_fault("lift:0.02~70-").start_day == 70
    out = tmp_path / "quarter.jsonl"
    result = cli("simulate", "--story", "quarter", "--start", "2026-09-01", "--calls-per-day", "20", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records[0]["started_at"].startswith("2026-09-01") and records[-1]["started_at"].startswith("2026-11-30")
    assert {r["bundle_version"] for r in records} == {1, 2, 3, 4}
    short = cli("simulate", "--story", "quarter", "--days", "30")
    assert short.exit_code == 2 and "a quarter story needs at least" in short.stderr


def test_the_numpy_generator_is_seeded_and_draws_from_the_same_distributions() -> None:
    from agentctl.calls.simulate import simulate_lines

    args = {"days": 2, "calls_per_day": 3000, "versions": {1: 0.8, 2: 0.2},
            "faults": [SilentToolFailure(share=0.3, versions=frozenset({2}), start_day=1)]}
    lines = list(simulate_lines(seed=5, **args))
    assert lines == list(simulate_lines(seed=5, **args)) and lines != list(simulate_lines(seed=6, **args))
    fast = [json.loads(line) for line in lines]
    reference = list(simulate_calls(seed=5, **args))
    assert [r["call_id"] for r in fast] == [r["call_id"] for r in reference]
    assert [list(r) for r in fast[:50]] == [list(r) for r in reference[:50]]  # same fields, same order

    def rates(records: list[dict]) -> dict[str, float]:
        sms = sms_calls(records)
        return {"silent": sum(t["http_status"] == 200 and "message_id" not in t["response"] for t in sms) / len(sms),
                "completed": sum(r["outcome"] == "completed" for r in records) / len(records),
                "escalated": sum(r["escalated"] for r in records) / len(records),
                "installs": sum(r["business"]["install_completed"] for r in records) / len(records),
                "v2": sum(r["bundle_version"] == 2 for r in records) / len(records),
                "latency": sum(sum(r["turn_latencies_ms"]) for r in records) / sum(len(r["turn_latencies_ms"]) for r in records) / 1000}

    got, want = rates(fast), rates(reference)
    assert all(abs(got[k] - want[k]) < 0.025 for k in want), (got, want)
    silent_days = {r["call_id"].split("-d")[1][:4] for r in fast for t in sms_calls([r])
                   if t["http_status"] == 200 and "message_id" not in t["response"]}
    assert silent_days == {"0001"}  # the fault starts on day 1
    assert all(r["bundle_version"] == 2 for r in fast for t in sms_calls([r])
               if t["http_status"] == 200 and "message_id" not in t["response"])
