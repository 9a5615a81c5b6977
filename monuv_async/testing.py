"""An in-memory Monuv API, served over real HTTP, for tests, demos and benchmarks.

:class:`MonuvSimulator` answers every documented route of the Monuv partner
API with the documented shapes and quirks (list-wrapped bodies, ``document_type``
as a string, a bare object from "update camera", ``DD/MM/YYYY`` event times,
``code``/``msg`` failures with HTTP 200). It keeps state (clients, users,
cameras, blocks), serves a deterministic set of events with paging, and can
misbehave on demand: :class:`Fault` injects error statuses, delays, resets and
truncated bodies, and ``rate_limit`` answers 429 with ``Retry-After``.

In-process, in any asyncio program::

    from monuv_async import MonuvClient
    from monuv_async.testing import Fault, MonuvSimulator

    async with MonuvSimulator(seed=1, cameras=2) as sim:
        sim.inject("events", Fault.status(503))
        async with MonuvClient(sim.token, base_url=sim.url) as monuv:
            page = await monuv.events_page(camera=1001)  # retried after the 503
        assert sim.stats.requests["events"] == 2

With pytest, the ``monuv_simulator`` and ``monuv_client`` fixtures are
registered automatically once ``monuv-async`` is installed (see
:mod:`monuv_async.pytest_plugin`). From a shell, ``monuv simulate`` runs the
same simulator as a standalone server.

The simulator binds to 127.0.0.1 and a free port by default. It never logs
the token: aiohttp's access log is off because request lines carry it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import functools
import inspect
import math
import re
import secrets
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from types import TracebackType
from typing import Any, Literal, Self
from zoneinfo import ZoneInfo

from aiohttp import web
from yarl import URL

from ._sim_data import (
    CAMERA_NAMES,
    DEFAULT_CAMERA_OPTIONS,
    DEFAULT_EVENT_TYPES,
    ApiError,
    EventStore,
    NewestFirst,
    OptionSets,
    SimEvent,
    Validator,
    as_int,
    camera_fields,
    check_user,
    generate_events,
    json_response,
    parse_event_query,
    seeded_rng,
    snapshot_bytes,
)
from ._sim_faults import CountingSite, Fault, TokenBucket, serve_with_fault
from .documents import digits_only, is_valid_cep, is_valid_cnpj, is_valid_cpf

__all__ = ["DEMO_TOKEN", "ROUTES", "Fault", "MonuvSimulator", "SimEvent", "SimulatorStats"]

DEMO_TOKEN = "monuv-demo-token"  # noqa: S105 - a public, documented demo value
"""The simulator's default partner token."""

_Auth = Literal["query", "path"] | None
# method, path, route name, where the token travels.
_ROUTE_TABLE: tuple[tuple[str, str, str, _Auth], ...] = (
    ("POST", "/api/v1/clients", "create_client", "query"),
    ("POST", "/api/v1/clients/{client_id}/users", "create_client_user", "query"),
    ("GET", "/api/client/block/{token}/{document}", "block_client", "path"),
    ("GET", "/api/client/unblock/{token}/{document}", "unblock_client", "path"),
    ("GET", "/api/user/block/{token}/{user_id}", "block_user", "path"),
    ("GET", "/api/user/unblock/{token}/{user_id}", "unblock_user", "path"),
    ("GET", "/api/v1/cameras/create", "camera_options", "query"),
    ("POST", "/api/v1/cameras", "create_camera", "query"),
    ("PUT", "/api/v1/cameras/{camera_id}", "update_camera", "query"),
    ("GET", "/api/v1/events", "events", "query"),
    # Snapshots live on another host in reality, which takes no token.
    ("GET", "/snapshots/{name}", "snapshot", None),
)

ROUTES: tuple[str, ...] = tuple(route for _, _, route, _ in _ROUTE_TABLE)
"""Route names, as used by :attr:`SimulatorStats.requests` and :meth:`MonuvSimulator.inject`."""

_SAO_PAULO = ZoneInfo("America/Sao_Paulo")
_TIMESTAMP = "%Y-%m-%d %H:%M:%S"
_EVENT_AT = "%d/%m/%Y %H:%M:%S"
_SNAPSHOT = re.compile(r"(\d+)\.jpg")
# User id 1 is the partner's own user, the owner of the token: it is what
# Monuv reports as ``update_user_id`` of everything created with it.
_PARTNER_USER_ID = 1
_FIRST_CAMERA_ID = 1001
_CAMERA_KEYS = ("id", "description", "stream_status", "status_description", "rtmp_url")
_USER_KEYS = (
    "id",
    "user_type_id",
    "name",
    "email",
    "phone",
    "updated_at",
    "created_at",
    "update_user_id",
)
_CLIENT_TEXT = ("phone", "cep", "address", "address_number", "address_nh", "city", "state")
_NOT_FOUND = {"message": "Not Found"}

_Handler = Callable[[web.Request], Awaitable[web.Response]]


@dataclasses.dataclass
class SimulatorStats:
    """What a simulator has seen since it started or since :meth:`~MonuvSimulator.reset_stats`."""

    requests: Counter[str] = dataclasses.field(default_factory=Counter)
    """Requests per route name, rejected and faulted ones included."""
    in_flight: int = 0
    """Requests being handled right now (latency and delays included)."""
    max_in_flight: int = 0
    """The highest ``in_flight`` seen."""
    connections: int = 0
    """TCP connections accepted."""
    created: Counter[str] = dataclasses.field(default_factory=Counter)
    """Objects created through the API: keys ``"clients"``, ``"users"``, ``"cameras"``."""
    snapshot_queries: list[str] = dataclasses.field(default_factory=list)
    """The raw query string of every snapshot request (should all be empty)."""
    snapshot_token_leaks: int = 0
    """Snapshot requests that carried the partner token anywhere (path, query, headers)."""


def _check_count(n: int) -> None:
    if n < 0:
        msg = f"n: must be >= 0, got {n!r}"
        raise ValueError(msg)


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
        self.seed = seed
        self.per_page = per_page
        self.tz = tz
        self.latency = latency
        self.latency_jitter = latency_jitter
        self.rate_limit = rate_limit
        self.now: datetime = self._aware(now or datetime.now(tz)).replace(microsecond=0)
        """The clock for ``created_at`` and new events; it does not tick by itself."""
        options = DEFAULT_CAMERA_OPTIONS if camera_options is None else camera_options
        self.camera_options: Mapping[str, Any] = copy.deepcopy(dict(options))
        """Served by ``GET /api/v1/cameras/create``; camera requests are validated against it."""
        self.event_types: dict[int, str] = dict(DEFAULT_EVENT_TYPES)
        self.on_events_request: Callable[[MonuvSimulator, int], Awaitable[None] | None] | None
        """Called with the page number before an events page is answered (may be async)."""
        self.on_events_request = None

        self.clients: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.cameras: dict[int, dict[str, Any]] = {}
        self.blocked_documents: set[str] = set()
        self.blocked_users: set[int] = set()
        self.stats = SimulatorStats()

        self._port = port
        self._rng = seeded_rng(seed)
        self._jitter = seeded_rng(seed + 1)
        self._ids = {"client": 1, "user": _PARTNER_USER_ID + 1, "camera": _FIRST_CAMERA_ID}
        self._faults: dict[str, deque[Fault]] = {}
        self._bucket = TokenBucket()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._site: CountingSite | None = None
        self._closed = False
        self._store = self._seed(cameras, events_per_camera_per_day, days)

        self.app = web.Application()
        """The aiohttp application; add routes or middlewares before :meth:`start`."""
        handlers = self._handlers()
        for method, path, route, auth in _ROUTE_TABLE:
            endpoint = self._endpoint(route, handlers[route], auth)
            self.app.router.add_route(method, path, endpoint, name=route)

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
        if route != "*" and route not in ROUTES:
            msg = f"route: unknown route {route!r}; expected one of {', '.join(ROUTES)} or '*'"
            raise ValueError(msg)
        self._faults.setdefault(route, deque()).extend(faults)

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self._faults.clear()

    def pending_faults(self, route: str | None = None) -> int:
        """How many queued faults remain (for ``route``, or in total)."""
        if route is None:
            return sum(len(q) for q in self._faults.values())
        return len(self._faults.get(route, ()))

    # -- event data set ---------------------------------------------------------

    @property
    def events(self) -> Sequence[SimEvent]:
        """Every stored event, newest first (a live view, not a copy)."""
        return NewestFirst(self._store)

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
        _check_count(n)
        if camera_id is not None and camera_id not in self.cameras:
            msg = f"camera_id: unknown camera {camera_id!r}"
            raise ValueError(msg)
        if camera_id is None and not self.cameras:
            msg = "camera_id: the simulator has no camera"
            raise ValueError(msg)
        when = int(self._aware(at or self.now).timestamp())
        camera_ids = sorted(self.cameras)
        types = sorted(self.event_types)
        ids = []
        for _ in range(n):
            event = SimEvent(
                self._store.next_id,
                when,
                camera_id if camera_id is not None else self._rng.choice(camera_ids),
                event_type if event_type is not None else self._rng.choice(types),
            )
            self._store.add(event)
            ids.append(event.id)
        return ids

    def expire_events(self, n: int) -> list[int]:
        """Remove the ``n`` oldest events (history running out) and return their ids."""
        _check_count(n)
        return [e.id for e in self._store.remove_oldest(n)]

    def delete_events(self, ids: Iterable[int]) -> None:
        """Remove the events with these ids; unknown ids are ignored."""
        self._store.remove_ids(set(ids))

    def event_json(self, event: SimEvent, base_url: str | None = None) -> dict[str, Any]:
        """The event as the API serves it, ``event_url`` on ``base_url`` (default :attr:`url`)."""
        base = base_url if base_url is not None else self.url
        camera = self.cameras.get(event.camera_id, {})
        return {
            "id": event.id,
            "event_at": datetime.fromtimestamp(event.at, self.tz).strftime(_EVENT_AT),
            "event_type": event.event_type,
            "event_description": self.event_types.get(event.event_type, ""),
            "event_url": f"{base}/snapshots/{event.id}.jpg",
            "camera_id": event.camera_id,
            "camera_description": camera.get("description", ""),
        }

    def add_client(
        self, document_number: str, name: str = "Cliente Demo", **fields: str
    ) -> dict[str, Any]:
        """Store a client directly, without HTTP (not counted in ``stats.created``).

        ``document_type`` follows from the number's length; the other
        required fields get placeholders unless given as keywords.
        """
        digits = digits_only(document_number) or ""
        if not (is_valid_cpf(digits) or is_valid_cnpj(digits)):
            msg = "document_number: not a valid CPF or CNPJ"
            raise ValueError(msg)
        if self._client_by_document(digits) is not None:
            msg = "document_number: a client with this document already exists"
            raise ValueError(msg)
        defaults = dict.fromkeys(_CLIENT_TEXT, "-") | {"cep": "01310-100", "phone": "11999999999"}
        values = {"name": name, "document_number": document_number, **defaults, **fields}
        origin = self.url if self._site is not None else "http://127.0.0.1"
        return self._store_client(1 if len(digits) == 11 else 2, values, origin, "127.0.0.1")

    # -- plumbing ---------------------------------------------------------------

    def _seed(self, cameras: int, per_camera_per_day: int, days: int) -> EventStore:
        camera_ids = [_FIRST_CAMERA_ID + i for i in range(cameras)]
        for i, camera_id in enumerate(camera_ids):
            label = CAMERA_NAMES[i % len(CAMERA_NAMES)]
            lap = i // len(CAMERA_NAMES)
            description = f"{label} {lap + 1}" if lap else label
            self.cameras[camera_id] = self._camera_record(camera_id, None, description)
        self._ids["camera"] = _FIRST_CAMERA_ID + cameras
        events = generate_events(
            rng=self._rng,
            camera_ids=camera_ids,
            per_camera_per_day=per_camera_per_day,
            days=days,
            end=int(self.now.timestamp()),
            event_types=sorted(self.event_types),
        )
        return EventStore(events)

    def _next_id(self, kind: str) -> int:
        value = self._ids[kind]
        self._ids[kind] = value + 1
        return value

    def _aware(self, when: datetime) -> datetime:
        return when.replace(tzinfo=self.tz) if when.tzinfo is None else when.astimezone(self.tz)

    def _stamp(self) -> str:
        return self.now.strftime(_TIMESTAMP)

    def _count_connection(self) -> None:
        self.stats.connections += 1

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0 or self._closing.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    def _take_fault(self, route: str) -> Fault | None:
        for key in (route, "*"):
            queue = self._faults.get(key)
            if queue:
                return queue.popleft()
        return None

    def _authorize(self, request: web.Request, auth: _Auth) -> None:
        if auth is None:
            return
        where = request.query if auth == "query" else request.match_info
        sent = where.get("token")
        if sent is None or not secrets.compare_digest(sent.encode(), self.token.encode()):
            raise ApiError(401, {"message": "Unauthenticated."})
        rate = self.rate_limit
        if rate is None:
            return
        wait = self._bucket.take(sent, rate, asyncio.get_running_loop().time())
        if wait > 0:
            headers = {
                "Retry-After": str(max(1, math.ceil(wait))),
                "X-RateLimit-Limit": str(math.ceil(rate)),
                "X-RateLimit-Remaining": "0",
            }
            raise ApiError(429, {"message": "Too Many Attempts."}, headers)

    def _endpoint(
        self, route: str, handler: _Handler, auth: _Auth
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def process(request: web.Request) -> web.Response:
            try:
                self._authorize(request, auth)
                return await handler(request)
            except ApiError as exc:
                return json_response(exc.body, exc.status, exc.headers)

        async def endpoint(request: web.Request) -> web.StreamResponse:
            stats = self.stats
            stats.requests[route] += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
            try:
                delay = self.latency
                if self.latency_jitter > 0:
                    delay += self._jitter.uniform(0, self.latency_jitter)
                fault = self._take_fault(route)
                if fault is None:
                    # The latency is the whole time to answer, work included,
                    # like a real server's: answer at arrival + delay however
                    # many requests this one core handles meanwhile.
                    deadline = asyncio.get_running_loop().time() + delay
                    response = await process(request)
                    await self._sleep(deadline - asyncio.get_running_loop().time())
                    return response
                await self._sleep(delay)
                return await serve_with_fault(
                    fault, request, functools.partial(process, request), self._sleep
                )
            finally:
                # Not ``stats``: reset_stats() may have replaced the object.
                self.stats.in_flight -= 1

        return endpoint

    def _handlers(self) -> dict[str, _Handler]:
        return {
            "create_client": self._create_client,
            "create_client_user": self._create_client_user,
            "block_client": functools.partial(self._set_client_block, blocked=True),
            "unblock_client": functools.partial(self._set_client_block, blocked=False),
            "block_user": functools.partial(self._set_user_block, blocked=True),
            "unblock_user": functools.partial(self._set_user_block, blocked=False),
            "camera_options": self._camera_options,
            "create_camera": self._create_camera,
            "update_camera": self._update_camera,
            "events": self._events,
            "snapshot": self._snapshot,
        }

    async def _input(self, request: web.Request) -> dict[str, Any]:
        # Like Laravel's $request->input(): the query string and the body merged.
        data: dict[str, Any] = {k: v for k, v in request.query.items() if k != "token"}
        if not request.body_exists:
            return data
        if request.content_type == "application/json" or request.content_type.endswith("+json"):
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, {"message": "The request body is not valid JSON."}) from None
            if not isinstance(body, dict):
                raise ApiError(400, {"message": "The request body must be a JSON object."})
            data.update(body)
        else:
            form = await request.post()
            data.update({k: v for k, v in form.items() if isinstance(v, str)})
        return data

    # -- clients and users --------------------------------------------------------

    def _email_taken(self, casefolded: str) -> bool:
        return any(user["email"].casefold() == casefolded for user in self.users.values())

    def _store_user(
        self, client_id: int, fields: Mapping[str, Any], *, api_token: bool
    ) -> dict[str, Any]:
        stamp = self._stamp()
        user = {
            "id": self._next_id("user"),
            "user_type_id": 6,
            "name": fields["name"],
            "email": fields["email"],
            "phone": fields["phone"],
            "updated_at": stamp,
            "created_at": stamp,
            "update_user_id": _PARTNER_USER_ID,
            "client_id": client_id,
            "user_type": fields["user_type"],
        }
        if api_token:
            user["api_token"] = secrets.token_hex(30)
        self.users[user["id"]] = user
        return user

    def _store_client(
        self, document_type: int, values: Mapping[str, Any], create_url: str, create_ip: str
    ) -> dict[str, Any]:
        stamp = self._stamp()
        client: dict[str, Any] = {
            "id": self._next_id("client"),
            "name": values["name"],
            "document_type": str(document_type),
            "document_number": values["document_number"],
        }
        client.update((key, values[key]) for key in _CLIENT_TEXT)
        # Like Laravel's create(): an optional field comes back only when sent.
        if values.get("address_comp") is not None:
            client["address_comp"] = values["address_comp"]
        client.update(
            create_url=create_url, create_ip=create_ip, updated_at=stamp, created_at=stamp
        )
        self.clients[client["id"]] = client
        return client

    def _client_by_document(self, document: str) -> dict[str, Any] | None:
        digits = digits_only(document)
        if not digits:
            return None
        for client in self.clients.values():
            if digits_only(client["document_number"]) == digits:
                return client
        return None

    async def _create_client(self, request: web.Request) -> web.Response:
        data = await self._input(request)
        v = Validator(data)
        name = v.string("name")
        document_type = v.integer("document_type", choices=(1, 2))
        document = v.string("document_number")
        if document is not None and document_type is not None:
            kind, valid = ("CPF", is_valid_cpf) if document_type == 1 else ("CNPJ", is_valid_cnpj)
            if not valid(document):
                v.add("document_number", f"The document number is not a valid {kind}.")
            elif self._client_by_document(document) is not None:
                v.add("document_number", "The document number has already been taken.")
        texts = {key: v.string(key) for key in _CLIENT_TEXT}
        if texts["cep"] is not None and not is_valid_cep(texts["cep"]):
            v.add("cep", "The cep must be 8 digits (00000-000).")
        address_comp = v.string("address_comp", required=False)
        users: list[dict[str, Any] | None] = []
        raw_users = data.get("users")
        if raw_users is not None and not isinstance(raw_users, list):
            v.add("users", "The users must be an array.")
        elif raw_users:
            emails: set[str] = set()
            users = [
                check_user(item, v, f"users.{i}.", emails, self._email_taken)
                for i, item in enumerate(raw_users)
            ]
        v.check()
        if document_type is None:  # pragma: no cover - v.check() raised
            raise ApiError(500, {"message": "Server Error"})
        origin = request.headers.get("Origin") or request.headers.get("Referer") or self.url
        values = {"name": name, "document_number": document, "address_comp": address_comp, **texts}
        client = self._store_client(document_type, values, origin, request.remote or "127.0.0.1")
        self.stats.created["clients"] += 1
        answer = dict(client)
        if users:
            created = [self._store_user(client["id"], u, api_token=True) for u in users if u]
            self.stats.created["users"] += len(created)
            keys = (*_USER_KEYS, "api_token")
            answer["users"] = [{key: user[key] for key in keys} for user in created]
        return json_response([answer], 201)

    async def _create_client_user(self, request: web.Request) -> web.Response:
        client_id = as_int(request.match_info["client_id"])
        if client_id is None or client_id not in self.clients:
            raise ApiError(404, _NOT_FOUND)
        v = Validator({})
        fields = check_user(await self._input(request), v, "", set(), self._email_taken)
        v.check()
        if fields is None:  # pragma: no cover - v.check() raised
            raise ApiError(500, {"message": "Server Error"})
        user = self._store_user(client_id, fields, api_token=False)
        self.stats.created["users"] += 1
        return json_response([{key: user[key] for key in _USER_KEYS}], 201)

    async def _set_client_block(self, request: web.Request, *, blocked: bool) -> web.Response:
        client = self._client_by_document(request.match_info["document"])
        if client is None:
            return json_response({"code": 1, "msg": "Cliente não encontrado"})
        digits = digits_only(client["document_number"]) or ""
        if blocked:
            self.blocked_documents.add(digits)
        else:
            self.blocked_documents.discard(digits)
        return json_response({"code": 0, "msg": ""})

    async def _set_user_block(self, request: web.Request, *, blocked: bool) -> web.Response:
        user_id = as_int(request.match_info["user_id"])
        if user_id is None or user_id not in self.users:
            return json_response({"code": 1, "msg": "Usuário não encontrado"})
        if blocked:
            self.blocked_users.add(user_id)
        else:
            self.blocked_users.discard(user_id)
        return json_response({"code": 0, "msg": ""})

    # -- cameras ----------------------------------------------------------------

    def _camera_record(
        self, camera_id: int, client_id: int | None, description: str
    ) -> dict[str, Any]:
        stream_key = f"{self._rng.getrandbits(40):010x}{camera_id}"
        return {
            "id": camera_id,
            "client_id": client_id,
            "description": description,
            "stream_status": 2,
            "status_description": "OFFLINE",
            "rtmp_url": f"rtmp://rtmp.monuv.com.br/{stream_key}.stream",
        }

    async def _camera_options(self, request: web.Request) -> web.Response:
        return json_response(self.camera_options)

    async def _create_camera(self, request: web.Request) -> web.Response:
        v = Validator(await self._input(request))
        fields = camera_fields(v, OptionSets.read(self.camera_options), self.clients, creating=True)
        camera_id = self._next_id("camera")
        camera = self._camera_record(camera_id, fields["client_id"], fields["description"])
        camera.update(fields)
        self.cameras[camera_id] = camera
        self.stats.created["cameras"] += 1
        return json_response([{key: camera[key] for key in _CAMERA_KEYS}], 201)

    async def _update_camera(self, request: web.Request) -> web.Response:
        camera_id = as_int(request.match_info["camera_id"])
        if camera_id is None or camera_id not in self.cameras:
            raise ApiError(404, _NOT_FOUND)
        v = Validator(await self._input(request))
        fields = camera_fields(
            v, OptionSets.read(self.camera_options), self.clients, creating=False
        )
        camera = self.cameras[camera_id]
        camera.update(fields)
        # Documented quirk: update answers a bare object where create wraps it in a list.
        return json_response({key: camera[key] for key in _CAMERA_KEYS})

    # -- events and snapshots -------------------------------------------------------

    def _day_start(self, day: date) -> int:
        return int(datetime(day.year, day.month, day.day, tzinfo=self.tz).timestamp())

    async def _events(self, request: web.Request) -> web.Response:
        query = parse_event_query(request.query)
        if self.on_events_request is not None:
            result = self.on_events_request(self, query.page)
            if inspect.isawaitable(result):
                await result
        events, lo, hi = self._store.window(
            query.camera,
            query.types,
            None if query.start is None else self._day_start(query.start),
            None if query.end is None else self._day_start(query.end + timedelta(days=1)),
        )
        per_page, page = self.per_page, query.page
        total = hi - lo
        # Newest first: page 1 is the top of the oldest-first window.
        top = hi - (page - 1) * per_page
        chosen = events[max(lo, top - per_page) : top] if top > lo else []
        # event_url points back at whatever address the client used to reach us.
        base = str(request.url.origin())
        body = {
            "total": total,
            "per_page": per_page,
            "current_page": page,
            "last_page": max(1, math.ceil(total / per_page)),
            "data": [self.event_json(e, base) for e in reversed(chosen)],
        }
        return json_response([body])

    async def _snapshot(self, request: web.Request) -> web.Response:
        stats = self.stats
        stats.snapshot_queries.append(request.query_string)
        seen = [request.raw_path, *request.headers.values()]
        if any(self.token in text for text in seen):
            stats.snapshot_token_leaks += 1
        match = _SNAPSHOT.fullmatch(request.match_info["name"])
        event = None if match is None else self._store.get(int(match[1]))
        if event is None:
            raise ApiError(404, _NOT_FOUND)
        body = snapshot_bytes(event.id, self.seed)
        return web.Response(body=body, content_type="image/jpeg")
