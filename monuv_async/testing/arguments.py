"""The checks of :class:`~.server.MonuvSimulator`'s arguments: ``ValueError`` naming the field."""

from __future__ import annotations

from datetime import timedelta

__all__ = ["MAX_LIVE_RATE", "check_arguments", "check_live"]

MAX_LIVE_RATE = 1000.0
"""The highest ``live_rate`` accepted (events per camera per second): bounded work per request."""


def check_arguments(
    token: str, *, cameras: int, events: int, days: int, per_page: int, rate: float | None
) -> None:
    """``ValueError`` naming the first bad data-set argument."""
    for name, count in (
        ("cameras", cameras),
        ("events_per_camera_per_day", events),
        ("days", days),
    ):
        if count < 0:
            msg = f"{name}: must be >= 0, got {count!r}"
            raise ValueError(msg)
    if per_page < 1:
        msg = f"per_page: must be >= 1, got {per_page!r}"
        raise ValueError(msg)
    if rate is not None and not rate > 0:
        msg = f"rate_limit: must be > 0 or None, got {rate!r}"
        raise ValueError(msg)
    if not token:
        msg = "token: must not be empty"
        raise ValueError(msg)


def check_live(live_rate: object, late_share: object, late_by: object) -> None:
    """``ValueError`` naming the first bad live-mode argument."""
    if live_rate is not None and (
        isinstance(live_rate, bool)
        or not isinstance(live_rate, int | float)
        or not 0 < live_rate <= MAX_LIVE_RATE
    ):
        msg = (
            f"live_rate: must be > 0 and <= {MAX_LIVE_RATE} (events per camera per second)"
            f" or None, got {live_rate!r}"
        )
        raise ValueError(msg)
    if (
        isinstance(late_share, bool)
        or not isinstance(late_share, int | float)
        or not 0 <= late_share <= 1
    ):
        msg = f"late_share: must be a share between 0 and 1, got {late_share!r}"
        raise ValueError(msg)
    if not isinstance(late_by, timedelta) or late_by <= timedelta(0):
        msg = f"late_by: must be a positive timedelta, got {late_by!r}"
        raise ValueError(msg)
