"""Walking event pages: ahead of the caller, in order, in bounded memory.

Also the de-duplication a plain walk needs (:func:`unique_events`): events
pushed onto a later page by newer arrivals come out once.

:func:`iter_pages` fetches the first page to learn ``last_page``, then keeps
up to ``concurrency`` page requests running while the caller consumes, and
never holds more than ``buffer`` pages (running or fetched, not yet taken).
Given a ``pages_hint`` it requests a first round of pages together with the
first one instead (see :func:`first_round`), and the first of them to answer
starts the next. Requests are started as earlier
ones finish, not only when the caller asks for the next page, so a slow
consumer still finds its pages ready and a fast one keeps the connection
pool busy. Nothing is created per page up front, so memory stays flat
however long the walk. A fetch hands back its page as a function that reads
it (see :mod:`monuv_async._later`): the walk calls it when it takes the
page, so a page is built just before its events are used.
"""

from __future__ import annotations

import asyncio
import logging
import operator
from array import array
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from itertools import islice

from ._page_budget import PageBudget
from .models import Event, EventPage

__all__ = [
    "EVENTS_AHEAD",
    "FIRST_ROUND_PAGE_EVENTS",
    "PageAnswer",
    "first_round",
    "iter_pages",
    "unique_events",
]

logger = logging.getLogger("monuv_async")

EVENTS_AHEAD = 8192
"""Events a walk holds ahead of its caller at most (whole pages, at least one)."""

FIRST_ROUND_PAGE_EVENTS = 500
"""The events a page is assumed to hold at most before any answer tells (Monuv's hold 30)."""

PageAnswer = Callable[[], EventPage]
"""A fetched page, read when called (it raises the reading's error, if any)."""


def answered(task: asyncio.Task[PageAnswer]) -> EventPage | None:
    """The page of a finished fetch, read now; ``None`` if it failed in any way.

    For a done callback that looks at a page early: a failure is raised
    when the walk takes the page, not here.
    """
    if task.cancelled() or task.exception() is not None:
        return None
    try:
        return task.result()()
    except Exception:
        return None


def first_round(pages_hint: int | None, *, concurrency: int, buffer: int, events_ahead: int) -> int:
    """How many pages to request at once before the first answer: 1 without a hint.

    Never more than the hint (a guess beyond the last page is a request
    wasted), ``concurrency``, ``buffer``, nor the pages of
    :data:`FIRST_ROUND_PAGE_EVENTS` events that fit in ``events_ahead``: the
    size of a page is unknown until one arrives, so the event budget holds
    for pages of up to that many events.
    """
    if pages_hint is None:
        return 1
    return max(1, min(pages_hint, concurrency, buffer, events_ahead // FIRST_ROUND_PAGE_EVENTS))


class _Prefetcher:
    """The page requests of one walk: started ahead, handed out in order."""

    def __init__(
        self,
        fetch: Callable[[int], Awaitable[PageAnswer]],
        *,
        next_page: int,
        last_page: int,
        concurrency: int,
        buffer: int,
        learn: Callable[[EventPage], None] | None = None,
        budget: PageBudget | None = None,
        rank: int = 0,
    ) -> None:
        self._fetch = fetch
        self._learn = learn
        self._next = next_page
        self.last_page = last_page
        self.concurrency = concurrency
        self.buffer = buffer
        self.rank = rank
        # Events a page is taken to hold, for a budget; set by the first answer.
        self.page_events = FIRST_ROUND_PAGE_EVENTS
        self.opened = False
        self._in_flight = 0
        self._tasks: dict[int, asyncio.Task[PageAnswer]] = {}
        self._closed = False
        self._budget = budget
        # Set while take() waits for a page the budget has not let start yet.
        self._waiter: asyncio.Future[None] | None = None
        if budget is not None:
            budget.join(self)

    @property
    def held(self) -> int:
        """Pages held: in flight, or fetched and not yet taken."""
        return len(self._tasks)

    def running(self) -> int:
        """Requests in flight."""
        # Counted down by the done callback, the first one each task gets:
        # until it has run, a finished request still counts, which only
        # delays a start to the fill that callback makes.
        return self._in_flight

    def wants(self, running: int) -> bool:
        """Whether this walk's own bounds let it start the next request."""
        return (
            not self._closed
            and self._next <= self.last_page
            and running < self.concurrency
            and len(self._tasks) < self.buffer
        )

    def start_next(self) -> None:
        """Start the request for the next page."""
        self.opened = True
        task = asyncio.ensure_future(self._fetch(self._next))
        task.add_done_callback(self._finished)
        self._in_flight += 1
        self._tasks[self._next] = task
        self._next += 1
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def fill(self) -> None:
        """Start requests while the bounds allow it (all walks', with a budget)."""
        if self._budget is not None:
            self._budget.fill()
            return
        running = self.running()
        while self.wants(running):
            self.start_next()
            running += 1

    def _finished(self, task: asyncio.Task[PageAnswer]) -> None:
        self._in_flight -= 1
        if self._learn is not None:
            page = answered(task)
            if page is not None:
                learn, self._learn = self._learn, None
                learn(page)
        self.fill()

    async def take(self, number: int) -> EventPage:
        """The page ``number``, waiting for it if needed."""
        while number not in self._tasks:
            # Only with a budget: the page starts when earlier walks let go.
            # Cancelled here, a page started meanwhile stays for close().
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                self.fill()
                if number not in self._tasks:
                    await self._waiter
            finally:
                self._waiter = None
        # Read before it leaves the buffer: if the wait or the reading failed
        # (or the wait was cancelled), close() still finds the task and waits
        # for it to let go, and no request starts for a walk that is ending.
        page = (await self._tasks[number])()
        del self._tasks[number]
        self.fill()
        return page

    async def close(self) -> None:
        """Cancel what is still running and wait for it to let go."""
        self._closed = True
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        if self._budget is not None:
            self._budget.leave(self)
        if tasks:
            # Retrieves every outcome too, so no "exception never retrieved".
            await asyncio.gather(*tasks, return_exceptions=True)


async def iter_pages(
    fetch: Callable[[int], Awaitable[PageAnswer]],
    *,
    start_page: int,
    concurrency: int,
    buffer: int,
    events_ahead: int | None = None,
    pages_hint: int | None = None,
    waiting: int = 0,
    budget: PageBudget | None = None,
    rank: int = 0,
) -> AsyncGenerator[EventPage, None]:
    """Yield pages ``start_page..last_page`` in order, each requested once.

    ``fetch(number)`` gives a :data:`PageAnswer`, read when the walk takes it.

    ``last_page`` comes from the first page; a later page reporting more pages
    (events arrived during the walk) extends the walk, one reporting fewer
    ends it there, and an empty page ends it (pages ran out).
    At most ``buffer`` pages are held (running or fetched, not yet taken),
    and no more than about ``events_ahead`` events' worth of them (the size
    of the first page tells how many events a page holds).
    ``pages_hint`` (the caller expects at least that many pages) has the
    :func:`first_round` of pages requested together with the first, and the
    first of them to answer (whichever) starts the next pages: a wrong guess
    costs at most the first round's requests beyond the last page; they are
    never yielded, nor are their errors raised, and whatever of them still
    runs is cancelled when the walk ends. A page's error is raised when the
    walk reaches it, after the pages before it.
    ``waiting``: fetches started beyond ``concurrency`` (within ``buffer``),
    for a ``fetch`` that bounds its requests in flight itself: they wait
    there, and one takes a place the moment an answer frees it, before that
    answer is even read.
    ``budget``: a :class:`PageBudget` shared with other walks, which this one
    joins with ``rank`` (lower ranks are served first); its bounds then hold
    over all of them together, beside this walk's own.
    Stopping early (``break``, an exception, cancellation) cancels the requests
    still running; wrap the walk in ``contextlib.aclosing`` to have that happen
    at the ``break`` itself rather than when the generator is collected.
    """
    if events_ahead is None:
        events_ahead = EVENTS_AHEAD
    opening = first_round(
        pages_hint, concurrency=concurrency, buffer=buffer, events_ahead=events_ahead
    )

    def fit(size: int) -> None:
        # The budget is in events: 32 pages of 500 events are not 32 pages of 30.
        # Never below one page, never loosened, and `buffer` pages stay the
        # upper bound. Pages of the first round beyond it stay held (they were
        # sent), and no request starts until the held pages fit again.
        prefetcher.buffer = min(prefetcher.buffer, max(1, events_ahead // max(1, size)))
        prefetcher.page_events = max(1, size)
        # The buffer is the bound on pages held; concurrency fits inside it.
        prefetcher.concurrency = min(concurrency + waiting, prefetcher.buffer)

    def learn(page: EventPage) -> None:
        # The first answer to come, whichever page of the first round it is,
        # already tells enough to start the next pages in the places the
        # others free, rather than leave them idle until page one is read.
        # Only ever more pages: the first page, once taken, is what the walk
        # follows. A short page here is the last one (the first round holds
        # it), and then nothing more starts, so its size misleads no budget.
        if page.events:
            fit(len(page.events))
            prefetcher.last_page = max(prefetcher.last_page, page.last_page)

    # Until the first answer, the walk is the first round and nothing more.
    prefetcher = _Prefetcher(
        fetch,
        next_page=start_page,
        last_page=start_page + opening - 1,
        concurrency=opening,
        buffer=buffer,
        learn=learn,
        budget=budget,
        rank=rank,
    )
    try:
        prefetcher.fill()
        first = await prefetcher.take(start_page)
        fit(len(first.events))
        if not first.events:
            # Pages ran out, whatever last_page claims (10**9 and then empty
            # pages would otherwise be requested without end).
            yield first
            return
        # Pages already started past first.last_page stay held, unyielded, in
        # case last_page grows (they would otherwise be requested twice).
        prefetcher.last_page = first.last_page
        # Start fetching ahead before handing out the first page, so the
        # caller's work on it overlaps the next requests.
        prefetcher.fill()
        yield first
        number = start_page + 1
        while number <= prefetcher.last_page:
            page = await prefetcher.take(number)
            if not page.events or page.last_page < number:
                # The walk ends here: an empty page, or one saying there are
                # fewer pages (events expired). Requests already started past
                # it are cancelled, so a false last_page costs at most
                # `concurrency + waiting` requests beyond what the pages hold.
                if page.events:
                    yield page
                return
            prefetcher.last_page = min(prefetcher.last_page, page.last_page)
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


def _span(ids: list[int]) -> tuple[int, int, bool]:
    """``(lowest, highest, distinct)`` of a page's ids, cheaply for the usual page.

    Monuv lists newest first, ids falling: strictly falling ids are distinct
    and their ends are their range, found without a set or a min/max pass.
    """
    if all(map(operator.gt, ids, islice(ids, 1, None))):
        return ids[-1], ids[0], True
    return min(ids), max(ids), len(set(ids)) == len(ids)


def _compact(ids: list[int]) -> Sequence[int]:
    """The ids of a page in 8 bytes each (a tuple if one does not fit in 64 bits)."""
    try:
        return array("q", ids)
    except OverflowError:
        return tuple(ids)


async def unique_events(
    pages: AsyncGenerator[EventPage, None], *, memory: int
) -> AsyncGenerator[Event, None]:
    """The events of ``pages``, each id once among the last ``memory`` pages.

    Closes ``pages`` when it stops, however it stops.
    """
    # Best effort, in bounded memory: remember the ids of the last `memory`
    # pages only. That catches the usual repeat (new events pushing the tail
    # of a page onto the next ones fetched); an event pushed further than
    # that, by many arrivals during a slow walk, comes out again. backfill()
    # is the exactly-once walk. Each page remembered keeps all its ids (the
    # repeats too), so forgetting an old page never forgets an id that a
    # newer page repeated. They are kept compact, with their range: a page
    # whose ids overlap no remembered range (the usual case, ids falling
    # page after page) is checked without building any set.
    recent: deque[tuple[int, int, Sequence[int]]] = deque()
    try:
        async for page in pages:
            events = page.events
            if not events:
                continue
            ids = [event.id for event in events]
            low, high, distinct = _span(ids)
            fresh: Sequence[Event] = events
            overlapping = [held for lo, hi, held in recent if lo <= high and low <= hi]
            if overlapping or not distinct:
                known: set[int] = set()
                for held in overlapping:
                    known.update(held)
                fresh = []
                for event in events:
                    if event.id not in known:
                        known.add(event.id)
                        fresh.append(event)
            recent.append((low, high, _compact(ids)))
            if len(recent) > memory:
                recent.popleft()
            for event in fresh:
                yield event
    finally:
        await pages.aclose()
