"""Build repos with released bundles in one line, for the release/history/show/diff/verify tests."""

from __future__ import annotations

from tests.helpers import RepoDir

AGENT = "install-reminder"
PROMPT_META = "prompts/install-reminder/prompt.yaml"
PROMPT_TEXT = "prompts/install-reminder/system.md"
KB = "kb-manifests/install-faq.yaml"
FIRST_NOTE = "first production release of the install reminder agent"
SECOND_NOTE = "added handling for drivers who report storage issues; temperature 0.3 → 0.5"
NEW_LINE = "- If the driver says storage is full, walk them through clearing old videos first."
STORAGE_DOC = "kb/install-faq/storage-full.md"


def release(repo: RepoDir, note: str = FIRST_NOTE):
    from agentctl.ops.release import release_bundle

    return release_bundle(repo.path, AGENT, note)


def edit_prompt_and_kb(repo: RepoDir, commit: str | None = "Prompt v2: storage help; KB storage doc rewritten") -> None:
    """Prompt v2 (one new line, temperature 0.5) and KB v2 (storage-full.md updated, a new document added)."""
    from agentctl.ops.kb import snapshot_kb

    repo.edit(PROMPT_TEXT, "# Call flow\n", f"{NEW_LINE}\n\n# Call flow\n")
    repo.edit(PROMPT_META, "version: 1", "version: 2")
    repo.edit(PROMPT_META, "temperature: 0.3", "temperature: 0.5")
    repo.gen({STORAGE_DOC: "Storage full? Delete old videos, then install the app (about 200 MB).\n",
              "kb/install-faq/sign-in.md": "Sign in with the phone number Roadwise has on file.\n"})
    snapshot_kb(repo.path, "install-faq", repo.path / "kb/install-faq", "storage help rewritten; sign-in help added")
    if commit:
        repo.git("add", "-A")
        repo.git("commit", "-q", "-m", commit)


def two_releases(repo: RepoDir):
    first = release(repo)
    edit_prompt_and_kb(repo)
    second = release(repo, SECOND_NOTE)
    return first, second


def release_prompt_change(root, agent: str = AGENT, *, line: str = "Keep each turn short.") -> object:
    """Append `line` to the prompt, bump its version with a real note, commit, and release the next bundle.

    Mirrors what a team does for a small prompt change, so every release passes the release checks
    (version bumped, note with substance, nothing else dirty).
    """
    import re
    import subprocess
    from pathlib import Path

    from agentctl.ops.release import release_bundle

    root = Path(root)
    meta = root / PROMPT_META
    text = meta.read_text("utf-8")
    version = int(re.search(r"^version: (\d+)$", text, re.M).group(1)) + 1
    note = f"prompt v{version}: added the instruction '{line}' to shorten calls"
    text = re.sub(r"^version: \d+$", f"version: {version}", text, count=1, flags=re.M)
    text = re.sub(r"^changes: >-\n(  .*\n)+|^changes: .*\n", f"changes: \"{note}\"\n", text, count=1, flags=re.M)
    meta.write_text(text, "utf-8")
    template = root / PROMPT_TEXT
    template.write_text(template.read_text("utf-8") + f"\n{line}\n", "utf-8")
    subprocess.run(["git", "add", PROMPT_META, PROMPT_TEXT], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", f"prompt v{version}"], cwd=root, check=True)
    return release_bundle(root, agent, note)
