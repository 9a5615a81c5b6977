"""The text of ``monuv events``' progress and status lines (pure functions)."""

from __future__ import annotations

from datetime import datetime

__all__ = ["backfill_status", "duration", "follow_status", "interrupted_line"]


def duration(seconds: float) -> str:
    """``"1h 02m"``, ``"3m 05s"`` or ``"42s"``."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def backfill_status(written: int, days_done: int, days: int, elapsed: float) -> str:
    """Events written, days done of their total, rate, and time left (from the days' share)."""
    rate = written / elapsed if elapsed > 0 else 0.0
    text = f"{written:,} events written, {days_done}/{days} days, {rate:,.0f} events/s"
    if 0 < days_done < days:
        text += f", ~{duration(elapsed * (days - days_done) / days_done)} left"
    return text


def follow_status(written: int, last: datetime | None, polls: int, next_poll: float) -> str:
    """Events so far, the newest one's time, polls done, and when the next one is due."""
    when = "none yet" if last is None else last.isoformat(sep=" ", timespec="seconds")
    return f"{written:,} events, last {when}, {polls:,} polls, next poll in {duration(next_poll)}"


def interrupted_line(events: int, where: str | None) -> str:
    """The one line printed when a signal stops the command."""
    if where is None:
        return f"interrupted: {events:,} events written\n"
    return (
        f"interrupted: {events:,} events written; progress saved in {where};"
        " run the same command again to continue\n"
    )
