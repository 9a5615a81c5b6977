"""`monuv events` (monuv_async.cli.events): every event of a window as JSON lines or CSV;
`--checkpoint` resumes exactly; `--snapshots` saves every image."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from _async_helpers import ThreadedSimulator
from _cli_helpers import SP, cli, expected_events, read_results

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
    assert cli(served.sim, "events", *WINDOW, "--checkpoint", str(saved)) == 2
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
