"""The simulator's server: :class:`MonuvSimulator`'s lifecycle, latency, faults and counting.

The server binds a port, times every answer (``latency``), plays queued
faults (:mod:`.faults`) and counts requests and connections; the answers
themselves come from :class:`~.routes.Routes`, over a :class:`~.store.Store`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo

from aiohttp import web
from yarl import URL

from .arguments import check_arguments, check_live
from .events import NewestFirst, SimEvent
from .faults import Fault, FaultQueue, serve_with_fault
from .live import LiveClock, LiveFeed
from .routes import ROUTE_TABLE, ROUTES, Routes
from .site import CountingSite
from .stats import SimulatorStats
from .store import DEFAULT_CAMERA_OPTIONS, OnStore, Store, seeded_rng

__all__ = ["DEMO_TOKEN", "CountingSite", "MonuvSimulator"]

DEMO_TOKEN = "monuv-demo-token"  # noqa: S105 - a public, documented demo value
"""The simulator's default partner token."""

_SAO_PAULO = ZoneInfo("America/Sao_Paulo")


class MonuvSimulator:
    """A fake Monuv API: stateful, deterministic, served on a local port.

    Use it with ``async with`` (or :meth:`start` / :meth:`close`) and point a
    client at :attr:`url`. ``seed``, ``cameras`` (ids 1001, 1002, ...),
    ``events_per_camera_per_day``, ``days`` and ``now`` define the event
    data set; ``latency`` (plus up to ``latency_jitter``) seconds are added
    to every answer; ``rate_limit`` (requests per second per token) answers
    429 beyond it; ``camera_options`` replaces the documented options.
    ``live_rate`` (new events per camera per second) makes it live: from
    :meth:`start` on, :attr:`now` follows the wall clock and events arrive
    as it passes, ``late_share`` of them ``late_by`` after their
    ``event_at``; :meth:`advance` moves time on at once. The
    state attributes (``clients``, ``users``, ``cameras``,
    ``blocked_documents``, ``blocked_users``, ``events``) are plain data that
    tests may read and change.
    """

    # The state lives on the store the routes serve from; these forward to it.
    seed: OnStore[int] = OnStore()
    """Seeds the event data set and the snapshot bytes."""
    tz: OnStore[tzinfo] = OnStore()
    """The time zone of event times, day filters and ``created_at``."""
    camera_options: OnStore[Mapping[str, Any]] = OnStore()
    """Served by ``GET /api/v1/cameras/create``; camera requests are validated against it."""
    event_types: OnStore[dict[int, str]] = OnStore()
    """Event type ids and descriptions; new events draw from them."""
    clients: OnStore[dict[int, dict[str, Any]]] = OnStore()
    """Stored clients by id, as created (``add_client`` or ``POST /api/v1/clients``)."""
    users: OnStore[dict[int, dict[str, Any]]] = OnStore()
    """Stored users by id, each with its ``client_id`` and ``user_type``."""
    cameras: OnStore[dict[int, dict[str, Any]]] = OnStore()
    """Stored cameras by id: the seeded ones (no client) and those created."""
    blocked_documents: OnStore[set[str]] = OnStore()
    """The digits of the blocked clients' documents."""
    blocked_users: OnStore[set[int]] = OnStore()
    """The ids of the blocked users."""

    def __init__(
        self,
        token: str = DEMO_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        cameras: int = 3,
        events_per_camera_per_day: int = 300,
        days: int = 7,
        per_page: int = 30,
        now: datetime | None = None,
        tz: tzinfo = _SAO_PAULO,
        latency: float = 0.0,
        latency_jitter: float = 0.0,
        rate_limit: float | None = None,
        camera_options: Mapping[str, Any] | None = None,
        live_rate: float | None = None,
        late_share: float = 0.0,
        late_by: timedelta = timedelta(minutes=5),
    ) -> None:
        check_live(live_rate, late_share, late_by)
        check_arguments(
            token,
            cameras=cameras,
            events=events_per_camera_per_day,
            days=days,
            per_page=per_page,
            rate=rate_limit,
        )
        self.token = token
        self.host = host
        self.per_page = per_page
        self.latency = latency
        self.latency_jitter = latency_jitter
        self.rate_limit = rate_limit
        self.on_events_request: Callable[[MonuvSimulator, int], Awaitable[None] | None] | None
        """Called with the page number before an events page is answered (may be async)."""
        self.on_events_request = None
        self.stats = SimulatorStats()
        self._store = Store(
            seed=seed,
            tz=tz,
            now=now,
            cameras=cameras,
            events_per_camera_per_day=events_per_camera_per_day,
            days=days,
            camera_options=DEFAULT_CAMERA_OPTIONS if camera_options is None else camera_options,
        )
        self._live = LiveFeed(
            seed=seed,
            rate=live_rate,
            late_share=late_share,
            late_by=late_by,
            history_days=max(days, 1),
        )
        self._clock = LiveClock()
        self._port = port
        self._jitter = seeded_rng(seed + 1)
        self._faults = FaultQueue(ROUTES)
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._site: CountingSite | None = None
        self._closed = False

        self.app = web.Application()
        """The aiohttp application; add routes or middlewares before :meth:`start`."""
        routes = Routes(self._store, self, self._events_requested)
        for route in ROUTE_TABLE:
            answer = functools.partial(routes.answer, route.name)
            endpoint = self._endpoint(route.name, answer)
            self.app.router.add_route(route.method, route.path, endpoint, name=route.name)

    # -- lifecycle ------------------------------------------------------------

    async def start(self) -> None:
        """Bind the port and start answering."""
        if self._runner is not None or self._closed:
            msg = (
                "MonuvSimulator: already started" if not self._closed else "MonuvSimulator: closed"
            )
            raise RuntimeError(msg)
        # access_log=None: request lines carry the token. handler_cancellation
        # ends a stalled handler as soon as its client gives up.
        runner = web.AppRunner(
            self.app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = CountingSite(runner, self.host, self._port, self._count_connection)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._site = runner, site
        if self.live_rate is not None:
            self._clock.start(self._store.now)

    async def close(self) -> None:
        """Stop answering and free the port; pending delays end at once. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def port(self) -> int:
        """The bound port (after :meth:`start`)."""
        if self._site is None:
            msg = "MonuvSimulator: not started"
            raise RuntimeError(msg)
        return self._site.port

    @property
    def url(self) -> str:
        """The base URL to give a client, e.g. ``http://127.0.0.1:41234``."""
        return str(URL.build(scheme="http", host=self.host, port=self.port))

    def __repr__(self) -> str:
        where = self.url if self._site is not None else "(not started)"
        return f"<MonuvSimulator {where} token=***>"

    # -- observability and faults -----------------------------------------------

    def reset_stats(self) -> None:
        """Zero the counters (``in_flight`` keeps counting the requests still running)."""
        in_flight = self.stats.in_flight
        self.stats = SimulatorStats(in_flight=in_flight, max_in_flight=in_flight)

    def inject(self, route: str, *faults: Fault) -> None:
        """Queue faults for ``route`` (a name from :data:`ROUTES`, or ``"*"`` for any).

        Each request to the route consumes the next fault, in order; once the
        queue is empty the route behaves normally again. A route's own queue
        is used before the ``"*"`` queue.
        """
        self._faults.inject(route, faults)

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self._faults.clear()

    def pending_faults(self, route: str | None = None) -> int:
        """How many queued faults remain (for ``route``, or in total)."""
        return self._faults.pending(route)

    # -- time -------------------------------------------------------------------

    @property
    def live_rate(self) -> float | None:
        """New events per camera per second as time passes (``None``: not live)."""
        return self._live.rate

    @property
    def now(self) -> datetime:
        """The clock for ``created_at`` and new events.

        A live simulator's clock ticks with the wall clock once started; any
        other one moves only when set or advanced (:meth:`advance`). Setting
        it jumps, without generating the events of the jump.
        """
        self._catch_up()
        return self._store.now

    @now.setter
    def now(self, value: datetime) -> None:
        self._catch_up()
        self._store.now = value
        self._live.restart()
        if self._clock.running:
            self._clock.set(value)

    def advance(self, seconds: float) -> None:
        """Move :attr:`now` on by ``seconds`` at once, as if they had passed.

        A live simulator generates the events of those seconds (the same
        ones, for the same seed, as waiting them out would), and events older
        than their camera's history expire (``history_days`` of a created
        camera, else ``days``). It works live or not, started or not.
        """
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds >= 0:
            msg = f"seconds: must be a number >= 0, got {seconds!r}"
            raise ValueError(msg)
        self._catch_up()
        self._clock.shift(seconds)
        self._move_to(self._store.now + timedelta(seconds=seconds))

    def _catch_up(self) -> None:
        target = self._clock.now()
        if target is not None and target > self._store.now:
            self._move_to(target)

    def _move_to(self, target: datetime) -> None:
        store = self._store
        end = target.timestamp()
        made = self._live.run(store, store.now.timestamp(), end)
        store.now = target
        self.stats.live_events += made.events
        self.stats.late_events += made.late
        self.stats.expired_events += len(self._live.expire(store, end))

    # -- event data set ---------------------------------------------------------

    @property
    def events(self) -> Sequence[SimEvent]:
        """Every stored event, newest first (a live view, not a copy)."""
        self._catch_up()
        return NewestFirst(self._store.timeline)

    def add_event_types(self, types: Mapping[int, str]) -> None:
        """Add or rename event types (``{id: description}``); new events draw from them."""
        self.event_types.update(types)

    def append_events(
        self,
        n: int,
        *,
        camera_id: int | None = None,
        at: datetime | None = None,
        event_type: int | None = None,
    ) -> list[int]:
        """Add ``n`` events (at :attr:`now` by default, so newest) and return their ids.

        Without ``camera_id`` / ``event_type`` each event gets a random
        known camera / type (from the simulator's seeded generator).
        """
        self._catch_up()
        return self._store.append_events(n, camera_id, at, event_type)

    def expire_events(self, n: int) -> list[int]:
        """Remove the ``n`` oldest events (history running out) and return their ids."""
        return self._store.expire_events(n)

    def delete_events(self, ids: Iterable[int]) -> None:
        """Remove the events with these ids; unknown ids are ignored."""
        self._store.delete_events(ids)

    def event_json(self, event: SimEvent, base_url: str | None = None) -> dict[str, Any]:
        """The event as the API serves it, ``event_url`` on ``base_url`` (default :attr:`url`)."""
        return self._store.event_json(event, base_url if base_url is not None else self.url)

    def add_client(
        self, document_number: str, name: str = "Cliente Demo", **fields: str
    ) -> dict[str, Any]:
        """Store a client directly, without HTTP (not counted in ``stats.created``).

        ``document_type`` follows from the number's length; the other
        required fields get placeholders unless given as keywords.
        """
        origin = self.url if self._site is not None else "http://127.0.0.1"
        return self._store.add_client(document_number, name, fields, origin)

    # -- plumbing ---------------------------------------------------------------

    async def _events_requested(self, page: int) -> None:
        if self.on_events_request is not None:
            result = self.on_events_request(self, page)
            if inspect.isawaitable(result):
                await result

    def _count_connection(self) -> None:
        self.stats.connections += 1

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0 or self._closing.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    def _endpoint(
        self, route: str, answer: Callable[[web.Request], Awaitable[web.Response]]
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            # Time passed since the last request brings its events first.
            self._catch_up()
            stats = self.stats
            stats.requests[route] += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
            try:
                delay = self.latency
                if self.latency_jitter > 0:
                    delay += self._jitter.uniform(0, self.latency_jitter)
                fault = self._faults.take(route)
                if fault is None:
                    # The latency is the whole time to answer, work included,
                    # like a real server's: answer at arrival + delay however
                    # many requests this one core handles meanwhile.
                    deadline = asyncio.get_running_loop().time() + delay
                    response = await answer(request)
                    await self._sleep(deadline - asyncio.get_running_loop().time())
                    return response
                await self._sleep(delay)
                return await serve_with_fault(
                    fault, request, functools.partial(answer, request), self._sleep
                )
            finally:
                # Not ``stats``: reset_stats() may have replaced the object.
                self.stats.in_flight -= 1

        return endpoint
