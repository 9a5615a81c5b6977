"""Walking event pages: ahead of the caller, in order, in bounded memory.

:func:`iter_pages` fetches the first page to learn ``last_page``, then keeps
up to ``concurrency`` page requests running while the caller consumes, and
never holds more than ``buffer`` pages (running or fetched, not yet taken).
Requests are started as earlier ones finish, not only when the caller asks
for the next page, so a slow consumer still finds its pages ready and a fast
one keeps the connection pool busy. Nothing is created per page up front, so
memory stays flat however long the walk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable

from .models import EventPage

__all__ = ["iter_pages"]

logger = logging.getLogger("monuv_async")


class _Prefetcher:
    """The page requests of one walk: started ahead, handed out in order."""

    def __init__(
        self,
        fetch: Callable[[int], Awaitable[EventPage]],
        *,
        next_page: int,
        last_page: int,
        concurrency: int,
        buffer: int,
    ) -> None:
        self._fetch = fetch
        self._next = next_page
        self.last_page = last_page
        self._concurrency = concurrency
        self._buffer = buffer
        self._tasks: dict[int, asyncio.Task[EventPage]] = {}
        self._closed = False

    def fill(self) -> None:
        """Start requests while both bounds allow it."""
        # Running requests are counted from the tasks themselves, never kept
        # in a counter: a task that just finished may not have run its done
        # callback yet, and a stale count would start nothing.
        running = sum(not task.done() for task in self._tasks.values())
        while (
            not self._closed
            and self._next <= self.last_page
            and running < self._concurrency
            and len(self._tasks) < self._buffer
        ):
            task = asyncio.ensure_future(self._fetch(self._next))
            task.add_done_callback(self._finished)
            self._tasks[self._next] = task
            running += 1
            self._next += 1

    def _finished(self, _: asyncio.Task[EventPage]) -> None:
        self.fill()

    async def take(self, number: int) -> EventPage:
        """The page ``number``, waiting for it if needed."""
        try:
            return await self._tasks[number]
        finally:
            # Only now does it leave the buffer: if the wait is cancelled,
            # close() still finds the task and waits for it to let go.
            self._tasks.pop(number, None)
            self.fill()

    async def close(self) -> None:
        """Cancel what is still running and wait for it to let go."""
        self._closed = True
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            # Retrieves every outcome too, so no "exception never retrieved".
            await asyncio.gather(*tasks, return_exceptions=True)


async def iter_pages(
    fetch: Callable[[int], Awaitable[EventPage]],
    *,
    start_page: int,
    concurrency: int,
    buffer: int,
) -> AsyncGenerator[EventPage, None]:
    """Yield pages ``start_page..last_page`` in order, each requested once.

    ``last_page`` comes from the first page; a later page reporting more pages
    (events arrived during the walk) extends the walk rather than cutting it.
    Stopping early (``break``, an exception, cancellation) cancels the requests
    still running; wrap the walk in ``contextlib.aclosing`` to have that happen
    at the ``break`` itself rather than when the generator is collected.
    """
    first = await fetch(start_page)
    prefetcher = _Prefetcher(
        fetch,
        next_page=start_page + 1,
        last_page=first.last_page,
        # The buffer is the bound on pages held; concurrency fits inside it.
        concurrency=min(concurrency, buffer),
        buffer=buffer,
    )
    try:
        # Start fetching ahead before handing out the first page, so the
        # caller's work on it overlaps the next requests.
        prefetcher.fill()
        yield first
        number = start_page + 1
        while number <= prefetcher.last_page:
            page = await prefetcher.take(number)
            if page.last_page > prefetcher.last_page:
                logger.debug(
                    "events grew during the walk: last_page %d -> %d",
                    prefetcher.last_page,
                    page.last_page,
                )
                prefetcher.last_page = page.last_page
                prefetcher.fill()
            yield page
            number += 1
    finally:
        await prefetcher.close()
