"""The simulator's listening socket: a TCP site that counts the connections it accepts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web
from yarl import URL

__all__ = ["CountingSite"]


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
