"""Ways to execute a test case: command, http, openai-compatible and replay."""
