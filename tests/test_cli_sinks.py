"""Where `monuv events` commits its events (monuv_async.cli.sinks): output before claim,
truncation of an uncommitted tail on resume, refusals up front, SQLite in one transaction."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from _cli_helpers import SP, output_ids

from monuv_async import Event
from monuv_async.cli import sinks
from monuv_async.cli.args import UsageError
from monuv_async.cli.sinks import FileSink, SqliteSink, atomic_write, differing_option

OPTIONS = {"--since": "2026-11-01", "--until": "2026-11-02", "--camera": None}


def event(n: int) -> Event:
    """Event ``n``, with a description a spreadsheet would run as a formula."""
    return Event(n, datetime(2026, 11, 1, 12, tzinfo=SP), 1, camera_description="=1+1")


def file_sink(tmp_path: Path, fmt: str = "jsonl", **options: object) -> FileSink:
    """A sink writing ``out.<fmt>`` in ``tmp_path``, checkpointed in ``c.json``."""
    out, saved = tmp_path / f"out.{fmt}", tmp_path / "c.json"
    return FileSink(fmt, out, saved, {**OPTIONS, **options})


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_crash_between_output_and_checkpoint_is_undone_on_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Events that reached the output but not the checkpoint are truncated away on
    resume, so writing them again leaves each once (and CSV one header)."""
    sink = file_sink(tmp_path, fmt)
    sink.write(event(1))
    sink.commit("walk-1")
    sink.write(event(2))

    def die(path: Path, text: str) -> None:
        raise KeyboardInterrupt  # the process dies after the output's fsync

    monkeypatch.setattr(sinks, "atomic_write", die)
    with pytest.raises(KeyboardInterrupt):
        sink.commit("walk-2")
    sink.close()
    monkeypatch.undo()
    assert output_ids(tmp_path / f"out.{fmt}", fmt) == [1, 2]  # the tail is on disk

    resumed = file_sink(tmp_path, fmt)
    assert resumed.saved_walk == "walk-1"
    assert resumed.events == 1
    resumed.write(event(2))
    resumed.commit("walk-2")
    resumed.close()
    assert output_ids(tmp_path / f"out.{fmt}", fmt) == [1, 2]
    assert json.loads((tmp_path / "c.json").read_text())["events"] == 2


def test_the_checkpoint_claims_the_bytes_it_has_synced(tmp_path: Path) -> None:
    """After a commit the checkpoint's output_bytes is the output's size, nothing buffered."""
    sink = file_sink(tmp_path)
    for n in range(5):
        sink.write(event(n))
    sink.commit("w")
    record = json.loads((tmp_path / "c.json").read_text())
    assert record["output_bytes"] == (tmp_path / "out.jsonl").stat().st_size > 0
    assert record["format"] == "jsonl"
    assert record["options"] == OPTIONS
    sink.close()


def refusal(tmp_path: Path, *, fmt: str = "jsonl", **options: object) -> str:
    """The one-line message of a FileSink that refuses."""
    with pytest.raises(UsageError) as caught:
        file_sink(tmp_path, fmt, **options)
    return str(caught.value)


def committed(tmp_path: Path) -> None:
    """Leave a committed run of two events in tmp_path."""
    sink = file_sink(tmp_path)
    sink.write(event(1))
    sink.write(event(2))
    sink.commit("w")
    sink.close()


def test_resuming_with_another_format_or_option_is_refused_naming_it(tmp_path: Path) -> None:
    """A checkpoint of other options says which option differs and what to do."""
    committed(tmp_path)
    assert refusal(tmp_path, fmt="csv").startswith("--format csv: ")
    message = refusal(tmp_path, **{"--since": "2026-10-30"})
    assert message.startswith("--since 2026-10-30: ")
    assert "it has 2026-11-01" in message
    assert "run the same command" in message


def test_a_missing_or_shortened_output_is_refused(tmp_path: Path) -> None:
    """An output shorter than the checkpoint claims (or gone) would lose events: refused."""
    committed(tmp_path)
    out = tmp_path / "out.jsonl"
    out.write_bytes(out.read_bytes()[:-5])
    assert "fewer than the" in refusal(tmp_path)
    out.unlink()
    assert "is missing" in refusal(tmp_path)


def test_checkpoint_without_output_or_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    """--checkpoint needs --output; a folder that is not there is named before any work."""
    with pytest.raises(UsageError, match=r"^--checkpoint: needs --output"):
        FileSink("jsonl", None, tmp_path / "c.json", OPTIONS)
    with pytest.raises(UsageError, match=r"^--checkpoint .*does not exist"):
        FileSink("jsonl", tmp_path / "o.jsonl", tmp_path / "nope" / "c.json", OPTIONS)
    with pytest.raises(UsageError, match=r"^--output .*does not exist"):
        FileSink("jsonl", tmp_path / "nope" / "o.jsonl", None, OPTIONS)


def test_a_corrupt_checkpoint_is_refused(tmp_path: Path) -> None:
    """A checkpoint file that is not ours is a usage error naming --checkpoint."""
    (tmp_path / "c.json").write_text('{"kind": "something else"}')
    (tmp_path / "out.jsonl").write_text("")
    assert refusal(tmp_path).startswith("--checkpoint ")


def test_atomic_write_leaves_no_temp_file(tmp_path: Path) -> None:
    """The temp file is renamed over the target: only the target remains, whole."""
    target = tmp_path / "c.json"
    atomic_write(target, "one")
    atomic_write(target, "two")
    assert os.listdir(tmp_path) == ["c.json"]
    assert target.read_text() == "two"


def test_differing_option_names_the_first_difference() -> None:
    """Options are compared by name; an absent one reads as 'not given'."""
    assert differing_option(OPTIONS, OPTIONS) is None
    assert differing_option(OPTIONS, {**OPTIONS, "--camera": 7}) == "--camera 7 (it has not given)"


def test_sqlite_keeps_events_and_progress_in_one_transaction(tmp_path: Path) -> None:
    """Rows not committed vanish with their state; committed ones resume, raw, once."""
    path = tmp_path / "events.db"
    sink = SqliteSink(path, OPTIONS)
    sink.write(event(1))
    sink.commit("walk-1")
    sink.write(event(2))  # never committed: the process dies here
    sink.close()

    resumed = SqliteSink(path, OPTIONS)
    assert (resumed.saved_walk, resumed.events) == ("walk-1", 1)
    resumed.write(event(2))
    resumed.write(event(1))  # a repeat at a seam is kept once by the key
    resumed.commit("walk-2")
    resumed.close()
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT id, camera_description FROM events ORDER BY id").fetchall()
        walk = db.execute("SELECT walk FROM monuv_checkpoint").fetchone()
    assert rows == [(1, "=1+1"), (2, "=1+1")]
    assert walk == ("walk-2",)


def test_sqlite_of_other_options_is_refused(tmp_path: Path) -> None:
    """A database filled by another window says which option differs."""
    path = tmp_path / "events.db"
    sink = SqliteSink(path, OPTIONS)
    sink.commit("w")
    sink.close()
    with pytest.raises(UsageError, match=r"^--until 2026-11-09: "):
        SqliteSink(path, {**OPTIONS, "--until": "2026-11-09"})
