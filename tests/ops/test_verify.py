"""verify: pinned components are re-read from git objects; a tampered object is caught."""

from __future__ import annotations

import os

from agentctl.ops.verify import verify_bundle
from tests.bundle_helpers import KB, PROMPT_TEXT, release, two_releases
from tests.helpers import RepoDir


def test_verify_passes_even_after_files_are_deleted(example_repo: RepoDir) -> None:
    two_releases(example_repo)
    (example_repo.path / PROMPT_TEXT).unlink()
    (example_repo.path / KB).unlink()
    result = verify_bundle(example_repo.path, "install-reminder@v1")
    assert result.ok, result.to_dict()
    assert len(result.files) == 11 and {f.status for f in result.files} == {"ok"}


def _loose_object(repo: RepoDir, sha: str):
    return repo.path / ".git" / "objects" / sha[:2] / sha[2:]


def test_verify_fails_when_a_pinned_blob_is_tampered_with(example_repo: RepoDir) -> None:
    bundle = release(example_repo)
    template = bundle.components["prompt"]["template"]
    other = bundle.components["agent"]["blob"]
    target = _loose_object(example_repo, template["blob"])
    os.chmod(target, 0o644)
    target.write_bytes(_loose_object(example_repo, other).read_bytes())  # the template's object now holds other bytes
    result = verify_bundle(example_repo.path, "install-reminder@v1")
    assert not result.ok
    [problem] = result.problems
    assert (problem.path, problem.status) == (PROMPT_TEXT, "corrupt")


def test_verify_reports_a_missing_object(example_repo: RepoDir) -> None:
    bundle = release(example_repo)
    _loose_object(example_repo, bundle.components["kb"]["blob"]).unlink()
    result = verify_bundle(example_repo.path, "install-reminder@v1")
    assert [(p.path, p.status) for p in result.problems] == [(KB, "missing")]


def test_verify_and_validate_report_a_release_commit_left_without_its_tag(example_repo, cli) -> None:
    """A release killed between its commit and its tag: verify exits 1 and validate warns, both naming the fix;
    `agentctl release` finishes it and both are clean again."""
    from tests.bundle_helpers import release_prompt_change

    bundle = release_prompt_change(example_repo.path, "install-reminder")
    commit = example_repo.git("rev-parse", f"{bundle.ref}^{{commit}}").strip()
    example_repo.git("tag", "-d", bundle.ref)  # killed before the tag
    said = (f"release commit {commit[:10]} (\"Release {bundle.ref}\") has no tag {bundle.ref}: the release was "
            "interrupted between its commit and its tag — run `agentctl release install-reminder -m \"<note>\"` to "
            "finish it (it tags that commit and releases nothing new)")
    verified = cli("verify", bundle.ref, "--repo", str(example_repo.path))
    assert verified.exit_code == 1
    assert f"✗ {said}" in verified.stderr
    validated = cli("validate", "--repo", str(example_repo.path))
    assert f"bundles/install-reminder/v{bundle.version}.yaml:1:1: warning: {said}" in validated.stdout + validated.stderr

    finished = cli("release", "install-reminder", "-m", "prompt: finish the release a crash interrupted",
                   "--repo", str(example_repo.path))
    assert finished.exit_code == 0, finished.stderr
    assert example_repo.git("rev-parse", f"{bundle.ref}^{{commit}}").strip() == commit
    assert cli("verify", bundle.ref, "--repo", str(example_repo.path)).exit_code == 0
    again = cli("validate", "--repo", str(example_repo.path))
    assert "has no tag" not in again.stdout + again.stderr
