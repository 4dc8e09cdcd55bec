"""Unit checks: each names what is wrong in the prompt, tools, KB or contracts."""

from __future__ import annotations

from agentctl.ops.test import run_tests
from tests.helpers import RepoDir

UNIT = "bundles/install-reminder/suites/unit.yaml"


def failures(repo: RepoDir) -> dict[str, str]:
    run = run_tests(repo.path, "install-reminder", suites=["unit"])
    return {c.id: c.message for c in run.suites[0].cases if not c.passed}


def test_example_unit_suite_passes(example_repo: RepoDir) -> None:
    assert failures(example_repo) == {}


def test_undeclared_placeholder_fails_rendering(example_repo: RepoDir) -> None:
    example_repo.edit("prompts/install-reminder/system.md", "{{ start_date }}", "{{ start_date }} at {{ depot }}")
    found = failures(example_repo)
    assert found["unit/prompt-renders"] == ("cannot render prompt: template uses 'depot', which is not declared — pass "
                                            "a value for every declared variable and declare every placeholder")


def test_budgets_forbidden_content_and_unknown_tools(example_repo: RepoDir) -> None:
    example_repo.edit(UNIT, "max_chars: 6000", "max_chars: 100")
    example_repo.edit("prompts/install-reminder/system.md", "# Opt-out",
                      "We guarantee a $50 bonus. Call send_bonus_sms when they agree.\n# Opt-out")
    found = failures(example_repo)
    assert found["unit/prompt-size-budget"].endswith("characters, over the budget of 100")
    assert found["unit/no-forbidden-promises"] == ("prompt 'install-reminder' contains forbidden 'guarantee' on line 32: "
                                                   "'guarantee'")
    assert found["unit/referenced-tools-exist"] == (
        "prompt 'install-reminder' line 32 refers to tool 'send_bonus_sms', which the agent does not have "
        "(tools: lookup_driver, send_install_link, transfer_to_human)")


def test_kb_document_and_contract_example_drift(example_repo: RepoDir) -> None:
    example_repo.gen({"kb/install-faq/storage-full.md": "changed\n"})
    example_repo.edit("tool-contracts/sms-gateway.yaml", "response: {message_id: msg_7f3a9c, status: queued}",
                      "response: {message_id: msg_7f3a9c, status: delivered}")
    found = failures(example_repo)
    assert found["unit/kb-documents-exist"] == ("KB document 'kb/install-faq/storage-full.md' does not match the "
                                                "sha256 pinned in the manifest")
    assert found["unit/contract-examples-valid"] == ("tool 'sms-gateway' example 'android install link': response at "
                                                     "status: 'delivered' is not one of ['queued', 'sent', 'failed', 'rejected']")
