"""kb snapshot: DVC-like diff of a folder of documents, rename by hash, cache that avoids re-hashing."""

from __future__ import annotations

import hashlib
import json

from agentctl.model.yamlio import parse_text
from agentctl.ops.kb import cache_path, snapshot_kb
from tests.helpers import RepoDir

DOCS = "kb/returns"


def _manifest(repo: RepoDir) -> dict:
    return parse_text(repo.read("kb-manifests/returns.yaml"), "returns.yaml").data


def test_first_snapshot_adds_every_document(example_repo: RepoDir) -> None:
    example_repo.gen({f"{DOCS}/a.md": "alpha\n", f"{DOCS}/sub/b.md": "beta\n", f"{DOCS}/.hidden": "x"})
    result = snapshot_kb(example_repo.path, "returns", example_repo.path / DOCS, "first returns help documents")
    assert result.added == [f"{DOCS}/a.md", f"{DOCS}/sub/b.md"] and result.written
    data = _manifest(example_repo)
    assert (data["name"], data["version"], data["changes"], data["source"]) == (
        "returns", 1, "first returns help documents", DOCS)
    assert data["documents"][0]["sha256"] == hashlib.sha256(b"alpha\n").hexdigest()
    assert [(d["uri"], d["size"]) for d in data["documents"]] == [(f"{DOCS}/a.md", 6), (f"{DOCS}/sub/b.md", 5)]


def test_added_updated_deleted_renamed(example_repo: RepoDir) -> None:
    example_repo.gen({f"{DOCS}/keep.md": "same\n", f"{DOCS}/edit.md": "old\n", f"{DOCS}/gone.md": "bye\n",
                      f"{DOCS}/move-me.md": "moving content\n"})
    snapshot_kb(example_repo.path, "returns", example_repo.path / DOCS, "first returns help documents")
    example_repo.git("add", "-A")
    example_repo.git("commit", "-q", "-m", "returns kb v1")
    (example_repo.path / DOCS / "gone.md").unlink()
    (example_repo.path / DOCS / "move-me.md").rename(example_repo.path / DOCS / "moved.md")
    example_repo.gen({f"{DOCS}/edit.md": "new text\n", f"{DOCS}/fresh.md": "hello\n"})
    result = snapshot_kb(example_repo.path, "returns", example_repo.path / DOCS)
    assert result.added == [f"{DOCS}/fresh.md"]
    assert result.updated == [f"{DOCS}/edit.md"]
    assert result.deleted == [f"{DOCS}/gone.md"]
    assert result.renamed == [(f"{DOCS}/move-me.md", f"{DOCS}/moved.md")]
    assert result.unchanged == 1
    assert (result.previous_version, result.version) == (1, 2)  # v1 was committed, so the change bumps it
    assert _manifest(example_repo)["changes"] == "added fresh.md; updated edit.md; deleted gone.md; renamed move-me.md → moved.md"


def test_unchanged_files_come_from_the_cache(example_repo: RepoDir) -> None:
    example_repo.gen({f"{DOCS}/{i}.md": f"doc {i}\n" for i in range(5)})
    first = snapshot_kb(example_repo.path, "returns", example_repo.path / DOCS, "five returns help documents")
    assert (first.hashed, first.cache_hits) == (5, 0)
    cached = json.loads(cache_path(example_repo.path, "returns").read_text())["files"]
    assert len(cached) == 5 and all({"size", "mtime_ns", "sha256"} <= set(v) for v in cached.values())
    example_repo.gen({f"{DOCS}/0.md": "doc zero, rewritten\n"})
    second = snapshot_kb(example_repo.path, "returns", example_repo.path / DOCS)
    assert (second.hashed, second.cache_hits) == (1, 4)
    assert second.updated == [f"{DOCS}/0.md"]
    assert not any(".agentctl" in line for line in example_repo.git("status", "--porcelain").splitlines())


def test_nothing_changed_leaves_the_manifest_alone(example_repo: RepoDir) -> None:
    example_repo.gen({f"{DOCS}/a.md": "alpha\n"})
    snapshot_kb(example_repo.path, "returns", example_repo.path / DOCS, "first returns help documents")
    before = example_repo.read("kb-manifests/returns.yaml")
    again = snapshot_kb(example_repo.path, "returns", example_repo.path / DOCS)
    assert not again.changed and not again.written
    assert example_repo.read("kb-manifests/returns.yaml") == before


def test_example_kb_snapshot_keeps_the_repo_valid(example_repo: RepoDir, cli) -> None:
    example_repo.gen({"kb/install-faq/storage-full.md": "Free 200 MB, then install.\n"})
    result = cli("kb", "snapshot", "install-faq", "kb/install-faq", cwd=example_repo.path)
    assert result.exit_code == 0, result.stderr
    assert "modified: kb/install-faq/storage-full.md" in result.stdout
    assert "wrote kb-manifests/install-faq.yaml (version 2): 4 documents, 4 hashed, 0 from cache" in result.stdout
    assert cli("validate", cwd=example_repo.path).exit_code == 0


def test_snapshot_keeps_comments_order_and_unknown_keys(example_repo: RepoDir) -> None:
    example_repo.gen({f"{DOCS}/a.md": "alpha\n"})
    snapshot_kb(example_repo.path, "returns", example_repo.path / DOCS, "first returns help documents")
    text = example_repo.read("kb-manifests/returns.yaml")
    text = ("# Owned by the support team; ask Rosa before removing documents.\n" + text
            + "x-review:\n  by: rosa  # quarterly\n  due: '2026-12-01'\n")
    example_repo.gen({"kb-manifests/returns.yaml": text}, commit="returns KB v1")
    example_repo.gen({f"{DOCS}/b.md": "beta\n"})
    result = snapshot_kb(example_repo.path, "returns", example_repo.path / DOCS, "added b")
    assert result.added == [f"{DOCS}/b.md"] and result.version == 2
    after = example_repo.read("kb-manifests/returns.yaml")
    assert after.startswith("# Owned by the support team; ask Rosa before removing documents.\n")
    assert "x-review:\n  by: rosa  # quarterly\n  due: '2026-12-01'\n" in after
    data = _manifest(example_repo)
    assert list(data)[:3] == ["name", "version", "changes"] and data["version"] == 2
    assert [d["uri"] for d in data["documents"]] == [f"{DOCS}/a.md", f"{DOCS}/b.md"]
