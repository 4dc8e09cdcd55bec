"""`agentctl serve`: the HTTP service that closes the loop between deployments and live calls.

    deploy → (ref moves) → LiveState re-reads it → a platform asks which assistant to use →
    sticky-routed bundle → the call runs → end-of-call webhook → journal (fsync'd, then 200) →
    drainer → call store → canary evaluate / daily checks

Modules: settings (the `serve:` section and secrets), signatures (Vapi secret, Retell HMAC),
live (deployment state that follows refs/agentctl/deployments), journal + writer (durable
ingest: an fsync'd journal per process, one drainer into the store), metrics (Prometheus), app
(the webhook ASGI path and the Starlette routes), service (uvicorn). Starlette, uvicorn and
prometheus_client are imported only here, so no other command pays for them.
"""
