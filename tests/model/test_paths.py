"""Paths named in config files never leave the repo: absolute, `..`, or a symlink out → exit 2 at file:line:col."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentctl.model.paths import escape_reason, is_url
from tests.helpers import RepoDir

KB = "kb-manifests/install-faq.yaml"
PROMPT = "prompts/install-reminder/prompt.yaml"


@pytest.mark.parametrize("uri, reason", [
    ("../outside/secret.txt", "leaves the repo through '..'"),
    ("/etc/passwd", "is an absolute path"),
    ("file:///etc/passwd", "is a file:// URL"),
])
def test_kb_uri_outside_the_repo_is_refused_at_its_line(example_repo: RepoDir, cli, uri: str, reason: str) -> None:
    example_repo.edit(KB, "uri: kb/install-faq/ios-install.md", f"uri: {uri}")
    result = cli("validate", "--repo", str(example_repo.path))
    assert result.exit_code == 2
    assert f"{KB}:13:10: document '{uri}' {reason}" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_template_absolute_path_is_refused_and_release_does_not_crash(example_repo: RepoDir, cli) -> None:
    example_repo.edit(PROMPT, "template: system.md", "template: /etc/passwd", commit="point template at /etc/passwd")
    validated = cli("validate", "--repo", str(example_repo.path))
    assert validated.exit_code == 2
    assert f"{PROMPT}:8:11: template '/etc/passwd' is an absolute path" in validated.stdout + validated.stderr
    released = cli("release", "install-reminder", "-m", "try", "--repo", str(example_repo.path))
    assert released.exit_code == 2, released.stderr
    assert "internal error" not in released.stderr


def test_template_symlinked_outside_the_repo_is_refused(example_repo: RepoDir, cli, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    template = example_repo.path / "prompts/install-reminder/system.md"
    outside.write_bytes(template.read_bytes())
    template.unlink()
    template.symlink_to(outside)
    result = cli("validate", "--repo", str(example_repo.path))
    assert result.exit_code == 2
    assert f"{PROMPT}:8:11: template 'system.md' is a symlink to {outside}, outside the repo" in result.stdout + result.stderr


def test_kb_document_symlinked_outside_the_repo_is_refused(example_repo: RepoDir, cli, tmp_path: Path) -> None:
    doc = example_repo.path / "kb/install-faq/ios-install.md"
    outside = tmp_path / "ios-install.md"
    outside.write_bytes(doc.read_bytes())
    doc.unlink()
    doc.symlink_to(outside)
    result = cli("validate", "--repo", str(example_repo.path))
    assert result.exit_code == 2
    assert f"{KB}:13:10: document 'kb/install-faq/ios-install.md' is a symlink to {outside}" in result.stdout + result.stderr


def test_metrics_source_outside_the_repo_is_refused(example_repo: RepoDir, cli) -> None:
    example_repo.edit("agentctl.yaml", "path: .agentctl/calls.duckdb", "path: ../calls.duckdb")
    result = cli("validate", "--repo", str(example_repo.path))
    assert result.exit_code == 2
    assert "agentctl.yaml:85:9: metrics_source.path '../calls.duckdb' leaves the repo through '..'" in result.stdout + result.stderr
    metrics = cli("metrics", "--repo", str(example_repo.path))
    assert metrics.exit_code == 2
    assert "metrics_source.path '../calls.duckdb' leaves the repo" in metrics.stderr
    assert not (example_repo.path.parent / "calls.duckdb").exists()


def test_kb_snapshot_refuses_a_folder_outside_the_repo_and_dangling_links(example_repo: RepoDir, cli,
                                                                          tmp_path: Path) -> None:
    outside = cli("kb", "snapshot", "install-faq", "/etc", "--repo", str(example_repo.path))
    assert outside.exit_code == 2
    assert "/etc is outside the repo" in outside.stderr
    folder = example_repo.path / "kb/install-faq"
    os.symlink(tmp_path / "gone.md", folder / "gone.md")
    dangling = cli("kb", "snapshot", "install-faq", str(folder), "--repo", str(example_repo.path))
    assert dangling.exit_code == 2
    assert "dangling link" in dangling.stderr and "gone.md" in dangling.stderr


def test_escape_reason_cases(tmp_path: Path) -> None:
    (tmp_path / "inside").mkdir()
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    assert escape_reason(tmp_path, "inside/../inside/x.md") is None
    assert escape_reason(tmp_path, "a/../../b") == "leaves the repo through '..'"
    assert escape_reason(tmp_path, "C:\\x") is not None or os.name != "nt"
    assert escape_reason(tmp_path, "x\x00y") == "contains a NUL byte"
    assert escape_reason(tmp_path, "loop/x") is not None
    assert "characters long" in (escape_reason(tmp_path, "a" * 100_000) or "")
    assert is_url("https://example.com/faq.md") and not is_url("file:///etc/passwd") and not is_url("kb/a.md")


def test_the_one_lstat_per_name_check_answers_as_the_full_resolve_does(tmp_path: Path, monkeypatch) -> None:
    from agentctl.model import paths

    root = tmp_path / "repo"
    (root / "prompts/a").mkdir(parents=True)
    (root / "prompts/a/system.md").write_text("x")
    (tmp_path / "secret").write_text("s")
    (root / "prompts/out").symlink_to(tmp_path)
    (root / "prompts/a/leak.md").symlink_to(tmp_path / "secret")
    (root / "prompts/in").symlink_to(root / "prompts/a")
    (tmp_path / "via").symlink_to(root)  # a root reached through a symlink
    cases = ["prompts/a/system.md", "prompts/a/missing.md", "missing/dir/x.md", "missing/../../x", "prompts/out/secret",
             "prompts/a/leak.md", "prompts/in/system.md", "prompts//a/system.md", "prompts/./a", "prompts/a/",
             "prompts/out/repo/prompts/a/system.md"]
    fast = {(r, c): paths.escape_reason(r, c) for r in (root, tmp_path / "via") for c in cases}
    monkeypatch.setattr(paths, "_plainly_inside", lambda root, relpath: False)
    full = {(r, c): paths.escape_reason(r, c) for r in (root, tmp_path / "via") for c in cases}
    assert fast == full
    assert fast[(root, "prompts/a/leak.md")] is not None and fast[(root, "prompts/a/system.md")] is None
