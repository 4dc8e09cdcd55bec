"""agentctl demo end to end, in-process: the judge catches v2's silent SMS failures and promotes v3.

One run (it takes seconds): the command's output, then the repo it leaves behind.
"""

from __future__ import annotations

from agentctl.deploy.state import read_state, store
from agentctl.ops.status import deployment_log


def test_demo_rolls_back_v2_naming_sms_success_and_promotes_v3(tmp_path, cli) -> None:
    root = tmp_path / "d"
    result = cli("demo", "--dir", str(root))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "time is simulated from Tue 2026-03-03 10:00 America/Chicago" in out
    assert "→ rollback: abort install-reminder@v2 canary in production: 10% → 0%, stable v1 back to 100%" in out
    assert "decision: rollback — sms_success (critical) failed." in out
    assert "promote install-reminder@v3 in production: stable at 100% (canary was 50%)" in out
    assert out.rstrip().endswith(f"Explore it: cd {root} && agentctl log install-reminder --env production")

    state = read_state(store(root).snapshot(), "production", "install-reminder")
    assert state.stable["version"] == 3 and state.canary is None and state.stable_history == [1]
    log = deployment_log(root, "install-reminder", "production")
    assert [(r.action, r.record["actor"].split(" <")[0]) for r in reversed(log)] == [
        ("deploy", "Ines Duarte"), ("deploy", "Ines Duarte"), ("abort", "agentctl-judge"), ("deploy", "Ines Duarte"),
        ("promote", "agentctl-judge"), ("promote", "agentctl-judge")]
    abort = next(r for r in log if r.action == "abort")
    failing = [m for m in abort.record["evidence"]["canary_judge"]["metrics"] if m["verdict"] == "fail"]
    assert [m["name"] for m in failing] == ["sms_success"] and failing[0]["canary"]["n"] <= 80

