"""``MonuvClient``: the session, the bounds, the retries, and one method per operation.

Every request goes the same way: its spec is built (pure, validating the
arguments before anything is sent), then each try waits for a rate-limit slot
and a place under the client's one semaphore, sends, and reads the answer.
Back-off sleeps between tries hold neither, so a retrying request never
blocks others.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import random
import time
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Sequence,
)
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar
from zoneinfo import ZoneInfo

import aiohttp
import attrs
from yarl import URL

from . import _endpoints as endpoints
from ._checks import check_int, check_number
from ._ratelimit import RateLimiter
from ._redact import Redactor
from ._response import read_response
from ._transport import download_once, send_once
from .backfill import Backfill, Split, split_window
from .checkpoint import Checkpoint, Window
from .errors import MonuvError, RateLimitError
from .models import Camera, CameraOptions, Client, Event, EventPage, User
from .pagination import iter_pages
from .requests import CameraUpdate, NewCamera, NewClient, NewUser
from .retry import RetryPolicy
from .snapshots import SnapshotResult, download_all
from .watch import EventWatch, WatchCheckpoint

__all__ = ["DEFAULT_BASE_URL", "ClientStats", "MonuvClient"]

T = TypeVar("T")

DEFAULT_BASE_URL = "https://app.monuv.com.br"
SAO_PAULO = ZoneInfo("America/Sao_Paulo")

logger = logging.getLogger("monuv_async")

# Indirection so tests can observe back-off delays without waiting them out.
_sleep = asyncio.sleep


@attrs.define
class ClientStats:
    """Counters of one client, for monitoring and the CLI's summary."""

    requests: int = 0
    """Tries sent (a retried request counts once per try)."""
    retries: int = 0
    in_flight: int = 0
    max_in_flight: int = 0


class MonuvClient:
    """An asyncio client for the Monuv partner API.

    Use it as an async context manager (or call :meth:`aclose`)::

        async with MonuvClient(token) as monuv:
            options = await monuv.camera_options()

    ``max_concurrency`` bounds the requests in flight across everything the
    client does; ``timeout`` applies to each try; ``retry=None`` never retries;
    ``rate_limit`` caps the requests started per second. A caller's
    ``session`` is used as-is and never closed. ``tz`` is the zone Monuv's
    offset-less timestamps are read in. ``page_buffer`` bounds the pages a
    walk holds ahead, requested or fetched and not yet consumed (default
    ``2 * max_concurrency``; a backfill shares it among the sub-windows it
    walks at once, each also holding up to four pages' worth of events on their
    way to the caller).
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        max_concurrency: int = 8,
        timeout: float | aiohttp.ClientTimeout = 30.0,
        retry: RetryPolicy | None = RetryPolicy(),  # noqa: B008 - frozen, safe to share
        rate_limit: float | None = None,
        session: aiohttp.ClientSession | None = None,
        tz: tzinfo = SAO_PAULO,
        page_buffer: int | None = None,
    ) -> None:
        if not isinstance(token, str) or not token.strip():
            msg = "token: must be a non-empty str"
            raise ValueError(msg)
        check_int("max_concurrency", max_concurrency)
        if page_buffer is not None:
            check_int("page_buffer", page_buffer)
        if rate_limit is not None and not math.isfinite(
            1 / check_number("rate_limit", rate_limit, positive=True)
        ):
            msg = f"rate_limit: too small to space requests, got {rate_limit}"
            raise ValueError(msg)
        if retry is not None and not isinstance(retry, RetryPolicy):
            msg = "retry: must be a RetryPolicy or None"
            raise TypeError(msg)
        if not isinstance(tz, tzinfo):
            msg = f"tz: must be a tzinfo such as ZoneInfo('America/Sao_Paulo'), not {tz!r:.40}"
            raise TypeError(msg)
        self._token = token
        self._base = _base_url(base_url)
        self._max_concurrency = max_concurrency
        self._page_buffer = page_buffer or 2 * max_concurrency
        self._timeout = _client_timeout(timeout)
        self._retry = retry or RetryPolicy(attempts=1)
        self._limiter = RateLimiter(rate_limit) if rate_limit is not None else None
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self._tz = tz
        self._redact = Redactor(token)
        self._rng = random.Random()  # noqa: S311 - jitter, not crypto
        self.stats = ClientStats()

    def __repr__(self) -> str:
        return (
            f"MonuvClient(base_url={str(self._base)!r}, "
            f"max_concurrency={self._max_concurrency}, token=***)"
        )

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return str(self._base)

    @property
    def max_concurrency(self) -> int:
        """The bound on requests in flight."""
        return self._max_concurrency

    @property
    def tz(self) -> tzinfo:
        """The zone Monuv's timestamps are read in."""
        return self._tz

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client's own session (a caller's is left open). Idempotent."""
        self._closed = True
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            msg = "this MonuvClient is closed"
            raise RuntimeError(msg)
        if self._session is None:
            # Created on first use: aiohttp wants a running loop for it.
            connector = aiohttp.TCPConnector(
                limit=self._max_concurrency, limit_per_host=self._max_concurrency
            )
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def _call(self, spec: endpoints.Spec[T]) -> T:
        """Send ``spec`` under the client's bounds, retrying as the policy allows."""
        session = self._get_session()
        url = spec.url(self._base, self._token)
        body = spec.body()
        request = spec.describe(self._base)

        async def attempt_once(attempt: int) -> T:
            async with self._slot():
                started = time.perf_counter()
                answer = await self._logged(
                    send_once(
                        session,
                        spec.method,
                        url,
                        body,
                        client_timeout=self._timeout,
                        request=request,
                        redact=self._redact,
                    ),
                    request,
                    attempt,
                )
            logger.debug(
                "%s -> %d in %.1f ms (try %d)",
                request,
                answer.status,
                (time.perf_counter() - started) * 1000,
                attempt,
            )
            return read_response(
                spec,
                answer.status,
                answer.headers,
                answer.body,
                tz=self._tz,
                request=request,
                redact=self._redact,
            )

        return await self._retrying(attempt_once, request=request, idempotent=spec.idempotent)

    async def _retrying(
        self, attempt_once: Callable[[int], Awaitable[T]], *, request: str, idempotent: bool
    ) -> T:
        """Run ``attempt_once(n)`` for n = 1, 2, ... until it succeeds or the policy says stop."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await attempt_once(attempt)
            except MonuvError as error:
                if not self._retry.should_retry(error, idempotent=idempotent, attempt=attempt):
                    raise
                retry_after = error.retry_after if isinstance(error, RateLimitError) else None
                delay = self._retry.delay(attempt, retry_after=retry_after, rng=self._rng)
                logger.info("%s: %s; retrying in %.2f s", request, type(error).__name__, delay)
                self.stats.retries += 1
            # Outside the semaphore: a request waiting to retry holds no slot.
            await _sleep(delay)

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """A place under the semaphore, then a rate-limit start slot, for one try."""
        async with self._semaphore:
            # The start slot is taken once a place is held: taken before, the
            # slots of requests queued for the semaphore would all come due
            # while they wait, and they would start together in a burst.
            if self._limiter is not None:
                await self._limiter.acquire()
            self.stats.requests += 1
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
            try:
                yield
            finally:
                self.stats.in_flight -= 1

    @staticmethod
    async def _logged(call: Awaitable[T], request: str, attempt: int) -> T:
        try:
            return await call
        except MonuvError as error:
            logger.debug(
                "%s -> %s: %s (try %d)", request, type(error).__name__, error.message, attempt
            )
            raise

    # -- clients and users -------------------------------------------------

    async def create_client(self, new: NewClient) -> Client:
        """Create a client (the partner's customer), with its users if given."""
        return await self._call(endpoints.create_client(new))

    async def create_client_user(self, client_id: int, new: NewUser) -> User:
        """Create a user inside client ``client_id``."""
        return await self._call(endpoints.create_client_user(client_id, new))

    async def block_client(self, document: str) -> None:
        """Block a client by CPF/CNPJ (formatted or bare); ``OperationFailedError`` if refused."""
        await self._call(endpoints.block_client(document))

    async def unblock_client(self, document: str) -> None:
        """Unblock a client by CPF/CNPJ; ``OperationFailedError`` if refused."""
        await self._call(endpoints.unblock_client(document))

    async def block_user(self, user_id: int) -> None:
        """Block a user; ``OperationFailedError`` if refused."""
        await self._call(endpoints.block_user(user_id))

    async def unblock_user(self, user_id: int) -> None:
        """Unblock a user; ``OperationFailedError`` if refused."""
        await self._call(endpoints.unblock_user(user_id))

    # -- cameras -------------------------------------------------------------

    async def camera_options(self) -> CameraOptions:
        """Manufacturers, models, plans and installation codes for camera requests."""
        return await self._call(endpoints.camera_options())

    async def create_camera(self, new: NewCamera) -> Camera:
        """Create a camera; push its stream to the returned ``rtmp_url``."""
        return await self._call(endpoints.create_camera(new))

    async def update_camera(self, camera_id: int, changes: CameraUpdate) -> Camera:
        """Change a camera's fields (``client_id`` is required by the API)."""
        return await self._call(endpoints.update_camera(camera_id, changes))

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
        filters = endpoints.event_filters(
            self._tz, camera=camera, event_types=event_types, start_at=start_at, end_at=end_at
        )
        return await self._call(endpoints.events_page(filters, page))

    def iter_event_pages(
        self,
        *,
        camera: int | None = None,
        event_types: Iterable[int] | None = None,
        start_at: date | datetime | None = None,
        end_at: date | datetime | None = None,
        start_page: int = 1,
    ) -> AsyncIterator[EventPage]:
        """Every page from ``start_page`` to the last, in order, fetched ahead.

        Arguments are checked now, before anything is sent. At most
        ``page_buffer`` pages are held at once, whatever the total.
        """
        filters = endpoints.event_filters(
            self._tz, camera=camera, event_types=event_types, start_at=start_at, end_at=end_at
        )
        return self._pages(filters, start_page)

    def _pages(
        self, filters: endpoints.EventFilters, start_page: int
    ) -> AsyncGenerator[EventPage, None]:
        endpoints.check_id("start_page", start_page)  # now, before the walk starts

        async def fetch(number: int) -> EventPage:
            return await self._call(endpoints.events_page(filters, number))

        return iter_pages(
            fetch,
            start_page=start_page,
            concurrency=self._max_concurrency,
            buffer=self._page_buffer,
        )

    def iter_events(
        self,
        *,
        camera: int | None = None,
        event_types: Iterable[int] | None = None,
        start_at: date | datetime | None = None,
        end_at: date | datetime | None = None,
    ) -> AsyncIterator[Event]:
        """Every event of every page, newest first.

        An event seen again on a later page (newer events pushed it down
        during the walk) is skipped. For a walk that is exactly-once even
        while events arrive and expire, and that can resume, use
        :meth:`backfill`.
        """
        filters = endpoints.event_filters(
            self._tz, camera=camera, event_types=event_types, start_at=start_at, end_at=end_at
        )
        # The pages held ahead, plus the one being read and the one before it.
        return _events_of(self._pages(filters, 1), memory=self._page_buffer + 2)

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
        filters = endpoints.event_filters(
            self._tz, camera=camera, event_types=event_types, start_at=start_at, end_at=end_at
        )
        assert filters.start_at is not None
        assert filters.end_at is not None
        windows = split_window(filters.start_at, filters.end_at, split)
        identity: dict[str, object] = {
            "camera": filters.camera,
            "event_types": list(filters.event_types) if filters.event_types else None,
            "start_at": filters.start_at.isoformat(),
            "end_at": filters.end_at.isoformat(),
            "split": split,
        }
        if resume_from is not None:
            if not isinstance(resume_from, Checkpoint):
                msg = "resume_from: must be a Checkpoint"
                raise TypeError(msg)
            if dict(resume_from.filters) != identity:
                msg = (
                    f"resume_from: the checkpoint is for another backfill "
                    f"({dict(resume_from.filters)} != {identity})"
                )
                raise ValueError(msg)

        async def fetch(window: Window, number: int) -> EventPage:
            scoped = attrs.evolve(filters, start_at=window.start, end_at=window.end)
            return await self._call(endpoints.events_page(scoped, number))

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
            max_failures=self._retry.attempts,
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
        folder = Path(dest_dir)
        folder.mkdir(parents=True, exist_ok=True)
        session = self._get_session()

        async def download(url: URL, path: Path) -> int:
            # Not the API: the image host gets no token, so nothing to mask
            # but the path is shown alone all the same (query strings may sign).
            request = f"GET {url.host}{url.raw_path}"

            async def attempt_once(attempt: int) -> int:
                async with self._slot():
                    return await self._logged(
                        download_once(
                            session,
                            url,
                            path,
                            client_timeout=self._timeout,
                            request=request,
                            redact=self._redact,
                        ),
                        request,
                        attempt,
                    )

            return await self._retrying(attempt_once, request=request, idempotent=True)

        return download_all(events, folder, concurrency=limit, download=download)


async def _events_of(
    pages: AsyncGenerator[EventPage, None], *, memory: int
) -> AsyncGenerator[Event, None]:
    # Best effort, in bounded memory: remember the ids of the last `memory`
    # pages only. That catches the usual repeat (new events pushing the tail
    # of a page onto the next ones fetched); an event pushed further than
    # that, by many arrivals during a slow walk, comes out again. backfill()
    # is the exactly-once walk. `last` maps an id to the latest page it was
    # on, so forgetting an old page never forgets an id that a newer page
    # repeated. Whole-page set operations keep the common case cheap.
    last: dict[int, int] = {}
    recent: deque[tuple[int, set[int]]] = deque()
    number = 0
    try:
        async for page in pages:
            number += 1
            ids = {event.id for event in page.events}
            fresh: Sequence[Event] = page.events
            if len(ids) != len(page.events) or not last.keys().isdisjoint(ids):
                fresh, kept = [], set()
                for event in page.events:
                    if event.id not in last and event.id not in kept:
                        kept.add(event.id)
                        fresh.append(event)
            last.update(dict.fromkeys(ids, number))
            recent.append((number, ids))
            if len(recent) > memory:
                old, old_ids = recent.popleft()
                for event_id in old_ids:
                    if last.get(event_id) == old:
                        del last[event_id]
            for event in fresh:
                yield event
    finally:
        await pages.aclose()


def _base_url(value: str) -> URL:
    if not isinstance(value, str):
        msg = "base_url: must be a str"
        raise TypeError(msg)
    url = URL(value)
    if url.scheme not in {"http", "https"} or not url.host:
        msg = f"base_url: must be an http(s) URL, got {value!r}"
        raise ValueError(msg)
    if url.query_string or url.fragment:
        msg = "base_url: must not have a query or fragment"
        raise ValueError(msg)
    return url


def _client_timeout(value: float | aiohttp.ClientTimeout) -> aiohttp.ClientTimeout:
    if isinstance(value, aiohttp.ClientTimeout):
        return value
    return aiohttp.ClientTimeout(total=check_number("timeout", value, positive=True))
