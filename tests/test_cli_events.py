"""`monuv events` (monuv_async.cli.events): every event of a window as JSON lines or CSV;
`--checkpoint` resumes exactly; `--snapshots` saves every image."""

from __future__ import annotations

import contextlib
import io
import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from _async_helpers import ThreadedSimulator
from _cli_helpers import (
    NOW,
    SP,
    TOKEN,
    cli,
    expected_events,
    output_ids,
    read_results,
    spawn_monuv,
)

from monuv_async import Checkpoint
from monuv_async.testing import Fault, MonuvSimulator

WINDOW = ["--since", "2026-11-17", "--until", "2026-11-20"]


# Never a real MONUV_TOKEN from the environment: every test gets the simulator's.
pytestmark = pytest.mark.usefixtures("cli_token")


def ids_in(path: Path) -> list[int]:
    """The event ids of a JSON-lines output file, in order."""
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def test_checkpoint_resumes_a_failed_run_without_loss_or_repeat(
    served: ThreadedSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run that dies midway saves its checkpoint; the re-run appends exactly the rest."""
    cli_sim = served.sim
    out, saved = tmp_path / "events.jsonl", tmp_path / "walk.json"
    calls = {"n": 0}

    def fail_on_the_eighth(simulator: MonuvSimulator, page: int) -> None:
        calls["n"] += 1
        if calls["n"] == 8:  # this request and both of its retries fail
            simulator.inject("events", Fault.status(500), Fault.status(500), Fault.status(500))

    served.do(lambda: setattr(cli_sim, "on_events_request", fail_on_the_eighth))
    args = ["events", *WINDOW, "--output", str(out), "--checkpoint", str(saved)]
    assert cli(cli_sim, *args) == 1
    first = ids_in(out)
    checkpoint = Checkpoint.from_json(json.loads(saved.read_text())["walk"])
    assert checkpoint.yielded == len(first) > 0
    served.do(lambda: setattr(cli_sim, "on_events_request", None))
    capsys.readouterr()

    assert cli(cli_sim, *args) == 0
    assert "resumed" in capsys.readouterr().err
    everything = ids_in(out)
    want = expected_events(cli_sim, date(2026, 11, 17), date(2026, 11, 20))
    assert len(everything) == len(set(everything)) == len(want)
    assert set(everything) == set(want)
    assert everything[: len(first)] == first


def test_corrupt_checkpoint_is_a_usage_error(
    served: ThreadedSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkpoint file that is not one stops the command with exit 2 before any request."""
    saved = tmp_path / "walk.json"
    saved.write_text("not json")
    out = ["--output", str(tmp_path / "e.jsonl")]
    assert cli(served.sim, "events", *WINDOW, *out, "--checkpoint", str(saved)) == 2
    assert "--checkpoint" in capsys.readouterr().err
    assert served.sim.stats.requests["events"] == 0


def test_snapshots_saves_every_image(
    served: ThreadedSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--snapshots DIR saves one image per event and reports the counts."""
    cli_sim = served.sim
    folder = tmp_path / "snaps"
    assert cli(cli_sim, "events", *WINDOW, "--snapshots", str(folder)) == 0
    want = expected_events(cli_sim, date(2026, 11, 17), date(2026, 11, 20))
    assert sorted(int(p.stem) for p in folder.glob("*.jpg")) == sorted(want)
    assert f"snapshots {len(want):,} downloaded 0 skipped 0 failed" in capsys.readouterr().err


def test_failed_snapshot_exits_1_and_a_rerun_fills_the_gap(
    served: ThreadedSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failed image makes the exit 1; re-running downloads only what is missing."""
    cli_sim = served.sim
    folder = tmp_path / "snaps"
    served.do(lambda: cli_sim.inject("snapshot", Fault.status(404)))
    assert cli(cli_sim, "events", *WINDOW, "--snapshots", str(folder)) == 1
    assert "1 failed" in capsys.readouterr().err
    want = expected_events(cli_sim, date(2026, 11, 17), date(2026, 11, 20))
    assert len(list(folder.glob("*.jpg"))) == len(want) - 1
    assert cli(cli_sim, "events", *WINDOW, "--snapshots", str(folder)) == 0
    assert f"1 downloaded {len(want) - 1:,} skipped 0 failed" in capsys.readouterr().err


def test_checkpoint_with_snapshots_keeps_output_images_and_progress_in_step(
    served: ThreadedSimulator, tmp_path: Path
) -> None:
    """A run that dies midway has written exactly the events whose images it saved; the
    resumed run completes both, each event once."""
    cli_sim = served.sim
    out, saved, folder = tmp_path / "events.jsonl", tmp_path / "walk.json", tmp_path / "snaps"
    calls = {"n": 0}

    def fail_on_the_eighth(simulator: MonuvSimulator, page: int) -> None:
        calls["n"] += 1
        if calls["n"] == 8:
            simulator.inject("events", Fault.status(500), Fault.status(500), Fault.status(500))

    served.do(lambda: setattr(cli_sim, "on_events_request", fail_on_the_eighth))
    # Images take a while: the walk fails while some are still downloading.
    served.do(lambda: cli_sim.inject("snapshot", *[Fault.delay(0.1)] * 300))
    args = ["events", *WINDOW, "--output", str(out), "--checkpoint", str(saved)]
    assert cli(cli_sim, *args, "--snapshots", str(folder)) == 1
    first = ids_in(out)
    assert first
    assert sorted(int(p.stem) for p in folder.glob("*.jpg")) == sorted(first)
    assert Checkpoint.from_json(json.loads(saved.read_text())["walk"]).yielded == len(first)
    served.do(lambda: setattr(cli_sim, "on_events_request", None))

    assert cli(cli_sim, *args, "--snapshots", str(folder)) == 0
    everything = ids_in(out)
    want = expected_events(cli_sim, date(2026, 11, 17), date(2026, 11, 20))
    assert sorted(everything) == sorted(want)
    assert sorted(int(p.stem) for p in folder.glob("*.jpg")) == sorted(want)


def test_events_jsonl_has_every_event_of_the_window(
    cli_sim: MonuvSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`events` writes one JSON object per event of the window, all of them, with offsets."""
    assert cli(cli_sim, "events", "--since", "2026-11-19", "--until", "2026-11-20") == 0
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    want = expected_events(cli_sim, date(2026, 11, 19), date(2026, 11, 20))
    assert [r["id"] for r in records] == want
    assert len(want) > 30
    first = datetime.fromisoformat(records[0]["event_at"])
    assert first.utcoffset() is not None
    assert first == datetime.fromtimestamp(cli_sim.events[0].at, SP)
    assert set(records[0]) == {
        "id",
        "event_at",
        "event_type",
        "event_description",
        "event_url",
        "camera_id",
        "camera_description",
    }
    [summary] = captured.err.splitlines()
    assert summary.startswith(
        f"monuv: {len(want)} events, {cli_sim.stats.requests['events']} requests"
    )


def test_events_csv_to_file_with_filters(
    cli_sim: MonuvSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`events --format csv --output F --camera --types` writes a header and the filtered rows."""
    out = tmp_path / "events.csv"
    args = ["--since", "2026-11-17", "--until", "2026-11-20", "--camera", "1002", "--types", "1,4"]
    assert cli(cli_sim, "events", *args, "--format", "csv", "--output", str(out)) == 0
    assert capsys.readouterr().out == ""  # everything went to the file
    rows = read_results(out)
    want = expected_events(cli_sim, date(2026, 11, 17), date(2026, 11, 20), 1002, {1, 4})
    assert [int(r["id"]) for r in rows] == want
    assert want
    assert {r["camera_id"] for r in rows} == {"1002"}
    assert {r["event_type"] for r in rows} <= {"1", "4"}
    assert datetime.fromisoformat(rows[-1]["event_at"]).tzinfo is not None


# -- crash safety: the real console script, killed at seeded random moments --------

KILLS = (signal.SIGKILL, signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
CRASH_WINDOW = ["--since", "2026-11-13", "--until", "2026-11-20"]


@pytest.fixture(scope="module")
def slow_served() -> Iterator[ThreadedSimulator]:
    """A simulator slow enough (latency per page) for kills to land mid-walk."""
    threaded = ThreadedSimulator(
        TOKEN, cameras=3, events_per_camera_per_day=60, days=8, now=NOW, latency=0.02
    )
    yield threaded
    threaded.close()


def kill_at_random(
    served: ThreadedSimulator,
    args: list[str],
    sig: int,
    rng: random.Random,
    *,
    longest: float = 0.7,
) -> tuple[int, str]:
    """Run the command and send it ``sig`` a seeded random delay after its first request
    (Python's start-up takes longer than the walk on a loaded machine); the exit
    status and stderr."""
    before = served.sim.stats.requests["events"]
    process = spawn_monuv(served.sim.url, *args)
    for _ in range(3000):  # bounded: at most ~60 s
        if served.sim.stats.requests["events"] > before or process.poll() is not None:
            break
        time.sleep(0.02)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=rng.uniform(0.0, longest))
    if process.poll() is None:
        process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    return process.returncode, err.decode()


def check_interrupted(sig: int, status: int, err: str) -> None:
    """A handled signal exits 128 + signal after one 'interrupted:' line."""
    if sig == signal.SIGKILL or status in (0, -sig):  # finished first, or killed before handlers
        return
    if sig == signal.SIGINT and status == 130 and "interrupted" not in err:
        return  # Ctrl-C while Python was still starting: KeyboardInterrupt, nothing written yet
    assert status == 128 + sig, err
    assert err.splitlines()[-1].startswith("interrupted: "), err
    assert "run the same command again to continue" in err


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_killed_runs_resume_to_every_event_exactly_once(
    slow_served: ThreadedSimulator, tmp_path: Path, fmt: str
) -> None:
    """Killed by SIGKILL, SIGTERM, SIGHUP and SIGINT at random moments in a row, and
    re-run: the output parses and holds every event of the window exactly once."""
    rng = random.Random(f"crash-{fmt}")
    out = tmp_path / ("events.db" if fmt == "sqlite" else f"events.{fmt}")
    args = ["events", *CRASH_WINDOW, "--concurrency", "2", "--output", str(out)]
    if fmt != "sqlite":
        args += ["--format", fmt, "--checkpoint", str(tmp_path / "walk.json")]
    for sig in KILLS:
        status, err = kill_at_random(slow_served, args, sig, rng)
        check_interrupted(sig, status, err)
        slow_served.idle()
    final = spawn_monuv(slow_served.sim.url, *args)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    ids = output_ids(out, fmt)
    want = expected_events(slow_served.sim, date(2026, 11, 13), date(2026, 11, 20))
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(want)


def test_killed_runs_with_snapshots_keep_images_and_output_in_step(
    slow_served: ThreadedSimulator, tmp_path: Path
) -> None:
    """With --snapshots, kills never leave an event written without its image, and the
    resumed output holds every event once, each with its image."""
    rng = random.Random("crash-snapshots")
    out, folder = tmp_path / "events.jsonl", tmp_path / "snaps"
    args = ["events", "--since", "2026-11-20", "--until", "2026-11-20", "--concurrency", "8"]
    args += ["--output", str(out), "--checkpoint", str(tmp_path / "c.json")]
    args += ["--snapshots", str(folder)]
    for sig in KILLS:
        status, err = kill_at_random(slow_served, args, sig, rng)
        check_interrupted(sig, status, err)
        slow_served.idle()
        saved = tmp_path / "c.json"
        if saved.exists():
            committed = json.loads(saved.read_text())["output_bytes"]
            head = out.read_bytes()[:committed].decode().splitlines()
            images = {int(p.stem) for p in folder.glob("*.jpg")}
            assert {json.loads(line)["id"] for line in head} <= images
    final = spawn_monuv(slow_served.sim.url, *args)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    ids = output_ids(out, "jsonl")
    want = expected_events(slow_served.sim, date(2026, 11, 20), date(2026, 11, 20))
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(want)
    assert sorted(int(p.stem) for p in folder.glob("*.jpg")) == sorted(want)


def test_follow_killed_and_resumed_writes_every_event_once(tmp_path: Path) -> None:
    """`events --follow --since` killed by each signal while new events keep arriving,
    then run again: every event since --since, old or new, is in the output once."""
    served = ThreadedSimulator(TOKEN, cameras=2, events_per_camera_per_day=30, days=2)
    try:
        sim = served.sim
        rng = random.Random("crash-follow")
        since = sim.now.date() - timedelta(days=1)
        out = tmp_path / "live.csv"
        args = ["events", "--follow", "--since", since.isoformat(), "--poll-interval", "1"]
        args += ["--format", "csv", "--output", str(out), "--checkpoint", str(tmp_path / "w.json")]
        for sig in KILLS:
            served.do(lambda: sim.append_events(3))
            status, err = kill_at_random(served, args, sig, rng, longest=2.5)
            check_interrupted(sig, status, err)
            served.idle()
        served.do(lambda: sim.append_events(3))
        want = sorted(expected_events(sim, since, sim.now.date()))
        process = spawn_monuv(sim.url, *args)
        for _ in range(600):  # bounded: ~60 s at most for the follow to catch up
            if out.exists() and len(output_ids(out, "csv")) >= len(want):
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130, err.decode()
        assert err.decode().startswith("interrupted: ")
        assert sorted(output_ids(out, "csv")) == want
    finally:
        served.close()


@pytest.mark.parametrize(
    ("extra", "option"),
    [
        (["--checkpoint", "{tmp}/c.json"], "--checkpoint: needs --output"),
        (["--output", "{tmp}/nope/e.jsonl"], "--output {tmp}/nope/e.jsonl: the folder"),
        (["--format", "sqlite"], "--format sqlite: needs --output"),
        (["--output", "{tmp}/e.db", "--checkpoint", "{tmp}/c.json"], "--checkpoint: not with"),
        (["--follow", "--until", "2026-11-20"], "--until: not with --follow"),
    ],
)
def test_bad_event_options_are_refused_before_any_request(
    served: ThreadedSimulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    option: str,
) -> None:
    """Each bad combination exits 2 with one line naming the option, and sends nothing."""
    args = [a.format(tmp=tmp_path) for a in extra]
    window = [] if "--follow" in args else ["--since", "2026-11-17", "--until", "2026-11-20"]
    assert cli(served.sim, "events", *window, *args) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("monuv: error: " + option.format(tmp=tmp_path))
    assert served.sim.stats.requests["events"] == 0


def test_until_before_since_is_named_in_the_commands_terms(
    served: ThreadedSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reversed window is refused naming both options, not the library's start_at."""
    assert cli(served.sim, "events", "--since", "2026-11-05", "--until", "2026-11-02") == 2
    assert "--until 2026-11-02 is before --since 2026-11-05" in capsys.readouterr().err


def test_sqlite_output_is_resumable_without_a_checkpoint(
    served: ThreadedSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--output F.db` writes every event raw into its table; the same command again adds
    nothing (the database knows the walk is done)."""
    out = tmp_path / "events.db"
    assert cli(served.sim, "events", *WINDOW, "--output", str(out)) == 0
    want = expected_events(served.sim, date(2026, 11, 17), date(2026, 11, 20))
    assert sorted(output_ids(out, "sqlite")) == sorted(want)
    assert cli(served.sim, "events", *WINDOW, "--output", str(out)) == 0
    assert "monuv: 0 events (resumed;" in capsys.readouterr().err
    assert sorted(output_ids(out, "sqlite")) == sorted(want)


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_progress_goes_to_a_terminal_stderr_but_never_between_terminal_events(
    served: ThreadedSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --output, a terminal stderr gets the progress line; with the events on a
    terminal stdout, no progress is drawn (only the summary)."""
    stderr = Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert cli(served.sim, "events", *WINDOW, "--output", str(tmp_path / "e.jsonl")) == 0
    assert "\r0 events written, 0/4 days" in stderr.getvalue()

    stderr, stdout = Terminal(), Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(sys, "stdout", stdout)
    assert cli(served.sim, "events", *WINDOW) == 0
    assert "\r" not in stderr.getvalue()
    assert stderr.getvalue().startswith("monuv: ")
    assert stdout.getvalue().count("\n") == len(
        expected_events(served.sim, date(2026, 11, 17), date(2026, 11, 20))
    )


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_server_text_on_a_terminal_stdout_cannot_drive_the_terminal(
    served: ThreadedSimulator, fmt: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Event descriptions holding OSC 52, BEL, CR, a C1 CSI and a bidi override reach a
    terminal stdout escaped, in CSV and JSON lines alike; the same run to a file keeps
    them as they are (data is not rewritten)."""
    hostile = "\x1b]52;c;ZXZpbA==\x07Porta\rok\x9b31m\u202e"
    served.sim.add_event_types(dict.fromkeys(served.sim.event_types, hostile))
    stdout = Terminal()
    monkeypatch.setattr(sys, "stdout", stdout)
    assert cli(served.sim, "events", *WINDOW, "--format", fmt) == 0
    shown = stdout.getvalue()
    assert "Porta" in shown
    assert not any(c in shown for c in "\x1b\x07\r\x9b\u202e")

    out = tmp_path / f"events.{fmt}"
    assert cli(served.sim, "events", *WINDOW, "--format", fmt, "--output", str(out)) == 0
    text = out.read_bytes().decode("utf-8")
    if fmt == "csv":
        assert hostile in text
    else:
        assert json.loads(text.splitlines()[0])["event_description"] == hostile
