"""Suite files: load and validate them, then expose cases and checks as plain dataclasses.

A suite file lives beside its agent definition (bundles/<agent>/suites/*.yaml) and is listed
under the agent's `suites:`. Its kind decides what it holds: `unit` suites hold `checks`
(deterministic, no model); `boundary` and `e2e` suites hold conversation `cases`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from agentctl.errors import ValidationFailed
from agentctl.model.diagnostics import Diagnostic
from agentctl.model.yamlio import Document, load_file

KINDS = ("unit", "boundary", "e2e")
DEFAULT_ESCALATION_TOOLS = ("escalate-to-human",)
BUILTIN_DEFAULTS: dict[str, Any] = {"repeats": 1, "pass_rate": 1.0, "max_turns": 8, "latency_ms": 3000.0,
                                    "args_valid": True}


@dataclass
class Case:
    """One scripted conversation: user turns, mocked tool answers, expectations."""

    name: str
    turns: list[str]
    expect: list[dict[str, Any]]
    tool_responses: dict[str, list[dict[str, Any]]]
    repeats: int
    pass_rate: float
    max_turns: int
    latency_ms: float
    args_valid: bool
    context: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    provider: dict[str, Any] | None = None
    description: str = ""
    index: int = 0  # position under `cases:`, for diagnostics


@dataclass
class Check:
    """One deterministic unit check: a name and a single rule."""

    name: str
    rule: str  # the rule key, e.g. "requires_phrase"
    value: Any
    description: str = ""
    index: int = 0


@dataclass
class Suite:
    path: str  # repo-relative
    doc: Document
    kind: str
    name: str
    provider: dict[str, Any] | None
    grader: dict[str, Any] | None
    variables: dict[str, Any]
    escalation_tools: list[str]
    cases: list[Case] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def folder(self) -> str:
        return str(PurePosixPath(self.path).parent)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.doc.text.encode("utf-8")).hexdigest()


CHECK_RULES = ("renders", "max_chars", "max_tokens", "requires_phrase", "forbids", "tools_exist",
               "kb_documents_exist", "contract_examples_valid")


def read_suite_document(root: Path, relpath: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse and schema-check one suite file; (None, diagnostics) when it has errors."""
    from agentctl.model.schema import validate_document

    try:
        doc = load_file(root / relpath, relpath)
    except ValidationFailed as exc:
        return None, exc.diagnostics
    findings = validate_document(doc, "suite")
    findings += _duplicate_names(doc)
    return (None if any(d.is_error for d in findings) else doc), findings


def _duplicate_names(doc: Document) -> list[Diagnostic]:
    out = []
    for key in ("cases", "checks"):
        seen: set[str | None] = set()
        for i, item in enumerate(doc.data.get(key) or [] if isinstance(doc.data, dict) else []):
            name = item.get("name") if isinstance(item, dict) else None
            if name in seen:
                out.append(doc.diagnostic([key, i, "name"], f"{key[:-1]} name '{name}' is used twice",
                                          "give every case and check its own name; failures are reported by name"))
            seen.add(name)
    return out


def load_suite(root: Path, relpath: str) -> Suite:
    """Load `relpath` as a Suite; raise ValidationFailed (exit 2) with every finding when it is invalid."""
    doc, findings = read_suite_document(root, relpath)
    if doc is None:
        raise ValidationFailed(findings)
    return suite_from_document(doc)


def suite_from_document(doc: Document) -> Suite:
    data = doc.data
    defaults = {**BUILTIN_DEFAULTS, **(data.get("defaults") or {})}
    suite = Suite(path=doc.relpath, doc=doc, kind=data["kind"], name=data.get("name") or data["kind"],
                  provider=data.get("provider"), grader=data.get("grader"), variables=data.get("variables") or {},
                  escalation_tools=list(data.get("escalation_tools") or DEFAULT_ESCALATION_TOOLS))
    suite_context = data.get("context") or {}
    for i, raw in enumerate(data.get("cases") or []):
        suite.cases.append(Case(
            name=raw["name"], turns=[t["user"] for t in raw["turns"]], expect=list(raw.get("expect") or []),
            tool_responses=raw.get("tool_responses") or {},
            repeats=int(raw.get("repeats", defaults["repeats"])),
            pass_rate=float(raw.get("pass_rate", defaults["pass_rate"])),
            max_turns=int(raw.get("max_turns", defaults["max_turns"])),
            latency_ms=float(raw.get("latency_ms", defaults["latency_ms"])),
            args_valid=bool(defaults["args_valid"]),
            context={**suite_context, **(raw.get("context") or {})},
            variables=raw.get("variables") or {}, provider=raw.get("provider"),
            description=raw.get("description", ""), index=i))
    for i, raw in enumerate(data.get("checks") or []):
        rules = [k for k in CHECK_RULES if k in raw]
        rule = rules[0] if rules else "renders"
        suite.checks.append(Check(raw["name"], rule, raw.get(rule, True), raw.get("description", ""), i))
    return suite
