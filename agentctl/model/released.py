"""Released bundle files (`bundles/<agent>/vN.yaml`): their refs, component pins and schema findings.

`validate` needs two things from every released file: its schema findings, and what it pins (for
the immutability check). A repo with 200 agents and 50 releases each has 10,000 of them, and on a
fresh clone (CI) nothing is cached, so reading them must be cheap without any cache.

Files `agentctl release` wrote all have one layout (`yamlio.dump_yaml` of a bundle, under its
header comment). `_LAYOUT` is one regular expression that accepts exactly that layout, with only
values whose YAML reading is unambiguous (a plain string that could read as a number, a date, null
or a boolean is refused) and that the bundle schema accepts. A file it matches needs no YAML parser
and no schema validator: its ref and pins are taken from the text (one pass in C). The expression is
written against the bundle schema as it is; `_LAYOUT_SCHEMA` pins the schema's digest, and when the
schema changes the fast read is off until the layout is reviewed (tests/model/test_released.py says so).

Any other file (hand-edited, an older layout, an `x-` key, a value the layout refuses) is parsed and
validated in full, exactly as before, so every diagnostic keeps its wording and position; a clean
result is remembered under the file's git blob id, so such a file is parsed once.

Later commands need not even read a clean file: `.agentctl/cache/` remembers its ref and pins under
its path with its size, mtime and inode (git's index trick), and a file that still matches them is
taken from there. A file with findings is never remembered, so its diagnostics are reported every time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl import __version__
from agentctl.errors import ValidationFailed
from agentctl.fsutil import write_atomic
from agentctl.model import layout
from agentctl.model.bundle import walk_components
from agentctl.model.diagnostics import Diagnostic
from agentctl.model.schema import load_schema, validate_document
from agentctl.model.yamlio import MAX_FILE_BYTES, load_file

CACHE_FILE = ".agentctl/cache/released-bundles-v5.json"

# (kind, name, version, {path: sha256}) — what one bundle pins
Pin = tuple[str, str, str, dict[str, str]]


@dataclass
class ReleasedFile:
    relpath: str
    ref: str | None = None  # "agent@vN" (None when the file could not be read)
    pins: list[Pin] = field(default_factory=list)  # shared between files that pin the same (list and pins): read only
    diagnostics: list[Diagnostic] = field(default_factory=list)


def blob_id(data: bytes) -> str:
    """git's blob id (sha1) of `data` — the cache key."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


def _is_bundle_name(name: str) -> bool:
    return name[:1] == "v" and name.endswith(".yaml") and name[1:-5].isdigit()


def bundle_files(root: Path) -> list[Path]:
    """Every released bundle file in the working tree, by agent then version."""
    return [root / rel for rel in _scan(root)]


def _scan(root: Path) -> list[str]:
    """The relpath of every released bundle file, by agent then version — os.scandir, no pathlib or stat per file."""
    base = os.path.join(root, layout.BUNDLES_DIR)
    found: list[str] = []
    try:
        agents = sorted(e.name for e in os.scandir(base) if e.is_dir() and not e.name.startswith("."))
    except OSError:
        return []
    for agent in agents:
        try:
            names = [e.name for e in os.scandir(os.path.join(base, agent)) if _is_bundle_name(e.name) and e.is_file()]
        except OSError:
            continue
        names.sort(key=lambda name: int(name[1:-5]))
        found += [f"{layout.BUNDLES_DIR}/{agent}/{name}" for name in names]
    return found


_PIN_KIND = {"prompt": "prompt", "template": "prompt", "tool": "tool", "kb": "kb"}


def pins_of(data: dict[str, Any]) -> list[Pin]:
    """(kind, name, version, {path: sha256}) of each prompt, tool contract and KB manifest a bundle pins."""
    found: dict[int, tuple[str, Mapping[str, Any], dict[str, str]]] = {}
    for pinned in walk_components(data.get("components") or {}):
        kind = _PIN_KIND.get(pinned.role)
        if kind is None or (kind == "prompt" and not pinned.component.get("name")):
            continue
        hashes = found.setdefault(id(pinned.component), (kind, pinned.component, {}))[2]
        if pinned.path and pinned.sha256:
            hashes[pinned.path] = pinned.sha256
    return [(kind, str(entry.get("name")), str(entry.get("version")), hashes) for kind, entry, hashes in found.values()]


# --- the layout `agentctl release` writes -------------------------------------------------------------------
# Characters no accepted value may hold: controls, tab, NEL, no-break space, line separators, BOM and non-characters
# (YAML treats some as breaks or refuses them; a file with any takes the full parser).
_ODD = "\\x00-\\x1f\\x7f-\\xa0\\u2028\\u2029\\ufeff\\ufffe\\uffff"
_CHAR = f"[^:# {_ODD}]"
# the rest of a plain scalar: no ": ", no " #", no trailing space or colon
_BODY = f"{_CHAR}*(?:(?::(?=[^ {_ODD}])| (?=[^#{_ODD}])){_CHAR}*)*"
# a plain scalar that reads as a string under YAML 1.2: a letter, `_` or `/` first and not null/true/false, or a
# digit first with a letter that no number or date contains (`2 lines added`)
_PLAIN = (f"(?:(?!(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)\\n)[A-Za-z_/]{_BODY}"
          f"|(?=[0-9][^\\n]*[g-np-su-wyzG-NP-SU-Y])[0-9]{_BODY})")
# quoted: in single quotes, or in double quotes without an escape
_QUOTED = f"(?:'(?:[^'{_ODD}]|'')*'|\"[^\"\\\\{_ODD}]*\")"
_STR = f"(?:{_QUOTED}|{_PLAIN})"
_STR1 = f"(?:'(?:[^'{_ODD}]|'')+'|\"[^\"\\\\{_ODD}]+\"|{_PLAIN})"  # a non-empty string
# a value of any type (a generated note's details: the schema takes anything): a quoted or plain scalar both YAML
# parsers read without complaint (nothing date-like, which a parser may refuse), or an empty collection
_ANY = f"(?:{_QUOTED}|(?![0-9]{{4}}-)(?:[A-Za-z0-9_/.+~($^]|-(?=[0-9.])){_BODY}|\\[\\]|\\{{\\}})"
# a detail of a generated note: a key other than the four the schema names, with a value or a list of values
_DETAIL = (f"      (?!(?:component|name|change|summary|null|true|false):)[a-z_][a-z0-9_]*:"
           f"(?: {_ANY}\\n|\\n(?:        - {_ANY}\\n)+)")


def _hex(digits: str) -> str:  # quoted, or plain with a letter that keeps it from reading as a number
    return f"(?:'{digits}'|(?=[0-9e]*[a-df]){digits})"


_SHA = _hex("[0-9a-f]{64}")
_BLOB = _hex("[0-9a-f]{40}(?:[0-9a-f]{24})?")  # sha1 or sha256 object ids, as the schema's pattern
_INT = "[1-9][0-9]{0,17}"
_SEMVER = "[0-9]+\\.[0-9]+\\.[0-9]+"
_RANGE = f"(?:{_STR}|{_SEMVER}|(?:\\^|~(?!\\n)){_BODY})"
_AGENT = "(?!(?:null|true|false)\\n)(?:[a-z][a-z0-9-]*[a-z0-9]|[a-z])"  # the schema's agent name pattern


def _file(indent: int, name: str = "") -> str:
    """A pinned file's path, blob and sha256 at `indent`; path and sha256 in groups `<name>_path`, `<name>_sha`."""
    pad = " " * indent
    path, sha = (f"(?P<{name}_path>{_STR1})", f"(?P<{name}_sha>{_SHA})") if name else (_STR1, _SHA)
    return f"{pad}path: {path}\\n{pad}blob: {_BLOB}\\n{pad}sha256: {sha}\\n"


# The layout in parts: every line of a part ends in `\n` and no part looks past its own text, so a file matches
# `_LAYOUT_PATTERN` exactly when its header, each top-level component and its notes match their parts.
_HEAD_PART = (
    f"(?:#[^{_ODD}]*\\n)*"
    f"agent: (?P<agent>{_AGENT})\\n"
    f"version: (?P<version>{_INT})\\n"
    f"created: {_STR}\\n"
    f"author: {_STR}\\n"
    f"source_commit: {_BLOB}\\n"
    f"(?:previous:(?: {_INT})?\\n)?"
    f"content_hash: {_SHA}\\n")
_AGENT_PART = f"  agent:\\n{_file(4)}"
_PROMPT_PART = (f"  prompt:\\n    name: (?P<prompt>{_STR})\\n    version: (?P<prompt_version>{_INT})\\n{_file(4, 'prompt')}"
                f"    template:\\n{_file(6, 'template')}")
_TOOLS_PART = (f"  tools:(?P<tools> \\[\\]\\n|\\n(?:    - name: {_STR}\\n      version: (?:{_STR}|{_SEMVER})\\n"
               f"(?:      range: {_RANGE}\\n)?{_file(6)})+)")
_KB_PART = (f"  kb:\\n(?:    name: (?P<kb>{_STR})\\n    version: (?P<kb_version>{_INT})\\n{_file(4, 'kb')}"
            f"    documents:(?: \\[\\]\\n|\\n(?:      - uri: {_STR1}\\n        sha256: {_SHA}\\n        size: (?:0|{_INT})\\n"
            f"(?:        path: {_STR1}\\n        blob: {_BLOB}\\n)?)+))?")
_NOTES_PART = (
    f"  human: {_STR1}\\n"
    f"  generated:(?: \\[\\]\\n|\\n(?:    - component: (?:agent|prompt|tool|kb)\\n      name: {_STR}\\n"
    f"      change: {_STR}\\n      summary: {_STR}\\n(?:{_DETAIL})*)+)")
_LAYOUT_PATTERN = (f"{_HEAD_PART}components:\\n(?P<components>{_AGENT_PART}{_PROMPT_PART}{_TOOLS_PART}{_KB_PART})"
                   f"notes:\\n{_NOTES_PART}")


@functools.cache
def _layout() -> re.Pattern[str]:
    """`_LAYOUT`, compiled on first use (about 70 ms: a command that reads no released file never pays it)."""
    return re.compile(_LAYOUT_PATTERN)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_DETAIL_KEY = re.compile("^      (?!(?:name|change|summary):)([a-z_][a-z0-9_]*):", re.M)
# within a matched file's tools: each tool contract with the file it pins (the search skips ahead to the literal)
_TOOL = re.compile("\n    - name: (.*)\n      version: (.*)\n(?:      range: .*\n)?      path: (.*)\n      blob: .*\n"
                   "      sha256: (.*)")
# the digest of the bundle schema `_LAYOUT` was written against (see `_layout_is_current`)
_LAYOUT_SCHEMA = "96eea472334133f1"


def _text(value: str) -> str:
    """The value of a matched string scalar."""
    if value[:1] == "'":
        return value[1:-1].replace("''", "'")
    return value[1:-1] if value[:1] == '"' else value


# most releases pin what the one before pinned: one shared pin per distinct entry (callers only read pins)
@functools.lru_cache(maxsize=1 << 16)
def _prompt_pin(name: str, version: str, path: str, sha: str, template: str, template_sha: str) -> Pin:
    return "prompt", name, version, {path: sha, template: template_sha}


@functools.lru_cache(maxsize=1 << 16)
def _file_pin(kind: str, name: str, version: str, path: str, sha: str) -> Pin:
    return kind, name, version, {path: sha}


def _pin(name: str, version: str, path: str, sha: str) -> tuple[str, str, dict[str, str]]:
    return _text(name), _text(version), {_text(path): _text(sha)}


def _read_layout(raw: bytes) -> tuple[str, list[Pin]] | None:
    """(ref, pins) of a file in the layout `agentctl release` writes, or None (then the full parser reads it)."""
    if len(raw) > MAX_FILE_BYTES:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    read = _read_parts(text)
    return read if read is not None else _read_whole(text)


# distinct component parts remembered per process (a few KB each): bounds what a long-running process keeps
_PARTS_KEPT = 1 << 12


def _read_parts(text: str) -> tuple[str, list[Pin]] | None:
    """`_read_whole`, part by part: a component part is matched once per distinct text (releases of an agent mostly
    pin the same tools and KB), the header and notes of each file every time. None when any part does not match."""
    at = text.find("\ncomponents:\n") + 1
    prompt = text.find("\n  prompt:\n", at) + 1
    tools = text.find("\n  tools:", prompt) + 1
    kb = text.find("\n  kb:\n", tools) + 1
    notes = text.find("\nnotes:\n", kb) + 1
    if not 0 < at < prompt < tools < kb < notes:
        return None
    head = _compiled(_HEAD_PART).fullmatch(text, 0, at)
    if head is None or not _agent_part(text[at + 12:prompt]):  # 12: len("components:\n")
        return None
    pins = _component_pins(text[prompt:tools], text[tools:kb], text[kb:notes])
    if pins is None or _compiled(_NOTES_PART).fullmatch(text, notes + 7) is None or _repeats_a_detail(text, notes):
        return None
    return f"{head['agent']}@v{head['version']}", pins


@functools.lru_cache(maxsize=_PARTS_KEPT)
def _component_pins(prompt: str, tools: str, kb: str) -> list[Pin] | None:
    """The pins of these component parts: one list shared by every file that pins the same (callers only read it)."""
    parts = [_prompt_part(prompt), _tools_part(tools), _kb_part(kb)]
    return None if None in parts else [pin for part in parts if part for pin in part]


@functools.lru_cache(maxsize=_PARTS_KEPT)
def _agent_part(part: str) -> bool:
    return _compiled(_AGENT_PART).fullmatch(part) is not None


@functools.lru_cache(maxsize=_PARTS_KEPT)
def _prompt_part(part: str) -> tuple[Pin, ...] | None:
    match = _compiled(_PROMPT_PART).fullmatch(part)
    if match is None:
        return None
    name, version, path, sha, template, template_sha = map(_text, match.group(
        "prompt", "prompt_version", "prompt_path", "prompt_sha", "template_path", "template_sha"))
    return (_prompt_pin(name, version, path, sha, template, template_sha),) if name else ()  # no name: no pin


@functools.lru_cache(maxsize=_PARTS_KEPT)
def _tools_part(part: str) -> tuple[Pin, ...] | None:
    if _compiled(_TOOLS_PART).fullmatch(part) is None:
        return None
    return tuple(_file_pin("tool", *map(_text, found)) for found in _TOOL.findall(part))


@functools.lru_cache(maxsize=_PARTS_KEPT)
def _kb_part(part: str) -> tuple[Pin, ...] | None:
    match = _compiled(_KB_PART).fullmatch(part)
    if match is None:
        return None
    kb = match.group("kb", "kb_version", "kb_path", "kb_sha")
    return () if kb[0] is None else (_file_pin("kb", *map(_text, kb)),)


def _repeats_a_detail(text: str, notes: int) -> bool:
    """A generated note naming one detail twice: the parser refuses it, with a position.

    `text` from `notes` on is known to match the layout's notes, where each note has three lines at six
    spaces (name, change, summary) and each detail at least one more: equal counts mean no detail at all.
    """
    if text.count("\n      ", notes) == 3 * text.count("\n    - ", notes):
        return False
    return bool(_DETAIL_KEY.search(text, notes)) and any(len(keys) != len(set(keys)) for keys in map(
        _DETAIL_KEY.findall, text[notes:].split("\n    - ")))


def _read_whole(text: str) -> tuple[str, list[Pin]] | None:
    """(ref, pins) of `text` if `_LAYOUT` matches it, else None."""
    match = _layout().fullmatch(text)
    if match is None:
        return None
    start, end = match.span("components")
    if _repeats_a_detail(text, end):
        return None
    prompt = match.group("prompt", "prompt_version", "prompt_path", "prompt_sha", "template_path", "template_sha")
    tools = _TOOL.findall(text, *match.span("tools"))
    kb = match.group("kb", "kb_version", "kb_path", "kb_sha")
    if text.find("'", start, end) < 0 and text.find('"', start, end) < 0:  # the usual case: nothing to unquote
        pins: list[Pin] = [_prompt_pin(*prompt)]
        pins += [_file_pin("tool", *tool) for tool in tools]
        if kb[0] is not None:
            pins.append(_file_pin("kb", *kb))
        return f"{match['agent']}@v{match['version']}", pins
    name, version, path, sha, template, template_sha = map(_text, prompt)
    pins = [("prompt", name, version, {path: sha, template: template_sha})] if name else []  # no name: no pin
    pins += [("tool", *_pin(*found)) for found in tools]
    if kb[0] is not None:
        pins.append(("kb", *_pin(*kb)))
    return f"{match['agent']}@v{match['version']}", pins


def schema_digest() -> str:
    """A digest of the bundle schema as shipped (what `_LAYOUT_SCHEMA` pins)."""
    return hashlib.sha256(json.dumps(load_schema("bundle"), sort_keys=True).encode()).hexdigest()[:16]


@functools.cache
def _layout_is_current() -> bool:
    return schema_digest() == _LAYOUT_SCHEMA


def _stamp() -> str:
    return f"{__version__}:{schema_digest()}"


def load_released(root: Path) -> list[ReleasedFile]:
    """Each released bundle file with its pins and schema findings.

    A file whose size, mtime and inode match what the cache remembers for its path is not read at all
    (git's own index trick); any other file is read by `_LAYOUT` where it matches, else in full.
    """
    files = _scan(root)
    if not files:
        return []
    fast = _layout_is_current()
    cache = _Cache(root)
    out = []
    base = os.fspath(root)
    for rel in files:
        path = f"{base}/{rel}"
        if rel in cache.files:  # remembered: a stat tells whether it is unchanged
            try:
                known = cache.at_path(rel, os.stat(path))
            except OSError:
                continue
            if known is not None:
                out.append(ReleasedFile(rel, known[0], known[1]))
                continue
        try:
            raw, st = _read_file(path)
        except OSError:
            continue
        read = _read_layout(raw) if fast else None
        released = ReleasedFile(rel, read[0], read[1]) if read is not None else cache.read_in_full(root, rel, raw)
        out.append(released)
        if released.ref is not None and not released.diagnostics:
            cache.remember(rel, st, released.ref, released.pins)
    cache.save()
    return out


def _read_file(path: str) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its stat, taken before the read (an open, an fstat and one read: no file object)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        st = os.fstat(fd)
        data = os.read(fd, st.st_size + 1)
        if len(data) <= st.st_size:
            return data, st
        chunks = [data]  # it grew since the stat: read on to the end
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks), st
    finally:
        os.close(fd)


# a file changed within this long of the cache being written may change again unseen in the same mtime tick
# ("racy clean" in git's words): its path is not remembered, so it is read next time
_RACY_NS = 2_000_000_000


class _Cache:
    """What clean released files pin, so an unchanged file is not read again.

    `files` maps a path to [size, mtime_ns, inode, ref, list number]; `lists` holds each distinct list of
    pin numbers once and `pins` each pin once, as most releases of an agent pin the same files. `blobs`
    maps the git blob id of a clean file the full parser had to read to [ref, list number]. A file with
    findings is never kept.
    """

    def __init__(self, root: Path) -> None:
        self.path = root / CACHE_FILE
        self.stamp = _stamp()
        self.pins: list[Pin] = []
        self.lists: list[list[int]] = []
        self.files: dict[str, list[Any]] = {}
        self.blobs: dict[str, list[Any]] = {}
        try:
            data = json.loads(self.path.read_text("utf-8"))
            if isinstance(data, dict) and data.get("stamp") == self.stamp:
                self.pins = [(k, n, v, h) for k, n, v, h in data["pins"]]
                self.lists, self.files, self.blobs = data["lists"], data["files"], data["blobs"]
        except (OSError, ValueError, KeyError, TypeError):
            self.pins, self.lists, self.files, self.blobs = [], [], {}, {}
        self._loaded = (dict(self.files), dict(self.blobs))
        # numbers of shared objects by id (pins and pin lists are shared, see _component_pins); each is kept alive
        # in `pins` or `_kept`, so no id is reused while this cache lives
        self._pin_numbers = {id(pin): i for i, pin in enumerate(self.pins)}
        self._list_numbers: dict[int, int] = {}
        self._kept: list[list[Pin]] = []
        self._as_pins: dict[int, list[Pin]] = {}  # list number → one shared list of pins
        self._seen: set[str] = set()
        self._used_blobs: set[str] = set()
        self._written_ns = time.time_ns()

    def at_path(self, rel: str, st: os.stat_result) -> tuple[str, list[Pin]] | None:
        entry = self.files.get(rel)
        if entry is None or entry[:3] != [st.st_size, st.st_mtime_ns, st.st_ino]:
            return None
        self._seen.add(rel)
        return entry[3], self._pins_of(entry[4])

    def _pins_of(self, number: int) -> list[Pin]:
        pins = self._as_pins.get(number)
        if pins is None:
            pins = self._as_pins[number] = [self.pins[i] for i in self.lists[number]]
        return pins

    def remember(self, rel: str, st: os.stat_result, ref: str, pins: list[Pin]) -> None:
        self._seen.add(rel)
        if st.st_mtime_ns >= self._written_ns - _RACY_NS:
            self.files.pop(rel, None)
            return
        self.files[rel] = [st.st_size, st.st_mtime_ns, st.st_ino, ref, self._number(pins)]

    def _number(self, pins: list[Pin]) -> int:
        number = self._list_numbers.get(id(pins))
        if number is not None:
            return number
        numbers = []
        for pin in pins:
            i = self._pin_numbers.get(id(pin))
            if i is None:
                i = self._pin_numbers[id(pin)] = len(self.pins)
                self.pins.append(pin)  # kept, so its id is not reused
            numbers.append(i)
        self._kept.append(pins)
        number = self._list_numbers[id(pins)] = len(self.lists)
        self.lists.append(numbers)
        return number

    def read_in_full(self, root: Path, rel: str, raw: bytes) -> ReleasedFile:
        """The file through the YAML parser and the schema (or from `blobs` when this content was clean before)."""
        key = blob_id(raw)
        hit = self.blobs.get(key)
        if hit is not None:
            self._used_blobs.add(key)
            return ReleasedFile(rel, hit[0], self._pins_of(hit[1]))
        try:
            doc = load_file(root / rel, rel)
        except ValidationFailed as exc:
            return ReleasedFile(rel, None, [], list(exc.diagnostics))
        findings = validate_document(doc, "bundle")
        data = doc.data if isinstance(doc.data, dict) else {}
        ref = f"{data.get('agent')}@v{data.get('version')}" if data else None
        released = ReleasedFile(rel, ref, pins_of(data), findings)
        if not findings:
            self.blobs[key] = [ref, self._number(released.pins)]
            self._used_blobs.add(key)
        return released

    def save(self) -> None:
        files = {rel: entry for rel, entry in self.files.items() if rel in self._seen}
        blobs = {key: entry for key, entry in self.blobs.items() if key in self._used_blobs}
        if (files, blobs) == self._loaded:
            return
        # only the lists and pins still named, renumbered (new entries, so the loaded ones stay as they were)
        lists: list[list[int]] = []
        list_renumber: dict[int, int] = {}
        for entries in (files, blobs):
            for key, entry in entries.items():
                number = list_renumber.get(entry[-1])
                if number is None:
                    number = list_renumber[entry[-1]] = len(lists)
                    lists.append(self.lists[entry[-1]])
                if number != entry[-1]:
                    entries[key] = [*entry[:-1], number]
        pins: list[Pin] = []
        pin_renumber: dict[int, int] = {}
        for k, numbers in enumerate(lists):
            lists[k] = [pin_renumber.setdefault(i, len(pin_renumber)) for i in numbers]
        for old, _new in sorted(pin_renumber.items(), key=lambda item: item[1]):
            pins.append(self.pins[old])
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n", "utf-8")  # a cache: never committed, even where .agentctl/ is not ignored
            write_atomic(self.path, json.dumps({"stamp": self.stamp, "pins": pins, "lists": lists, "files": files,
                                                "blobs": blobs}, separators=(",", ":")))
        except OSError:
            pass  # a read-only checkout: no cache, same answers


__all__ = ["CACHE_FILE", "Pin", "ReleasedFile", "blob_id", "bundle_files", "load_released", "pins_of", "schema_digest"]
