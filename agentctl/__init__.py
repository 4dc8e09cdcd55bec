"""agentctl: git-native versioning, testing and deployment for production voice agents."""

__version__ = "0.1.0"


def resolve(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Python API for runtimes: `agentctl.resolve(root, agent, key=..., env=...)` (see agentctl.ops.resolve)."""
    from agentctl.ops.resolve import resolve as _resolve

    return _resolve(*args, **kwargs)
