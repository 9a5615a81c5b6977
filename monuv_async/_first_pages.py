"""The first pages of a backfill's next sub-windows, requested ahead in the room its walks leave.

A sub-window's first page tells how many pages it has. Fetched only when its
window starts, it would cost a round trip with the connection pool half idle;
requested ahead, it is there when the window starts, and the window's walk
takes it instead of asking again. They take part in the backfill's
:class:`~monuv_async._page_budget.PageBudget` as its ``spare``: only the
room every walk leaves, in the order of the windows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from ._page_budget import PageBudget
from ._pagination import FIRST_ROUND_PAGE_EVENTS, PageAnswer, answered
from .checkpoint import Window

__all__ = ["FirstPages"]


class FirstPages:
    """First pages requested ahead of their windows' walks, at most ``limit`` held.

    Before any answer, page sizes are unknown and the first round is what
    every window needs first: it may take any room the budget has left, as
    if pages held :data:`~monuv_async._pagination.FIRST_ROUND_PAGE_EVENTS`.
    Once sizes are known, the first pages ahead hold at most a quarter of
    the budget's events, so they never crowd out the walks.
    """

    def __init__(
        self,
        fetch: Callable[[Window, int], Awaitable[PageAnswer]],
        windows: Sequence[Window],
        *,
        limit: int,
    ) -> None:
        self._fetch = fetch
        self._windows = windows
        self._limit = limit
        self._tasks: dict[str, asyncio.Task[PageAnswer]] = {}
        # The index of the next window whose first page may be requested.
        self._next = 0
        # The most events a page has held so far (None before any answer).
        self._page_events: int | None = None
        self.budget: PageBudget | None = None

    def size(self) -> int:
        """Events a page is taken to hold: the most seen so far, or the most Monuv sends."""
        return self._page_events or FIRST_ROUND_PAGE_EVENTS

    def held(self) -> tuple[int, int, int]:
        """``(running, pages, events)`` of the first pages held."""
        running = sum(not task.done() for task in self._tasks.values())
        return running, len(self._tasks), len(self._tasks) * self.size()

    def take(self, window: Window) -> asyncio.Task[PageAnswer] | None:
        """The first page of ``window`` if it was requested ahead; it is the caller's now."""
        task = self._tasks.pop(window.key, None)
        if task is not None and self.budget is not None:
            self.budget.fill()  # its place among the first pages is free
        return task

    def started(self, count: int) -> None:
        """The first ``count`` windows have started: their first pages are theirs to ask."""
        self._next = max(self._next, count)

    def request(self, running: int, pages: int, events: int) -> tuple[int, int, int]:
        """Request next windows' first pages while the budget has room; what is held after."""
        budget = self.budget
        if budget is None:
            return running, pages, events
        size = self.size()
        limit = self._limit
        if self._page_events is not None:
            limit = min(limit, budget.events // (4 * size))
        while (
            len(self._tasks) < limit
            and self._next < len(self._windows)
            and running < budget.concurrency
            and pages < budget.pages
            and events + size <= budget.events
        ):
            window = self._windows[self._next]
            self._next += 1
            task = asyncio.ensure_future(self._fetch(window, 1))
            task.add_done_callback(self._answered)
            self._tasks[window.key] = task
            running += 1
            pages += 1
            events += size
        return running, pages, events

    def _answered(self, task: asyncio.Task[PageAnswer]) -> None:
        # Read now, as it arrives: its size tells how many more fit ahead.
        page = answered(task)
        if page is not None and page.events:
            self._page_events = max(self._page_events or 0, len(page.events))
        if self.budget is not None:
            self.budget.fill()

    def stop(self) -> list[asyncio.Task[PageAnswer]]:
        """Request no more, and hand over the ones held (for the caller to cancel)."""
        self._limit = 0
        tasks = list(self._tasks.values())
        self._tasks.clear()
        return tasks
