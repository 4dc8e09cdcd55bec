"""Prometheus metrics of the service (exposed on GET /metrics).

One process: its own registry. With `--workers N`, serve points PROMETHEUS_MULTIPROC_DIR at a temporary
directory before the workers start; prometheus_client then keeps every worker's values in files there
and /metrics (whichever worker answers) aggregates them with its MultiProcessCollector: counters and
histograms summed over workers, the state gauges the worst (max) of any live worker.

Tool calls are counted twice over — by HTTP verdict and by contract verdict — so a dashboard
shows the founding incident as it happens: HTTP "ok" climbing while contract "fail" climbs too.
"""

from __future__ import annotations

from typing import Any

from agentctl.calls.record import CallRows


def _verdict(value: bool | None) -> str:
    return "unknown" if value is None else ("ok" if value else "fail")


class ServeMetrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.routed = Counter("agentctl_routed_calls", "Calls routed to a bundle",
                              ["platform", "agent", "env", "bundle", "track"], registry=self.registry)
        self.calls = Counter("agentctl_calls", "Call records stored", ["agent", "env", "bundle", "outcome"],
                             registry=self.registry)
        self.tools = Counter("agentctl_tool_calls", "Tool calls stored, by HTTP and by contract-judged verdict",
                             ["agent", "env", "bundle", "tool", "http_verdict", "contract_verdict"],
                             registry=self.registry)
        self.live_tools = Counter("agentctl_live_tool_calls", "Tool calls agentctl made for Vapi tool-calls, by HTTP "
                                  "and by contract-judged verdict",
                                  ["agent", "env", "bundle", "tool", "http_verdict", "contract_verdict"],
                                  registry=self.registry)
        self.resolve_seconds = Histogram("agentctl_resolve_seconds", "Time to route a call and render its answer",
                                         ["platform"], registry=self.registry,
                                         buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0))
        self.requests = Counter("agentctl_http_requests", "Requests by endpoint and status", ["endpoint", "status"],
                                registry=self.registry)
        self.commits = Counter("agentctl_store_commits", "Commits of journaled calls into the call store", registry=self.registry)
        self.batch_calls = Histogram("agentctl_store_commit_calls", "Call events per store commit",
                                     registry=self.registry, buckets=(1, 5, 20, 50, 100, 200, 500, 1000, 5000))
        self._requests: dict[tuple[str, int], Any] = {}  # label children, looked up once
        self._calls: dict[tuple[str, str, int, str], Any] = {}
        self._tools: dict[tuple[str, str, int, str, str, str], Any] = {}
        self.state_reloads = Gauge("agentctl_state_reloads", "Times the deployment state was (re)loaded",
                                   registry=self.registry, multiprocess_mode="livemax")
        self.state_stale = Gauge("agentctl_state_stale", "1 while the deployment ref cannot be read/fetched",
                                 registry=self.registry, multiprocess_mode="livemax")

    def request(self, endpoint: str, status: int) -> None:
        key = (endpoint, status)
        child = self._requests.get(key)
        if child is None:
            child = self._requests[key] = self.requests.labels(endpoint, str(status))
        child.inc()

    def committed(self, calls: int) -> None:
        """The drainer stored `calls` call events in one store commit."""
        self.commits.inc()
        self.batch_calls.observe(calls)

    def stored(self, rows: list[CallRows]) -> None:
        """Call records made durable (journaled) and answered 2xx."""
        for row in rows:
            call = row.call
            agent, env, version = call["agent"], call["environment"], call["bundle_version"]
            key = (agent, env, version, call["outcome"])
            child = self._calls.get(key)
            if child is None:
                child = self._calls[key] = self.calls.labels(agent, env, f"{agent}@v{version}", call["outcome"])
            child.inc()
            for tool in row.tools:
                tkey = (agent, env, version, tool["tool"], _verdict(tool["http_ok"]), _verdict(tool["contract_ok"]))
                tchild = self._tools.get(tkey)
                if tchild is None:
                    tchild = self._tools[tkey] = self.tools.labels(agent, env, f"{agent}@v{version}", *tkey[3:])
                tchild.inc()

    def exposition(self, live: Any) -> bytes:
        from prometheus_client import generate_latest

        self.state_reloads.set(live.reloads)
        self.state_stale.set(1 if live.error else 0)
        if multiprocess_dir():
            from prometheus_client import CollectorRegistry, multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return bytes(generate_latest(registry))
        return bytes(generate_latest(self.registry))


def multiprocess_dir() -> str | None:
    """The directory worker processes share their metrics through (set by `serve --workers N`)."""
    import os

    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
