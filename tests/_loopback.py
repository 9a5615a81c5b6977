"""A scripted aiohttp server on 127.0.0.1 for the client's integration tests.

Each test registers the handlers it needs; the server records every request
(method, path, query, JSON body) and the maximum number handled at once.
"""

from __future__ import annotations

import asyncio
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


def answer_with(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Handler:
    """A handler answering ``body`` as JSON to every request."""

    async def handler(_: web.Request) -> web.Response:
        return json_answer(body, status, headers)

    return handler


def page_handler(total_pages: int, per_page: int = 3, delay: float = 0.0) -> Handler:
    """Event pages 1..total_pages of ``per_page`` events (empty beyond), after ``delay``."""

    async def handler(request: web.Request) -> web.Response:
        number = int(request.query["page"])
        if delay:
            await asyncio.sleep(delay)
        events = [
            {
                "id": (number - 1) * per_page + i,
                "event_at": "01/01/2023 12:00:00",
                "event_type": 4,
                "camera_id": 1,
            }
            for i in range(per_page if number <= total_pages else 0)
        ]
        return json_answer(
            [
                {
                    "total": total_pages * per_page,
                    "per_page": per_page,
                    "current_page": number,
                    "last_page": total_pages,
                    "data": events,
                }
            ]
        )

    return handler


def page_handler_failing(
    total_pages: int, page: int, answer: Callable[[], web.Response]
) -> Handler:
    """:func:`page_handler`'s pages, but page ``page`` is answered ``answer()``."""
    pages = page_handler(total_pages)

    async def handler(request: web.Request) -> web.StreamResponse:
        if int(request.query["page"]) == page:
            return answer()
        return await pages(request)

    return handler


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
