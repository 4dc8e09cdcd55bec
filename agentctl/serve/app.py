"""The Starlette application: platform webhooks, /v1 API, metrics and health.

Every answer to bad input is a 4xx with a JSON `error` (and `fix` where there is one); nothing
from a refused request is stored. Payload shapes: Vapi server messages
(https://docs.vapi.ai/server-url/events), Retell webhooks (https://docs.retellai.com/features/webhook,
https://docs.retellai.com/features/inbound-call-webhook).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from agentctl.serve.settings import Route, ServeSettings

log = logging.getLogger("agentctl.serve")


class Refused(Exception):
    def __init__(self, status: int, error: str, fix: str | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.fix = status, error, fix

    def body(self) -> dict[str, Any]:
        return {"error": self.error, **({"fix": self.fix} if self.fix else {})}


class RawJSON:
    """An answer already encoded as JSON (the HTTP layer sends it as it is)."""

    __slots__ = ("body",)

    def __init__(self, body: bytes) -> None:
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


def _encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class Service:
    """Routing and ingest behind the HTTP layer (no Starlette types here)."""

    def __init__(self, repo: Any, settings: ServeSettings, live: Any, writer: Any, metrics: Any, ctx: Any) -> None:
        self.repo, self.settings, self.live, self.writer, self.metrics, self.ctx = repo, settings, live, writer, metrics, ctx
        self.agents = sorted(ctx.agents)
        # the business columns' SQL types: the store's at start-up, plus what this process accepted since
        self.business_types: dict[str, str] = {}
        # the encoded assistant of each (env, agent, version), valid until the deployment state moves
        self._rendered: dict[tuple[str, str, int], bytes] = {}
        self._rendered_at: str | None = None
        from agentctl.serve.tools import ToolCaller

        self.tools = ToolCaller(metrics, settings.vapi_tool_urls)

    def vapi_answer(self, resolution: dict[str, Any]) -> RawJSON:
        """`{"assistant": ...}` for a routed call. Encoding the prompt and tools is most of the work of an
        assistant-request, so it is done once per bundle and state; only the per-call metadata is encoded per call."""
        from agentctl.platforms import metadata, vapi_assistant

        if self._rendered_at != self.live.commit:
            self._rendered, self._rendered_at = {}, self.live.commit
        key = (resolution["env"], resolution["agent"], int(resolution["version"]))
        head = self._rendered.get(key)
        if head is None:
            assistant = vapi_assistant(resolution)
            del assistant["metadata"]
            head = self._rendered[key] = _encode(assistant)[:-1]  # without its closing brace
        return RawJSON(b'{"assistant":' + head + (b"," if len(head) > 1 else b"") + b'"metadata":'
                       + _encode(metadata(resolution)) + b"}}")

    # -- routing ------------------------------------------------------------------------------------------
    def pick(self, routes: dict[str, Route], keys: list[Any], where: str) -> Route:
        for key in keys:
            if isinstance(key, str) and key in routes:
                return routes[key]
        if len(self.agents) == 1:
            return Route(self.agents[0], self.settings.environments[0])
        shown = next((k for k in keys if isinstance(k, str)), None)
        raise Refused(404, f"no agent is mapped to {shown or 'this call'}",
                      f"map it under serve.platforms.{where} in agentctl.yaml")

    def resolve(self, platform: str, route: Route, key: str) -> dict[str, Any]:
        from agentctl.errors import NotFoundError

        router = self.live.routers.get(route.env)
        if router is None and not self.live.loaded:
            raise Refused(503, f"no trusted deployment state is loaded yet: {self.live.error or 'starting'}",
                          "see /readyz")
        if router is None:
            raise Refused(404, f"environment '{route.env}' is not served here",
                          f"serve it: agentctl serve --env {route.env}")
        started = time.perf_counter()
        try:
            resolution: dict[str, Any] = router.resolve(route.agent, key).to_dict()
        except NotFoundError as exc:
            raise Refused(404, exc.message, exc.fix) from None
        except Exception as exc:  # noqa: BLE001 - a bundle git cannot give us: not the caller's fault
            raise Refused(503, f"cannot load the routed bundle: {exc}", "see /readyz") from None
        self.metrics.resolve_seconds.labels(platform).observe(time.perf_counter() - started)
        self.metrics.routed.labels(platform, route.agent, route.env, resolution["bundle"] or "none",
                                   resolution["track"]).inc()
        return resolution

    # -- Vapi ---------------------------------------------------------------------------------------------
    async def vapi(self, payload: Any) -> dict[str, Any] | RawJSON:
        message = payload.get("message") if isinstance(payload, dict) else None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise Refused(400, "not a Vapi server message: expected {\"message\": {\"type\": ...}}")
        kind = message["type"]
        if kind == "assistant-request":
            call: dict[str, Any] = message["call"] if isinstance(message.get("call"), dict) else {}
            phone: dict[str, Any] = message["phoneNumber"] if isinstance(message.get("phoneNumber"), dict) else {}
            route = self.pick(self.settings.vapi_numbers, [phone.get("number"), phone.get("id"), call.get("phoneNumberId")],
                              "vapi.numbers")
            customer = call.get("customer") if isinstance(call.get("customer"), dict) else message.get("customer")
            key = (customer or {}).get("number") if isinstance(customer, dict) else None
            key = key or call.get("id")
            if not isinstance(key, str) or not key:
                raise Refused(400, "assistant-request without message.call.customer.number or call id to route by")
            resolution = self.resolve("vapi", route, key)
            if resolution["track"] == "disabled":
                # Vapi speaks `error` to the caller and does not start the assistant
                return {"error": "Sorry, this line is not taking calls right now. Please try again later."}
            return self.vapi_answer(resolution)
        if kind == "tool-calls":
            return await self.vapi_tool_calls(message)
        if kind == "end-of-call-report":
            from agentctl.calls.mappers import from_vapi

            return _stored(await self.ingest([_mapped(from_vapi, payload)], "serve:vapi"))
        return {}

    async def vapi_tool_calls(self, message: dict[str, Any]) -> dict[str, Any]:
        """Call each tool's backend per the call's bundle and answer `{"results": [...]}` (see serve.tools)."""
        from agentctl.serve.tools import ToolCallsRefused, bundle_of, tool_calls_of

        try:
            tool_calls_of(message)
        except ToolCallsRefused as exc:
            raise Refused(400, str(exc)) from None
        bundle, env = bundle_of(message)
        if bundle is None:  # not an assistant agentctl answered: route the caller as assistant-request does
            call: dict[str, Any] = message["call"] if isinstance(message.get("call"), dict) else {}
            phone: dict[str, Any] = message["phoneNumber"] if isinstance(message.get("phoneNumber"), dict) else {}
            route = self.pick(self.settings.vapi_numbers, [phone.get("number"), phone.get("id"),
                                                           call.get("phoneNumberId")], "vapi.numbers")
            customer = call.get("customer") if isinstance(call.get("customer"), dict) else message.get("customer")
            key = (customer or {}).get("number") if isinstance(customer, dict) else None
            if not isinstance(key, str) or not key:
                raise Refused(400, "tool-calls without assistant.metadata.agentctl_bundle or a caller number")
            bundle = self.resolve("vapi", route, key)["bundle"]
            if bundle is None:
                raise Refused(404, f"{route.agent} is disabled in {route.env}")
        else:
            agent_name = bundle.rsplit("@v", 1)[0]
            served = env if env is not None and env in self.live.routers else self.settings.environments[0]
            route = Route(agent_name, served)
        agent, _, number = bundle.rpartition("@v")
        router = self.live.routers.get(route.env)
        if not agent or not number.isdigit() or router is None or agent not in self.ctx.agents:
            raise Refused(404, f"no served bundle {bundle} in {route.env}")
        try:
            config = router.config(agent, int(number))
        except Exception as exc:  # noqa: BLE001 - a bundle this clone cannot give (or not the pinned one)
            raise Refused(503, f"cannot load {bundle}: {getattr(exc, 'message', None) or exc}", "see /readyz") from None
        return await self.tools.answer(message, config, Route(agent, route.env))

    # -- Retell -------------------------------------------------------------------------------------------
    async def retell(self, payload: Any) -> dict[str, Any] | RawJSON:
        from agentctl.platforms import metadata, retell_inbound

        if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
            raise Refused(400, "not a Retell webhook: expected {\"event\": ...}")
        event = payload["event"]
        if event == "call_inbound":
            inbound = payload.get("call_inbound")
            if not isinstance(inbound, dict):
                raise Refused(400, "call_inbound event without a call_inbound object")
            keys = [inbound.get("to_number"), inbound.get("agent_id")]
            routes = {**self.settings.retell_agents, **self.settings.retell_numbers}
            route = self.pick(routes, keys, "retell.numbers (or retell.agents)")
            caller = inbound.get("from_number")
            if not isinstance(caller, str) or not caller:
                raise Refused(400, "call_inbound without from_number to route by")
            resolution = self.resolve("retell", route, caller)
            if resolution["track"] == "disabled":
                return {"call_inbound": {"metadata": metadata(resolution)}}
            return retell_inbound(resolution, self.settings.retell_bundles)
        if event in ("call_ended", "call_analyzed"):
            from agentctl.calls.mappers import from_retell

            if not isinstance(payload.get("call"), dict):
                raise Refused(400, f"{event} event without a call object")
            return _stored(await self.ingest([_mapped(from_retell, payload)], f"serve:retell:{event}"))
        return {}

    # -- records ------------------------------------------------------------------------------------------
    async def ingest(self, records: list[Any], source: str) -> int:
        from agentctl.calls.record import RecordError, normalize

        try:
            rows = [normalize(r, self.ctx) for r in records]
            self.check_types(rows)
        except RecordError as exc:
            raise Refused(422, f"call record refused: {exc}") from None
        return await self.journal(rows, source)

    def check_types(self, rows: list[Any]) -> None:
        """What the store would refuse at commit: a business field whose type differs from earlier calls'.
        Checked here, before the answer, because the store sees the rows only after the 2xx."""
        from agentctl.calls.record import RecordError
        from agentctl.calls.store import sql_type_of

        known, seen = self.business_types, dict[str, str]()
        for row in rows:
            for name, value in row.business.items():
                try:
                    wanted = sql_type_of(value)
                except KeyError:
                    raise RecordError(f"'business.{name}' is a {type(value).__name__}, which no column can hold") from None
                if wanted is None:
                    continue
                have = known.get(name) or seen.get(name)
                if have is not None and have != wanted:
                    raise RecordError(f"'business.{name}' is {type(value).__name__} here but earlier calls stored it "
                                      f"as {have}")
                seen[name] = wanted
        known.update(seen)

    async def journal(self, rows: list[Any], source: str) -> int:
        try:
            stored: int = await self.writer.write(rows, source)
        except OSError as exc:
            raise Refused(503, f"cannot journal the call: {exc}", "retry; the server's disk needs attention") from None
        return stored

    async def post_calls(self, body: bytes) -> dict[str, Any]:
        from agentctl.calls.ingest import map_record
        from agentctl.calls.record import RecordError, normalize

        records = _parse_records(body)
        rows, rejects = [], []
        for line, parsed in records:
            try:
                if isinstance(parsed, RecordError):
                    raise parsed
                rows.append(normalize(map_record(parsed, "auto", {}), self.ctx))
            except RecordError as exc:
                rejects.append({"line": line, "reason": str(exc)})
        if rejects:
            raise_body = Refused(422, f"{len(rejects)} of {len(records)} records refused; nothing stored")
            raise_body.rejects = rejects[:50]  # type: ignore[attr-defined]
            raise raise_body
        if not rows:
            raise Refused(400, "no call records in the body", "send a JSON object, a JSON array or JSON lines")
        try:
            self.check_types(rows)
        except RecordError as exc:
            raise Refused(422, f"call records refused: {exc}; nothing stored") from None
        return {"stored": await self.journal(rows, "serve:api")}

    def v1_resolve(self, params: dict[str, str]) -> dict[str, Any]:
        from agentctl.platforms import FORMATS, render

        agent, key = params.get("agent"), params.get("key")
        if not agent or not key:
            raise Refused(400, "agent and key are required", "GET /v1/resolve?agent=NAME&key=CALLER&env=ENV")
        env = params.get("env") or self.settings.environments[0]
        fmt = params.get("format") or "agentctl"
        if fmt not in FORMATS:
            raise Refused(400, f"unknown format '{fmt}'", f"use one of: {', '.join(FORMATS)}")
        if agent not in self.ctx.agents:
            raise Refused(404, f"unknown agent '{agent}'", f"agents: {', '.join(self.agents)}")
        resolution = self.resolve("api", Route(agent, env), key)
        return render(fmt, resolution, retell_bundles=self.settings.retell_bundles)


_STORED_ONE = RawJSON(b'{"stored":1}')


def _stored(count: int) -> dict[str, Any] | RawJSON:
    return _STORED_ONE if count == 1 else {"stored": count}


def _mapped(mapper: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]], payload: dict[str, Any]) -> Any:
    """The platform payload as a call record; a payload of the wrong shape is the sender's problem (422)."""
    from agentctl.calls.record import RecordError

    try:
        return mapper(payload, {})
    except RecordError as exc:
        raise Refused(422, f"call record refused: {exc}") from None
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        raise Refused(422, f"cannot read this payload: {type(exc).__name__}: {exc}") from None


def _parse_records(body: bytes) -> list[tuple[int, Any]]:
    from agentctl.calls.record import RecordError

    text = body.decode("utf-8", errors="replace")
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    else:
        if isinstance(whole, list):
            return [(i + 1, r) for i, r in enumerate(whole)]
        return [(1, whole)]
    out: list[tuple[int, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append((number, json.loads(line)))
        except ValueError as exc:
            out.append((number, RecordError(f"bad JSON: {exc}")))
    return out


def create_app(service: Service) -> Any:
    """The ASGI application: the platform webhooks on a plain ASGI path (the hot path: one call record per
    request, where Starlette's routing, request and response objects were a third of the CPU), everything
    else through Starlette."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route as Path

    from agentctl.serve.signatures import ReplayGuard

    settings = service.settings
    metrics = service.metrics
    limit = settings.max_body_bytes
    too_big = f"request body over {limit} bytes"

    async def read_body(request: Request) -> bytes:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            raise Refused(413, too_big)
        size, chunks = 0, []
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Refused(413, too_big)
            chunks.append(chunk)
        return b"".join(chunks)

    def handler(endpoint: str, run: Callable[[Request], Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
        async def respond(request: Request) -> Response:
            status, body = await answer(endpoint, run(request))
            if isinstance(body, Response):
                metrics.request(endpoint, body.status_code)
                return body
            return Response(body, status_code=status, media_type="application/json")
        return respond

    async def answer(endpoint: str, work: Awaitable[Any]) -> tuple[int, Any]:
        """(status, encoded JSON body — or a Starlette Response as it is) for a handler's result or refusal."""
        try:
            result = await work
            if isinstance(result, Response):
                return result.status_code, result
            status, body = 200, (result.body if isinstance(result, RawJSON) else _encode(result))
        except Refused as exc:
            error = exc.body()
            if hasattr(exc, "rejects"):
                error["rejects"] = exc.rejects
            status, body = exc.status, _encode(error)
        except Exception as exc:  # noqa: BLE001 - a bug, not input: one JSON line, full trace in the log
            log.exception("unexpected error on %s", endpoint)
            status, body = 500, _encode({"error": f"internal error: {type(exc).__name__}"})
        metrics.request(endpoint, status)
        return status, body

    vapi_replays = ReplayGuard(settings.vapi_hmac.tolerance_s) if settings.vapi_hmac else None

    async def vapi(headers: dict[str, str], body: bytes, method: str, url: Callable[[], str]) -> Any:
        from agentctl.serve.signatures import check_vapi, check_vapi_hmac

        secret = settings.secrets.get("vapi")
        if secret is not None:
            problem = (check_vapi_hmac(headers, body, secret, settings.vapi_hmac, vapi_replays, method=method,
                                       url=url())
                       if settings.vapi_hmac else check_vapi(headers, secret))
            if problem:
                raise Refused(401, problem)
        return await service.vapi(_parse_json(body))

    async def retell(headers: dict[str, str], body: bytes, method: str, url: Callable[[], str]) -> Any:
        from agentctl.serve.signatures import check_retell

        secret = settings.secrets.get("retell")
        if secret is not None:
            problem = check_retell(headers, body, secret, settings.retell_tolerance_s)
            if problem:
                raise Refused(401, problem)
        return await service.retell(_parse_json(body))

    webhooks: dict[str, tuple[str, Callable[[dict[str, str], bytes, str, Callable[[], str]], Awaitable[Any]]]] = {
        "/webhooks/vapi": ("vapi", vapi), "/webhooks/retell": ("retell", retell)}

    async def webhook(scope: dict[str, Any], receive: Any, send: Any) -> None:
        endpoint, run = webhooks[scope["path"]]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}

        async def work() -> Any:
            body = await _receive_body(receive, headers, limit, too_big)
            return await run(headers, body, scope["method"], lambda: _url(scope, headers))

        status, body = await answer(endpoint, work())
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]})
        await send({"type": "http.response.body", "body": body})

    def headers_of(request: Request) -> dict[str, str]:
        return {k.lower(): v for k, v in request.headers.items()}

    def check_token(request: Request) -> None:
        from agentctl.serve.signatures import check_bearer

        token = settings.secrets.get("api")
        if token is not None:
            problem = check_bearer(headers_of(request), token)
            if problem:
                raise Refused(401, problem)

    async def v1_resolve(request: Request) -> Any:
        check_token(request)
        return service.v1_resolve(dict(request.query_params))

    async def v1_calls(request: Request) -> Any:
        body = await read_body(request)
        check_token(request)
        return await service.post_calls(body)

    async def metrics_endpoint(request: Request) -> Any:
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(metrics.exposition(service.live), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Any:
        import os

        return {"status": "ok", "pid": os.getpid()}  # which worker answered (with --workers N)

    async def readyz(request: Request) -> Any:
        status = service.live.status()
        if not service.live.loaded:
            return JSONResponse({"status": "not ready", **status}, status_code=503)
        # a broken fetch keeps serving the last good state: still ready, but it says so
        return {"status": "stale" if status["error"] else "ready", **status, "journal": service.writer.status(),
                "settings": settings.to_dict()}

    async def lifespan_start() -> None:
        service.live.start()

    async def lifespan_stop() -> None:
        service.live.stop()
        service.writer.close()
        await service.tools.close()

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        await lifespan_start()
        try:
            yield
        finally:
            await lifespan_stop()

    async def wrong_method(request: Request) -> Any:
        return JSONResponse({"error": "method not allowed", "fix": "POST the platform's webhook here"},
                            status_code=405, headers={"Allow": "POST"})

    routes = [
        Path("/webhooks/vapi", wrong_method), Path("/webhooks/retell", wrong_method),
        Path("/v1/resolve", handler("resolve", v1_resolve), methods=["GET"]),
        Path("/v1/calls", handler("calls", v1_calls), methods=["POST"]),
        Path("/metrics", handler("metrics", metrics_endpoint), methods=["GET"]),
        Path("/healthz", handler("healthz", healthz), methods=["GET"]),
        Path("/readyz", handler("readyz", readyz), methods=["GET"]),
    ]
    rest = Starlette(routes=routes, lifespan=lifespan)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in webhooks:
            await webhook(scope, receive, send)
        else:
            await rest(scope, receive, send)

    return app


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise Refused(400, f"malformed JSON: {exc}") from None


async def _receive_body(receive: Any, headers: dict[str, str], limit: int, too_big: str) -> bytes:
    """The request body from ASGI messages, refused (413) as soon as it is known to be over `limit`."""
    length = headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise Refused(413, too_big)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused(400, "the client disconnected before sending the whole body")
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise Refused(413, too_big)
            chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _url(scope: dict[str, Any], headers: dict[str, str]) -> str:
    """The request URL as Starlette's `request.url` spells it (what an HMAC `{url}` payload signs)."""
    host = headers.get("host")
    if host is None:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    path = scope.get("root_path", "") + scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{scope.get('scheme', 'http')}://{host}{path}" + (f"?{query}" if query else "")
