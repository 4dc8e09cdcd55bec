"""release, history, show, diff and verify as a user runs them: exit codes, output, golden errors."""

from __future__ import annotations

import json
import os

from tests.bundle_helpers import (
    FIRST_NOTE,
    NEW_LINE,
    PROMPT_META,
    PROMPT_TEXT,
    SECOND_NOTE,
    STORAGE_DOC,
    edit_prompt_and_kb,
)
from tests.helpers import RepoDir, run_cli


def _two_releases_via_cli(repo: RepoDir, cli) -> None:
    first = cli("release", "install-reminder", "-m", FIRST_NOTE, cwd=repo.path)
    assert first.exit_code == 0, first.stderr
    edit_prompt_and_kb(repo)
    second = cli("release", "install-reminder", "-m", SECOND_NOTE, cwd=repo.path)
    assert second.exit_code == 0, second.stderr
    assert second.stdout.startswith("released install-reminder@v2 (commit ")
    assert "  - kb install-faq: document updated: kb/install-faq/storage-full.md" in second.stdout


def test_release_history_diff_show_verify_end_to_end(example_repo: RepoDir, cli) -> None:
    _two_releases_via_cli(example_repo, cli)
    assert (example_repo.path / "bundles/install-reminder/v2.yaml").is_file()

    history = cli("history", "install-reminder", cwd=example_repo.path)
    assert history.exit_code == 0
    assert "v1" in history.stdout and "v2" in history.stdout and "storage issues" in history.stdout

    diff = cli("diff", "install-reminder@v1", "install-reminder@v2", cwd=example_repo.path)
    assert diff.exit_code == 0
    assert f"      + {NEW_LINE}" in diff.stdout.splitlines()
    assert f"  kb install-faq: document updated: {STORAGE_DOC}" in diff.stdout.splitlines()
    assert "  kb install-faq: document added: kb/install-faq/sign-in.md" in diff.stdout.splitlines()

    original_line = "- Keep every turn under two sentences. This is a phone call, not an email."
    (example_repo.path / PROMPT_TEXT).unlink()
    (example_repo.path / PROMPT_META).unlink()
    show = cli("show", "install-reminder@v1", cwd=example_repo.path)
    assert show.exit_code == 0, show.stderr
    assert original_line in show.stdout.splitlines() and NEW_LINE not in show.stdout

    verify = cli("verify", "install-reminder@v1", cwd=example_repo.path)
    assert verify.exit_code == 0
    assert "✓ install-reminder@v1 verified: 11 files match their pinned hashes" in verify.stdout


def test_verify_exits_1_after_tampering(example_repo: RepoDir, cli) -> None:
    assert cli("release", "install-reminder", "-m", FIRST_NOTE, cwd=example_repo.path).exit_code == 0
    blob = example_repo.git("rev-parse", f"HEAD:{PROMPT_TEXT}").strip()
    path = example_repo.path / ".git/objects" / blob[:2] / blob[2:]
    other = example_repo.git("rev-parse", f"HEAD:{PROMPT_META}").strip()
    os.chmod(path, 0o644)
    path.write_bytes((example_repo.path / ".git/objects" / other[:2] / other[2:]).read_bytes())
    result = cli("verify", "install-reminder@latest", cwd=example_repo.path)
    assert result.exit_code == 1
    assert f"✗ corrupt  template           {PROMPT_TEXT}  blob {blob[:12]}" in result.stdout
    assert "install-reminder@v1 failed verification: 1 file(s) differ from what was released" in result.stderr


def test_generic_note_is_refused_in_a_subprocess(example_repo: RepoDir) -> None:
    result = run_cli("release", "install-reminder", "-m", "updated prompt", cwd=example_repo.path)
    assert result.exit_code == 2
    assert result.stderr.strip() == ('agentctl: release note "updated prompt" says nothing about what changed — write '
                                     'what changed and why, e.g. "added handling for drivers who report storage '
                                     'issues; timeout 5s → 8s"')


def test_unknown_version_lists_existing_ones(example_repo: RepoDir, cli) -> None:
    _two_releases_via_cli(example_repo, cli)
    for command in (["show"], ["verify"], ["diff"]):
        result = cli(*command, "install-reminder@v7", cwd=example_repo.path)
        assert result.exit_code == 2
        assert result.stderr.strip() == ("agentctl: install-reminder@v7 does not exist (versions: v1, v2) — use one of "
                                         "them or `agentctl release install-reminder`")


def test_no_change_exits_2(example_repo: RepoDir, cli) -> None:
    assert cli("release", "install-reminder", "-m", FIRST_NOTE, cwd=example_repo.path).exit_code == 0
    result = cli("release", "install-reminder", "-m", SECOND_NOTE, cwd=example_repo.path)
    assert result.exit_code == 2
    assert result.stderr.strip() == "agentctl: nothing changed since install-reminder@v1 — edit a component first"


def test_show_json_structure(example_repo: RepoDir, cli) -> None:
    _two_releases_via_cli(example_repo, cli)
    result = cli("show", "install-reminder@v2", "--json", cwd=example_repo.path)
    data = json.loads(result.stdout)
    assert data["ref"] == "install-reminder@v2" and data["previous"] == 1
    assert data["notes"]["human"] == SECOND_NOTE
    assert NEW_LINE in data["prompt_text"]
    assert [t["function"]["name"] for t in data["tools"]][0] == "send_install_link"
    assert data["components"]["kb"]["version"] == 2 and data["kb_manifest"]["version"] == 2
    assert len(data["content_hash"]) == 64 and len(data["commit"]) == 40


def test_history_json_and_diff_to_working_tree(example_repo: RepoDir, cli) -> None:
    _two_releases_via_cli(example_repo, cli)
    data = json.loads(cli("history", "install-reminder", "--json", cwd=example_repo.path).stdout)
    assert [(r["ref"], r["note"]) for r in data["releases"]] == [("install-reminder@v1", FIRST_NOTE),
                                                                 ("install-reminder@v2", SECOND_NOTE)]
    example_repo.edit(PROMPT_META, "max_tokens: 300", "max_tokens: 400")
    diff = cli("diff", "install-reminder@v2", cwd=example_repo.path)
    assert diff.stdout.splitlines()[:2] == ["install-reminder@v2 → working tree",
                                            "  prompt install-reminder: model max_tokens: 300 → 400"]


def test_artifact_history_command(example_repo: RepoDir, cli) -> None:
    _two_releases_via_cli(example_repo, cli)
    data = json.loads(cli("history", "install-faq", "--kind", "kb", "--json", cwd=example_repo.path).stdout)
    assert [(v["version"], v["released_in"]) for v in data["versions"]] == [("1", ["install-reminder@v1"]),
                                                                          ("2", ["install-reminder@v2"])]
