from agentctl.cli.main import entrypoint

entrypoint()
