"""The analysis policy: loaded from the agent (or agentctl.yaml), validated with file:line:col."""

from __future__ import annotations

import pytest

from agentctl.canary.policy import load_policy
from agentctl.errors import BadInputError
from agentctl.model.workspace import load_workspace
from agentctl.ops.validate import validate_repo
from tests.canary.builders import AGENT, use_policy


def _messages(repo) -> list[str]:
    report = validate_repo(repo.path)
    return [f"{d.file}:{d.line}:{d.col}: {d.message}" for d in report.diagnostics]


def test_the_example_policy_judges_sms_success_first_and_critical(example_repo) -> None:
    policy = load_policy(load_workspace(example_repo.path), AGENT)
    assert policy.source == "bundles/install-reminder/agent.yaml"
    assert (policy.alpha, policy.min_duration_minutes) == (0.01, 60)
    first = policy.metrics[0]
    assert (first.name, first.kind, first.direction, first.tolerance, first.critical, first.min_calls) == (
        "sms_success", "rate", "higher_is_better", 0.02, True, 20)
    kinds = {m.name: (m.kind, m.direction, m.transform, m.matures_after_s) for m in policy.metrics}
    assert kinds == {"sms_success": ("rate", "higher_is_better", None, 0.0),
                     "escalation_rate": ("rate", "lower_is_better", None, 0.0),
                     "install_rate": ("rate", "higher_is_better", None, 48 * 3600.0),
                     "transcription_confidence": ("mean", "higher_is_better", None, 0.0),
                     "turn_latency_p95_ms": ("mean", "lower_is_better", "log", 0.0)}


def test_example_tolerances_are_the_stated_minimum_detectable_effects(example_repo) -> None:
    # The effects the team cares about (the incident: installs 22% -> 16%; escalations 8% -> 12%) must be
    # at least the tolerance, which is also the smallest change the judge is tuned to roll back on.
    tolerance = {m.name: m.tolerance for m in load_policy(load_workspace(example_repo.path), AGENT).metrics}
    assert (0.22 - 0.16) / 0.22 >= tolerance["install_rate"] == 0.25
    assert round((0.12 - 0.08) / 0.08, 9) >= tolerance["escalation_rate"] == 0.5
    assert tolerance["turn_latency_p95_ms"] == 0.2


def test_agents_without_a_policy_use_agentctl_yaml(example_repo) -> None:
    use_policy(example_repo, "")
    policy = load_policy(load_workspace(example_repo.path), AGENT)
    assert policy.source == "agentctl.yaml"
    assert [(m.name, m.tolerance, m.critical) for m in policy.metrics] == [("sms_success", 0.02, True),
                                                                          ("error_rate", 1.0, False)]


def test_no_policy_anywhere_is_bad_input_with_the_fix(example_repo) -> None:
    use_policy(example_repo, "")
    text = example_repo.read("agentctl.yaml")
    example_repo.gen({"agentctl.yaml": text[:text.index("# Default canary analysis")]}, commit="no default policy")
    with pytest.raises(BadInputError, match="install-reminder has no canary analysis policy — add `analysis: "):
        load_policy(load_workspace(example_repo.path), AGENT)


def test_validate_names_unknown_and_percentile_metrics_with_positions(example_repo) -> None:
    config = example_repo.read("agentctl.yaml").replace(
        "\nmetrics:\n", "\nmetrics:\n  handle_p90:\n    sql: quantile_cont(handle_time_s, 0.9)\n"
                         "    direction: lower_is_better\n", 1)
    example_repo.gen({"agentctl.yaml": config}, commit="a percentile metric")
    use_policy(example_repo, "analysis:\n  metrics:\n    - {metric: sms_sucess}\n    - {metric: handle_p90}\n"
                             "    - {metric: sms_success, absolute_min: 0.9, absolute_max: 0.5}\n")
    line = example_repo.read(f"bundles/{AGENT}/agent.yaml").splitlines().index("analysis:") + 1
    messages = _messages(example_repo)
    assert (f"bundles/install-reminder/agent.yaml:{line + 2}:16: canary metric 'sms_sucess' is not declared under "
            "`metrics:` in agentctl.yaml") in messages
    assert (f"bundles/install-reminder/agent.yaml:{line + 3}:16: canary metric 'handle_p90' is a value "
            "(e.g. a percentile); the judge compares rates, means and latencies only") in messages
    assert f"bundles/install-reminder/agent.yaml:{line + 4}:7: absolute_min 0.9 is above absolute_max 0.5" in messages
    with pytest.raises(BadInputError, match="canary metric 'sms_sucess' is not declared"):
        load_policy(load_workspace(example_repo.path, strict=False), AGENT)


def test_schema_rejects_unknown_keys_in_a_policy(example_repo) -> None:
    use_policy(example_repo, "analysis:\n  metrics:\n    - {metric: sms_success, tolerence: 0.1}\n")
    assert any("tolerence" in m for m in _messages(example_repo))


def test_a_holdout_shorter_than_the_maturity_delay_points_at_the_line(example_repo) -> None:
    use_policy(example_repo, "analysis:\n  metrics:\n    - {metric: sms_success}\n"
                             "    - {metric: install_rate, matures_after_hours: 48, holdout_days: 1}\n")
    line = example_repo.read(f"bundles/{AGENT}/agent.yaml").splitlines().index("analysis:") + 1
    assert (f"bundles/install-reminder/agent.yaml:{line + 3}:69: holdout_days 1 ends before a call can mature "
            "(matures_after_hours 48)") in _messages(example_repo)
    use_policy(example_repo, "analysis:\n  metrics:\n    - {metric: install_rate, holdout_days: 0}\n")
    assert (f"bundles/install-reminder/agent.yaml:{line + 2}:44: 'analysis.metrics[0].holdout_days': 0 is less than "
            "or equal to the minimum of 0") in _messages(example_repo)


def test_holdout_days_reaches_the_judge(example_repo) -> None:
    use_policy(example_repo, "analysis:\n  metrics:\n    - {metric: sms_success}\n"
                             "    - {metric: install_rate, matures_after_hours: 48, holdout_days: 7}\n")
    policy = load_policy(load_workspace(example_repo.path, strict=False), AGENT)
    install = next(m for m in policy.metrics if m.name == "install_rate")
    assert install.holdout_s == 7 * 86400 and install.matures_after_s == 48 * 3600


def test_a_custom_sql_mean_is_judged(example_repo) -> None:
    example_repo.edit("agentctl.yaml", "metrics:\n", "metrics:\n  talk_time:\n    sql: avg(handle_time_s - 5)\n"
                      "    kind: mean\n    direction: lower_is_better\n    owner: rosa\n")
    use_policy(example_repo, "analysis:\n  metrics:\n    - {metric: talk_time, tolerance: 0.1}\n")
    assert _messages(example_repo) == []
    [talk] = load_policy(load_workspace(example_repo.path, strict=False), AGENT).metrics
    assert (talk.kind, talk.direction, talk.transform) == ("mean", "lower_is_better", None)
