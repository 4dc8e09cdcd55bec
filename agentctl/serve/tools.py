"""Vapi `tool-calls`: call each tool's backend per the bundle's tool contract, judge the answer by the
contract's success criteria, and hand the result back to Vapi.

Vapi POSTs `{"message": {"type": "tool-calls", "toolCallList": [{"id", "name", "arguments"}],
"toolWithToolCallList": [{..., "toolCall": {"id", "function": {"name", "arguments"}}}], "call", "assistant"}}`
to the server URL and expects `{"results": [{"toolCallId", "name", "result" | "error", "metadata"}]}`
(https://docs.vapi.ai/tools/custom-tools — server response format; ServerMessageToolCalls /
ServerMessageResponseToolCalls / ToolCallResult in Vapi's OpenAPI document).

The backend is the contract's (`backend.environments[env]`, else `backend.url`; `serve.platforms.vapi.
tool_urls` can point a contract elsewhere, e.g. a sandbox), with `${SECRET}` headers filled from the
environment. The call's arguments are the request (path parameters filled from them; GET/DELETE as
the query). An answer that is HTTP 2xx but fails the contract — the gateway's 200 `{"status":
"failed"}` — goes back to Vapi as an `error`, so the assistant does not tell the caller it worked,
and is counted as a contract failure; `metadata.http_status` carries the real status into the
end-of-call report, so the stored record shows HTTP ok and contract failed side by side.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

from agentctl.serve.settings import Route

DEFAULT_TIMEOUT_S = 10.0


class ToolCallsRefused(Exception):
    """The message is not a tool-calls message we can read (answered 400)."""


def tool_calls_of(message: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, function name, arguments) of every call in a tool-calls message, in Vapi's order."""
    raw = message.get("toolCallList")
    if not isinstance(raw, list):
        pairs = message.get("toolWithToolCallList")
        raw = [p.get("toolCall") for p in pairs if isinstance(p, dict)] if isinstance(pairs, list) else None
    if not isinstance(raw, list) or not raw:
        raise ToolCallsRefused("tool-calls message without toolCallList (or toolWithToolCallList)")
    calls = []
    for index, call in enumerate(raw):
        if not isinstance(call, dict) or not isinstance(call.get("id"), str) or not call["id"]:
            raise ToolCallsRefused(f"toolCallList[{index}] has no id")
        fn: dict[str, Any] = call["function"] if isinstance(call.get("function"), dict) else {}
        name = call.get("name") or fn.get("name")
        if not isinstance(name, str) or not name:
            raise ToolCallsRefused(f"toolCallList[{index}] has no function name")
        args = call.get("arguments", fn.get("arguments", fn.get("parameters")))
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except ValueError:
                raise ToolCallsRefused(f"toolCallList[{index}].arguments is not JSON") from None
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise ToolCallsRefused(f"toolCallList[{index}].arguments must be an object")
        calls.append((call["id"], name, args))
    return calls


def bundle_of(message: dict[str, Any]) -> tuple[str | None, str | None]:
    """(agentctl_bundle, agentctl_env) from the metadata agentctl put on the call's assistant."""
    call: dict[str, Any] = message["call"] if isinstance(message.get("call"), dict) else {}
    sources = [message.get("assistant"), call.get("assistant"), call.get("assistantOverrides"), call]
    for source in sources:
        meta = source.get("metadata") if isinstance(source, dict) else None
        if isinstance(meta, dict) and isinstance(meta.get("agentctl_bundle"), str):
            env = meta.get("agentctl_env")
            return meta["agentctl_bundle"], env if isinstance(env, str) else None
    return None, None


def backend_url(contract: dict[str, Any], env: str, overrides: dict[str, str]) -> str:
    backend = contract.get("backend") or {}
    if contract.get("name") in overrides:
        return overrides[str(contract["name"])]
    return str((backend.get("environments") or {}).get(env) or backend["url"])


class ToolCaller:
    """Calls tool backends for one service (one shared HTTP client, opened on first use)."""

    def __init__(self, metrics: Any, overrides: dict[str, str] | None = None) -> None:
        self.metrics = metrics
        self.overrides = dict(overrides or {})
        self._client: Any = None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def answer(self, message: dict[str, Any], config: dict[str, Any], route: Route) -> dict[str, Any]:
        calls = tool_calls_of(message)
        by_function = {str((c.get("function") or {}).get("name")): c for c in (config.get("contracts") or {}).values()}
        results = await asyncio.gather(*(self._one(call_id, name, args, by_function.get(name), config, route)
                                         for call_id, name, args in calls))
        return {"results": list(results)}

    async def _one(self, call_id: str, name: str, args: dict[str, Any], contract: dict[str, Any] | None,
                   config: dict[str, Any], route: Route) -> dict[str, Any]:
        from agentctl.contracts.probes import path_params
        from agentctl.contracts.success import judge_response
        from agentctl.contracts.verify import substitute_secrets
        from agentctl.errors import AgentctlError

        answer: dict[str, Any] = {"toolCallId": call_id, "name": name}
        if contract is None:
            answer["error"] = f"{config.get('bundle')} has no tool contract for the function {name}"
            return answer
        tool = str(contract["name"])
        backend = contract.get("backend") or {}
        method = str(backend.get("method") or "POST").upper()
        try:
            url = substitute_secrets(contract, backend_url(contract, route.env, self.overrides), os.environ)
            headers = {k: substitute_secrets(contract, str(v), os.environ)
                       for k, v in (backend.get("headers") or {}).items()}
        except AgentctlError as exc:
            answer["error"] = f"{tool} is not configured on this server: {exc.message}"
            self._count(config, route, tool, None, None)
            return answer
        payload = dict(args)
        for param in path_params(url):
            url = url.replace("{" + param + "}", str(payload.pop(param, "")))
        status: int | None = None
        body: Any = None
        started = time.perf_counter()
        try:
            client = self._http()
            kwargs: dict[str, Any] = {"params": payload} if method in ("GET", "DELETE") else {"json": payload}
            response = await client.request(method, url, headers=headers,
                                            timeout=float(backend.get("timeout_s") or DEFAULT_TIMEOUT_S), **kwargs)
            status = response.status_code
            try:
                body = response.json()
            except ValueError:
                body = response.text
        except Exception as exc:  # noqa: BLE001 - a backend that cannot be reached is a failed tool call
            body = None
            failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            answer["error"] = f"{tool} could not be reached: {failure}"
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        judgement = judge_response(contract.get("success") or {}, status, body)
        answer["metadata"] = {"http_status": status, "latency_ms": elapsed_ms,
                              "agentctl_contract": f"{tool}@{contract.get('version')}",
                              "agentctl_contract_ok": judgement.ok, "agentctl_reasons": judgement.reasons}
        if "error" not in answer:
            if judgement.ok:
                answer["result"] = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
            else:
                shown = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
                answer["error"] = (f"{tool} did not do it (HTTP {status}, contract not met: "
                                   f"{'; '.join(judgement.reasons)}): {shown[:300]}")
        self._count(config, route, tool, judgement.http_ok if status is not None else False, judgement.ok)
        return answer

    def _http(self) -> Any:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(follow_redirects=False)
        return self._client

    def _count(self, config: dict[str, Any], route: Route, tool: str, http_ok: bool | None,
               contract_ok: bool | None) -> None:
        def verdict(value: bool | None) -> str:
            return "unknown" if value is None else ("ok" if value else "fail")

        self.metrics.live_tools.labels(route.agent, route.env, str(config.get("bundle")), tool, verdict(http_ok),
                                       verdict(contract_ok)).inc()
