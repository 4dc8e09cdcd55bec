"""Live contract test: send a contract's probes to a sandbox backend and judge every answer.

A backend passes when each example succeeds by the contract's own success criteria (not just
HTTP 2xx) and each invalid request is refused. Network failures are results of one probe, not
exceptions, so one slow endpoint cannot hide what the other probes found.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from agentctl.contracts.probes import SMELL, Probe, path_params, plan_probes
from agentctl.errors import BadInputError, NotFoundError

DEFAULT_TIMEOUT_S = 10.0
PARALLEL_PROBES = 4
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class ProbeResult:
    name: str
    result: str  # "pass" | "fail" | "error"
    reason: str
    status: int | None = None
    latency_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "result": self.result, "reason": self.reason, "status": self.status,
                "latency_ms": self.latency_ms}


@dataclass
class VerifyReport:
    tool: str
    version: str
    url: str
    probes: list[ProbeResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(p.result == "pass" for p in self.probes)

    def count(self, result: str) -> int:
        return sum(1 for p in self.probes if p.result == result)

    def to_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "version": self.version, "url": self.url, "ok": self.ok,
                "summary": {r: self.count(r) for r in ("pass", "fail", "error")},
                "probes": [p.to_dict() for p in self.probes]}

    def to_junit(self) -> str:
        """JUnit XML: one testcase per probe, so CI systems show each probe's reason."""
        import xml.etree.ElementTree as ET

        seconds = sum(p.latency_ms or 0 for p in self.probes) / 1000
        suites = ET.Element("testsuites")
        suite = ET.SubElement(suites, "testsuite", name=f"contracts verify {self.tool}", tests=str(len(self.probes)),
                              failures=str(self.count("fail")), errors=str(self.count("error")), time=f"{seconds:.3f}")
        for probe in self.probes:
            case = ET.SubElement(suite, "testcase", classname=f"{self.tool}@{self.version}", name=probe.name,
                                 time=f"{(probe.latency_ms or 0) / 1000:.3f}")
            if probe.result != "pass":
                tag = "failure" if probe.result == "fail" else "error"
                ET.SubElement(case, tag, message=probe.reason).text = probe.reason
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def target_url(contract: dict[str, Any], *, base_url: str | None, env: str | None) -> str:
    """The URL to test: `base_url` replaces scheme and host of backend.url; `env` picks an environment."""
    backend = contract["backend"]
    if (base_url is None) == (env is None):
        raise BadInputError("pass exactly one of --base-url URL or --env ENV",
                            "verify only calls the backend you name, e.g. a sandbox")
    if env is not None:
        environments = backend.get("environments") or {}
        if env not in environments:
            raise NotFoundError(f"{contract['name']} has no backend for environment '{env}'",
                                f"add backend.environments.{env}, or use one of: {', '.join(environments) or 'none'}")
        return str(environments[env])
    assert base_url is not None
    base = urlsplit(base_url)
    if base.scheme not in ("http", "https") or not base.netloc:
        raise BadInputError(f"--base-url {base_url!r} is not an http(s) URL", "write it like http://127.0.0.1:8080")
    original = urlsplit(str(backend["url"]))
    path = original.path + (f"?{original.query}" if original.query else "")
    return base_url.rstrip("/") + path


def substitute_secrets(contract: dict[str, Any], text: str, environ: Mapping[str, str]) -> str:
    """Replace ${NAME} with the environment variable NAME, which backend.secrets must list."""
    declared = set(contract["backend"].get("secrets") or [])

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in declared:
            raise BadInputError(f"{contract['name']} uses ${{{name}}}, which is not listed in backend.secrets",
                                f"add {name} to backend.secrets (secrets come from environment variables)")
        if name not in environ:
            raise BadInputError(f"environment variable {name} is not set (a secret of {contract['name']})",
                                f"export {name}=... before running verify; secrets are never read from files")
        return environ[name]

    return _PLACEHOLDER.sub(value, text)


def run_verify(contract: dict[str, Any], *, base_url: str | None = None, env: str | None = None,
               timeout: float | None = None, environ: Mapping[str, str] | None = None) -> VerifyReport:
    """Plan the probes, send them (a few at a time) and judge each answer."""
    import httpx

    environ = os.environ if environ is None else environ
    url = substitute_secrets(contract, target_url(contract, base_url=base_url, env=env), environ)
    headers = {k: substitute_secrets(contract, v, environ) for k, v in (contract["backend"].get("headers") or {}).items()}
    probes = plan_probes(contract)
    if not probes:
        raise BadInputError(f"{contract['name']} has no example requests to send",
                            "add `examples:` with a request (and the response you expect)")
    limit = float(timeout or contract["backend"].get("timeout_s") or DEFAULT_TIMEOUT_S)
    base_request = probes[0].payload
    with httpx.Client(timeout=limit, headers=headers) as client, ThreadPoolExecutor(PARALLEL_PROBES) as pool:
        results = list(pool.map(lambda p: _run_one(client, contract, url, base_request, p, limit), probes))
    return VerifyReport(contract["name"], str(contract["version"]), url, results)


def _run_one(client: Any, contract: dict[str, Any], url: str, base: dict[str, Any], probe: Probe,
             limit: float) -> ProbeResult:
    import httpx

    method = contract["backend"]["method"]
    names = path_params(url)
    filled = url
    for name in names:  # path parameters always come from the example, so every probe hits the same route
        filled = filled.replace("{" + name + "}", str(base.get(name, "")))
    payload = {k: v for k, v in probe.payload.items() if k not in names}
    kwargs: dict[str, Any] = {"params": payload} if method in ("GET", "DELETE") else {"json": payload}
    started = time.perf_counter()
    try:
        response = client.request(method, filled, **kwargs)
    except httpx.TimeoutException:
        return ProbeResult(probe.name, "error", f"timed out after {limit:g} s", None, _ms(started))
    except httpx.HTTPError as exc:
        return ProbeResult(probe.name, "error", _network_reason(exc), None, _ms(started))
    latency = _ms(started)
    if probe.expect == "reject":
        return _judge_rejection(contract, probe, response, latency)
    result = _judge_example(contract, probe, response, latency)
    field = probe.name.removeprefix("optional omitted: ")
    if result.result == "fail" and field != probe.name:
        result.reason = (f"the contract says '{field}' may be left out, but the provider failed a request without "
                         f"it: {result.reason} — make '{field}' required again, or fix the provider")
    return result


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _network_reason(exc: Exception) -> str:
    import ssl

    chain: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and len(chain) < 10:
        chain.append(node)
        node = node.__cause__ or node.__context__
    if any(isinstance(e, ssl.SSLError) for e in chain) or "SSL" in str(exc) or "certificate" in str(exc):
        return f"TLS error: {str(exc) or type(exc).__name__}"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in str(exc).lower():
        return "connection refused"
    import socket

    if any(isinstance(e, socket.gaierror) for e in chain) or "Name or service not known" in str(exc):
        return f"cannot resolve the host name ({exc})"
    return f"request failed: {type(exc).__name__}: {str(exc) or 'no detail'}"


def _judge_rejection(contract: dict[str, Any], probe: Probe, response: Any, latency: float) -> ProbeResult:
    """An invalid request is refused when the answer is not a success by the contract's own criteria:
    an error status, or a 2xx whose body says it was not done (`200 {"status": "rejected"}`)."""
    from agentctl.contracts.success import judge_response

    status = response.status_code
    if not 200 <= status < 300:
        return ProbeResult(probe.name, "pass", f"rejected with HTTP {status}", status, latency)
    body, note = _json_body(response.text)
    judgement = judge_response(contract["success"], status, body)
    if not judgement.ok:
        return ProbeResult(probe.name, "pass", f"rejected in the body: HTTP {status}, success criteria not met "
                           f"({'; '.join(judgement.reasons)}{note})", status, latency)
    reason = (f"backend accepted {probe.accepted_means} (HTTP {status}, success criteria met) — {SMELL}: "
              + _consequence(probe))
    return ProbeResult(probe.name, "fail", reason, status, latency)


def _consequence(probe: Probe) -> str:
    if probe.name.startswith("missing required: "):
        return "requests missing it would be dropped without an error"
    return "invalid requests would be dropped without an error"


def _judge_example(contract: dict[str, Any], probe: Probe, response: Any, latency: float) -> ProbeResult:
    from agentctl.contracts.success import judge_response

    status = response.status_code
    success = contract["success"]
    allowed = success.get("status") or []
    if not (status in allowed if allowed else 200 <= status < 300):
        expected = " or ".join(map(str, allowed)) if allowed else "2xx"
        snippet = " ".join(response.text.split())[:120]
        return ProbeResult(probe.name, "fail", f"HTTP {status}, expected {expected}"
                           + (f": {snippet}" if snippet else ""), status, latency)
    body, note = _json_body(response.text)
    judgement = judge_response(success, status, body)
    if not judgement.ok:
        return ProbeResult(probe.name, "fail", f"HTTP {status} but success criteria not met: "
                           f"{'; '.join(judgement.reasons)}{note}", status, latency)
    problem = _schema_problem((contract.get("response") or {}).get("schema") or {}, body)
    if problem:
        return ProbeResult(probe.name, "fail", f"HTTP {status} but the response does not match response.schema: "
                           f"{problem}", status, latency)
    return ProbeResult(probe.name, "pass", f"HTTP {status}, success criteria met", status, latency)


def _json_body(text: str) -> tuple[Any, str]:
    if not text.strip():
        return None, " (empty body)"
    try:
        return json.loads(text), ""
    except ValueError:
        return None, " (body is not JSON)"


def _schema_problem(schema: dict[str, Any], body: Any) -> str:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(schema).iter_errors(body))
    if error is None:
        return ""
    where = ".".join(str(p) for p in error.absolute_path)
    return f"{error.message}" + (f" at {where}" if where else "")
