"""The event walks of :class:`~monuv_async.MonuvClient`: one page, all pages, backfill, watch.

A mixin, so the client's module keeps to its lifecycle and single calls;
the methods are the client's own (documented and typed there). It needs
the client's requester, zone and bounds, which ``MonuvClient.__init__`` sets.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Iterable
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

import attrs

from . import _endpoints as endpoints
from . import _options as options
from ._checks import check_int
from ._pagination import PageAnswer, iter_pages, unique_events
from ._requester import Requester
from ._snapshots import SnapshotResult, download_all
from .backfill import Backfill, Split, plan
from .checkpoint import Checkpoint, Window
from .models import Event, EventPage
from .watch import EventWatch, WatchCheckpoint

__all__ = ["EventWalks"]


class EventWalks:
    """The event methods of :class:`~monuv_async.MonuvClient` (see there)."""

    _requester: Requester
    _tz: tzinfo
    _max_concurrency: int
    _page_buffer: int

    @property
    def tz(self) -> tzinfo:
        """The zone Monuv's timestamps are read in."""
        return self._tz

    # -- events --------------------------------------------------------------

    async def events_page(
        self,
        *,
        camera: int | None = None,
        event_types: Iterable[int] | None = None,
        start_at: date | datetime | None = None,
        end_at: date | datetime | None = None,
        page: int = 1,
    ) -> EventPage:
        """One page of events (1-based), newest first."""
        filters = self._filters(camera, event_types, start_at, end_at)
        return await self._requester.call(endpoints.events_page(filters, page))

    def iter_event_pages(
        self,
        *,
        camera: int | None = None,
        event_types: Iterable[int] | None = None,
        start_at: date | datetime | None = None,
        end_at: date | datetime | None = None,
        start_page: int = 1,
        pages_hint: int | None = None,
    ) -> AsyncIterator[EventPage]:
        """Every page from ``start_page`` to the last, in order, fetched ahead.

        Arguments are checked now, before anything is sent. At most
        ``page_buffer`` pages are held at once, whatever the total.
        ``pages_hint``: the caller expects at least that many pages, so the
        first ones (up to ``max_concurrency``) are requested at once rather
        than after the first answer; a wrong guess costs at most those
        requests, and pages past the last are never yielded.
        """
        filters = self._filters(camera, event_types, start_at, end_at)
        return self._pages(filters, start_page, pages_hint)

    def _filters(
        self,
        camera: int | None,
        event_types: Iterable[int] | None,
        start_at: date | datetime | None,
        end_at: date | datetime | None,
    ) -> endpoints.EventFilters:
        return endpoints.event_filters(
            self._tz, camera=camera, event_types=event_types, start_at=start_at, end_at=end_at
        )

    def _pages(
        self, filters: endpoints.EventFilters, start_page: int, pages_hint: int | None
    ) -> AsyncGenerator[EventPage, None]:
        endpoints.check_id("start_page", start_page)  # now, before the walk starts
        options.pages_hint(pages_hint)

        async def fetch(number: int) -> PageAnswer:
            return await self._requester.call_later(endpoints.events_page(filters, number))

        return iter_pages(
            fetch,
            start_page=start_page,
            concurrency=self._max_concurrency,
            buffer=self._page_buffer,
            pages_hint=pages_hint,
            # As many again wait for the semaphore: a place an answer frees is
            # taken at once, not after that answer is read and its task's
            # callback starts the next request, turns of the loop later.
            waiting=self._max_concurrency,
        )

    def iter_events(
        self,
        *,
        camera: int | None = None,
        event_types: Iterable[int] | None = None,
        start_at: date | datetime | None = None,
        end_at: date | datetime | None = None,
        pages_hint: int | None = None,
    ) -> AsyncIterator[Event]:
        """Every event of every page, newest first.

        An event seen again on a later page (newer events pushed it down
        during the walk) is skipped. ``pages_hint`` is
        :meth:`iter_event_pages`'. For a walk that is exactly-once even
        while events arrive and expire, and that can resume, use
        :meth:`backfill`.
        """
        filters = self._filters(camera, event_types, start_at, end_at)
        pages = self._pages(filters, 1, pages_hint)
        # The pages held ahead, plus the one being read and the one before it.
        return unique_events(pages, memory=self._page_buffer + 2)

    def backfill(
        self,
        *,
        start_at: date | datetime,
        end_at: date | datetime,
        camera: int | None = None,
        event_types: Iterable[int] | None = None,
        split: Split = "day",
        ordered: bool = True,
        resume_from: Checkpoint | None = None,
    ) -> Backfill:
        """Every event of ``start_at..end_at``, exactly once, resumable.

        The window is cut into sub-windows (``split``: ``"day"``, ``"week"``,
        ``"none"`` or a number of days) walked concurrently. ``ordered=True``
        yields newest first, as Monuv lists them (events recovered by a re-read
        after drift come when found); ``ordered=False`` yields as pages arrive.
        Save ``.checkpoint`` as you go and pass it back as ``resume_from`` to
        continue after a crash. See :mod:`monuv_async.backfill` for the
        exactly-once guarantee and its limits.
        """
        if start_at is None or end_at is None:
            msg = "start_at: a backfill needs both start_at and end_at"
            raise ValueError(msg)
        filters = self._filters(camera, event_types, start_at, end_at)
        windows, identity = plan(filters, split, resume_from)

        async def fetch(window: Window, number: int) -> PageAnswer:
            scoped = attrs.evolve(filters, start_at=window.start, end_at=window.end)
            return await self._requester.call_later(endpoints.events_page(scoped, number))

        return Backfill(
            fetch,
            windows,
            filters=identity,
            ordered=ordered,
            concurrency=self._max_concurrency,
            buffer=self._page_buffer,
            resume_from=resume_from,
        )

    def watch_events(
        self,
        *,
        camera: int | None = None,
        event_types: Iterable[int] | None = None,
        since: date | datetime | None = None,
        poll_interval: float = 10.0,
        lookback: timedelta = timedelta(minutes=15),
        resume_from: WatchCheckpoint | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> EventWatch:
        """New events as they arrive, exactly once, resumable; see :mod:`monuv_async.watch`.

        ``since=None`` follows from now on; a past ``since`` first yields
        everything from it. ``lookback`` is how late an event may show up and
        still be caught. Save ``.checkpoint`` and pass it back as
        ``resume_from``. ``clock`` (an aware "now"; for tests and simulations)
        replaces the system clock. Arguments are checked now, before any
        request; more failed polls in a row than the retry policy's
        ``attempts`` raise the last error.
        """
        return EventWatch(
            self,
            camera=camera,
            event_types=event_types,
            since=since,
            poll_interval=poll_interval,
            lookback=lookback,
            resume_from=resume_from,
            max_failures=self._requester.retry.attempts,
            clock=clock,
        )

    def download_snapshots(
        self,
        events: Iterable[Event] | AsyncIterable[Event],
        dest_dir: str | os.PathLike[str],
        *,
        concurrency: int | None = None,
    ) -> AsyncIterator[SnapshotResult]:
        """Save each event's snapshot as ``<dest_dir>/<event id>.jpg``; yield a result per event.

        ``events`` may be a list or an async iterator (a backfill, say): it is
        consumed as downloads finish. Images already on disk are skipped; a
        failure is reported in its result, not raised. At most ``concurrency``
        downloads run at once (default ``max_concurrency``), and each also
        takes a place under the client's semaphore. The token is never sent.
        """
        limit = self._max_concurrency if concurrency is None else concurrency
        check_int("concurrency", limit)
        self._requester.check_open()
        folder = Path(dest_dir)
        folder.mkdir(parents=True, exist_ok=True)
        return download_all(events, folder, concurrency=limit, download=self._requester.download)
