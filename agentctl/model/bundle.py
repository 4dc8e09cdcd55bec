"""Bundles: immutable numbered releases of one agent, and the references users type for them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from agentctl.errors import BadInputError

_NAME = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_REF = re.compile(rf"^(?P<agent>{_NAME})(?:@(?:(?P<latest>latest)|v?(?P<version>[1-9][0-9]*)))?$")

MAX_REF_CHARS = 63 + 2 + 9 + 10  # name, "@v", version digits, some slack for spaces
MAX_VERSION_DIGITS = 9


@dataclass(frozen=True)
class BundleRef:
    """`agent@v3` (version 3) or `agent@latest` (version None)."""

    agent: str
    version: int | None  # None means latest

    def __str__(self) -> str:
        return f"{self.agent}@v{self.version}" if self.version is not None else f"{self.agent}@latest"


def parse_ref(text: str) -> BundleRef:
    """Accept "agent", "agent@latest", "agent@v3" and "agent@3"; refuse anything else with an example."""
    if isinstance(text, str) and len(text) > MAX_REF_CHARS:
        raise BadInputError(f"'{text[:40]}...' ({len(text):,} characters) is not a bundle reference",
                            "write AGENT@vN (e.g. install-reminder@v3); agent names have at most 63 characters")
    match = _REF.match(text.strip()) if isinstance(text, str) else None
    if not match or len(match["agent"]) > 63:
        raise BadInputError(f"'{text}' is not a bundle reference",
                            "write AGENT@vN (e.g. install-reminder@v3), AGENT@latest or just AGENT")
    version = match["version"]
    if version and len(version) > MAX_VERSION_DIGITS:
        raise BadInputError(f"bundle version in '{text[:40]}...' has {len(version):,} digits",
                            f"versions are release numbers (at most {MAX_VERSION_DIGITS} digits): write e.g. "
                            f"{match['agent'][:40]}@v3")
    return BundleRef(match["agent"], int(version) if version else None)


def tag_name(agent: str, version: int) -> str:
    """The annotated git tag that marks a release."""
    return f"{agent}@v{version}"


def tag_version(agent: str, tag: str) -> int | None:
    """N for a tag named `agent@vN`, else None."""
    head, _, tail = tag.partition("@v")
    ok = head == agent and tail.isdigit() and not tail.startswith("0") and len(tail) <= MAX_VERSION_DIGITS
    return int(tail) if ok else None


@dataclass(frozen=True)
class PinnedFile:
    """One file a bundle pins, with the component it belongs to."""

    role: str  # "agent" | "prompt" | "template" | "tool" | "kb" | "kb document"
    entry: Mapping[str, Any]  # the file's own entry in `components` (path, blob, sha256; uri for a document)
    component: Mapping[str, Any]  # the component: the prompt for its template, the KB for a document

    @property
    def path(self) -> Any:
        return self.entry.get("path")

    @property
    def blob(self) -> Any:
        return self.entry.get("blob")

    @property
    def sha256(self) -> Any:
        return self.entry.get("sha256")


def walk_components(components: Mapping[str, Any]) -> Iterator[PinnedFile]:
    """Every file a bundle's `components` pins, in bundle order: agent definition, prompt and its template,
    each tool contract, the KB manifest and its documents. The one walk over a bundle's components."""
    agent = components.get("agent")
    if agent:
        yield PinnedFile("agent", agent, agent)
    prompt = components.get("prompt") or {}
    if prompt:
        yield PinnedFile("prompt", prompt, prompt)
        yield PinnedFile("template", prompt.get("template") or {}, prompt)
    for tool in components.get("tools") or []:
        yield PinnedFile("tool", tool, tool)
    kb = components.get("kb") or {}
    if kb:
        yield PinnedFile("kb", kb, kb)
        for doc in kb.get("documents") or []:
            yield PinnedFile("kb document", doc, kb)


def component_hashes(components: Mapping[str, Any]) -> dict[str, str]:
    """path → sha256 for every file a bundle pins (agent definition, prompt, template, tools, KB, documents)."""
    out: dict[str, str] = {}
    for pinned in walk_components(components):
        if pinned.role == "kb document":
            out[pinned.path or pinned.entry["uri"]] = pinned.entry["sha256"]
        elif pinned.path and pinned.sha256:
            out[pinned.path] = pinned.sha256
    return out


def content_hash(components: Mapping[str, Any]) -> str:
    """sha256 over the sorted `path sha256` lines of every pinned file: equal hashes, equal bundles."""
    lines = "".join(f"{path} {sha}\n" for path, sha in sorted(component_hashes(components).items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


@dataclass
class Bundle:
    """One released bundle as recorded in `bundles/<agent>/v<N>.yaml` at its tagged commit."""

    agent: str
    version: int
    commit: str          # the commit holding the bundle file (the tag's target)
    created: str
    author: str
    content_hash: str
    components: dict[str, Any]
    notes: dict[str, Any]
    source_commit: str   # the commit the components were read from
    previous: int | None = None
    tag: dict[str, Any] = field(default_factory=dict)  # tag name, date, tagger, message (when tagged)

    @property
    def ref(self) -> str:
        return tag_name(self.agent, self.version)

    @property
    def human_note(self) -> str:
        return str((self.notes or {}).get("human") or "")

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "agent": self.agent, "version": self.version, "commit": self.commit,
                "source_commit": self.source_commit, "created": self.created, "author": self.author,
                "previous": self.previous, "content_hash": self.content_hash, "components": self.components,
                "notes": self.notes, "tag": self.tag}

    def to_file(self) -> dict[str, Any]:
        """The mapping written to `bundles/<agent>/v<N>.yaml` (no commit: it is not known before committing)."""
        return {"agent": self.agent, "version": self.version, "created": self.created, "author": self.author,
                "source_commit": self.source_commit, "previous": self.previous, "content_hash": self.content_hash,
                "components": self.components, "notes": self.notes}

    @classmethod
    def from_file(cls, data: dict[str, Any], commit: str, tag: dict[str, Any] | None = None) -> Bundle:
        return cls(agent=data["agent"], version=int(data["version"]), commit=commit,
                   created=str(data.get("created") or ""), author=str(data.get("author") or ""),
                   content_hash=str(data.get("content_hash") or ""), components=data.get("components") or {},
                   notes=data.get("notes") or {}, source_commit=str(data.get("source_commit") or ""),
                   previous=data.get("previous"), tag=tag or {})
