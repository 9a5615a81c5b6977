"""The simulator's HTTP handlers: one per documented route, over a :class:`~.store.Store`.

Each handler reads a request, validates it (:mod:`.validation`), changes the
store and answers in Monuv's shapes and quirks: list-wrapped bodies, a bare
object from "update camera", ``code``/``msg`` failures with HTTP 200.
:meth:`Routes.answer` adds what every route shares: the partner token (in
the query or the path), the rate limit, and error answers.
"""

from __future__ import annotations

import asyncio
import functools
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Literal, NamedTuple, Protocol

from aiohttp import web

from .answers import ApiError, json_response, not_found, read_input
from .ratelimit import TokenBucket
from .stats import SimulatorStats
from .store import Store, snapshot_bytes
from .validation import (
    OptionSets,
    Validator,
    as_int,
    camera_fields,
    check_client,
    check_user,
    parse_event_query,
)

__all__ = ["ROUTES", "ROUTE_TABLE", "Host", "Route", "Routes"]


class Route(NamedTuple):
    """One documented route."""

    method: str
    path: str
    name: str
    """As used by :attr:`SimulatorStats.requests` and ``MonuvSimulator.inject``."""
    auth: Literal["query", "path"] | None
    """Where the partner token travels (``None``: nowhere)."""


ROUTE_TABLE: tuple[Route, ...] = (
    Route("POST", "/api/v1/clients", "create_client", "query"),
    Route("POST", "/api/v1/clients/{client_id}/users", "create_client_user", "query"),
    Route("GET", "/api/client/block/{token}/{document}", "block_client", "path"),
    Route("GET", "/api/client/unblock/{token}/{document}", "unblock_client", "path"),
    Route("GET", "/api/user/block/{token}/{user_id}", "block_user", "path"),
    Route("GET", "/api/user/unblock/{token}/{user_id}", "unblock_user", "path"),
    Route("GET", "/api/v1/cameras/create", "camera_options", "query"),
    Route("POST", "/api/v1/cameras", "create_camera", "query"),
    Route("PUT", "/api/v1/cameras/{camera_id}", "update_camera", "query"),
    Route("GET", "/api/v1/events", "events", "query"),
    # Snapshots live on another host in reality, which takes no token.
    Route("GET", "/snapshots/{name}", "snapshot", None),
)

ROUTES: tuple[str, ...] = tuple(route.name for route in ROUTE_TABLE)
"""Route names, as used by :attr:`SimulatorStats.requests` and :meth:`MonuvSimulator.inject`."""

_SNAPSHOT = re.compile(r"(\d+)\.jpg")
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

_Handler = Callable[[web.Request], Awaitable[web.Response]]


class Host(Protocol):
    """What the handlers read from the simulator serving them, live (tests change it)."""

    token: str
    per_page: int
    rate_limit: float | None
    stats: SimulatorStats

    @property
    def url(self) -> str:
        """The simulator's base URL."""
        ...


class Routes:
    """The handlers of every route in :data:`ROUTE_TABLE`.

    ``before_events_page`` is awaited with the page number before an events
    page is read (the simulator's ``on_events_request`` hook).
    """

    def __init__(
        self,
        store: Store,
        host: Host,
        before_events_page: Callable[[int], Awaitable[None]],
    ) -> None:
        self._store = store
        self._host = host
        self._before_events_page = before_events_page
        self._bucket = TokenBucket()
        self._auth = {route.name: route.auth for route in ROUTE_TABLE}
        self._handlers: dict[str, _Handler] = {
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

    async def answer(self, route: str, request: web.Request) -> web.Response:
        """The route's answer to ``request``: authorized, validated, performed, or an error."""
        try:
            self._authorize(request, self._auth[route])
            return await self._handlers[route](request)
        except ApiError as exc:
            return json_response(exc.body, exc.status, exc.headers)

    def _authorize(self, request: web.Request, auth: Literal["query", "path"] | None) -> None:
        if auth is None:
            return
        where = request.query if auth == "query" else request.match_info
        sent = where.get("token")
        token = self._host.token
        if sent is None or not secrets.compare_digest(sent.encode(), token.encode()):
            raise ApiError(401, {"message": "Unauthenticated."})
        rate = self._host.rate_limit
        if rate is not None:
            self._bucket.admit(sent, rate, asyncio.get_running_loop().time())

    # -- clients and users --------------------------------------------------------

    async def _create_client(self, request: web.Request) -> web.Response:
        store = self._store
        body = check_client(
            await read_input(request),
            lambda document: store.client_by_document(document) is not None,
            store.email_taken,
        )
        origin = request.headers.get("Origin") or request.headers.get("Referer") or self._host.url
        client = store.save_client(
            body.document_type, body.values, origin, request.remote or "127.0.0.1"
        )
        created = self._host.stats.created
        created["clients"] += 1
        answer = dict(client)
        if body.users:
            users = [store.save_user(client["id"], u, api_token=True) for u in body.users]
            created["users"] += len(users)
            keys = (*_USER_KEYS, "api_token")
            answer["users"] = [{key: user[key] for key in keys} for user in users]
        return json_response([answer], 201)

    async def _create_client_user(self, request: web.Request) -> web.Response:
        client_id = as_int(request.match_info["client_id"])
        if client_id is None or client_id not in self._store.clients:
            raise not_found()
        v = Validator({})
        fields = check_user(await read_input(request), v, "", set(), self._store.email_taken)
        v.check()
        if fields is None:  # pragma: no cover - v.check() raised
            raise ApiError(500, {"message": "Server Error"})
        user = self._store.save_user(client_id, fields, api_token=False)
        self._host.stats.created["users"] += 1
        return json_response([{key: user[key] for key in _USER_KEYS}], 201)

    async def _set_client_block(self, request: web.Request, *, blocked: bool) -> web.Response:
        if not self._store.block_client(request.match_info["document"], blocked=blocked):
            return json_response({"code": 1, "msg": "Cliente não encontrado"})
        return json_response({"code": 0, "msg": ""})

    async def _set_user_block(self, request: web.Request, *, blocked: bool) -> web.Response:
        user_id = as_int(request.match_info["user_id"])
        if user_id is None or not self._store.block_user(user_id, blocked=blocked):
            return json_response({"code": 1, "msg": "Usuário não encontrado"})
        return json_response({"code": 0, "msg": ""})

    # -- cameras ----------------------------------------------------------------

    async def _camera_options(self, request: web.Request) -> web.Response:
        return json_response(self._store.camera_options)

    async def _camera_fields(self, request: web.Request, *, creating: bool) -> dict[str, Any]:
        v = Validator(await read_input(request))
        options = OptionSets.read(self._store.camera_options)
        return camera_fields(v, options, self._store.clients, creating=creating)

    async def _create_camera(self, request: web.Request) -> web.Response:
        camera = self._store.save_camera(await self._camera_fields(request, creating=True))
        self._host.stats.created["cameras"] += 1
        return json_response([{key: camera[key] for key in _CAMERA_KEYS}], 201)

    async def _update_camera(self, request: web.Request) -> web.Response:
        camera_id = as_int(request.match_info["camera_id"])
        if camera_id is None or camera_id not in self._store.cameras:
            raise not_found()
        fields = await self._camera_fields(request, creating=False)
        camera = self._store.cameras[camera_id]
        camera.update(fields)
        # Documented quirk: update answers a bare object where create wraps it in a list.
        return json_response({key: camera[key] for key in _CAMERA_KEYS})

    # -- events and snapshots -------------------------------------------------------

    async def _events(self, request: web.Request) -> web.Response:
        query = parse_event_query(request.query)
        await self._before_events_page(query.page)
        # event_url points back at whatever address the client used to reach us.
        base = str(request.url.origin())
        return json_response([self._store.events_page(query, self._host.per_page, base)])

    async def _snapshot(self, request: web.Request) -> web.Response:
        stats = self._host.stats
        stats.snapshot_queries.append(request.query_string)
        seen = [request.raw_path, *request.headers.values()]
        if any(self._host.token in text for text in seen):
            stats.snapshot_token_leaks += 1
        match = _SNAPSHOT.fullmatch(request.match_info["name"])
        event = None if match is None else self._store.timeline.get(int(match[1]))
        if event is None:
            raise not_found()
        body = snapshot_bytes(event.id, self._store.seed)
        return web.Response(body=body, content_type="image/jpeg")
