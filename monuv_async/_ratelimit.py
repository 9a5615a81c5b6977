"""Bounding how many requests start per second."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """Spaces request starts at least ``1 / rate`` seconds apart.

    Even spacing, rather than a bucket that lets a burst through, means no
    window of one second ever sees more than ``rate`` starts (rounded up),
    which is what a server's per-second quota counts. The spacing is kept
    from one actual start to the next, not on a schedule drawn up in
    advance: callers whose planned starts all passed while the event loop
    was held up (a long callback, a paused process) still go one by one.
    """

    __slots__ = ("_clock", "_interval", "_last", "_turn")

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / rate
        self._clock = clock
        self._last = -math.inf
        # FIFO: callers get their turns in call order. Uncontended, taking it
        # does not yield to the loop.
        self._turn = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait for this caller's start: ``1 / rate`` after the previous one at least.

        A caller cancelled while waiting gives its turn to the next one.
        """
        async with self._turn:
            due = self._last + self._interval
            now = self._clock()
            if due > now:
                await asyncio.sleep(due - now)
            # The start is when the wait ended (later than due if the loop was
            # held up), never before due.
            self._last = max(self._clock(), due)
