"""Safe YAML loading that remembers where every value came from.

Files are parsed with ruamel's round-trip loader so each key and item keeps its line and
column; the plain-Python copy (`Document.data`) is what schemas and code look at. Two
guards keep hostile input from hanging the tool: a size limit and an alias-expansion
limit (a "billion laughs" document refers to the same node exponentially often).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
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

    Clean files are parsed by libyaml (PyYAML's CSafeLoader, with YAML 1.2 resolution); anything
    unusual goes through ruamel's C-backed safe loader. Both are far faster than the round-trip parser, and
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
            from ruamel.yaml.error import YAMLError

            try:
                self._node = YAML(typ="rt").load(self.text)
            except YAMLError as exc:  # the fast parser accepted what the round-trip one refuses (e.g. a tab)
                raise ValidationFailed([_syntax_diagnostic(exc, self.relpath)]) from None
            except RecursionError:
                raise ValidationFailed([_too_deep(self.text, self.relpath)]) from None
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
        raise _too_big(relpath, size)
    return load_bytes(path.read_bytes(), relpath)


def load_bytes(raw: bytes, relpath: str) -> Document:
    """`load_file` of bytes already read."""
    if len(raw) > MAX_FILE_BYTES:
        raise _too_big(relpath, len(raw))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed([Diagnostic(relpath, 1, 1, f"file is not UTF-8 text (byte {exc.start})",
                                           "save the file as UTF-8")]) from None
    return parse_text(text, relpath)


def _too_big(relpath: str, size: int) -> ValidationFailed:
    return ValidationFailed([Diagnostic(
        relpath, 1, 1, f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit",
        "keep config files small; large documents belong in a KB manifest, referenced by uri")])


def parse_text(text: str, relpath: str) -> Document:
    """Parse YAML text into a Document, refusing empty files, syntax errors and alias bombs."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise ValidationFailed([Diagnostic(relpath, 1, 1, f"file is over the {MAX_FILE_BYTES:,}-byte limit",
                                           "keep config files small")])
    if _may_nest_deep(text) and _nesting(text)[0] > MAX_DEPTH:
        raise ValidationFailed([_too_deep(text, relpath)])
    fast = _fast_load(text)
    if fast is not _NOT_FAST:
        return Document(relpath=relpath, data=fast, text=text)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe", pure=False)
    try:
        if "&" in text and "*" in text:
            _refuse_alias_bombs(YAML(typ="safe", pure=True).compose(text), relpath)
        node = yaml.load(text)
        data = to_plain(node)
    except YAMLError as exc:
        raise ValidationFailed([_syntax_diagnostic(exc, relpath)]) from None
    except _Recursive:
        line, col = _first_alias(text)
        raise ValidationFailed([Diagnostic(relpath, line, col, "an alias refers to the node that contains it",
                                           "write the values out instead of a self-referencing alias")]) from None
    except (RecursionError, _TooDeep):
        raise ValidationFailed([_too_deep(text, relpath)]) from None
    except _Unsupported as exc:
        raise ValidationFailed([Diagnostic(relpath, 1, 1, f"a value of YAML type '{exc}' is not allowed here",
                                           "use plain strings, numbers, lists and mappings")]) from None
    except (ValueError, OverflowError, TypeError) as exc:  # e.g. an impossible date the parser tries to build
        line, col = _bad_value_position(text)
        raise ValidationFailed([Diagnostic(relpath, line, col, f"a value cannot be read: {str(exc)[:120]}",
                                           "quote it to keep it as text, or fix the value")]) from None
    if node is None:
        raise ValidationFailed([Diagnostic(relpath, 1, 1, "file is empty",
                                           "add the required keys (see `agentctl schema` for the format)")])
    return Document(relpath=relpath, data=data, text=text)


MAX_DEPTH = 64  # no config file nests deeper than ~8; the limit keeps recursion far from Python's stack

_NOT_FAST = object()
_FLOW_RISK = re.compile(r"""[\[\]{}'"]|:[^\s]""")


_QUOTE_END = {"'": re.compile(r"(?:[^']|'')*'"), '"': re.compile(r'(?:[^"\\]|\\.)*"', re.S)}


def _colon_in_flow(text: str) -> bool:
    """Whether a flow collection (`[...]`, `{...}`) may hold a plain scalar with a colon in it (`{k: 12:30}`,
    `[http://x]`): PyYAML's newer libyaml reads those, ruamel refuses them. Quoted scalars inside a flow are
    skipped; a bracket that never closes (prose, a comment) makes every later colon count, which only ever
    sends a file down the full path. Colons outside flows (URLs in block values) do not count."""
    depth, pos = 0, 0
    while (match := _FLOW_RISK.search(text, pos)) is not None:
        token, pos = match.group(), match.end()
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth = max(depth - 1, 0)
        elif not depth:
            continue
        elif token == "'":
            close = _QUOTE_END["'"].search(text, pos)
            if close is None:
                return True
            pos = close.end()
        elif token == '"':
            close = _QUOTE_END['"'].search(text, pos)
            if close is None:
                return True
            pos = close.end()
        else:
            return True
    return False
_LONG_FRACTION = re.compile(r"\.[0-9]{7}")


class _Fallback(Exception):
    """The fast parser met something only the full path answers exactly (a duplicate key, an odd value)."""


_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _SEQ, _MAP, _MERGE = (
    _TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "merge"))


# YAML 1.2 implicit resolvers as ruamel.yaml lists them: (tag name, pattern, flags, first characters; "" stands
# for an empty value). Frozen here so the fast path needs no ruamel import; tests/model/test_yamlio.py compares.
_IMPLICIT_1_2: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("bool", "^(?:true|True|TRUE|false|False|FALSE)$", re.X, ("t", "T", "f", "F")),
    ("float", "^(?:"
     "\n         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
     "\n        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
     "\n        |[-+]?\\.[0-9_]+(?:[eE][-+][0-9]+)?"
     "\n        |[-+]?\\.(?:inf|Inf|INF)"
     "\n        |\\.(?:nan|NaN|NAN))$",
     re.X, ("-", "+", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ".")),
    ("int", "^(?:[-+]?0b[0-1_]+"
     "\n        |[-+]?0o?[0-7_]+"
     "\n        |[-+]?[0-9_]+"
     "\n        |[-+]?0x[0-9a-fA-F_]+)$",
     re.X, ("-", "+", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")),
    ("merge", "^(?:<<)$", 0, ("<",)),
    ("null", "^(?: ~"
     "\n        |null|Null|NULL"
     "\n        | )$",
     re.X, ("~", "n", "N", "")),
    ("timestamp", "^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
     "\n        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?"
     "\n        (?:[Tt]|[ \\t]+)[0-9][0-9]?"
     "\n        :[0-9][0-9] :[0-9][0-9] (?:\\.[0-9]*)?"
     "\n        (?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
     re.X, ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")),
    ("value", "^(?:=)$", 0, ("=",)),
    ("yaml", "^(?:!|&|\\*)$", 0, ("!", "&", "*")),
)


@functools.cache
def _fast_loader() -> Any:
    """PyYAML's libyaml-backed loader, tagging plain scalars exactly as ruamel does for YAML 1.2.

    PyYAML speaks YAML 1.1 (`yes` is true, `0777` is octal, `12:30` is a number); the resolver table
    here is ruamel's own 1.2 table (`_IMPLICIT_1_2`). Only the node tree is taken from it: `_plain` turns
    nodes into data directly (PyYAML's constructors and `to_plain` would walk every value twice).
    """
    import yaml

    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for name, pattern, flags, first in _IMPLICIT_1_2:
        for char in first:
            table.setdefault(char, []).append((_TAG + name, re.compile(pattern, flags)))
    scalar = yaml.ScalarNode

    class Loader(yaml.CSafeLoader):  # type: ignore[misc]  # PyYAML ships no annotations
        def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
            if kind is scalar:
                if implicit[0]:
                    for tag, regexp in table.get(value[:1], ()):
                        if regexp.match(value):
                            return tag
                return _STR
            return _SEQ if kind is yaml.SequenceNode else _MAP

    return Loader


def _int(text: str) -> int:
    text = text.replace("_", "")
    sign = -1 if text[:1] == "-" else 1
    text = text[1:] if text[:1] in "+-" else text
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if text.startswith(prefix):
            return sign * int(text[2:], base)
    return sign * int(text)


def _float(text: str) -> float:
    text = text.replace("_", "").lower()
    sign = -1.0 if text[:1] == "-" else 1.0
    text = text[1:] if text[:1] in "+-" else text
    if text == ".inf":
        return sign * float("inf")
    if text == ".nan":
        return float("nan")
    return sign * float(text)


def _scalar(node: Any) -> Any:
    tag, value = node.tag, node.value
    if tag == _STR:
        return value
    if tag == _INT:
        return _int(value)
    if tag == _FLOAT:
        return _float(value)
    if tag == _BOOL:
        return value.lower() == "true"  # the 1.2 table tags only true/false spellings
    if tag == _NULL:
        return None
    if tag == _TIMESTAMP and not _LONG_FRACTION.search(value):  # past µs PyYAML truncates, ruamel rounds
        from yaml.constructor import SafeConstructor

        return SafeConstructor.construct_yaml_timestamp(SafeConstructor(), node)
    raise _Fallback()


def _plain(node: Any, depth: int = 0) -> Any:
    """Nodes → JSON-compatible data, as `to_plain(ruamel's safe load)` gives it; _Fallback on anything else."""
    if depth > MAX_DEPTH:
        raise _Fallback()
    kind, tag = node.id, node.tag
    if kind == "scalar":
        if tag == _STR:  # most scalars: no call
            return node.value
        value = _scalar(node)
        return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
    if kind == "sequence" and tag == _SEQ:
        return [_plain(item, depth + 1) for item in node.value]
    if kind == "mapping" and tag == _MAP:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.id != "scalar" or key_node.tag == _MERGE:
                raise _Fallback()  # complex keys and `<<` merges: ruamel's answer
            key = key_node.value if key_node.tag == _STR else str(_scalar(key_node))
            if key in out:
                raise _Fallback()  # a duplicate key: ruamel refuses it with a positioned message
            out[key] = _plain(value_node, depth + 1)
        return out
    raise _Fallback()


def _fast_load(text: str) -> Any:
    """Plain data from libyaml, or _NOT_FAST when the full path must answer (errors, tags, directives, alias bombs).

    Every refusal, diagnostic and odd case goes through ruamel exactly as before; only clean files
    take the fast path, and there the data is the same (tests/model/test_yamlio.py compares them).
    """
    if "!!" in text or "!<" in text or text[:1] == "%" or "\n%" in text:
        return _NOT_FAST  # standard tags and directives: ruamel's answer
    if ("[" in text or "{" in text) and _colon_in_flow(text):
        return _NOT_FAST  # `{k: 12:30}`: PyYAML's newer libyaml reads it, ruamel's refuses it
    try:
        import yaml
    except ImportError:  # pragma: no cover - a declared dependency
        return _NOT_FAST
    try:
        node = yaml.compose(text, Loader=_fast_loader())  # noqa: S506 - builds nodes only, never objects
        if node is None:
            return _NOT_FAST
        if "&" in text and "*" in text and _expanded_size(node) > MAX_EXPANDED_NODES:
            return _NOT_FAST  # an alias bomb: the full path refuses it with its message
        return _plain(node)  # a self-referencing alias nests past MAX_DEPTH there: _Fallback
    except Exception:  # noqa: BLE001 - any trouble: the full path reports it exactly
        return _NOT_FAST


class _TooDeep(Exception):
    pass


class _Recursive(Exception):
    pass


class _Unsupported(Exception):
    pass


_DATE = re.compile(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def _first_alias(text: str) -> tuple[int, int]:
    """Where the first `*alias` is (the fast parser keeps no positions), or 1:1."""
    for number, line in enumerate(text.splitlines(), 1):
        match = re.search(r"(?<![\w'\"])\*[^\s,\]\}]+", line)
        if match:
            return number, match.start() + 1
    return 1, 1


def _bad_value_position(text: str) -> tuple[int, int]:
    """Where the first impossible date or time is (the parser reports none), or 1:1."""
    for number, line in enumerate(text.splitlines(), 1):
        for match in _DATE.finditer(line):
            y, m, d, hh, mm, ss = match.groups()
            try:
                dt.datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
            except ValueError:
                return number, match.start() + 1
    return 1, 1


def _syntax_diagnostic(exc: Exception, relpath: str) -> Diagnostic:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or (str(exc).splitlines() or ["invalid YAML"])[0]
    return Diagnostic(relpath, line, col, f"YAML syntax error: {problem}", _syntax_fix(str(problem)))


def _nesting(text: str) -> tuple[int, int, int]:
    """An upper estimate of how deep `text` nests (block indentation levels plus open brackets), and the
    1-based line and column where it is deepest. Quotes are not parsed, so this over-counts, never under."""
    deepest, where = 0, (1, 1)
    indents: list[int] = []
    brackets = 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" -?:")
        if not stripped or stripped.startswith("#"):
            continue
        if brackets == 0:
            indent = len(line) - len(stripped)
            while indents and indents[-1] >= indent:
                indents.pop()
            indents.append(indent)
        for col, char in enumerate(line, 1):
            if char in "[{":
                brackets += 1
            elif char in "]}":
                brackets = max(brackets - 1, 0)
            depth = len(indents) + brackets
            if depth > deepest:
                deepest = depth
                if depth <= MAX_DEPTH + 1:
                    where = (number, col)
    return deepest, where[0], where[1]


def _may_nest_deep(text: str) -> bool:
    """A cheap pre-filter for `_nesting`: deep nesting needs many brackets or a deeply indented line."""
    return text.count("[") + text.count("{") > MAX_DEPTH or re.search(rf"^[ \t?:-]{{{MAX_DEPTH},}}", text, re.M) is not None


def _too_deep(text: str, relpath: str) -> Diagnostic:
    _, line, col = _nesting(text)
    return Diagnostic(relpath, line, col, f"values nest more than {MAX_DEPTH} levels deep",
                      "flatten the structure; no agentctl file needs more than a few levels")


def _syntax_fix(problem: str) -> str:
    if "duplicate key" in problem:
        return "remove or rename one of the two keys"
    if "\\t" in problem or "tab" in problem:
        return "indent with spaces, not tabs"
    return "check indentation, colons and quoting on this line"


def _refuse_alias_bombs(root: Any, relpath: str) -> None:
    """Refuse a document whose aliases expand to more than MAX_EXPANDED_NODES nodes."""
    if root is not None and _expanded_size(root) > MAX_EXPANDED_NODES:
        raise ValidationFailed([Diagnostic(
            relpath, 1, 1, f"YAML anchors/aliases expand to more than {MAX_EXPANDED_NODES:,} nodes",
            "write the values out instead of nesting aliases")])


def _expanded_size(root: Any) -> int:
    """How many nodes a composed tree (ruamel's or PyYAML's: both keep children in `.value`) expands to, counting
    past MAX_EXPANDED_NODES only as far as needed; aliases share nodes, so memoise by identity."""
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

    return expanded(root)


def to_plain(value: Any, _depth: int = 0, _open: frozenset[int] = frozenset()) -> Any:
    """Convert ruamel round-trip objects into JSON-compatible builtins (dates become ISO strings).

    Keys that are not scalars (`? [a, b]`) become their text; a self-referencing alias or
    nesting deeper than MAX_DEPTH raises instead of exhausting the stack.
    """
    if isinstance(value, (dict, list)):
        if id(value) in _open:
            raise _Recursive()
        if _depth > MAX_DEPTH:
            raise _TooDeep()
        inner = _open | {id(value)}
        if isinstance(value, dict):
            return {str(k): to_plain(v, _depth + 1, inner) for k, v in value.items()}
        return [to_plain(v, _depth + 1, inner) for v in value]
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
    if isinstance(value, tuple):  # !!omap / !!pairs entries
        return [to_plain(v, _depth + 1, _open) for v in value]
    if value is None:
        return None
    raise _Unsupported(type(value).__name__)


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
