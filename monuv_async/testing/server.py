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
from datetime import datetime, tzinfo
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload
from zoneinfo import ZoneInfo

from aiohttp import web
from yarl import URL

from .events import NewestFirst, SimEvent
from .faults import Fault, FaultQueue, serve_with_fault
from .routes import ROUTE_TABLE, ROUTES, Routes
from .stats import SimulatorStats
from .store import DEFAULT_CAMERA_OPTIONS, Store, seeded_rng

__all__ = ["DEMO_TOKEN", "CountingSite", "MonuvSimulator"]

DEMO_TOKEN = "monuv-demo-token"  # noqa: S105 - a public, documented demo value
"""The simulator's default partner token."""

_SAO_PAULO = ZoneInfo("America/Sao_Paulo")
_T = TypeVar("_T")


def _check_arguments(
    token: str, *, cameras: int, events: int, days: int, per_page: int, rate: float | None
) -> None:
    for name, count in (
        ("cameras", cameras),
        ("events_per_camera_per_day", events),
        ("days", days),
    ):
        if count < 0:
            msg = f"{name}: must be >= 0, got {count!r}"
            raise ValueError(msg)
    if per_page < 1:
        msg = f"per_page: must be >= 1, got {per_page!r}"
        raise ValueError(msg)
    if rate is not None and not rate > 0:
        msg = f"rate_limit: must be > 0 or None, got {rate!r}"
        raise ValueError(msg)
    if not token:
        msg = "token: must not be empty"
        raise ValueError(msg)


class _OnStore(Generic[_T]):
    """A simulator attribute that lives on its store: reads and writes go through."""

    def __set_name__(self, owner: type[MonuvSimulator], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, sim: None, owner: type[MonuvSimulator]) -> Self: ...
    @overload
    def __get__(self, sim: MonuvSimulator, owner: type[MonuvSimulator]) -> _T: ...
    def __get__(self, sim: MonuvSimulator | None, owner: type[MonuvSimulator]) -> _T | Self:
        if sim is None:
            return self
        value: _T = getattr(sim._store, self._name)
        return value

    def __set__(self, sim: MonuvSimulator, value: _T) -> None:
        setattr(sim._store, self._name, value)


class MonuvSimulator:
    """A fake Monuv API: stateful, deterministic, served on a local port.

    Use it with ``async with`` (or :meth:`start` / :meth:`close`) and point a
    client at :attr:`url`. ``seed``, ``cameras`` (ids 1001, 1002, ...),
    ``events_per_camera_per_day``, ``days`` and ``now`` define the event
    data set; ``latency`` (plus up to ``latency_jitter``) seconds are added
    to every answer; ``rate_limit`` (requests per second per token) answers
    429 beyond it; ``camera_options`` replaces the documented options. The
    state attributes (``clients``, ``users``, ``cameras``,
    ``blocked_documents``, ``blocked_users``, ``events``) are plain data that
    tests may read and change.
    """

    # The state lives on the store the routes serve from; these forward to it.
    seed: _OnStore[int] = _OnStore()
    """Seeds the event data set and the snapshot bytes."""
    tz: _OnStore[tzinfo] = _OnStore()
    """The time zone of event times, day filters and ``created_at``."""
    now: _OnStore[datetime] = _OnStore()
    """The clock for ``created_at`` and new events; it does not tick by itself."""
    camera_options: _OnStore[Mapping[str, Any]] = _OnStore()
    """Served by ``GET /api/v1/cameras/create``; camera requests are validated against it."""
    event_types: _OnStore[dict[int, str]] = _OnStore()
    """Event type ids and descriptions; new events draw from them."""
    clients: _OnStore[dict[int, dict[str, Any]]] = _OnStore()
    """Stored clients by id, as created (``add_client`` or ``POST /api/v1/clients``)."""
    users: _OnStore[dict[int, dict[str, Any]]] = _OnStore()
    """Stored users by id, each with its ``client_id`` and ``user_type``."""
    cameras: _OnStore[dict[int, dict[str, Any]]] = _OnStore()
    """Stored cameras by id: the seeded ones (no client) and those created."""
    blocked_documents: _OnStore[set[str]] = _OnStore()
    """The digits of the blocked clients' documents."""
    blocked_users: _OnStore[set[int]] = _OnStore()
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
    ) -> None:
        _check_arguments(
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

    # -- event data set ---------------------------------------------------------

    @property
    def events(self) -> Sequence[SimEvent]:
        """Every stored event, newest first (a live view, not a copy)."""
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


class CountingSite(web.BaseSite):
    """A TCP site that reports each connection it accepts to ``on_connection``."""

    def __init__(
        self, runner: web.BaseRunner, host: str, port: int, on_connection: Callable[[], None]
    ) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self._on_connection = on_connection

    @property
    def name(self) -> str:
        """The site's URL."""
        return str(URL.build(scheme="http", host=self._host, port=self._port))

    @property
    def port(self) -> int:
        """The bound port once started (the requested one before)."""
        return self._port

    async def start(self) -> None:
        """Listen; aiohttp's TCPSite offers no hook to count connections."""
        await super().start()
        server = self._runner.server
        if server is None:  # pragma: no cover - BaseSite checks it already
            msg = "runner is not set up"
            raise RuntimeError(msg)
        on_connection = self._on_connection

        # asyncio calls the protocol factory once per accepted connection.
        def protocol() -> web.RequestHandler:
            on_connection()
            return server()

        listener = await asyncio.get_running_loop().create_server(protocol, self._host, self._port)
        self._server = listener
        self._port = listener.sockets[0].getsockname()[1]
