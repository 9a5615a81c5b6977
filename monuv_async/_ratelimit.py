"""Bounding how many requests start per second, and how many are in flight at once."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
import time
from collections.abc import Callable

__all__ = ["Places", "RateLimiter"]


class Places:
    """A FIFO semaphore whose uncontended take is a plain call, not a coroutine.

    ``asyncio.Semaphore.acquire`` is a coroutine even when a place is free,
    and a request goes through it on every try. Here :meth:`take_now` takes
    a free place synchronously; only a caller that must wait awaits
    :meth:`take`. A place given back goes straight to the longest waiter,
    so a newcomer's :meth:`take_now` never jumps the queue.
    """

    __slots__ = ("_value", "_waiters")

    def __init__(self, places: int) -> None:
        self._value = places
        """The places free now (read by tests, as asyncio.Semaphore's own is)."""
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    def take_now(self) -> bool:
        """Take a place if one is free and nobody waits for one; whether it was taken."""
        if self._value and not self._waiters:
            self._value -= 1
            return True
        return False

    async def take(self) -> None:
        """Take a place, waiting in line for one if none is free."""
        if self.take_now():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.give()  # handed a place, then cancelled before using it: pass it on
            else:
                with contextlib.suppress(ValueError):  # unless give() dropped it already
                    self._waiters.remove(waiter)
            raise

    def give(self) -> None:
        """Give a place back: to the longest waiter still waiting, or to the free ones."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._value += 1


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
