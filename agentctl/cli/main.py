"""Entry point: a lazily-loading click group, and the one place errors become exit codes.

Commands are listed in COMMANDS as import paths with their one-line help, so `agentctl
--help` and `agentctl --version` load no command module (and so no heavy library).
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from typing import Any

import click

from agentctl import __version__
from agentctl.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, AgentctlError

_PATH_ERRNOS = {errno.ENAMETOOLONG, errno.ELOOP}

# name → (module:attribute, short help). Groups are registered the same way.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("agentctl.cli.init:init", "Create a config repo with the example Install Reminder agent."),
    "validate": ("agentctl.cli.validate:validate", "Check every config file against its schema and each other."),
    "schema": ("agentctl.cli.schema:schema", "Print the JSON Schema of a config file kind."),
    "release": ("agentctl.cli.release:release", "Pin an agent's components into the next immutable bundle AGENT@vN."),
    "history": ("agentctl.cli.history:history", "List an agent's releases (or an artifact's versions) with notes and tests."),
    "show": ("agentctl.cli.show:show", "Show a released bundle exactly as pinned, read from git objects."),
    "diff": ("agentctl.cli.diff:diff", "What changed between two bundles, or from a bundle to the working tree."),
    "verify": ("agentctl.cli.verify:verify", "Check every file a bundle pins against its recorded hashes."),
    "kb": ("agentctl.cli.kb:kb", "Knowledge-base manifests: snapshot a folder of documents."),
    "test": ("agentctl.cli.test:test", "Run an agent's unit, boundary and e2e test suites."),
    "contracts": ("agentctl.cli.contracts:contracts", "Diff, list, live-test and import tool contracts."),
    "ci": ("agentctl.cli.ci:ci", "Gate a pull request: check only what the change affects."),
    "calls": ("agentctl.cli.calls:calls", "Ingest production call records (JSONL, CSV, Vapi, Retell)."),
    "metrics": ("agentctl.cli.metrics:metrics", "Show the declared metrics computed from stored calls."),
    "check": ("agentctl.cli.check:check", "Daily checks of every metric against thresholds and trend."),
    "simulate": ("agentctl.cli.simulate:simulate", "Generate seeded call records with injected faults."),
    "report": ("agentctl.cli.report:report", "Write the monthly business review with charts and change markers."),
    "canary": ("agentctl.cli.canary:canary", "Judge a canary against stable; promote or roll back automatically."),
    "demo": ("agentctl.cli.demo:demo", "Replay the SMS-gateway incident end to end in a temporary repo (< 1 min)."),
    "deploy": ("agentctl.cli.rollout:deploy", "Deploy a released bundle to an environment as a canary."),
    "promote": ("agentctl.cli.rollout:promote", "Move a canary to its next rollout step."),
    "abort": ("agentctl.cli.rollout:abort", "Set a canary's weight to 0; stable keeps all traffic."),
    "rollback": ("agentctl.cli.rollout:rollback", "Make a known-good bundle stable at 100% now."),
    "disable": ("agentctl.cli.disable:disable", "Take agents out of service (escalation policy applies)."),
    "enable": ("agentctl.cli.disable:enable", "Put disabled agents back in service."),
    "approve": ("agentctl.cli.disable:approve", "Approve a pending request and carry it out."),
    "status": ("agentctl.cli.status:status", "Show what runs where: stable, canary, weight, step, window."),
    "log": ("agentctl.cli.status:log", "Show every deployment action on an agent: who, when, why."),
    "window": ("agentctl.cli.window:window", "Say whether the change window is open and when it next opens."),
    "resolve": ("agentctl.cli.resolve:resolve", "Show which bundle a call key gets, with its config."),
    "export": ("agentctl.cli.resolve:export", "Write an environment's resolved state as JSON for runtimes."),
    "runbook": ("agentctl.cli.runbook:runbook", "Owned runbooks for failure modes; run their command steps."),
    "review": ("agentctl.cli.review:review", "The weekly call review: sample, score, close into the backlog, trend."),
    "serve": ("agentctl.cli.serve:serve", "Serve live calls: route Vapi/Retell calls to bundles, ingest their records."),
    "completion": ("agentctl.cli.completion:completion", "Print the shell completion script (bash, zsh, fish)."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when invoked."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            import importlib

            from agentctl.cli.completion import attach

            module, attr = self.lazy[name][0].split(":")
            command: click.Command = getattr(importlib.import_module(module), attr)
            attach(command, (name,))
            return command
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][1]) for name in sorted(self.lazy)]
        rows += [(n, c.get_short_help_str()) for n, c in sorted(self.commands.items()) if n not in self.lazy]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(sorted(rows))


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="agentctl", message="%(prog)s %(version)s")
def cli() -> None:
    """Version, test and deploy production voice agents from a git repo.

    Exit codes: 0 ok, 1 check or gate failed, 2 bad input or config, 3 refused by policy,
    4 conflict (someone changed the state first), 130 interrupted, 70 internal error.
    With --json, an error is also printed on stdout as {"error": ..., "fix": ..., "exit_code": N}.

    \b
    Examples:
      agentctl init voice-config && cd voice-config
      agentctl validate && agentctl test install-reminder
      agentctl release install-reminder -m "Confirm the install date before the SMS"
      agentctl deploy install-reminder --env production
      agentctl status --env production
      eval "$(agentctl completion bash)"      # tab-complete agents, environments, bundles
    """


def main(argv: Sequence[str] | None = None) -> int:
    """Run agentctl with `argv` and return the exit code (never raises)."""
    from agentctl.cli.options import forget_json_request

    forget_json_request()
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        result = cli.main(args=args, prog_name="agentctl", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("agentctl: interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        if _wants_json(args):
            _emit_error_json(exc.format_message(), _usage_fix(exc), exc.exit_code)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("agentctl: interrupted", err=True)
        return EXIT_INTERRUPTED
    except AgentctlError as exc:
        return _report(exc, args)
    except OSError as exc:
        if exc.errno not in _PATH_ERRNOS:
            return _internal(exc, argv)
        # a path built from an argument the filesystem refuses (a 300-character name, a symlink loop): bad input
        name = str(exc.filename or "")
        shown = name if len(name) <= 80 else f"{name[:77]}..."
        click.echo(f"agentctl: {exc.strerror or exc}: {shown} — shorten the name or fix the path "
                   "(names have at most 63 characters)", err=True)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, plus a log
        return _internal(exc, argv)
    return result if isinstance(result, int) else EXIT_OK


def _report(exc: AgentctlError, argv: Sequence[str] | None) -> int:
    from agentctl.cli.render import print_error

    print_error(exc)
    if _wants_json(list(argv) if argv is not None else sys.argv[1:]):
        _emit_error_json(exc.message, exc.fix, exc.exit_code, exc)
    return exc.exit_code


def _wants_json(args: Sequence[str]) -> bool:
    """--json was given: seen by the option itself, or (when parsing failed before it) among the arguments."""
    from agentctl.cli.options import json_requested

    head = args[: args.index("--")] if "--" in args else args
    return json_requested() or "--json" in head


def _usage_fix(exc: click.ClickException) -> str:
    ctx = getattr(exc, "ctx", None)
    return f"see `{ctx.command_path} --help`" if isinstance(ctx, click.Context) else "see `agentctl --help`"


def _emit_error_json(error: str, fix: str | None, exit_code: int, exc: AgentctlError | None = None) -> None:
    """The error of a --json run, on stdout, so a script reading stdout never parses an empty document."""
    import json

    from agentctl.errors import ValidationFailed

    document: dict[str, object] = {"error": error, "fix": fix, "exit_code": exit_code}
    if isinstance(exc, ValidationFailed):
        document["diagnostics"] = [d.to_dict() for d in exc.diagnostics]
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


_DAMAGED_STORE = ("Corrupt database", "not a valid DuckDB", "checksum")


def _internal(exc: Exception, argv: Sequence[str] | None) -> int:
    from agentctl.cli.crashlog import write_crash_log

    if type(exc).__module__.lstrip("_") == "duckdb" and any(s in str(exc) for s in _DAMAGED_STORE):
        # damage found after the store opened (open_store reports it at open): the same fix, never DuckDB's words
        from agentctl.errors import BadInputError

        return _report(BadInputError("the call store is damaged, so it cannot be read",
                                     "move it aside (metrics_source.path in agentctl.yaml, default "
                                     ".agentctl/calls.duckdb) and re-ingest the call records with "
                                     "`agentctl calls ingest FILE…`"), argv)
    path = write_crash_log(exc, argv)
    what = (f"the call store failed ({type(exc).__name__}; the log has DuckDB's message)"
            if type(exc).__module__.lstrip("_") == "duckdb" else f"{type(exc).__name__}: {exc}")
    click.echo(f"agentctl: internal error: {what} (full trace in {path})", err=True)
    if _wants_json(list(argv) if argv is not None else sys.argv[1:]):
        _emit_error_json(f"internal error: {what}", f"report it with the log {path}", EXIT_INTERNAL)
    return EXIT_INTERNAL


def entrypoint() -> None:
    sys.exit(main())
