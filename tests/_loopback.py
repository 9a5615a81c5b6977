"""A scripted aiohttp server on 127.0.0.1 for the client's integration tests.

Each test registers the handlers it needs; the server records every request
(method, path, query, JSON body) and the maximum number handled at once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import attrs
from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.define
class Seen:
    method: str
    path: str
    raw_path: str
    query: dict[str, str]
    body: Any


@attrs.define
class Loopback:
    url: str
    seen: list[Seen] = attrs.Factory(list)
    in_flight: int = 0
    max_in_flight: int = 0

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]


def json_answer(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(body, ensure_ascii=False),
        content_type="application/json",
        headers=headers,
    )


@asynccontextmanager
async def serve(routes: dict[tuple[str, str], Handler]) -> AsyncIterator[Loopback]:
    """Serve ``{(method, path_pattern): handler}`` on 127.0.0.1; yield its state."""
    state = Loopback(url="")

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        state.seen.append(
            Seen(request.method, request.path, request.raw_path, dict(request.query), body)
        )
        state.in_flight += 1
        state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            return await handler(request)
        finally:
            state.in_flight -= 1

    app = web.Application(middlewares=[record])
    for (method, path), handler in routes.items():
        app.router.add_route(method, path, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    state.url = f"http://{host}:{port}"
    try:
        yield state
    finally:
        await runner.cleanup()
