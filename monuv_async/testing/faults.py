"""Fault injection for :class:`monuv_async.testing.MonuvSimulator`.

A :class:`Fault` describes how one request goes wrong; a :class:`FaultQueue`
holds those waiting per route; :func:`serve_with_fault` plays one against a
live aiohttp request, so the client under test sees a real status code, a
real reset connection or a really truncated body.
"""

from __future__ import annotations

import contextlib
import math
import socket
import struct
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Literal, get_args

import attrs
from aiohttp import web

from .answers import json_bytes, reason

__all__ = ["Fault", "FaultKind", "FaultQueue", "drop_connection", "serve_with_fault"]

FaultKind = Literal["status", "delay", "stall", "reset", "reset_after_processing", "truncate"]
_KINDS = frozenset(get_args(FaultKind))

_JSON = "application/json"
_HTML = "text/html; charset=UTF-8"

# What nginx in front of a PHP app answers when the app is down.
_NGINX_PAGE = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def _check_kind(_instance: object, _attribute: object, value: str) -> None:
    if value not in _KINDS:
        msg = f"kind: unknown fault kind {value!r}"
        raise ValueError(msg)


def _check_seconds(_instance: object, _attribute: object, value: float) -> None:
    if not value >= 0:
        msg = f"seconds: must be >= 0, got {value!r}"
        raise ValueError(msg)


@attrs.frozen
class Fault:
    """How one request to a simulator route goes wrong.

    Build one with the class methods (``Fault.status(500)``,
    ``Fault.reset()``, ...) and queue it with
    :meth:`MonuvSimulator.inject <monuv_async.testing.MonuvSimulator.inject>`.
    Unless stated otherwise the operation is *not* performed: the server
    failed before doing it.
    """

    kind: FaultKind = attrs.field(validator=_check_kind)
    code: int = 0
    body: bytes = b""
    content_type: str = _JSON
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = attrs.field(default=0.0, validator=_check_seconds)
    after_processing: bool = False
    rst: bool = True

    @classmethod
    def status(
        cls,
        code: int,
        body: bytes | str | Mapping[str, object] | list[object] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
        after_processing: bool = False,
    ) -> Fault:
        """Answer ``code`` with ``body`` instead of the real answer.

        ``body`` defaults to Laravel's ``{"message": "<reason>"}``; a mapping
        or list is sent as JSON, ``str``/``bytes`` as HTML unless
        ``content_type`` says otherwise. With ``after_processing=True`` the
        operation is performed first and its answer replaced (the client
        sees an error although the object exists).
        """
        if not 100 <= code <= 599:
            msg = f"code: not an HTTP status code: {code!r}"
            raise ValueError(msg)
        if body is None:
            raw, default_type = json_bytes({"message": reason(code)}), _JSON
        elif isinstance(body, bytes):
            raw, default_type = body, _HTML
        elif isinstance(body, str):
            raw, default_type = body.encode(), _HTML
        else:
            raw, default_type = json_bytes(body), _JSON
        return cls(
            "status",
            code=code,
            body=raw,
            content_type=content_type or default_type,
            headers=tuple((headers or {}).items()),
            after_processing=after_processing,
        )

    @classmethod
    def html(cls, code: int = 502, *, after_processing: bool = False) -> Fault:
        """Answer ``code`` with nginx's HTML error page (a proxy in front of a dead app)."""
        page = _NGINX_PAGE.format(code=code, phrase=reason(code))
        return cls.status(code, page, after_processing=after_processing)

    @classmethod
    def retry_after(cls, seconds: float, code: int = 429) -> Fault:
        """Answer ``code`` (429 by default) with ``Retry-After: <seconds>`` (rounded up)."""
        if not seconds >= 0:
            msg = f"seconds: must be >= 0, got {seconds!r}"
            raise ValueError(msg)
        body = {"message": "Too Many Attempts." if code == 429 else reason(code)}
        return cls.status(code, body, headers={"Retry-After": str(math.ceil(seconds))})

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Wait ``seconds`` more, then answer normally."""
        return cls("delay", seconds=seconds)

    @classmethod
    def stall(cls, seconds: float = 60.0) -> Fault:
        """Hang for ``seconds`` (longer than any sane client timeout) before answering.

        The simulator stops waiting when the client hangs up or the
        simulator closes.
        """
        return cls("stall", seconds=seconds)

    @classmethod
    def reset(cls, *, rst: bool = True) -> Fault:
        """Drop the connection before doing anything, without an answer.

        ``rst=True`` sends a TCP reset (the client sees ``ClientOSError``,
        connection reset by peer); ``rst=False`` closes it cleanly (the
        client sees ``ServerDisconnectedError``).

        aiohttp itself re-sends an idempotent request (GET, PUT) once after
        such a drop, before any retry logic of the client runs: queue two
        resets to make a GET fail, and expect ``stats.requests`` to count
        both attempts.
        """
        return cls("reset", rst=rst)

    @classmethod
    def reset_after_processing(cls, *, rst: bool = True) -> Fault:
        """Perform the operation, then drop the connection: the answer to a POST was lost.

        As with :meth:`reset`, aiohttp re-sends a GET or PUT once by itself.
        """
        return cls("reset_after_processing", rst=rst)

    @classmethod
    def truncate(cls) -> Fault:
        """Perform the operation, then send its headers and only half of its body.

        ``Content-Length`` promises more than is sent before the connection
        closes, so reading the body fails (``ClientPayloadError``).
        """
        return cls("truncate", rst=False)

    def response(self) -> web.Response:
        """The HTTP answer of a ``status`` fault."""
        headers = {"Content-Type": self.content_type, **dict(self.headers)}
        return web.Response(status=self.code, body=self.body, headers=headers)


def drop_connection(request: web.BaseRequest, *, rst: bool) -> None:
    """Close the request's TCP connection without answering."""
    transport = request.transport
    if transport is None:
        return
    if rst:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0: close() then sends RST instead of FIN.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.close()


async def _truncated(request: web.BaseRequest, answer: web.Response) -> web.StreamResponse:
    body = answer.body if isinstance(answer.body, bytes) else b""
    stream = web.StreamResponse(status=answer.status)
    for name, value in answer.headers.items():
        if name.lower() not in {"content-length", "transfer-encoding"}:
            stream.headers.add(name, value)
    stream.content_length = len(body) + max(64, len(body))
    await stream.prepare(request)
    await stream.write(body[: len(body) // 2])
    drop_connection(request, rst=False)
    return stream


async def serve_with_fault(
    fault: Fault | None,
    request: web.BaseRequest,
    process: Callable[[], Awaitable[web.Response]],
    sleep: Callable[[float], Awaitable[None]],
) -> web.StreamResponse:
    """Answer ``request`` through ``fault``; ``process`` performs the real operation.

    After a dropped connection the returned response is never sent: aiohttp
    notices the closed transport and gives up quietly.
    """
    if fault is None:
        return await process()
    match fault.kind:
        case "delay" | "stall":
            await sleep(fault.seconds)
            return await process()
        case "status":
            if fault.after_processing:
                await process()
            return fault.response()
        case "reset":
            drop_connection(request, rst=fault.rst)
            return web.Response(status=500)
        case "reset_after_processing":
            await process()
            drop_connection(request, rst=fault.rst)
            return web.Response(status=500)
        case "truncate":
            return await _truncated(request, await process())
    msg = f"unknown fault kind {fault.kind!r}"  # pragma: no cover - validated at construction
    raise AssertionError(msg)  # pragma: no cover


class FaultQueue:
    """Faults waiting per route name, or under ``"*"`` for any route; consumed in order."""

    def __init__(self, routes: Collection[str]) -> None:
        self._routes = routes
        self._queues: dict[str, deque[Fault]] = {}

    def inject(self, route: str, faults: Collection[Fault]) -> None:
        """Queue ``faults`` for ``route``; ``ValueError`` for a route not in ``routes``."""
        if route != "*" and route not in self._routes:
            expected = ", ".join(self._routes)
            msg = f"route: unknown route {route!r}; expected one of {expected} or '*'"
            raise ValueError(msg)
        self._queues.setdefault(route, deque()).extend(faults)

    def clear(self) -> None:
        """Drop every queued fault."""
        self._queues.clear()

    def pending(self, route: str | None = None) -> int:
        """How many queued faults remain (for ``route``, or in total)."""
        if route is None:
            return sum(len(q) for q in self._queues.values())
        return len(self._queues.get(route, ()))

    def take(self, route: str) -> Fault | None:
        """The next fault for a request to ``route``: its own queue first, then ``"*"``."""
        for key in (route, "*"):
            queue = self._queues.get(key)
            if queue:
                return queue.popleft()
        return None
