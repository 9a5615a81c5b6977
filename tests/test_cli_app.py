"""The ``monuv`` command's frame (monuv_async.cli.app): token, errors, exit codes, secrets.

Run in-process against a simulator over real loopback HTTP; a few tests run the
command in a subprocess, where signals and exit statuses are real."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from _async_helpers import ThreadedSimulator
from _cli_helpers import (
    CNPJ,
    TOKEN,
    cli,
    make_client,
    modules_loaded_by_run,
    subprocess_env,
    write_csv,
)

from monuv_async.cli import run
from monuv_async.testing import Fault, MonuvSimulator

# Never a real MONUV_TOKEN from the environment: every test gets the simulator's.
pytestmark = pytest.mark.usefixtures("cli_token")


def test_global_options_work_after_the_command(
    cli_sim: MonuvSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`monuv cameras options --base-url URL -v` works: global options go either side."""
    assert run(["cameras", "options", "--base-url", cli_sim.url, "-v"]) == 0
    captured = capsys.readouterr()
    assert "Hikvision" in captured.out
    assert "DEBUG monuv_async" in captured.err


def test_missing_token_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without MONUV_TOKEN or --token-file, a command needing the API exits 2, one clean line."""
    monkeypatch.delenv("MONUV_TOKEN")
    assert run(["cameras", "options"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "monuv: error: no token: set MONUV_TOKEN or give --token-file PATH"
    ]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A bad date or an empty token file is a usage error: exit 2, no traceback."""
    assert run(["events", "--since", "yesterday", "--until", "2026-11-20"]) == 2
    assert "not a date" in capsys.readouterr().err
    empty = tmp_path / "token"
    empty.write_text("\n")
    assert run(["--token-file", str(empty), "cameras", "options"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("monuv: error: the token file")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "content",
    [TOKEN.encode() + b"\n", b"\xef\xbb\xbf" + TOKEN.encode() + b"\r\n"],
    ids=["newline", "notepad-bom-crlf"],
)
def test_token_file_is_used(
    content: bytes,
    cli_sim: MonuvSimulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--token-file supplies the token when MONUV_TOKEN is unset: a trailing newline, or a
    file saved by Windows Notepad (UTF-8 BOM, CRLF), gives the token itself."""
    monkeypatch.delenv("MONUV_TOKEN")
    path = tmp_path / "token"
    path.write_bytes(content)
    assert run(["--base-url", cli_sim.url, "--token-file", str(path), "cameras", "options"]) == 0
    assert "Hikvision" in capsys.readouterr().out


def test_library_error_is_one_line_without_traceback(
    cli_sim: MonuvSimulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A MonuvError (a refused token) ends as exit 1 and exactly one `monuv: error:` line."""
    monkeypatch.setenv("MONUV_TOKEN", "not-the-right-token")
    assert cli(cli_sim, "cameras", "options") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("monuv: error: GET /api/v1/cameras/create?token=***: HTTP 401")
    assert "MONUV_TOKEN" in line  # the hint


def test_verbose_adds_traceback_and_request_log(
    cli_sim: MonuvSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """With -v, a failure shows its traceback and the request log, still ending in one line."""
    cli_sim.inject("camera_options", Fault.status(404))
    assert cli(cli_sim, "-v", "cameras", "options") == 1
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "NotFoundError" in err
    assert "DEBUG monuv_async" in err
    assert err.splitlines()[-1].startswith("monuv: error: ")


def test_keyboard_interrupt_exits_130_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (KeyboardInterrupt out of the event loop) exits 130 and prints nothing."""

    def interrupted(coro: Coroutine[Any, Any, int]) -> int:
        coro.close()
        raise KeyboardInterrupt

    monkeypatch.setattr("asyncio.run", interrupted)
    assert run(["cameras", "options"]) == 130
    assert capsys.readouterr() == ("", "")


def test_broken_pipe_is_quiet(cli_sim: MonuvSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader that goes away (`monuv events | head`) ends the command quietly, status 141."""

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    err = io.StringIO()
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    monkeypatch.setattr(sys, "stderr", err)
    assert cli(cli_sim, "events", "--since", "2026-11-19", "--until", "2026-11-20") == 141
    assert err.getvalue() == ""


def test_token_never_appears_in_any_output(
    served: ThreadedSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Across commands, failures and -v, no spelling of the token reaches any output or file."""
    cli_sim = served.sim
    client_id, [user_id] = make_client(served, users=1)
    source = write_csv(
        tmp_path / "p.csv", ["client_id", "description"], [[client_id, "A"], [999, "B"]]
    )
    cli_sim.inject("events", Fault.status(500), Fault.truncate())
    cli_sim.inject("create_camera", Fault.html(502))
    window = ["--since", "2026-11-19", "--until", "2026-11-20"]
    for verbose in ([], ["-v"]):
        cli(cli_sim, *verbose, "events", *window)
        cli(cli_sim, *verbose, "cameras", "options")
        cli(cli_sim, *verbose, "cameras", "provision", str(source))
        cli(cli_sim, *verbose, "clients", "block", CNPJ)
        cli(cli_sim, *verbose, "users", "unblock", str(user_id))
        cli(cli_sim, *verbose, "users", "block", "999")
    cli_sim.inject("*", Fault.status(401))
    cli(cli_sim, "-v", "cameras", "options")
    captured = capsys.readouterr()
    texts = [captured.out, captured.err, (tmp_path / "p.results.csv").read_text()]
    assert "DEBUG" in captured.err
    assert "***" in captured.err
    for text in texts:
        for spelling in (
            TOKEN,
            urllib.parse.quote(TOKEN, safe=""),
            urllib.parse.quote_plus(TOKEN),
            "Secret",
        ):
            assert spelling not in text


def test_ctrl_c_during_a_command_exits_130(cli_sim: MonuvSimulator) -> None:
    """SIGINT while a request is pending ends `python -m monuv_async` with 130 and no traceback."""
    cli_sim.latency = 30.0
    proc = subprocess.Popen(
        [sys.executable, "-m", "monuv_async", "--base-url", cli_sim.url, "cameras", "options"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=subprocess_env(MONUV_TOKEN=TOKEN),
    )
    try:
        deadline = time.monotonic() + 10
        while cli_sim.stats.in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert (proc.returncode, out, err) == (130, "", "")


def test_a_hostile_error_message_reaches_the_terminal_inert(
    cli_sim: MonuvSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """A server message with OSC 52, BEL and a CR that would rewrite the line into
    "ok: client blocked" is printed with those characters escaped, on one line."""
    hostile = "\x1b]52;c;cm0gLXJmIH4=\x07\rok: client blocked\x1b[K"
    cli_sim.inject("block_client", Fault.status(422, {"message": hostile}))
    assert cli(cli_sim, "clients", "block", CNPJ) == 1
    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    assert not any(c in line for c in "\x1b\x07\r")
    assert "\\x1b]52;c;cm0gLXJmIH4=\\x07\\x0dok: client blocked\\x1b[K" in line
    assert captured.out == ""


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--base-url", "http://x", "demo"], "--base-url"),
        (["demo", "--base-url", "http://x"], "--base-url"),
        (["--base-url", "http://x", "simulate"], "--base-url"),
        (["--token-file", "t", "demo"], "--token-file"),
        (["demo", "--timeout", "5"], "--timeout"),
        (["--concurrency", "4", "simulate"], "--concurrency"),
        (["simulate", "--timeout", "5"], "--timeout"),
    ],
)
def test_a_global_option_a_command_ignores_is_refused(
    argv: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A global option demo/simulate has no use for (--base-url, --timeout...): exit 2, named."""
    assert run(argv) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"monuv: error: {option}: `monuv ")


def test_verbose_logs_snapshot_downloads(
    cli_sim: MonuvSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-v` logs each snapshot download (which image, status, size) besides the API requests."""
    day = "2026-11-20"
    args = ("-v", "events", "--since", day, "--until", day, "--camera", "1001")
    assert (
        cli(cli_sim, *args, "--snapshots", str(tmp_path / "snaps"), "--output", str(tmp_path / "e"))
        == 0
    )
    err = capsys.readouterr().err
    image = next(tmp_path.joinpath("snaps").iterdir())
    assert f"-> 200, {image.stat().st_size} bytes to {image.name}" in err
    assert TOKEN not in err


def test_an_inverted_window_is_refused_in_the_commands_terms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--until` before `--since` says so with the options' names, exit 2, before any request."""
    assert run(["events", "--since", "2026-11-05", "--until", "2026-11-02"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == "monuv: error: --until 2026-11-02 is before --since 2026-11-05"


# What `monuv --help` / `--version` must not load: the client and its
# dependencies, and the standard modules only a running command needs. Each
# was on that path once (issue 14); each costs start-up time, which is counted
# here in modules rather than timed.
_NOT_FOR_HELP = (
    "aiohttp",
    "yarl",
    "multidict",
    "attrs",
    "cattrs",
    "asyncio",
    "logging",
    "traceback",
    "typing",
    "pathlib",
    "datetime",
    "csv",
    "shutil",
    "contextlib",
    "math",
    "importlib.metadata",
    "monuv_async.client",
    "monuv_async.models",
    "monuv_async.errors",
    "monuv_async._redact",
    "monuv_async.cli.terminal",
)


@pytest.mark.parametrize(("argv", "status"), [(["--help"], 0), (["--version"], 0), (["bad"], 2)])
def test_help_version_and_usage_errors_stay_light(argv: list[str], status: int) -> None:
    """`monuv --help`, `--version` and a usage error load none of _NOT_FOR_HELP beyond what
    the interpreter's own start loaded (an editable install's finder loads pathlib)."""
    reported, loaded = modules_loaded_by_run(argv)
    assert reported == status
    assert "monuv_async.cli.parser" in loaded  # the check reads the right names
    assert [name for name in _NOT_FOR_HELP if name in loaded] == []
