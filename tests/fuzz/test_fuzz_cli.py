"""Fuzz agentctl's command-line arguments: every argument a user can type ends in a clear exit code.

A seeded, bounded hypothesis run builds argument lists for the commands that take
bundle references, agent names, times, day counts, version shares, KB names and folders,
mixing the known crash shapes (`AGENT@v<5000 digits>`, 10k-character names, `--days 1e23`,
`--at 9999-12-31T23:59`, `--version 1=nan`, `/etc`, `/proc/self`) with random text. Every
case must exit 0-4 with no traceback and no internal error (exit 70).

AGENTCTL_FUZZ_ARGS_EXAMPLES sets the number of cases (default 1,000).
"""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentctl.cli.main import main
from agentctl.errors import EXIT_INTERNAL

EXAMPLES = int(os.environ.get("AGENTCTL_FUZZ_ARGS_EXAMPLES", "1000"))

NASTY = ["", " ", "-", "--", "@", "@v", "@latest", "install-reminder", "install-reminder@v1", "install-reminder@v0",
         "install-reminder@v" + "9" * 5000, "install-reminder@v" + "9" * 20, "a" * 10_000, "A@v1", "../x", "/etc",
         "/etc/passwd", "/proc/self", "/dev/null", "\x00", "é", "\u202e", "1e23", "-1", "0", "nan", "inf", "-inf",
         "1=nan", "1=inf", "1=-1", "1=2", "0=0.5", "v1=0.5", "99999999999999999999=1", "1=" + "9" * 400,
         "9999-12-31T23:59", "0001-01-01T00:00", "2026-02-30T10:00", "2026-12-04T10:00", "2026-12-04T10:00+25:00",
         "2026-12-04", "x" * 300, "%s%n", "{{x}}", "$(id)", "`id`", "*", "?", "~", "~/x"]

text = st.one_of(st.sampled_from(NASTY), st.text(max_size=30), st.text(alphabet="0123456789.e-+=v@", max_size=30))


@st.composite
def command_line(draw: st.DrawFn, repo: str, scratch: str) -> list[str]:
    a, b = draw(text), draw(text)
    shapes = [
        ["show", a], ["history", a], ["verify", a], ["diff", a, b], ["diff", a],
        ["window", "--at", a], ["window", "--at", a, "--env", b],
        ["status", "--env", a], ["log", a], ["resolve", a], ["resolve", a, "--env", b],
        ["release", a, "-m", b],
        ["simulate", "--version", a, "--days", "1", "--calls-per-day", "1", "--out", f"{scratch}/sim.jsonl"],
        ["simulate", "--days", a, "--calls-per-day", "0", "--out", f"{scratch}/sim.jsonl"],
        ["simulate", "--start", a, "--calls-per-day", "0", "--out", f"{scratch}/sim.jsonl"],
        ["simulate", "--calls-per-day", a, "--days", "1", "--version", "1", "--out", f"{scratch}/sim.jsonl"],
        ["kb", "snapshot", a, b], ["kb", "snapshot", "install-faq", a],
        ["init", a, "--no-commit"],
        ["schema", a], ["validate", a],
    ]
    args = draw(st.sampled_from(shapes))
    if args[0] in ("simulate", "init", "schema"):
        return args
    return [*args, "--repo", repo]


@pytest.fixture(scope="module")
def fuzz_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from agentctl.ops.init import init_repo

    root = tmp_path_factory.mktemp("fuzzargs") / "config"
    init_repo(root)
    return root


@pytest.mark.slow
def test_cli_arguments_never_crash(fuzz_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.chdir(scratch)  # `init` with a relative DIR lands here, never in the source tree
    outcomes: dict[int, int] = {}
    failures: list[str] = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(argv=command_line(str(fuzz_repo), str(scratch)))
    def run(argv: list[str]) -> None:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv)
        outcomes[code] = outcomes.get(code, 0) + 1
        output = out.getvalue() + err.getvalue()
        if code == EXIT_INTERNAL or code not in (0, 1, 2, 3, 4) or "Traceback" in output:
            failures.append(f"{[a[:60] for a in argv]} → {code}\n{output[-500:]}")

    run()
    print(f"argument fuzz: {sum(outcomes.values())} cases, exit codes {dict(sorted(outcomes.items()))}")
    assert sum(outcomes.values()) >= EXAMPLES * 0.8
    assert not failures, f"{len(failures)} crashes; first:\n" + "\n\n".join(failures[:4])


def test_a_deleted_working_directory_is_a_clear_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    for argv in (["validate"], ["status"], ["init"], ["kb", "snapshot", "install-faq", "docs"]):
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 2, (argv, err)
        assert "current directory no longer exists" in err or "cannot be resolved" in err, err
        assert "Traceback" not in err and "internal error" not in err


def test_the_crash_log_is_written_from_a_deleted_working_directory(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from agentctl.cli.crashlog import write_crash_log

    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    path = write_crash_log(RuntimeError("boom"), ["validate"])
    text = path.read_text("utf-8")
    assert "cwd: (unavailable:" in text and "RuntimeError: boom" in text


@pytest.mark.parametrize("argv, message", [
    (["show", "install-reminder@v" + "9" * 5000], "(5,018 characters) is not a bundle reference"),
    (["show", "a" * 10_000], "(10,000 characters) is not a bundle reference"),
    (["simulate", "--days", "1e23"], "'1e23' is not a valid integer range"),
    (["window", "--at", "9999-12-31T23:59"], "is out of range; use a time between 1970 and 9000"),
    (["simulate", "--version", "1=nan"], "the share must be a number from 0 to 1"),
    (["kb", "snapshot", "install-faq", "/etc"], "/etc is outside the repo"),
    (["init", "/proc/self"], "is not writable"),
])
def test_issue_arguments_exit_2_with_the_reason(argv: list[str], message: str, fuzz_repo: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    needs_repo = argv[0] not in ("simulate", "init")
    code = main([*argv, "--repo", str(fuzz_repo)] if needs_repo else argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err.replace("\n", " ") or message in " ".join(err.split()), err
    assert "Traceback" not in err and "internal error" not in err
