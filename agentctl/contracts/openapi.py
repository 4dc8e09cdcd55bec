"""Turn one operation of a provider's OpenAPI 3 document into a tool contract.

Teams should start from the provider's own spec rather than retyping it, and a provider's
spec update should be classified by the same compatibility rules as our own edits. Only local
references (`#/components/...`) are followed: a contract must stand on its own.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from agentctl.errors import BadInputError, NotFoundError
from agentctl.model.yamlio import load_file

METHODS = ("get", "post", "put", "patch", "delete")
_PLACEHOLDER_HOST = "https://api.provider.example"


def load_openapi(path: Path) -> dict[str, Any]:
    """Parse an OpenAPI 3.x document (YAML or JSON); exit 2 when it is not one."""
    doc = load_file(path, str(path))
    data = doc.data
    if not isinstance(data, dict) or not str(data.get("openapi", "")).startswith("3"):
        raise BadInputError(f"{path} is not an OpenAPI 3 document (no `openapi: 3.x` at the top)",
                            "pass the provider's OpenAPI 3.0 or 3.1 file")
    return data


def is_openapi(data: Any) -> bool:
    return isinstance(data, dict) and "openapi" in data


def find_operation(spec: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(method, path, operation) for `operation_id`, or NotFoundError listing the known ids."""
    known = []
    for path, item in (spec.get("paths") or {}).items():
        for method in METHODS:
            op = (item or {}).get(method)
            if isinstance(op, dict) and op.get("operationId"):
                if op["operationId"] == operation_id:
                    shared = [p for p in item.get("parameters") or [] if isinstance(p, dict)]
                    return method.upper(), path, {**op, "parameters": shared + list(op.get("parameters") or [])}
                known.append(op["operationId"])
    raise NotFoundError(f"no operation '{operation_id}' in the OpenAPI document",
                        f"use one of: {', '.join(sorted(known)) or 'none (operations need an operationId)'}")


class _Resolver:
    """Inline local `$ref`s; a recursive reference is cut to an open schema instead of looping."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def target(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise BadInputError(f"reference '{ref}' points outside the document",
                                "bundle the provider spec into one file first (e.g. `redocly bundle`)")
        node: Any = self.spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise BadInputError(f"reference '{ref}' does not resolve", "fix the $ref in the OpenAPI document")
            node = node[part]
        return node

    def inline(self, node: Any, seen: tuple[str, ...] = ()) -> Any:
        if isinstance(node, list):
            return [self.inline(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                return {"description": f"recursive reference to {ref}"}
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return self.inline({**copy.deepcopy(self.target(ref)), **siblings}, (*seen, ref))
        return _nullable_to_type({key: self.inline(value, seen) for key, value in node.items()})


def _nullable_to_type(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.0 `nullable: true` becomes a JSON Schema `type: [T, "null"]` (jsonschema ignores nullable)."""
    if schema.get("nullable") is True and isinstance(schema.get("type"), str):
        schema = {k: v for k, v in schema.items() if k != "nullable"}
        schema["type"] = [schema["type"], "null"]
    return schema


def _json_schema(content: Any) -> dict[str, Any] | None:
    if not isinstance(content, dict):
        return None
    for media, body in content.items():
        if media.split(";")[0].strip() in ("application/json", "application/problem+json") or media.endswith("+json"):
            return (body or {}).get("schema")
    return None


def _success_response(responses: dict[str, Any]) -> tuple[list[int], dict[str, Any] | None]:
    codes = sorted(str(code) for code in responses if str(code).startswith("2"))
    for code in codes:
        schema = _json_schema((responses[code] or {}).get("content"))
        if schema is not None:
            statuses = [int(code)] if code.isdigit() else [200]
            return statuses, schema
    return ([int(codes[0])] if codes and codes[0].isdigit() else [200]), None


def _base_url(spec: dict[str, Any]) -> str:
    servers = spec.get("servers") or []
    if not servers or not isinstance(servers[0], dict) or not servers[0].get("url"):
        return _PLACEHOLDER_HOST
    url = str(servers[0]["url"])
    for name, var in (servers[0].get("variables") or {}).items():
        url = url.replace("{" + name + "}", str((var or {}).get("default", name)))
    return url.rstrip("/") if "://" in url else _PLACEHOLDER_HOST + "/" + url.strip("/")


def _request_schema(resolver: _Resolver, op: dict[str, Any]) -> dict[str, Any]:
    """Body schema, with path and query parameters merged in as properties (they are inputs too)."""
    body = resolver.inline(_json_schema((op.get("requestBody") or {}).get("content")) or {})
    schema: dict[str, Any] = body if body else {"type": "object", "properties": {}}
    params = [resolver.inline(p) for p in op.get("parameters") or []]
    params = [p for p in params if p.get("in") in ("path", "query") and p.get("name")]
    if params and schema.get("type", "object") == "object":
        schema = {**schema, "type": "object", "properties": dict(schema.get("properties") or {})}
        required = list(schema.get("required") or [])
        for param in params:
            schema["properties"][param["name"]] = param.get("schema") or {"type": "string"}
            if param.get("required") and param["name"] not in required:
                required.append(param["name"])
        if required:
            schema["required"] = required
    return schema


def tool_name(operation_id: str) -> str:
    """`sendMessage` → `send-message`: the file-name form used under tool-contracts/."""
    kebab = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", operation_id)
    return re.sub(r"[^a-z0-9]+", "-", kebab.lower()).strip("-") or "imported-tool"


def operation_contract(spec: dict[str, Any], operation_id: str, *, name: str, source: str) -> dict[str, Any]:
    """A tool contract (as plain data) for one operation; success criteria are a TODO to replace."""
    method, path, op = find_operation(spec, operation_id)
    resolver = _Resolver(spec)
    request = _request_schema(resolver, op)
    statuses, response_raw = _success_response(op.get("responses") or {})
    response = resolver.inline(response_raw) if response_raw else {"type": "object"}
    properties = list(response.get("properties") or {})
    required = [p for p in response.get("required") or [] if isinstance(p, str)]
    first = (required or properties or ["TODO"])[0]
    description = str(op.get("summary") or op.get("description") or f"{method} {path}").strip()
    function_name = re.sub(r"[^A-Za-z0-9_-]", "_", operation_id)[:64]
    if not re.match(r"[A-Za-z_]", function_name):
        function_name = "op_" + function_name[:61]
    return {
        "name": name,
        "version": "1.0.0",
        "changes": f"imported from {source} operation {operation_id}",
        "description": description,
        "function": {"name": function_name, "description": description, "parameters": copy.deepcopy(request)},
        "backend": {"method": method, "url": _base_url(spec) + path, "timeout_s": 10},
        "request": {"schema": request},
        "response": {"schema": response},
        "success": {"status": statuses, "criteria": [{"path": first, "exists": True}]},
    }
