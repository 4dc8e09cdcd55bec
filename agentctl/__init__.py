"""agentctl: git-native versioning, testing and deployment for production voice agents."""

__version__ = "0.1.0"
