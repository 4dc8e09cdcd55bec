"""Safe YAML loading that remembers where every value came from.

Files are parsed with ruamel's round-trip loader so each key and item keeps its line and
column; the plain-Python copy (`Document.data`) is what schemas and code look at. Two
guards keep hostile input from hanging the tool: a size limit and an alias-expansion
limit (a "billion laughs" document refers to the same node exponentially often).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl.errors import ValidationFailed
from agentctl.model.diagnostics import Diagnostic

MAX_FILE_BYTES = 1024 * 1024
MAX_EXPANDED_NODES = 100_000

PathKey = str | int


@dataclass
class Document:
    """One parsed YAML file: plain data for logic, a round-trip tree for positions.

    Parsing with the C-backed safe loader is ~8x faster than ruamel's round-trip parser, and
    positions are only needed when something is wrong, so the round-trip tree is built on
    first use of `node`.
    """

    relpath: str
    data: Any
    text: str = field(repr=False, default="")
    _node: Any = field(repr=False, default=None)

    @property
    def node(self) -> Any:
        if self._node is None and self.text:
            from ruamel.yaml import YAML

            self._node = YAML(typ="rt").load(self.text)
        return self._node

    def position(self, path: Sequence[PathKey], *, key: bool = False) -> tuple[int, int]:
        """1-based (line, col) of the value at `path` (or of its key with key=True).

        Falls back to the deepest ancestor that exists, so a missing key points at its parent.
        """
        from ruamel.yaml.comments import CommentedMap, CommentedSeq  # the round-trip tree's nodes carry `.lc`

        node = self.node
        line, col = 1, 1
        if hasattr(node, "lc"):
            line, col = node.lc.line + 1, node.lc.col + 1
        for index, part in enumerate(path):
            last = index == len(path) - 1
            try:
                if isinstance(node, CommentedMap) and part in node:
                    kline, kcol = node.lc.key(part)
                    vline, vcol = node.lc.value(part)
                    line, col = (kline + 1, kcol + 1) if (key and last) else (vline + 1, vcol + 1)
                    node = node[part]
                elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                    iline, icol = node.lc.item(part)
                    line, col = iline + 1, icol + 1
                    node = node[part]
                else:
                    break
            except (AttributeError, KeyError, TypeError):
                break
            if not last and isinstance(node, (CommentedMap, CommentedSeq)) and not node:
                line, col = node.lc.line + 1, node.lc.col + 1
        return line, col

    def diagnostic(self, path: Sequence[PathKey], message: str, fix: str = "", *,
                   severity: str = "error", key: bool = False) -> Diagnostic:
        line, col = self.position(path, key=key)
        return Diagnostic(self.relpath, line, col, message, fix, severity)


def load_file(path: Path, relpath: str) -> Document:
    """Read and parse one YAML file; raise ValidationFailed with a positioned diagnostic on bad input."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ValidationFailed([Diagnostic(relpath, 1, 1, "file does not exist",
                                           "create it or fix the reference")]) from None
    if size > MAX_FILE_BYTES:
        raise ValidationFailed([Diagnostic(
            relpath, 1, 1, f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit",
            "keep config files small; large documents belong in a KB manifest, referenced by uri")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed([Diagnostic(relpath, 1, 1, f"file is not UTF-8 text (byte {exc.start})",
                                           "save the file as UTF-8")]) from None
    return parse_text(text, relpath)


def parse_text(text: str, relpath: str) -> Document:
    """Parse YAML text into a Document, refusing empty files, syntax errors and alias bombs."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise ValidationFailed([Diagnostic(relpath, 1, 1, f"file is over the {MAX_FILE_BYTES:,}-byte limit",
                                           "keep config files small")])
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="safe", pure=False)
    try:
        if "&" in text and "*" in text:
            _refuse_alias_bombs(YAML(typ="safe", pure=True).compose(text), relpath)
        node = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise ValidationFailed([Diagnostic(relpath, line, col, f"YAML syntax error: {problem}",
                                           _syntax_fix(problem))]) from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValidationFailed([Diagnostic(relpath, line, col, f"YAML syntax error: {problem}",
                                           _syntax_fix(problem))]) from None
    if node is None:
        raise ValidationFailed([Diagnostic(relpath, 1, 1, "file is empty",
                                           "add the required keys (see `agentctl schema` for the format)")])
    return Document(relpath=relpath, data=to_plain(node), text=text)


def _syntax_fix(problem: str) -> str:
    if "duplicate key" in problem:
        return "remove or rename one of the two keys"
    if "\\t" in problem or "tab" in problem:
        return "indent with spaces, not tabs"
    return "check indentation, colons and quoting on this line"


def _refuse_alias_bombs(root: Any, relpath: str) -> None:
    """Count the nodes the document would expand to; aliases share nodes, so memoise by identity."""
    sizes: dict[int, int] = {}

    def expanded(node: Any) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a recursive alias counts once instead of looping
        total = 1
        value = node.value
        if isinstance(value, list):
            for item in value:
                total += sum(expanded(n) for n in item) if isinstance(item, tuple) else expanded(item)
                if total > MAX_EXPANDED_NODES:
                    break
        sizes[id(node)] = total
        return total

    if root is not None and expanded(root) > MAX_EXPANDED_NODES:
        raise ValidationFailed([Diagnostic(
            relpath, 1, 1, f"YAML anchors/aliases expand to more than {MAX_EXPANDED_NODES:,} nodes",
            "write the values out instead of nesting aliases")])


def to_plain(value: Any) -> Any:
    """Convert ruamel round-trip objects into JSON-compatible builtins (dates become ISO strings)."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        # ruamel's ScalarBoolean subclasses int; keep real booleans booleans
        return bool(value) if type(value).__name__ == "ScalarBoolean" else int(value)
    if isinstance(value, float):
        return float(value)
    return value


def dump_yaml(data: Any) -> str:
    """Serialise plain data as block-style YAML (used for files agentctl writes)."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()
