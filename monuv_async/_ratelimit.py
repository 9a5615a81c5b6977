"""Bounding how many requests start per second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """Spaces request starts at least ``1 / rate`` seconds apart.

    Even spacing, rather than a bucket that lets a burst through, means no
    window of one second ever sees more than ``rate`` starts (rounded up),
    which is what a server's per-second quota counts.
    """

    __slots__ = ("_clock", "_interval", "_next")

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / rate
        self._clock = clock
        self._next = 0.0

    async def acquire(self) -> None:
        """Wait for this caller's start slot.

        Slots are handed out in call order without awaiting first, so callers
        are served fairly; a cancelled waiter's slot simply goes unused.
        """
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)
