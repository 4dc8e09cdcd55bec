"""Unit checks: deterministic facts about an agent's prompt, tools, KB and contracts. No model needed.

Token budgets are approximate: one token is taken as four characters of prompt text, the
usual rule of thumb for English with GPT-style tokenizers; use `max_chars` for an exact limit.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from agentctl.errors import BadInputError
from agentctl.model.prompt import example_values, render
from agentctl.suites.model import Check, Suite
from agentctl.suites.outcome import Attempt, CaseResult

CHARS_PER_TOKEN = 4
# "call lookup_driver", "the send_install_link tool": the ways a prompt names a tool
_TOOL_MENTION = re.compile(r"(?:\b(?:call|calls|calling|use|using)\s+`?([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`?"
                           r"|`?\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`?\s+tool\b)", re.IGNORECASE)


def prompt_values(config: Any, overrides: dict[str, Any]) -> dict[str, Any]:
    """Suite variable values over each declared variable's example value."""
    return {**example_values(config.prompt_variables), **overrides}


def render_prompt(config: Any, variables: dict[str, Any]) -> str:
    return render(config.prompt_text, config.prompt_variables, prompt_values(config, variables))


def run_unit_suite(root: Path, config: Any, suite: Suite) -> list[CaseResult]:
    """Run every check of a unit suite; each check becomes one case named after it."""
    results = []
    for check in suite.checks:
        started = time.perf_counter()
        try:
            failures = list(RULES[check.rule](root, config, suite, check))
        except BadInputError as exc:
            failures = [str(exc)]
        attempt = Attempt(1, failures=failures, duration_ms=(time.perf_counter() - started) * 1000)
        results.append(CaseResult(suite.name, check.name, [attempt], 1.0, check.description))
    return results


def _rendered(config: Any, suite: Suite) -> str:
    return render_prompt(config, suite.variables)


def _renders(root: Path, config: Any, suite: Suite, check: Check) -> Iterator[str]:
    text = _rendered(config, suite)  # raises BadInputError naming missing/undeclared variables
    leftover = text.find("{{")
    if leftover >= 0:
        line = text.count("\n", 0, leftover) + 1
        yield f"rendered prompt still contains '{{{{' on line {line}: a placeholder is malformed"


def _max_chars(root: Path, config: Any, suite: Suite, check: Check) -> Iterator[str]:
    size = len(_rendered(config, suite))
    if size > check.value:
        yield f"rendered prompt is {size:,} characters, over the budget of {check.value:,}"


def _max_tokens(root: Path, config: Any, suite: Suite, check: Check) -> Iterator[str]:
    tokens = -(-len(_rendered(config, suite)) // CHARS_PER_TOKEN)
    if tokens > check.value:
        yield f"rendered prompt is about {tokens:,} tokens (characters / {CHARS_PER_TOKEN}), over the budget of {check.value:,}"


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _requires_phrase(root: Path, config: Any, suite: Suite, check: Check) -> Iterator[str]:
    text = _normalise(_rendered(config, suite))
    phrases = [check.value] if isinstance(check.value, str) else check.value
    for phrase in phrases:
        if _normalise(phrase) not in text:
            yield f"prompt '{config.prompt_name}' does not contain the required phrase {phrase!r}"


def _forbids(root: Path, config: Any, suite: Suite, check: Check) -> Iterator[str]:
    text = _rendered(config, suite)
    for item in check.value:
        if len(item) > 2 and item.startswith("/") and item.endswith("/"):
            match = re.search(item[1:-1], text)
        else:
            match = re.search(re.escape(item), text, re.IGNORECASE)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            yield f"prompt '{config.prompt_name}' contains forbidden {item!r} on line {line}: {match.group(0)!r}"


def _tools_exist(root: Path, config: Any, suite: Suite, check: Check) -> Iterator[str]:
    functions = {t["function"]["name"] for t in config.tools}
    for name, contract in config.contracts.items():
        fn = (contract.get("function") or {}).get("name")
        if fn not in functions:
            yield f"tool '{name}' has a contract but no function schema is offered to the model"
    for match in _TOOL_MENTION.finditer(config.prompt_text):
        mentioned = match.group(1) or match.group(2)
        if mentioned not in functions and mentioned not in config.prompt_variables:
            line = config.prompt_text.count("\n", 0, match.start()) + 1
            known = ", ".join(sorted(functions)) or "none"
            yield (f"prompt '{config.prompt_name}' line {line} refers to tool '{mentioned}', which the agent "
                   f"does not have (tools: {known})")


def _kb_documents_exist(root: Path, config: Any, suite: Suite, check: Check) -> Iterator[str]:
    if not config.kb:
        return
    for entry in config.kb.get("documents") or []:
        uri = entry["uri"]
        if "://" in uri:
            continue  # remote documents are checked by `agentctl kb verify`
        path = root / uri
        if not path.is_file():
            yield f"KB '{config.kb.get('name')}' lists '{uri}', which does not exist"
        elif hashlib.sha256(path.read_bytes()).hexdigest() != entry.get("sha256"):
            yield f"KB document '{uri}' does not match the sha256 pinned in the manifest"


def _contract_examples_valid(root: Path, config: Any, suite: Suite, check: Check) -> Iterator[str]:
    from jsonschema import Draft202012Validator

    for name, contract in sorted(config.contracts.items()):
        schemas = {"arguments": (contract.get("function") or {}).get("parameters"),
                   "request": (contract.get("request") or {}).get("schema"),
                   "response": (contract.get("response") or {}).get("schema")}
        for i, example in enumerate(contract.get("examples") or []):
            label = example.get("name") or f"#{i + 1}"
            for part, schema in schemas.items():
                if schema is None or part not in example:
                    continue
                error = next(iter(Draft202012Validator(schema).iter_errors(example[part])), None)
                if error is not None:
                    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
                    yield f"tool '{name}' example '{label}': {part} at {where}: {error.message}"


RULES: dict[str, Callable[[Path, Any, Suite, Check], Iterator[str]]] = {
    "renders": _renders, "max_chars": _max_chars, "max_tokens": _max_tokens, "requires_phrase": _requires_phrase,
    "forbids": _forbids, "tools_exist": _tools_exist, "kb_documents_exist": _kb_documents_exist,
    "contract_examples_valid": _contract_examples_valid,
}
