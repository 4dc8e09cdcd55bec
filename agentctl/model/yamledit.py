"""The one way agentctl edits a YAML file users also edit: round-trip, so comments, key order,
quoting and keys agentctl does not know (`x-…`) survive.

    with edit_yaml(path, relpath, "kb-manifest") as doc:   # a ruamel CommentedMap
        doc["version"] = 3
    # on leaving the block: dumped, re-parsed and validated against the schema, then written atomically

Nothing is written when the block raises or the result does not validate (ValidationFailed, exit 2).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agentctl.errors import ValidationFailed
from agentctl.fsutil import write_atomic
from agentctl.model.diagnostics import Diagnostic
from agentctl.model.schema import validate_document
from agentctl.model.yamlio import parse_text


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_for_edit(text: str, relpath: str) -> Any:
    """The round-trip tree of `text` (a mapping), or ValidationFailed naming the file."""
    from ruamel.yaml.error import YAMLError

    try:
        tree = _yaml().load(text)
    except YAMLError as exc:
        raise ValidationFailed([Diagnostic(relpath, 1, 1, f"YAML syntax error: {str(exc).splitlines()[0]}",
                                           "fix the file, then run the command again")]) from None
    if tree is None:
        from ruamel.yaml.comments import CommentedMap

        tree = CommentedMap()
    if not isinstance(tree, Mapping):
        raise ValidationFailed([Diagnostic(relpath, 1, 1, "expected a mapping at the top of the file",
                                           "write `key: value` lines")])
    return tree


def dump(tree: Any) -> str:
    buffer = io.StringIO()
    _yaml().dump(tree, buffer)
    return buffer.getvalue()


@contextmanager
def edit_yaml(path: Path, relpath: str, schema: str | None = None) -> Iterator[Any]:
    """Load `path` round-trip (an empty mapping when it does not exist), let the caller change it, then
    validate against `schema` and write it atomically."""
    tree = load_for_edit(path.read_text("utf-8") if path.is_file() else "", relpath)
    yield tree
    text = dump(tree)
    if schema is not None:
        errors = [d for d in validate_document(parse_text(text, relpath), schema) if d.is_error]
        if errors:
            raise ValidationFailed(errors)
    write_atomic(path, text)


def set_keys(tree: Any, values: Mapping[str, Any]) -> None:
    """Set `values` on `tree`: existing keys keep their place (and comments), new ones are appended."""
    for key, value in values.items():
        tree[key] = value


__all__ = ["dump", "edit_yaml", "load_for_edit", "set_keys"]
