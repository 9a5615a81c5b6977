"""The text of `monuv events`' progress lines (monuv_async.cli.progress)."""

from __future__ import annotations

from datetime import datetime

from _cli_helpers import SP

from monuv_async.cli.progress import backfill_status, duration, follow_status, interrupted_line


def test_duration_reads_like_a_clock() -> None:
    """Seconds, minutes and hours, the largest two units only."""
    assert [duration(s) for s in (0, 42.4, 185, 3720)] == ["0s", "42s", "3m 05s", "1h 02m"]


def test_backfill_status_estimates_time_left_from_the_days_done() -> None:
    """Half the days done in 10 s leaves about 10 s; none done, no estimate."""
    assert backfill_status(5000, 4, 8, 10.0) == (
        "5,000 events written, 4/8 days, 500 events/s, ~10s left"
    )
    assert "left" not in backfill_status(0, 0, 8, 1.0)


def test_follow_status_names_the_last_event_and_the_next_poll() -> None:
    """Events so far, last event time, polls, and the wait to the next poll."""
    last = datetime(2026, 12, 1, 9, 5, 3, tzinfo=SP)
    assert follow_status(12, last, 3, 4.2) == (
        "12 events, last 2026-12-01 09:05:03-03:00, 3 polls, next poll in 4s"
    )
    assert "none yet" in follow_status(0, None, 0, 0)


def test_interrupted_line_says_where_progress_is_and_what_to_do() -> None:
    """The one line after a signal: the count, the checkpoint, and to run again."""
    assert interrupted_line(114361, "C") == (
        "interrupted: 114,361 events written; progress saved in C;"
        " run the same command again to continue\n"
    )
    assert interrupted_line(3, None) == "interrupted: 3 events written\n"
