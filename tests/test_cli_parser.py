"""The ``monuv`` parser (monuv_async.cli.parser): commands, help text, --version, lazy loading."""

from __future__ import annotations

import argparse
import importlib.metadata
import inspect
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from _cli_helpers import every_parser, modules_loaded_by_run, subprocess_env

from monuv_async import NewCamera
from monuv_async.cli import build_parser, run


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    """`monuv --help` exits 0 and names every subcommand and the token variable."""
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    for word in ("events", "cameras", "clients", "users", "simulate", "demo", "MONUV_TOKEN"):
        assert word in out
    assert "--token " not in out  # no way to put the token on the command line


def test_version_prints_the_distribution_version(capsys: pytest.CaptureFixture[str]) -> None:
    """`monuv --version` exits 0 and prints "monuv <version>" on stdout."""
    assert run(["--version"]) == 0
    version = importlib.metadata.version("monuv-async")
    assert capsys.readouterr() == (f"monuv {version}\n", "")


def test_provision_help_names_every_camera_field(capsys: pytest.CaptureFixture[str]) -> None:
    """`cameras provision --help` names each NewCamera field, so the text follows the model."""
    assert run(["cameras", "provision", "--help"]) == 0
    words = set(capsys.readouterr().out.replace(",", " ").split())
    for field in attrs.fields(NewCamera):
        assert field.name in words or field.name == "extra"  # extra: no CSV column


def test_help_loads_no_command_module() -> None:
    """`monuv --help` imports no command's module, the column models or the simulator."""
    status, loaded = modules_loaded_by_run(["--help"])
    assert status == 0
    commands = ("cli.events", "cli.admin", "cli.provision", "cli.columns", "cli.simulate")
    for module in (*commands, "testing"):
        assert f"monuv_async.{module}" not in loaded
    assert "monuv_async.cli.parser" in loaded  # the check looks at the right names


def test_help_is_byte_for_byte_the_recorded_text() -> None:
    """`monuv --help` at 80 columns prints exactly tests/samples/monuv_help.txt, recorded
    before its imports were made lazy: start-up work may not change what it prints.
    (A deliberate change to the top-level help updates the sample.)"""
    done = subprocess.run(
        [sys.executable, "-m", "monuv_async", "--help"],
        capture_output=True,
        env=subprocess_env(COLUMNS="80"),
        timeout=60,
        check=True,
    )
    sample = Path(__file__).parent / "samples" / "monuv_help.txt"
    assert done.stdout == sample.read_bytes()
    assert done.stderr == b""


LINES = [
    ["events", "--since", "2026-11-01", "--until", "2026-11-02", "--format", "csv"],
    ["--timeout", "5", "cameras", "options", "--format", "json"],
    ["cameras", "provision", "cams.csv", "--resend-unknown", "-v"],
    ["-v", "clients", "block", "11.222.333/0001-81"],
    ["users", "unblock", "7", "--concurrency", "2"],
    ["simulate", "--port", "0", "--live", "2", "--late-share", "0.5"],
    ["--token-file", "events", "demo", "--follow", "0"],  # "events" only a value here
]


def _parsed(parser: argparse.ArgumentParser, argv: list[str]) -> dict[str, object]:
    parsed = vars(parser.parse_args(argv))
    # Each parser makes its own handler functions: compare what they will run.
    parsed["handler"] = inspect.getclosurevars(parsed["handler"]).nonlocals
    return parsed


@pytest.mark.parametrize("argv", LINES)
def test_the_parser_for_a_line_parses_it_as_the_full_parser(argv: list[str]) -> None:
    """build_parser(argv), the commands argv names built in full and the others as stubs,
    gives the same namespace as the full parser, down to the command function it runs."""
    assert _parsed(build_parser(argv), argv) == _parsed(build_parser(), argv)


@pytest.mark.parametrize("argv", [["bogus"], [], ["users"], ["--port", "1", "events"]])
def test_the_parser_for_a_line_refuses_it_as_the_full_parser(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad command line gets the same usage error from build_parser(argv) as from the
    full parser."""
    errors = []
    for parser in (build_parser(argv), build_parser()):
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args(argv)
        errors.append((exit_.value.code, capsys.readouterr()))
    assert errors[0] == errors[1]
    assert errors[0][0] == 2


def test_help_builds_no_command_parser() -> None:
    """For `monuv --help` (and --version) each command is a stub: one parser per command
    and none below, where the full parser has a dozen (it is what --help needs no time for)."""
    assert len(list(every_parser(build_parser(["--help"])))) == 1 + 6
    assert len(list(every_parser(build_parser()))) > 1 + 6 + 4
