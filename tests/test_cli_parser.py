"""The ``monuv`` parser (monuv_async.cli.parser): commands, help text, --version, lazy loading."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from _cli_helpers import subprocess_env

from monuv_async import NewCamera
from monuv_async.cli import run


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
    code = (
        "import sys\n"
        "from monuv_async.cli import run\n"
        "assert run(['--help']) == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith('monuv_async')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
        check=True,
    )
    loaded = done.stdout.splitlines()[-1]
    commands = ("cli.events", "cli.admin", "cli.provision", "cli.columns", "cli.simulate")
    for module in (*commands, "testing"):
        assert f"'monuv_async.{module}'" not in loaded
    assert "'monuv_async.cli.parser'" in loaded  # the check looks at the right names


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
