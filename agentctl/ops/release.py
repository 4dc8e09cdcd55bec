"""`agentctl release AGENT -m NOTE`: pin an agent's components into the next immutable bundle.

The bundle file records, for every component, its version, path, git blob sha and sha256,
plus the commit they were read from; it is committed alone and marked with an annotated tag
`AGENT@vN` whose message is the human note.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl import clock
from agentctl.errors import BadInputError, ConflictError, GitError, ValidationFailed
from agentctl.fsutil import write_atomic
from agentctl.identity import current_actor
from agentctl.model import layout, yamlio
from agentctl.model.bundle import Bundle, content_hash, tag_name
from agentctl.model.crossref import sha256_file
from agentctl.model.notes import check_note_substance, generate_notes
from agentctl.model.schema import validate_document
from agentctl.model.yamlio import dump_yaml
from agentctl.ops.bundles import (
    agent_files,
    bundle_config,
    list_bundles,
    load_agent_workspace,
    raise_agent_errors,
    released_versions,
    working_config,
)
from agentctl.ops.test import cassette_warnings
from agentctl.repo import ConfigRepo, RepoLike, as_repo
from agentctl.store import history
from agentctl.store.gitcmd import not_a_repository

if TYPE_CHECKING:
    from agentctl.model.artifacts import Workspace


def _sha256(path: Path) -> str:
    return sha256_file(path)


def _local_documents(manifest: dict[str, Any] | None) -> list[str]:
    return [d["uri"] for d in (manifest or {}).get("documents") or [] if "://" not in d["uri"]]


def pin_components(root: Path, ws: Workspace, agent: str, commit: str) -> dict[str, Any]:
    """The `components` mapping of a bundle: every file of `agent` with version, blob and sha256 at `commit`."""

    files = agent_files(ws, agent)
    definition = ws.agents[agent]
    kb = ws.kbs.get(definition.kb) if definition.kb else None
    docs = _local_documents(kb.doc.data if kb else None)
    blobs = history.blob_shas(root, commit, [*files.values(), *docs])

    def pin(path: str) -> dict[str, Any]:
        return {"path": path, "blob": blobs[path], "sha256": _sha256(root / path)}

    prompt = ws.prompts[definition.prompt]
    components: dict[str, Any] = {
        "agent": pin(files["agent"]),
        "prompt": {"name": prompt.name, "version": prompt.version, **pin(files["prompt"]),
                   "template": pin(files["template"])},
        "tools": [{"name": ref.contract, "version": ws.contracts[ref.contract].version, "range": ref.version_range,
                   **pin(files[f"tool:{ref.contract}"])} for ref in definition.tools],
        "kb": None,
    }
    if kb:
        documents = []
        for doc in kb.documents:
            entry = {"uri": doc["uri"], "sha256": doc["sha256"], "size": doc["size"]}
            if doc["uri"] in blobs:
                entry.update(path=doc["uri"], blob=blobs[doc["uri"]])
            documents.append(entry)
        components["kb"] = {"name": kb.name, "version": kb.version, **pin(files["kb"]), "documents": documents}
    return components


def next_version(root: Path, agent: str) -> int:
    """max(tagged versions, bundle files in the working tree and at HEAD) + 1, so no number is reused."""
    known = set(released_versions(root, agent))
    for path in (root / layout.agent_dir(agent)).glob("v*.yaml"):
        if layout.kind_of(f"{layout.agent_dir(agent)}/{path.name}") == "bundle":
            known.add(int(path.stem[1:]))
    return max(known, default=0) + 1


def release_bundle(repo: RepoLike, agent: str, note: str) -> Bundle:
    """Assemble, commit and tag the next bundle of `agent`; returns it.

    Refuses (exit 2) a note that says nothing, a release with no change since the last bundle,
    and uncommitted changes in any of the agent's component files (changes elsewhere are fine).
    """
    repo = as_repo(repo)
    root = repo.root

    problem = check_note_substance(note)
    if problem:
        raise BadInputError(problem)
    note = " ".join(note.split())
    if not history.is_work_tree(root):
        raise not_a_repository("release")
    head = history.head_commit(root)
    if head is None:
        raise BadInputError("the repository has no commits yet", "commit the config first")
    ws = load_agent_workspace(root, agent, check=False)
    kb = ws.kbs.get(ws.agents[agent].kb or "")
    paths = [*agent_files(ws, agent).values(), *_local_documents(kb.doc.data if kb else None)]
    dirty = history.dirty_paths(root, paths)
    if dirty:
        raise BadInputError(f"uncommitted changes in {agent}'s components: {', '.join(dirty)}",
                            "commit them (a release pins committed content only) and release again")
    raise_agent_errors(ws, agent)
    finished = recover_interrupted(repo, agent)
    current = working_config(root, agent, ws)
    components = pin_components(root, ws, agent, head)
    digest = content_hash(components)
    previous = list_bundles(root, agent)
    last = previous[-1] if previous else None
    if last is not None and last.content_hash == digest and last.version in finished:
        return last  # the interrupted release of exactly this content is now finished
    if last is not None and last.content_hash == digest:
        raise BadInputError(f"nothing changed since {last.ref}", "edit a component first")
    old = bundle_config(root, last).to_dict() if last else None
    version = next_version(root, agent)
    actor = current_actor(root)
    bundle = Bundle(agent=agent, version=version, commit="", created=clock.isoformat(clock.now()), author=str(actor),
                    content_hash=digest, components=components,
                    notes={"human": note, "generated": generate_notes(old, current.to_dict())},
                    source_commit=head, previous=last.version if last else None)
    rel = layout.bundle_file(agent, version)
    tag = tag_name(agent, version)
    remote = "origin" if repo.git.has_remote("origin") else None
    if remote and _remote_has_tag(repo, remote, tag):
        raise _taken(tag, remote)
    write_atomic(root / rel, _dump(bundle.to_file(), rel))
    try:
        bundle.commit = history.commit_and_tag(root, [rel], f"Release {tag}\n\n{note}", tag, note,
                                               (actor.name, actor.email or f"{actor.name}@localhost"))
    except Exception:
        if not history.blob_shas(root, "HEAD", [rel]):
            (root / rel).unlink(missing_ok=True)  # nothing was committed: leave no stray bundle file behind
        raise
    if remote:
        _claim_tag(repo, remote, tag, rel, head)
    bundle.tag = {"name": tag, "message": note}
    return bundle


def stale_cassette_warnings(repo: RepoLike, agent: str) -> list[Any]:
    """Warnings (Diagnostics) for `agent`'s replay cassettes that no longer match what was just released:
    its boundary cases would fail at `test`, and deploy refuses a bundle whose required suites did not pass."""

    return cassette_warnings(repo, [agent])


def recover_interrupted(repo: ConfigRepo, agent: str) -> list[int]:
    """Finish or undo releases of `agent` that were killed half-way; returns the versions finished.

    A release commit ("Release AGENT@vN") on HEAD's history without its tag gets the tag (the commit
    is complete: it holds exactly the bundle file). A bundle file in the working tree that was never
    committed is a release killed before its commit: it is removed, so `git commit -a` cannot sweep it in.
    """

    prefix = f"Release {agent}@v"
    log = repo.git.run("log", "-n", "200", "--format=%H%x00%s%x00%b%x1e", "HEAD", "--",
                       layout.agent_dir(agent), check=False).stdout.decode("utf-8", "replace")
    finished = []
    for chunk in log.split("\x1e"):
        parts = chunk.strip("\n").split("\x00")
        if len(parts) < 3 or not parts[1].startswith(prefix) or not parts[1][len(prefix):].isdigit():
            continue
        version = int(parts[1][len(prefix):])
        tag = tag_name(agent, version)
        if repo.git.run("rev-parse", "--verify", "--quiet", f"refs/tags/{tag}", check=False).returncode != 0:
            note = parts[2].strip() or f"release {tag}"
            repo.git.run("tag", "-a", tag, "-m", note, parts[0], action=f"create tag {tag}")
            finished.append(version)
    tracked = set(repo.git.run("ls-files", "--", layout.agent_dir(agent), check=False)
                  .stdout.decode("utf-8", "replace").splitlines())
    for path in (repo.root / layout.agent_dir(agent)).glob("v*.yaml"):
        rel = f"{layout.agent_dir(agent)}/{path.name}"
        if layout.kind_of(rel) == "bundle" and rel not in tracked:
            path.unlink()
    return finished


def _remote_has_tag(repo: ConfigRepo, remote: str, tag: str) -> bool:
    proc = repo.git.run("ls-remote", "--tags", remote, f"refs/tags/{tag}", check=False, action="list remote tags")
    return proc.returncode == 0 and bool(proc.stdout.strip())


def _taken(tag: str, remote: str) -> ConflictError:
    return ConflictError(f"{tag} was already released on {remote} (with other content); nothing was released",
                         f"run `git pull --tags {remote}` (or `git fetch --tags {remote}` and merge), then release again: "
                         "your change becomes the next version")


def _claim_tag(repo: ConfigRepo, remote: str, tag: str, rel: str, parent: str) -> None:
    """Publish the release tag on the remote; a tag push never overwrites, so exactly one clone wins a version.
    The loser's local commit, tag and bundle file are undone (its change is released again as the next version)."""
    proc = repo.git.run("push", "--quiet", "--porcelain", remote, f"refs/tags/{tag}:refs/tags/{tag}", check=False,
                        action=f"push tag {tag}")
    if proc.returncode == 0:
        return
    said = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    repo.git.run("tag", "-d", tag, check=False)
    repo.git.run("update-ref", "HEAD", parent, check=False)
    repo.git.run("rm", "-q", "--cached", "--", rel, check=False)
    (repo.root / rel).unlink(missing_ok=True)
    if "already exists" in said or "rejected" in said:
        raise _taken(tag, remote)
    raise GitError(f"cannot push tag {tag} to {remote}: {said.strip().splitlines()[-1] if said.strip() else 'no answer'}",
                   "nothing was released; check the remote is reachable, then release again")


def _dump(data: dict[str, Any], rel: str) -> str:
    """YAML text of a bundle, checked against the bundle schema before anything is written."""

    header = "# Written by `agentctl release`; released bundles are immutable — do not edit.\n"
    text = header + dump_yaml(data)
    errors = [d for d in validate_document(yamlio.parse_text(text, rel), "bundle") if d.is_error]
    if errors:
        raise ValidationFailed(errors)
    return text


