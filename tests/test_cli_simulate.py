"""`monuv simulate` and `monuv demo` (monuv_async.cli.simulate)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import shlex
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from _cli_helpers import TOKEN, subprocess_env

from monuv_async.cli import run
from monuv_async.cli.simulate import Seed, simulate
from monuv_async.testing import DEMO_TOKEN


def test_demo_runs_and_summarises(capsys: pytest.CaptureFixture[str]) -> None:
    """`monuv demo` needs no token, exits 0, prints its summary, and no token even with -v."""
    assert run(["-v", "demo", "--cameras", "6", "--latency", "0", "--follow", "1.5"]) == 0
    out, err = capsys.readouterr()
    assert "DEBUG monuv_async" in err
    assert DEMO_TOKEN not in err
    assert "1 client" in out
    assert "2 users, 6 cameras" in out
    assert "0 duplicates" in out
    assert "new events in 1.5 s with watch_events" in out
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
        assert proc.stderr.readline().startswith("monuv: client ids: 1; camera ids: 1001")
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


DOCS = Path(__file__).resolve().parent.parent / "docs" / "guides" / "cli.md"


def _documented() -> tuple[str, list[list[str]]]:
    """The guide's cameras.csv and the command lines of its "Trying it without a token" block."""
    text = DOCS.read_text(encoding="utf-8")
    csv_text = text.split("A `cameras.csv` for `provision`:\n\n```\n", 1)[1].split("```", 1)[0]
    block = text.split("## Trying it without a token", 1)[1].split("```bash\n", 1)[1]
    lines = block.split("```", 1)[0].splitlines()
    return csv_text, [shlex.split(line) for line in lines if line.startswith("monuv ")]


def test_the_guides_examples_work_against_monuv_simulate(tmp_path: Path) -> None:
    """The CLI guide's cameras.csv, provisioning and events commands, run as written against
    the `monuv simulate` it shows (on a free port instead of 8080): all rows created, events out."""
    csv_text, commands = _documented()
    (tmp_path / "cameras.csv").write_text(csv_text, encoding="utf-8")
    simulate, provision, events = commands
    assert simulate[:2] == ["monuv", "simulate"]
    env = subprocess_env(MONUV_TOKEN=DEMO_TOKEN)
    monuv = str(Path(sys.executable).with_name("monuv"))
    server = subprocess.Popen(
        [monuv, *(simulate[1:-1] if simulate[-1] == "&" else simulate[1:]), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert server.stderr is not None
        url = server.stderr.readline().split()[3]

        def run_documented(argv: list[str]) -> subprocess.CompletedProcess[str]:
            argv = [url if a == "http://127.0.0.1:8080" else a for a in argv]
            output = None
            if ">" in argv:
                argv, output = argv[: argv.index(">")], argv[argv.index(">") + 1]
            done = subprocess.run(
                [monuv, *argv[1:]],
                capture_output=True,
                text=True,
                env=env,
                cwd=tmp_path,
                check=False,
            )
            if output is not None:
                (tmp_path / output).write_text(done.stdout, encoding="utf-8")
            return done

        done = run_documented(provision)
        assert done.returncode == 0, done.stderr
        report = (tmp_path / "cameras.results.csv").read_text(encoding="utf-8").splitlines()
        assert len(report) == 1 + len(csv_text.strip().splitlines()) - 1
        assert all(",created," in line for line in report[1:])
        done = run_documented(events)
        assert done.returncode == 0, done.stderr
        written = (tmp_path / "events.jsonl").read_text(encoding="utf-8").splitlines()
        assert written
        assert {json.loads(line)["camera_id"] for line in written} == {1001}
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=10)


def test_simulate_seeds_what_it_is_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    """--clients, --cameras, --days, --events-per-day and --today shape what it serves."""

    async def serve() -> int:
        err = io.StringIO()
        seed = Seed(clients=2, cameras=2, days=3, events_per_day=10, today=date(2026, 11, 7))
        task = asyncio.create_task(
            simulate(
                token=None, token_hint="", host="127.0.0.1", port=0, latency=0, err=err, seed=seed
            )
        )
        for _ in range(500):
            if "client ids" in err.getvalue():
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sys.stdout.write(err.getvalue())
        return 0

    asyncio.run(serve())
    out = capsys.readouterr().out
    assert "(2 cameras, 60 events over 3 days up to 2026-11-07)" in out
    assert "client ids: 1, 2; camera ids: 1001, 1002" in out


def test_simulate_live_generates_new_events_as_time_passes() -> None:
    """`monuv simulate --live RATE` passes the live mode on: new events appear while it serves."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monuv_async",
            "simulate",
            "--port",
            "0",
            "--live",
            "20",
            "--late-share",
            "0.5",
            "--late-by",
            "60",
            "--days",
            "1",
            "--events-per-day",
            "0",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(MONUV_TOKEN=TOKEN),
    )
    try:
        assert proc.stderr is not None
        url = proc.stderr.readline().split()[3]
        query = urllib.parse.urlencode({"token": TOKEN, "page": 1})
        counts = []
        for _ in range(2):
            time.sleep(1.5)
            with urllib.request.urlopen(f"{url}/api/v1/events?{query}", timeout=5) as answer:
                counts.append(json.load(answer)[0]["total"])
        assert counts[1] > counts[0] > 0
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)


def test_late_options_need_live(capsys: pytest.CaptureFixture[str]) -> None:
    """--late-share without --live is refused, exit 2."""
    assert run(["simulate", "--late-share", "0.2"]) == 2
    assert "only with --live" in capsys.readouterr().err
