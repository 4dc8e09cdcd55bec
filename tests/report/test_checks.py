"""`validate` points at a business section the report could not use."""

from __future__ import annotations


def test_business_section_names_a_real_metric_and_person(example_repo, cli) -> None:
    example_repo.edit("agentctl.yaml", "  outcome_metric: install_rate", "  outcome_metric: install_rat")
    example_repo.edit("agentctl.yaml", "  owner: rosa\n  cost:", "  owner: marcus\n  cost:")
    result = cli("validate", "--repo", str(example_repo.path))
    assert result.exit_code == 2
    line = example_repo.read("agentctl.yaml").splitlines().index("  outcome_metric: install_rat") + 1
    assert (f"agentctl.yaml:{line}:19: business.outcome_metric 'install_rat' is not a metric — "
            "did you mean 'install_rate'?") in result.stdout + result.stderr
    assert "business.owner 'marcus' is not in people:" in result.stdout + result.stderr


def test_business_outcome_cannot_be_a_tool_metric(example_repo, cli) -> None:
    example_repo.edit("agentctl.yaml", "  outcome_metric: install_rate", "  outcome_metric: sms_success")
    result = cli("validate", "--repo", str(example_repo.path))
    assert result.exit_code == 2
    assert "business.outcome_metric 'sms_success' is a tool metric" in result.stdout + result.stderr
