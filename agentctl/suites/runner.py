"""Run suites: unit checks directly; conversation cases (× repeats) in parallel through a provider."""

from __future__ import annotations

import json
import os
import shlex
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentctl import clock
from agentctl.errors import BadInputError
from agentctl.suites.assertions import Tools, evaluate
from agentctl.suites.model import Case, Suite
from agentctl.suites.outcome import Attempt, CaseResult, SuiteResult
from agentctl.suites.providers.base import CaseRequest, Provider, ProviderError, Transcript, describe

Progress = Callable[[str], None]  # called once per finished attempt with "suite/case"


def default_jobs() -> int:
    return min(8, (os.cpu_count() or 1) * 2)


@dataclass
class RunContext:
    root: Path
    config: Any  # agentctl.ops.bundles.AgentConfig
    env: str | None = None
    provider: dict[str, Any] | None = None  # --provider: replaces every suite's and case's provider
    record: bool = False
    jobs: int = field(default_factory=default_jobs)
    replay_only: bool = False  # the gate's mode: no command, URL, grader or ${VAR} a suite names ever runs
    progress: Progress | None = None

    @property
    def tools(self) -> Tools:
        return Tools(self.config.contracts)


LIVE_RUN_NEEDED = "needs a live run by a maintainer"


def live_run_refusal(what: str) -> str:
    """Why a live provider or grader was not run in replay-only mode (the marker the gate looks for)."""
    return f"not run: {what} {LIVE_RUN_NEEDED} (this run only replays recorded cassettes)"


def parse_provider(text: str) -> dict[str, Any]:
    """`--provider` values: `replay`, `command:CMD ARGS`, `http:URL`, `openai-compatible:BASE_URL[#MODEL]`,
    or a YAML flow mapping such as `{type: openai-compatible, base_url: ..., model: ...}`."""
    text = text.strip()
    if text.startswith("{"):
        from agentctl.model.yamlio import parse_text

        spec = parse_text(text, "--provider").data
    else:
        kind, _, rest = text.partition(":")
        spec = {"type": kind}
        if kind == "command":
            spec["command"] = shlex.split(rest)
        elif kind == "http":
            spec["url"] = rest
        elif kind == "openai-compatible":
            base, _, model = rest.partition("#")
            spec["base_url"] = base
            if model:
                spec["model"] = model
    if not isinstance(spec, dict) or spec.get("type") not in ("replay", "command", "http", "openai-compatible"):
        raise BadInputError(f"--provider {text!r} is not a provider",
                            "use replay, command:CMD, http:URL, openai-compatible:BASE_URL[#MODEL] or {type: ...}")
    return spec


def missing_variables(ctx: RunContext, suite: Suite) -> dict[str, str]:
    """${VAR}s an http provider of this run needs but the environment does not set → the URL or header using it.

    Checked before anything runs, so a forgotten AGENTCTL_STAGING_URL is one clear error, not a failed case each.
    """
    from agentctl.suites.providers.http import _VAR

    missing: dict[str, str] = {}
    for case in suite.cases:
        spec = ctx.provider or case.provider or suite.provider or {"type": "replay"}
        if ctx.record and spec.get("type") == "replay":
            spec = spec.get("live") or (suite.provider or {}).get("live") or {}
        if ctx.replay_only or spec.get("type") != "http":
            continue
        for text in [str(spec.get("url") or ""), *map(str, (spec.get("headers") or {}).values())]:
            for name in _VAR.findall(text):
                if name not in os.environ:
                    missing.setdefault(name, text)
    return missing


def units(suite: Suite) -> int:
    """How many progress steps a suite takes (checks, or case attempts)."""
    return len(suite.checks) if suite.kind == "unit" else sum(c.repeats for c in suite.cases)


def run_suite(ctx: RunContext, suite: Suite) -> SuiteResult:
    """Run one suite against ctx.config; never raises for a failing agent or provider."""
    started = clock.isoformat(clock.now())
    if suite.kind == "unit":
        from agentctl.suites.unit import run_unit_suite

        cases = run_unit_suite(ctx.root, ctx.config, suite)
        for result in cases:
            _tick(ctx, result.id)
        return SuiteResult(suite.name, suite.kind, suite.path, suite.sha256, "none (deterministic checks)", cases,
                           started, clock.isoformat(clock.now()))
    cassettes = cassette_folder(ctx, suite)
    providers: dict[str, Provider | str] = {}
    jobs: list[tuple[Case, int]] = [(case, r) for case in suite.cases for r in range(1, case.repeats + 1)]
    with ThreadPoolExecutor(max_workers=max(1, ctx.jobs)) as pool:
        attempts = list(pool.map(lambda job: _attempt(ctx, suite, job[0], job[1], providers, cassettes), jobs))
    if ctx.record and not any(a.error for a in attempts):
        from agentctl.suites.providers.replay import prune_cassettes

        prune_cassettes(cassettes, suite.name, {f"{c.name}.r{r}.json" for c, r in jobs})
    results = []
    for case in suite.cases:
        mine = [a for (c, _), a in zip(jobs, attempts, strict=True) if c is case]
        results.append(CaseResult(suite.name, case.name, mine, case.pass_rate, case.description))
    spec = ctx.provider or suite.provider or {"type": "replay"}
    if ctx.record and spec.get("type") == "replay":
        spec = spec.get("live") or spec
    label = describe(spec) + (" (recording)" if ctx.record else "")
    return SuiteResult(suite.name, suite.kind, suite.path, suite.sha256, label, results, started,
                       clock.isoformat(clock.now()))


def _tick(ctx: RunContext, label: str) -> None:
    if ctx.progress is not None:
        ctx.progress(label)


def cassette_folder(ctx: RunContext, suite: Suite) -> Path:
    spec = suite.provider if (suite.provider or {}).get("type") == "replay" else {}
    return ctx.root / suite.folder / str((spec or {}).get("cassettes", "cassettes"))


def _attempt(ctx: RunContext, suite: Suite, case: Case, repeat: int, providers: dict[str, Provider | str],
             cassettes: Path) -> Attempt:
    started = time.perf_counter()
    try:
        request = build_request(ctx, suite, case, repeat)
        provider = _provider_for(ctx, suite, case, providers, cassettes)
        transcript = provider.run(request)
    except (ProviderError, BadInputError) as exc:
        transcript = Transcript(error=str(exc))
    attempt = Attempt(repeat, error=transcript.error, transcript=transcript.to_dict(), stale=transcript.stale)
    if transcript.error is None:
        grader = _grader(ctx, suite)
        attempt.failures = evaluate(case, transcript, ctx.tools, suite.escalation_tools, grader)
    attempt.duration_ms = (time.perf_counter() - started) * 1000
    _tick(ctx, f"{suite.name}/{case.name}")
    return attempt


def build_request(ctx: RunContext, suite: Suite, case: Case, repeat: int) -> CaseRequest:
    """The JSON a provider receives; mocked tool responses are checked against each contract first."""
    from agentctl.suites.unit import render_prompt

    tools = ctx.tools
    responses: dict[str, list[dict[str, Any]]] = {}
    for name, answers in case.tool_responses.items():
        if not tools.known(name):
            raise ProviderError(f"tool_responses names '{name}', which is not one of the agent's tools "
                                f"({', '.join(sorted(tools.contracts))})")
        contract_name = tools.contract_name(name)
        for i, answer in enumerate(answers):
            problem = response_problem(tools.contracts[contract_name], answer)
            if problem:
                raise ProviderError(f"tool_responses.{name}[{i}] does not match contract {contract_name}'s "
                                    f"response schema: {problem}")
        responses[tools.function_name(contract_name)] = [{"status": a.get("status", 200), "body": a.get("body")}
                                                         for a in answers]
    return CaseRequest(
        agent=ctx.config.agent, version=ctx.config.version, suite=suite.name, case=case.name, repeat=repeat,
        system_prompt=render_prompt(ctx.config, {**suite.variables, **case.variables}), model=ctx.config.model,
        tools=ctx.config.tools, turns=[{"user": t} for t in case.turns], tool_responses=responses,
        context=case.context, max_turns=case.max_turns, env=ctx.env)


def response_problem(contract: dict[str, Any], answer: dict[str, Any]) -> str | None:
    """Why a mocked response body does not fit the contract's response schema (None when it fits)."""
    from agentctl.model.schema import compiled_says_valid

    schema = (contract.get("response") or {}).get("schema")
    status = answer.get("status", 200)
    if schema is None or not 200 <= status < 300:
        return None  # error bodies are whatever the backend sends on failure
    if compiled_says_valid(schema, answer.get("body")):
        return None
    from jsonschema import Draft202012Validator

    error = next(iter(Draft202012Validator(schema).iter_errors(answer.get("body"))), None)
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "body"
    return f"{where}: {error.message}"


def _provider_for(ctx: RunContext, suite: Suite, case: Case, cache: dict[str, Provider | str],
                  cassettes: Path) -> Provider:
    spec = ctx.provider or case.provider or suite.provider or {"type": "replay"}
    if ctx.record and spec.get("type") == "replay":
        live = spec.get("live") or (suite.provider or {}).get("live")
        if not live:
            raise ProviderError(f"--record needs a live provider: pass --provider (e.g. command:CMD or "
                                f"openai-compatible:BASE_URL) or set `live:` under suite {suite.name}'s replay provider")
        spec = live
    if ctx.replay_only and (ctx.record or spec.get("type") != "replay"):
        raise ProviderError(live_run_refusal(f"provider `{describe(spec)}`"))
    key = json.dumps([spec, ctx.record], sort_keys=True)
    if key not in cache:
        cache[key] = _make(ctx, suite, spec, cassettes)
    provider = cache[key]
    if isinstance(provider, str):
        raise ProviderError(provider)
    return provider


def _make(ctx: RunContext, suite: Suite, spec: dict[str, Any], cassettes: Path) -> Provider | str:
    from agentctl.suites.providers.command import CommandProvider
    from agentctl.suites.providers.http import HttpProvider
    from agentctl.suites.providers.openai_compat import OpenAICompatibleProvider
    from agentctl.suites.providers.replay import RecordingProvider, ReplayProvider

    try:
        kind = spec.get("type")
        if kind == "replay":
            from agentctl.suites.cassettes import record_command

            hint = f"`{record_command(ctx.config.agent, suite)}`"
            live: Provider = ReplayProvider(spec, cassettes, hint)
        elif kind == "command":
            live = CommandProvider(spec, ctx.root)
        elif kind == "http":
            live = HttpProvider(spec)
        else:
            live = OpenAICompatibleProvider(spec)
    except ProviderError as exc:
        return str(exc)  # reported on every case that uses it, once per attempt
    return RecordingProvider(live, cassettes) if ctx.record else live


def _grader(ctx: RunContext, suite: Suite) -> Callable[[str, Transcript, dict[str, Any] | None], tuple[bool, str]] | None:
    from agentctl.suites.grader import grade

    def run(rubric: str, transcript: Transcript, spec: dict[str, Any] | None) -> tuple[bool, str]:
        chosen = spec or suite.grader
        if not chosen:
            return False, "no grader: set `grader:` in the suite or `provider:` on the assertion"
        if ctx.replay_only:
            return False, live_run_refusal(f"grader `{describe(chosen)}`")
        return grade(rubric, transcript, chosen, ctx.root)

    return run
