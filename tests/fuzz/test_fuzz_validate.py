"""Fuzz `agentctl validate`: no file a user (or attacker) writes makes it crash.

A seeded, bounded hypothesis run writes one hostile version of a config file into a real
config repo per case and runs `validate` in-process. Every case must end in exit 0, 1 or 2
with no traceback and no internal error (exit 70). Cases are built from the known crash
shapes (non-UTF-8 bytes, deep nesting, recursive aliases, `type: 0`, impossible dates, a
mapping where a name is expected, tabs in plain scalars, huge names) spliced into the valid
files, from random byte-level mutations of them, and from random YAML trees.

AGENTCTL_FUZZ_EXAMPLES sets the number of file-level cases (default 1,000) and
AGENTCTL_FUZZ_CLI_EXAMPLES the number of end-to-end `validate` runs (default 1,000).
"""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentctl.cli.main import main
from agentctl.errors import EXIT_INTERNAL

EXAMPLES = int(os.environ.get("AGENTCTL_FUZZ_EXAMPLES", "1000"))
# each `validate` run loads the whole repo (~0.1 s): the end-to-end run is marked slow (CI runs it)
CLI_EXAMPLES = int(os.environ.get("AGENTCTL_FUZZ_CLI_EXAMPLES", "1000"))

TARGETS = [
    "agentctl.yaml",
    "prompts/install-reminder/prompt.yaml",
    "prompts/install-reminder/system.md",
    "tool-contracts/sms-gateway.yaml",
    "kb-manifests/install-faq.yaml",
    "bundles/install-reminder/agent.yaml",
]

HOSTILE: list[bytes] = [
    b"\xff\xfe\x00bad utf-8 \xc3\x28",
    b"a: " + b"[" * 1000 + b"]" * 1000,
    b"deep: " + b"{a: " * 1000 + b"1" + b"}" * 1000,
    b"".join(b"  " * i + b"k:\n" for i in range(1000)),
    b"a: &a [*a]\n",
    b"a: &a {x: *a}\nb: *a\n",
    b"type: 0\n",
    b"parameters: {type: 0}\n",
    b"updated: 2026-02-30\n",
    b"start: 2026-13-45T25:61:00\n",
    b"name: {a: 1}\n",
    b"name: [1, 2]\n",
    b"prompt: {x: y}\n",
    b"kb: [a]\n",
    b"name: a\tb\n",
    b"changes: one\ttwo\n",
    b"\tname: tabbed\n",
    b"template: " + b"t" * 100_000 + b"\n",
    b"name: " + b"n" * 100_000 + b"\n",
    b"version: 1e400\n",
    b"version: 99999999999999999999999999999999999999\n",
    b"version: .nan\n",
    b"uri: ../../../../etc/passwd\n",
    b"uri: /etc/passwd\n",
    b"template: /dev/zero\n",
    b"template: ../../../../../proc/self/environ\n",
    b"template: \"a\\0b\"\n",
    b"? [a, b]\n: c\n",
    b"? {a: 1}\n: c\n",
    b"!!python/object/apply:os.system [echo hi]\n",
    b"a: !!binary AAAA\n",
    b"a: !custom x\n",
    b"%YAML 9.9\n---\na: 1\n",
    b"---\na: 1\n---\nb: 2\n",
    b"- just\n- a\n- list\n",
    b"just a string\n",
    b"42\n",
    b"~\n",
    b"a: 1\na: 2\n",
    b"<<: *missing\n",
    b"a: *undefined\n",
    b"\x00\x01\x02",
    "a: \u202e\ufeff\U0001f600\n".encode(),
    b"\xef\xbb\xbfname: bom\n",
    b"a: 1\r\nb: 2\r\n",
    b"documents:\n  - uri: kb/x.md\n    sha256: zz\n    size: -1\n",
    b"documents: [{uri: {a: 1}, sha256: 1, size: x}]\n",
    b"tools: [{contract: {a: 1}, version: []}]\n",
    b"suites: [../../etc/passwd, /etc/passwd, {a: 1}]\n",
    b"metrics_source: {path: /tmp/outside.duckdb}\n",
    b"metrics_source: {path: [a]}\n",
    b"variables: {x: {type: 0}}\n",
    b"variables: [a]\n",
    b"people: {a: {roles: {x: 1}}}\n",
    b"policy: {timezone: {a: 1}, approvals: [1]}\n",
    b"environments: {prod: {rollout: {steps: [a, {b: 1}]}}}\n",
    b"owners: {agents: [a], tools: 7}\n",
]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=20), st.dates().map(str))
trees = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                     max_leaves=20)


def _yaml_of(tree: object) -> bytes:
    import json

    return json.dumps(tree, allow_nan=True).encode()  # JSON is YAML (NaN/Infinity included)


@st.composite
def fuzzed_file(draw: st.DrawFn, originals: dict[str, bytes]) -> tuple[str, bytes]:
    target = draw(st.sampled_from(TARGETS))
    original = originals[target]
    lines = original.splitlines(keepends=True)
    kind = draw(st.sampled_from(["splice", "replace-line", "mutate", "tree", "tree-under-key", "hostile-only"]))
    if kind in ("splice", "replace-line", "hostile-only"):
        fragment = draw(st.sampled_from(HOSTILE))
        if kind == "hostile-only":
            return target, fragment
        at = draw(st.integers(0, len(lines)))
        indent = b" " * draw(st.sampled_from([0, 0, 2, 4]))
        piece = b"".join(indent + part for part in fragment.splitlines(keepends=True))
        end = at + 1 if kind == "replace-line" else at
        return target, b"".join(lines[:at]) + piece + b"".join(lines[end:])
    if kind == "mutate":
        data = bytearray(original)
        for _ in range(draw(st.integers(1, 8))):
            op = draw(st.sampled_from(["flip", "insert", "delete"]))
            pos = draw(st.integers(0, max(len(data) - 1, 0)))
            byte = draw(st.sampled_from([0, 9, 10, 32, 34, 38, 42, 45, 58, 91, 93, 123, 125, 0x80, 0xC3, 0xFF]))
            if op == "flip" and data:
                data[pos] = byte
            elif op == "insert":
                data.insert(pos, byte)
            elif data:
                del data[pos]
        return target, bytes(data)
    tree = draw(trees)
    if kind == "tree":
        return target, _yaml_of(tree)
    key = draw(st.sampled_from(["name", "version", "template", "documents", "tools", "prompt", "kb", "suites",
                                "variables", "success", "function", "metrics", "environments", "people"]))
    kept = b"".join(line for line in lines if not line.startswith(key.encode() + b":"))
    return target, kept + key.encode() + b": " + _yaml_of(tree) + b"\n"


SCHEMAS = {
    "agentctl.yaml": "config",
    "prompts/install-reminder/prompt.yaml": "prompt",
    "tool-contracts/sms-gateway.yaml": "tool-contract",
    "kb-manifests/install-faq.yaml": "kb-manifest",
    "bundles/install-reminder/agent.yaml": "agent",
}


@pytest.fixture(scope="module")
def fuzz_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example repo without its test suites (parsed uncached on every validate, they would dominate the time)."""
    import re
    import shutil

    from agentctl.ops.init import init_repo

    root = tmp_path_factory.mktemp("fuzz") / "config"
    init_repo(root, commit=False)
    shutil.rmtree(root / "bundles/install-reminder/suites")
    agent = root / "bundles/install-reminder/agent.yaml"
    agent.write_text(re.sub(r"(?ms)^suites:.*?(?=^\S|\Z)", "", agent.read_text("utf-8")), "utf-8")
    return root


def test_loader_never_crashes_on_fuzzed_files(fuzz_repo: Path) -> None:
    """Every file-level step of validate (read, parse, schema, positions, rendering) on 1,000 hostile files:
    the only exception allowed is ValidationFailed, and every diagnostic has a real file:line:col."""
    from agentctl.errors import ValidationFailed
    from agentctl.model.workspace import Loader

    originals = {rel: (fuzz_repo / rel).read_bytes() for rel in TARGETS}
    counts = {"clean": 0, "diagnostics": 0}

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=fuzzed_file(originals))
    def run(case: tuple[str, bytes]) -> None:
        target, content = case
        (fuzz_repo / target).write_bytes(content)
        try:
            schema = SCHEMAS.get(target)
            if schema is None:  # the template: read as the workspace reads it
                return
            loader = Loader(fuzz_repo, cache=False)
            doc = loader.load(target, schema)
            if doc is not None:
                try:
                    doc.diagnostic(["name"], "probe")
                except ValidationFailed as exc:
                    loader.diagnostics.extend(exc.diagnostics)
            for finding in loader.diagnostics:
                assert finding.file == target and finding.line >= 1 and finding.col >= 1, finding
                assert str(finding).startswith(f"{target}:{finding.line}:{finding.col}: ")
            counts["diagnostics" if loader.diagnostics else "clean"] += 1
        finally:
            (fuzz_repo / target).write_bytes(originals[target])

    run()
    print(f"loader fuzz: {counts}")
    assert counts["clean"] + counts["diagnostics"] >= min(EXAMPLES, 1000) * 0.8


@pytest.mark.slow
def test_validate_never_crashes_on_fuzzed_files(fuzz_repo: Path) -> None:
    originals = {rel: (fuzz_repo / rel).read_bytes() for rel in TARGETS}
    outcomes: dict[int, int] = {}
    failures: list[str] = []

    @settings(max_examples=CLI_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=fuzzed_file(originals))
    def run(case: tuple[str, bytes]) -> None:
        target, content = case
        (fuzz_repo / target).write_bytes(content)
        out, err = io.StringIO(), io.StringIO()
        try:
            with redirect_stdout(out), redirect_stderr(err):
                code = main(["validate", "--repo", str(fuzz_repo)])
        finally:
            (fuzz_repo / target).write_bytes(originals[target])
        outcomes[code] = outcomes.get(code, 0) + 1
        text = out.getvalue() + err.getvalue()
        if code == EXIT_INTERNAL or code not in (0, 1, 2) or "Traceback" in text:
            failures.append(f"{target} ({code}): {content[:120]!r}\n{text[-600:]}")

    run()
    print(f"validate fuzz: {sum(outcomes.values())} cases, exit codes {dict(sorted(outcomes.items()))}")
    assert sum(outcomes.values()) >= CLI_EXAMPLES * 0.8
    assert not failures, f"{len(failures)} crashes; first:\n" + "\n\n".join(failures[:3])
