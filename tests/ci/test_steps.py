"""Gate steps in isolation: the suites adapter and impact analysis."""

from __future__ import annotations

from agentctl.ci.impact import analyse, component_of
from agentctl.ci.steps import STEPS, _run_suites
from agentctl.ops.test import run_tests
from agentctl.store.changes import ChangedFile
from tests.helpers import RepoDir


def test_steps_run_in_documented_order() -> None:
    assert [name for name, _ in STEPS] == ["validate", "impact", "discipline", "compat", "suites", "secrets"]


def test_suites_adapter_passes_on_the_example(example_repo: RepoDir) -> None:
    assert _run_suites(example_repo.path, "install-reminder", ["bundles/install-reminder/suites/unit.yaml"], run_tests) == []


def test_suites_adapter_names_each_failed_case(example_repo: RepoDir) -> None:
    example_repo.edit("prompts/install-reminder/system.md", "just say stop", "just hang up")
    findings = _run_suites(example_repo.path, "install-reminder", ["bundles/install-reminder/suites/unit.yaml"], run_tests)
    unit = [f for f in findings if f.file == "bundles/install-reminder/suites/unit.yaml"]
    assert [(f.step, f.level, f.rule) for f in unit] == [("suites", "error", "suite-case-failed")]
    assert unit[0].message.startswith("unit/opt-out-phrase-present: ")
    # the prompt changed, so the boundary cassettes no longer match either: each case is named
    assert all(f.message.startswith("boundary/") for f in findings if f not in unit)


def test_component_of_paths() -> None:
    assert component_of("prompts/greeter/system.md") == ("prompt", "greeter")
    assert component_of("tool-contracts/sms-gateway.yaml") == ("contract", "sms-gateway")
    assert component_of("kb-manifests/faq.yaml") == ("kb", "faq")
    assert component_of("bundles/install-reminder/suites/unit.yaml") == ("suites", "install-reminder")
    assert component_of("bundles/install-reminder/agent.yaml") == ("agent", "install-reminder")
    assert component_of("agentctl.yaml") == ("config", "agentctl.yaml")
    assert component_of("README.md") is None


def test_impact_maps_files_to_agents(example_repo: RepoDir) -> None:
    example_repo.gen({"bundles/other/agent.yaml": "name: other\nprompt: other\ntools:\n  - contract: driver-lookup\n"
                                                  "    version: ^1.0.0\n"})
    impact = analyse(example_repo.path, [ChangedFile("M", "tool-contracts/driver-lookup.yaml"),
                                         ChangedFile("M", "kb/install-faq/ios-install.md"),
                                         ChangedFile("M", "README.md")])
    assert impact.agents == {"install-reminder": ["tool contract driver-lookup", "KB install-faq"],
                             "other": ["tool contract driver-lookup"]}
    assert impact.components == {("contract", "driver-lookup"): ["tool-contracts/driver-lookup.yaml"],
                                 ("kb", "install-faq"): ["kb/install-faq/ios-install.md"]}


def test_config_change_affects_every_agent(example_repo: RepoDir) -> None:
    impact = analyse(example_repo.path, [ChangedFile("M", "agentctl.yaml")])
    assert impact.everything
    assert impact.agents == {"install-reminder": ["agentctl.yaml changed"]}
