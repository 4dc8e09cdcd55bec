"""What `agentctl serve` runs with: the `serve:` section of agentctl.yaml, the command line and secrets."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from agentctl.errors import BadInputError

PLATFORMS = ("vapi", "retell", "api")
DEFAULT_SECRET_ENV = {"vapi": "VAPI_WEBHOOK_SECRET", "retell": "RETELL_API_KEY", "api": "AGENTCTL_SERVE_TOKEN"}
DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_POLL_S = 2.0


@dataclass
class Route:
    agent: str
    env: str


@dataclass
class HmacPlan:
    """How Vapi signs with an HMAC credential (Vapi's HMACAuthenticationPlan; defaults are Vapi's)."""

    algorithm: str = "sha256"
    signature_header: str = "x-signature"
    timestamp_header: str = "x-timestamp"
    signature_prefix: str = ""
    include_timestamp: bool = True
    payload_format: str = "{timestamp}.{body}"
    signature_encoding: str = "hex"
    secret_is_base64: bool = False
    tolerance_s: float = 300.0

    @classmethod
    def from_config(cls, data: dict[str, Any]) -> HmacPlan:
        plan = cls()
        for name in ("algorithm", "signature_header", "timestamp_header", "signature_prefix", "payload_format",
                     "signature_encoding"):
            if data.get(name) is not None:
                setattr(plan, name, str(data[name]))
        for name in ("include_timestamp", "secret_is_base64"):
            if data.get(name) is not None:
                setattr(plan, name, bool(data[name]))
        if data.get("tolerance_s") is not None:
            plan.tolerance_s = float(data["tolerance_s"])
        plan.signature_header, plan.timestamp_header = plan.signature_header.lower(), plan.timestamp_header.lower()
        return plan


@dataclass
class ServeSettings:
    environments: list[str]
    poll_interval_s: float = DEFAULT_POLL_S
    max_body_bytes: int = DEFAULT_MAX_BODY
    store_retry_s: float = 10.0
    secrets: dict[str, str | None] = field(default_factory=dict)  # platform → secret (None: unsigned allowed)
    vapi_numbers: dict[str, Route] = field(default_factory=dict)
    retell_numbers: dict[str, Route] = field(default_factory=dict)
    retell_agents: dict[str, Route] = field(default_factory=dict)
    retell_bundles: dict[str, Any] = field(default_factory=dict)
    retell_tolerance_s: float = 300.0
    vapi_tool_urls: dict[str, str] = field(default_factory=dict)  # tool contract → backend URL for tool-calls
    vapi_hmac: HmacPlan | None = None  # set: Vapi requests must carry this HMAC signature instead of X-Vapi-Secret
    unsigned: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Without secret values (what start-up prints and /readyz shows)."""
        return {"environments": self.environments, "poll_interval_s": self.poll_interval_s,
                "max_body_bytes": self.max_body_bytes, "unsigned": self.unsigned,
                "platforms": {p: ("unsigned" if s is None else "hmac" if p == "vapi" and self.vapi_hmac else "signed")
                              for p, s in self.secrets.items()}}


def load_settings(config: Any, *, envs: list[str] | None = None, allow_unsigned: list[str] | None = None,
                  environ: dict[str, str] | None = None) -> ServeSettings:
    """Settings from a validated Config; a platform without its secret is refused unless allowed unsigned."""
    environ = dict(os.environ) if environ is None else environ
    data: dict[str, Any] = config.data.get("serve") or {}
    known = list(config.environments)
    served = list(envs or data.get("environments") or [])
    if not served:
        production = [n for n, spec in config.environments.items() if (spec or {}).get("production")]
        served = production or [config.default_environment]
    for env in served:
        if env not in known:
            raise BadInputError(f"unknown environment '{env}' to serve",
                                f"use one from agentctl.yaml: {', '.join(known)}")
    platforms = data.get("platforms") or {}
    vapi, retell = platforms.get("vapi") or {}, platforms.get("retell") or {}
    hmac = vapi.get("hmac")
    vapi_env = ((hmac.get("secret_env") or "VAPI_HMAC_SECRET") if isinstance(hmac, dict)
                else vapi.get("secret_env") or DEFAULT_SECRET_ENV["vapi"])
    names = {"vapi": vapi_env,
             "retell": retell.get("api_key_env") or DEFAULT_SECRET_ENV["retell"],
             "api": data.get("token_env") or DEFAULT_SECRET_ENV["api"]}
    unsigned = sorted(set(allow_unsigned or []))
    for platform in unsigned:
        if platform not in PLATFORMS:
            raise BadInputError(f"unknown platform '{platform}' for --allow-unsigned", f"use one of: {', '.join(PLATFORMS)}")
    secrets: dict[str, str | None] = {}
    missing = []
    for platform, var in names.items():
        value = environ.get(var) or None
        if value is None and platform not in unsigned:
            missing.append(f"{platform} ({var})")
        secrets[platform] = value
    if missing:
        raise BadInputError(f"no secret set for {', '.join(missing)}: refusing to accept unsigned requests",
                            "export the variable(s), or for local testing pass --allow-unsigned PLATFORM")

    def routes(mapping: Any) -> dict[str, Route]:
        out = {}
        for key, value in (mapping or {}).items():
            agent, env = (value, served[0]) if isinstance(value, str) else (value["agent"], value.get("env") or served[0])
            if env not in served:
                raise BadInputError(f"serve: {key} routes to environment '{env}', which is not served",
                                    f"add it to serve.environments or --env (served: {', '.join(served)})")
            out[str(key)] = Route(agent, env)
        return out

    return ServeSettings(
        environments=served, poll_interval_s=float(data.get("poll_interval_s") or DEFAULT_POLL_S),
        max_body_bytes=int(data.get("max_body_bytes") or DEFAULT_MAX_BODY),
        store_retry_s=float(data.get("store_retry_s", 10.0)), secrets=secrets,
        vapi_numbers=routes(vapi.get("numbers")), retell_numbers=routes(retell.get("numbers")),
        retell_agents=routes(retell.get("agents")), retell_bundles=dict(retell.get("bundles") or {}),
        retell_tolerance_s=float(retell.get("tolerance_s") or 300.0), unsigned=unsigned,
        vapi_tool_urls={str(k): str(v) for k, v in (vapi.get("tool_urls") or {}).items()},
        vapi_hmac=HmacPlan.from_config(hmac) if isinstance(hmac, dict) else None)
