"""A server of pre-built Monuv pages, in another process, so it is never the bottleneck.

Unlike the simulator, it builds nothing per request: at start it turns the
whole data set (:class:`~benchmarks._pages.PageSet`) into the JSON bytes of
every page, then answers with those bytes. Routes (the token checked on each,
a 401 otherwise):

* ``GET /api/v1/events?token=&page=N[&start_at=YYYY-MM-DD&end_at=YYYY-MM-DD]``:
  page ``N`` of the days ``start_at..end_at`` (the whole set without them);
* ``GET /api/user/block/{token}/{id}`` and ``.../unblock/...``:
  ``{"code": 0, "msg": ""}``, for the simple-call measurements.

Every answer waits the config's ``latency`` first. ``camera`` and
``event_types`` are ignored: the benchmarks never filter.

:func:`start_pages_server` runs it with ``python -m benchmarks._pages_server``
and the line protocol of :mod:`benchmarks._server` (``stats``: requests served
and the most in flight; ``reset``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from datetime import date
from typing import Any

from aiohttp import web

from ._pages import PagesConfig, PageSet
from ._server import ServerProcess, reply, serve_commands, start_child, take_token

__all__ = ["start_pages_server"]

_BLOCKED = b'{"code":0,"msg":""}'
_JSON = "application/json"


def start_pages_server(config: PagesConfig, *, timeout: float = 300.0) -> ServerProcess:
    """Start the server in a child process; returns once every page is built and bound."""
    return start_child(
        "benchmarks._pages_server", config, dataclasses.asdict(config), timeout=timeout
    )


class _Counters:
    def __init__(self) -> None:
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def as_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "max_in_flight": self.max_in_flight}

    def reset(self) -> None:
        self.requests = 0
        self.max_in_flight = self.in_flight


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def build_app(pages: PageSet, token: str, latency: float) -> tuple[web.Application, _Counters]:
    """The aiohttp application over ``pages``, and its counters."""
    counters = _Counters()

    def unauthorized() -> web.Response:
        # A new one each time: an aiohttp response is sent once.
        return web.Response(status=401, body=b'{"message":"Unauthenticated."}')

    async def answered(body: bytes) -> web.Response:
        counters.requests += 1
        counters.in_flight += 1
        counters.max_in_flight = max(counters.max_in_flight, counters.in_flight)
        try:
            if latency:
                await asyncio.sleep(latency)
            return web.Response(body=body, content_type=_JSON)
        finally:
            counters.in_flight -= 1

    async def events(request: web.Request) -> web.Response:
        query = request.query
        if query.get("token") != token:
            return unauthorized()
        try:
            number = int(query.get("page", "1"))
            start, end = _day(query.get("start_at")), _day(query.get("end_at"))
        except ValueError:
            return web.Response(status=422, body=b'{"message":"bad query"}')
        return await answered(pages.page(start, end, max(1, number)))

    async def block(request: web.Request) -> web.Response:
        if request.match_info["token"] != token:
            return unauthorized()
        return await answered(_BLOCKED)

    app = web.Application()
    app.router.add_get("/api/v1/events", events)
    for kind in ("user", "client"):
        for verb in ("block", "unblock"):
            app.router.add_get(f"/api/{kind}/{verb}/{{token}}/{{id}}", block)
    return app, counters


async def _serve(config: PagesConfig, token: str) -> None:
    app, counters = build_app(PageSet(config), token, config.latency)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    try:
        port = runner.addresses[0][1]
        reply({"ready": f"http://127.0.0.1:{port}"})
        await serve_commands(counters.as_dict, counters.reset)
    finally:
        await runner.cleanup()


def _child_main(argv: list[str]) -> None:
    token = take_token()
    if not token or len(argv) != 1:
        sys.exit("usage: MONUV_BENCH_TOKEN=... python -m benchmarks._pages_server '<JSON>'")
    asyncio.run(_serve(PagesConfig(**json.loads(argv[0])), token))


if __name__ == "__main__":
    _child_main(sys.argv[1:])
