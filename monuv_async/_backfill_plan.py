"""Planning a backfill: its sub-windows and the identity its checkpoints carry."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from ._endpoints import EventFilters
from .checkpoint import Checkpoint, Window

__all__ = ["Split", "plan", "split_window"]

Split = Literal["day", "week", "none"] | int
"""How to cut a backfill's window: per day, per 7 days, not at all, or N days."""


def split_window(start: date, end: date, split: Split) -> list[Window]:
    """The sub-windows of ``start..end`` (inclusive), newest first."""
    if split == "none":
        return [Window(start, end)]
    days = {"day": 1, "week": 7}.get(split) if isinstance(split, str) else split
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        msg = f"split: must be 'day', 'week', 'none' or a number of days >= 1, got {split!r}"
        raise ValueError(msg)
    windows = []
    cursor = end
    while cursor >= start:
        first = max(start, cursor - timedelta(days=days - 1))
        windows.append(Window(first, cursor))
        cursor = first - timedelta(days=1)
    return windows


def plan(
    filters: EventFilters, split: Split, resume_from: Checkpoint | None
) -> tuple[list[Window], dict[str, object]]:
    """The sub-windows of a backfill over ``filters``, and the identity its checkpoints carry.

    A ``resume_from`` taken from another backfill (other filters or split) is
    refused now, before any request.
    """
    if filters.start_at is None or filters.end_at is None:
        msg = "start_at: a backfill needs both start_at and end_at"
        raise ValueError(msg)
    windows = split_window(filters.start_at, filters.end_at, split)
    identity: dict[str, object] = {
        "camera": filters.camera,
        "event_types": list(filters.event_types) if filters.event_types else None,
        "start_at": filters.start_at.isoformat(),
        "end_at": filters.end_at.isoformat(),
        "split": split,
    }
    _check_resume(resume_from, identity)
    return windows, identity


def _check_resume(resume_from: Checkpoint | None, identity: dict[str, object]) -> None:
    if resume_from is None:
        return
    if not isinstance(resume_from, Checkpoint):
        msg = "resume_from: must be a Checkpoint"
        raise TypeError(msg)
    if dict(resume_from.filters) != identity:
        msg = (
            f"resume_from: the checkpoint is for another backfill "
            f"({dict(resume_from.filters)} != {identity})"
        )
        raise ValueError(msg)
