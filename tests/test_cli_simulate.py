"""`monuv simulate` and `monuv demo` (monuv_async.cli.simulate)."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest
from _cli_helpers import TOKEN, subprocess_env

from monuv_async.cli import run
from monuv_async.testing import DEMO_TOKEN


def test_demo_runs_and_summarises(capsys: pytest.CaptureFixture[str]) -> None:
    """`monuv demo` needs no token, exits 0, prints its summary, and no token even with -v."""
    assert run(["-v", "demo", "--cameras", "6", "--latency", "0"]) == 0
    out, err = capsys.readouterr()
    assert "DEBUG monuv_async" in err
    assert DEMO_TOKEN not in err
    assert "1 client" in out
    assert "2 users, 6 cameras" in out
    assert "0 duplicates" in out
    assert "requests" in out
    assert "in flight" in out
    assert DEMO_TOKEN not in out
    assert "token=" not in out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_simulate_serves_until_signalled(sig: signal.Signals) -> None:
    """`monuv simulate` serves, names its URL, hides the token, stops cleanly on a signal."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "monuv_async", "simulate", "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=subprocess_env(MONUV_TOKEN=TOKEN),
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        url = first.split()[3]
        assert url.startswith("http://127.0.0.1:")
        hint = proc.stderr.readline() + proc.stderr.readline()
        assert f"--base-url {url}" in hint
        query = urllib.parse.urlencode({"token": TOKEN})
        with urllib.request.urlopen(f"{url}/api/v1/cameras/create?{query}", timeout=5) as answer:
            assert answer.status == 200
        proc.send_signal(sig)
        out, rest = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0
    assert rest == "monuv: simulator stopped\n"
    assert TOKEN not in first + hint + rest + out
