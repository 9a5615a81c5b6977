"""Backfilling events: split, concurrent, exactly-once under drift, resumable.

Monuv pages events by number over a live data set, newest first. A plain
walk over it is fragile: when events arrive at the top, the next page repeats
the tail of the previous one; when events disappear above the walk's
position, the next page skips some. With pages fetched concurrently, a later
page may even be read before an earlier one, so either can happen at any
boundary.

:class:`Backfill` makes the walk exact:

* The window is split into sub-windows (a day by default) that are walked
  concurrently under the client's one semaphore, each with its pages fetched
  ahead (:func:`monuv_async._pagination.iter_pages`).
* Every event is de-duplicated by id within its sub-window. The ids kept are
  those of the sub-windows in progress only (a few at a time), so memory is
  bounded by the size of a sub-window, about 70 bytes per event, not by the
  size of the backfill.
* Each pass over a sub-window notes the ``total`` every page reported. A pass
  is *stable* when every page reported the same total and the pages held
  exactly that many distinct events: nothing moved while it ran, so it saw every event
  present throughout. An unstable pass (drift) is followed by another pass,
  which yields only what was not yet seen, until a stable one (at most
  ``MAX_PASSES``). So every event that exists in its sub-window for the whole
  backfill is yielded exactly once.
* :attr:`Backfill.checkpoint` always matches what has been yielded and can
  be saved and handed back as ``resume_from``.

Limits: an event that arrives or disappears *during* the backfill may or may
not be yielded (it did not exist for the whole walk). A deletion and an
insertion in the same sub-window, between the same two page reads, leave the
total unchanged and cannot be told from no change; Monuv only adds events at
the newest end and expires them at the oldest, which never happen in the same
day-sized sub-window unless history is a single day. If a sub-window never
settles within ``MAX_PASSES``, a warning is logged and the backfill goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import operator
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Sequence
from itertools import chain
from typing import Literal

from ._backfill_plan import Split, plan, split_window
from ._backfill_state import WindowState
from ._closing import Closing
from ._first_pages import FirstPages
from ._page_budget import PageBudget
from ._pagination import EVENTS_AHEAD, PageAnswer, iter_pages
from .checkpoint import Checkpoint, Window
from .models import Event

__all__ = ["MAX_PASSES", "Backfill", "Split", "plan", "split_window"]

logger = logging.getLogger("monuv_async")

MAX_PASSES = 5
"""Passes over one sub-window before giving up on it settling."""

FetchPage = Callable[[Window, int], Awaitable[PageAnswer]]


class _End(enum.Enum):
    DONE = enum.auto()


_DONE = _End.DONE
# Batches (a page's new events) waiting for the caller, per sub-window. The
# page walker behind each queue already holds pages ahead, so the queue only
# has to decouple the two: two batches let one be taken while the next is put.
_BATCHES = 2
# What a producer puts: a batch of new events, its failure, or the end of its
# sub-window; each kind told apart by its type alone.
_Item = Sequence[Event] | Exception | Literal[_End.DONE]
_Queue = asyncio.Queue[tuple[Window, _Item]]
# A batch handed to the caller, with the state of its sub-window.
_Batch = tuple["WindowState", Sequence[Event]]


class Backfill(Closing):
    """An async iterator of :class:`Event` over a window, with a checkpoint.

    Built by :meth:`MonuvClient.backfill`; iterate it with ``async for``.
    Use it as an async context manager (or call :meth:`aclose`) to stop its
    requests at once when leaving early.
    """

    def __init__(
        self,
        fetch: FetchPage,
        windows: list[Window],
        *,
        filters: dict[str, object],
        ordered: bool,
        concurrency: int,
        buffer: int,
        windows_ahead: int | None = None,
        resume_from: Checkpoint | None = None,
    ) -> None:
        # The walk and its producer tasks never refer back to this object:
        # a caller who breaks out of `async for` without aclose() drops the
        # last reference to it, and with it to the generator, whose
        # finalizer then closes the walk and cancels the tasks. A cycle
        # through here would leave them pending until a GC pass destroyed
        # them ("Task was destroyed but it is pending!").
        self._walk = _Walk(
            fetch,
            windows,
            filters=filters,
            ordered=ordered,
            concurrency=concurrency,
            buffer=buffer,
            windows_ahead=windows_ahead,
            resume_from=resume_from,
        )
        self._events = self._walk.events()

    @property
    def checkpoint(self) -> Checkpoint:
        """The state after the events yielded so far (not those still buffered).

        Building it costs time in proportion to the events of the sub-windows
        in progress: take it every few seconds or thousand events, not after
        each one.
        """
        return self._walk.checkpoint()

    def __aiter__(self) -> AsyncIterator[Event]:
        # The walk's generator, stepped directly: no coroutine of ours per event.
        return self._events

    def __anext__(self) -> Awaitable[Event]:
        return self._events.__anext__()

    async def aclose(self) -> None:
        """Stop: cancel the requests in flight and wait for them to let go."""
        await self._events.aclose()


class _Walk:
    """The state and tasks of one backfill, behind :class:`Backfill`."""

    def __init__(
        self,
        fetch: FetchPage,
        windows: list[Window],
        *,
        filters: dict[str, object],
        ordered: bool,
        concurrency: int,
        buffer: int,
        windows_ahead: int | None,
        resume_from: Checkpoint | None,
    ) -> None:
        self._fetch = fetch
        self._filters = filters
        self._ordered = ordered
        self._concurrency = concurrency
        if windows_ahead is None:
            # In order, a window ahead holds only what the budget below lets
            # it fetch, so as many as the client runs requests may be on
            # their way (short windows then share a round); handed out as
            # they come, each window keeps its ids until it ends: two.
            windows_ahead = max(2, concurrency) if ordered else 2
        # Never more sub-windows at once than pages in the budget.
        self._windows_ahead = max(1, min(windows_ahead, buffer))
        # Batches put for the caller and not yet taken, and their events.
        self._queued = 0
        self._queued_events = 0
        self._done: set[str] = set()
        self._states: dict[str, WindowState] = {}
        self._yielded = 0
        if resume_from is not None:
            self._done = set(resume_from.done)
            self._yielded = resume_from.yielded
            for key, ids in resume_from.active.items():
                self._states[key] = WindowState(seen=set(ids))
        self._windows = [w for w in windows if w.key not in self._done]
        # How many windows have started (they start in order).
        self._started = 0
        # First pages ahead: at most half the page budget, and no more at
        # once than the client runs requests.
        self._firsts = FirstPages(fetch, self._windows, limit=min(concurrency, buffer // 2))
        # One budget for everything the backfill holds: the pages of the
        # sub-windows walked at once, the first pages of those next in line,
        # and the batches waiting for the caller; served earliest window
        # first. The client's semaphore is still what bounds requests, but
        # they reach it in that order. Half the events of a plain walk: a
        # backfill also holds the ids of its windows.
        self._budget = self._firsts.budget = PageBudget(
            concurrency=concurrency,
            pages=buffer,
            events=EVENTS_AHEAD // 2,
            outside=self._outside,
            spare=self._firsts.request,
        )
        # Of its own, the window handed out holds three quarters of the
        # events: the windows ahead share the budget with it.
        self._own_events = self._budget.events * 3 // 4
        # The batch being handed out: its sub-window's state, its length, and
        # the iterator over it, whose length hint tells how many are left.
        self._current: WindowState | None = None
        self._current_size = 0
        self._cursor: Iterator[Event] = iter(())

    def _handed(self) -> int:
        """Events of the current batch handed to the caller so far."""
        return self._current_size - operator.length_hint(self._cursor)

    def checkpoint(self) -> Checkpoint:
        """The state after the events yielded so far."""
        handed = self._handed()
        active = {}
        for key, state in self._states.items():
            pending = set(chain.from_iterable(state.queued))
            if handed and state is self._current:
                pending.difference_update(state.queued[0][:handed])
            active[key] = frozenset(state.seen - pending)
        return Checkpoint(
            filters=dict(self._filters),
            done=frozenset(self._done),
            active=active,
            yielded=self._yielded + handed,
        )

    # -- producing ---------------------------------------------------------------

    async def _passes(self, window: Window, rank: int) -> AsyncGenerator[Sequence[Event], None]:
        """Batches of not-yet-seen events of ``window``, pass after pass until stable."""
        state = self._states.setdefault(window.key, WindowState(seen=set()))
        for number in range(1, MAX_PASSES + 1):
            totals: set[int] = set()
            count = 0
            # The distinct ids this pass read: rows repeating ids (a server
            # answering the same rows twice) add to the count but not here,
            # so such a pass is not taken for a complete one. A first pass
            # from nothing needs no set of its own: what it read is `seen`.
            before = len(state.seen)
            read: set[int] | None = set() if number > 1 or before else None

            async def fetch(page: int) -> PageAnswer:
                early = self._firsts.take(window) if page == 1 else None
                return await (early if early is not None else self._fetch(window, page))

            pages = iter_pages(
                fetch,
                start_page=1,
                concurrency=self._concurrency,
                buffer=self._budget.pages,
                events_ahead=self._own_events,
                budget=self._budget,
                rank=rank,
            )
            try:
                async for page in pages:
                    events = page.events
                    totals.add(page.total)
                    count += len(events)
                    ids = [e.id for e in events]
                    if read is not None:
                        read.update(ids)
                    batch = state.take(events, ids)
                    if batch:
                        yield batch
            finally:
                await pages.aclose()
            distinct = len(read) if read is not None else len(state.seen) - before
            if len(totals) == 1 and count == next(iter(totals)) == distinct:
                return
            logger.info(
                "events of %s moved during pass %d (totals %s, %d read); reading it again",
                window.key,
                number,
                sorted(totals),
                count,
            )
        logger.warning(
            "events of %s kept moving for %d passes; some may be missing", window.key, MAX_PASSES
        )

    async def _produce(
        self, window: Window, rank: int, put: Callable[[_Item], Awaitable[None]]
    ) -> None:
        try:
            # Closed here, not left to the garbage collector, when this task
            # is cancelled while blocked in put().
            async with contextlib.aclosing(self._passes(window, rank)) as batches:
                async for batch in batches:
                    await put(batch)
        except Exception as exc:
            await put(exc)
        else:
            await put(_DONE)

    # -- consuming ---------------------------------------------------------------

    def _batch(
        self, window: Window, item: Sequence[Event] | Exception
    ) -> tuple[WindowState, Sequence[Event]]:
        if isinstance(item, Exception):
            # A producer's failure, raised in the caller's task where it belongs.
            raise item
        self._queued -= 1
        self._queued_events -= len(item)
        self._budget.fill()
        return self._states[window.key], item

    async def events(self) -> AsyncGenerator[Event, None]:
        """The events to hand out, one by one, with the checkpoint kept up to date."""
        async with contextlib.aclosing(self.run()) as batches:
            async for state, batch in batches:
                # Handed out once the cursor is past it, before the caller gets
                # it: a checkpoint saved after processing it includes it.
                self._current, self._current_size = state, len(batch)
                self._cursor = cursor = iter(batch)
                for event in cursor:
                    yield event
                state.queued.popleft()
                self._yielded += len(batch)
                self._current, self._current_size = None, 0

    def _finish(self, window: Window) -> None:
        self._done.add(window.key)
        del self._states[window.key]

    async def run(self) -> AsyncGenerator[_Batch, None]:
        """The batches to hand out, each with its sub-window's state."""
        tasks: set[asyncio.Task[None]] = set()
        try:
            batches = self._run_ordered(tasks) if self._ordered else self._run_unordered(tasks)
            async for batch in batches:
                yield batch
        finally:
            # No first page may start once the walk winds down.
            early = self._firsts.stop()
            for task in (*tasks, *early):
                task.cancel()
            if tasks or early:
                # Retrieves every outcome too, so no "exception never retrieved".
                await asyncio.gather(*tasks, *early, return_exceptions=True)

    def _outside(self) -> tuple[int, int, int]:
        """What the budget's walks do not hold: ``(running, pages, events)``."""
        running, pages, events = self._firsts.held()
        return running, pages + self._queued, events + self._queued_events

    def _start(self, window: Window, queue: _Queue, tasks: set[asyncio.Task[None]]) -> None:
        rank = self._started
        self._started += 1
        self._firsts.started(self._started)

        async def put(item: _Item) -> None:
            if not isinstance(item, Exception | _End):
                # Counted from now: a producer blocked here holds the batch.
                self._queued += 1
                self._queued_events += len(item)
            await queue.put((window, item))

        task = asyncio.ensure_future(self._produce(window, rank, put))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        self._budget.fill()

    async def _run_ordered(self, tasks: set[asyncio.Task[None]]) -> AsyncIterator[_Batch]:
        # One queue per sub-window, so they are handed out newest window first
        # while the next ones are already being fetched.
        queues: list[_Queue] = []
        for index, window in enumerate(self._windows):
            while len(queues) < min(index + self._windows_ahead, len(self._windows)):
                queue: _Queue = asyncio.Queue(maxsize=_BATCHES)
                self._start(self._windows[len(queues)], queue, tasks)
                queues.append(queue)
            while True:
                _, item = await queues[index].get()
                if item is _DONE:
                    break
                yield self._batch(window, item)
            self._finish(window)

    async def _run_unordered(self, tasks: set[asyncio.Task[None]]) -> AsyncIterator[_Batch]:
        queue: _Queue = asyncio.Queue(maxsize=_BATCHES * self._windows_ahead)
        waiting = list(reversed(self._windows))
        running = 0
        while waiting or running:
            while waiting and running < self._windows_ahead:
                self._start(waiting.pop(), queue, tasks)
                running += 1
            window, item = await queue.get()
            if item is _DONE:
                running -= 1
                self._finish(window)
                continue
            yield self._batch(window, item)
