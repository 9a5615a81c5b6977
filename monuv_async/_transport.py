"""The transport seam: a small :class:`Transport` protocol, and the aiohttp one.

A transport makes one attempt and hands back an :class:`Answer`; deciding what
the answer means is :mod:`monuv_async._response`'s job, and retrying is the
requester's. This module imports no reader. :class:`AiohttpTransport`, the
default, is the only code that touches aiohttp's request API; it maps every
aiohttp/asyncio/OS failure to a :class:`~monuv_async.errors.TransportError`.

Two methods, as httpx and gidgethub keep theirs: :meth:`Transport.send` reads
a whole answer (the API), :meth:`Transport.stream` hands a 2xx body on in
chunks (snapshot images, which :mod:`monuv_async._snapshots` writes to disk).
"""

from __future__ import annotations

import asyncio
import platform
from collections.abc import Callable, Mapping
from typing import Protocol, runtime_checkable

import aiohttp
import attrs
from yarl import URL

from ._context import RequestContext
from ._version import __version__
from .errors import RequestTimeoutError, TransportError, UnexpectedResponseError

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "USER_AGENT",
    "AiohttpTransport",
    "Answer",
    "Transport",
    "map_exception",
    "too_large",
]

_CHUNK = 64 * 1024

DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
"""The default cap on one answer, after decompression: far above a real page."""

# What a request can fail with besides cancellation. ValueError covers a host
# name the resolver cannot encode (UnicodeError from IDNA) and similar URL
# trouble aiohttp only finds out while connecting.
_FAILURES = (aiohttp.ClientError, TimeoutError, OSError, ValueError)

USER_AGENT = (
    f"monuv-async/{__version__} aiohttp/{aiohttp.__version__} python/{platform.python_version()}"
)
"""What the client says it is, so Monuv support can tell which client a partner runs."""


@attrs.frozen(slots=True)
class Answer:
    """What the server said: status, headers, and the body.

    From :meth:`Transport.stream`, ``body`` is empty for a 2xx answer (it went
    to the sink) and whole otherwise.
    """

    status: int
    # Out of repr: an answer may echo the request, token included, and a repr
    # is what debuggers and error reporters show.
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(default=b"", repr=False)


@runtime_checkable
class Transport(Protocol):
    """How a :class:`~monuv_async.MonuvClient` sends: one attempt, no retries, no reading.

    ``url`` holds the partner token: a transport must never show it (in a
    log, an error or a repr). ``client_timeout`` is the client's per-try
    timeout, as aiohttp takes it (a transport without a network may ignore
    it). ``context`` is the request line with the token masked and the
    redactor: a transport maps its own failures, so it builds the error, and
    builds it whole. A failure to get an answer raises
    :class:`~monuv_async.errors.TransportError` (``sent=False`` only when the
    request provably never left). Cancellation passes through.
    """

    async def send(
        self,
        method: str,
        url: URL,
        body: bytes | None,
        client_timeout: aiohttp.ClientTimeout,
        context: RequestContext,
    ) -> Answer:
        """Send one request (``body`` is JSON, or ``None``) and read its whole answer."""
        ...

    async def stream(
        self,
        url: URL,
        sink: Callable[[bytes], object],
        client_timeout: aiohttp.ClientTimeout,
        context: RequestContext,
    ) -> Answer:
        """``GET url``: a 2xx body goes to ``sink`` chunk by chunk, any other comes back whole."""
        ...


class AiohttpTransport:
    """The default :class:`Transport`: one ``aiohttp.ClientSession``, created on first use.

    A caller's ``session`` is used as-is and never closed (its
    ``raise_for_status`` is overridden per request: statuses are read here);
    the transport's own is closed by :meth:`aclose`. ``connections`` bounds
    its connection pool (the client passes its ``max_concurrency``).
    ``max_response_bytes`` caps any answer read whole, counted after
    decompression: beyond it, :class:`UnexpectedResponseError`, and the
    connection is closed unread. ``user_agent`` is sent as the
    ``User-Agent`` of every request, a caller's session included.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        connections: int = 8,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        user_agent: str = USER_AGENT,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._connections = connections
        self._max_response_bytes = max_response_bytes
        self._accept = {"Accept": "application/json", "User-Agent": user_agent}
        self._json = {**self._accept, "Content-Type": "application/json"}
        # The transport's own session carries `_accept` as its default headers, so
        # a GET passes none: aiohttp then merges no second set into every request.
        self._get_headers: dict[str, str] | None = None if session is None else self._accept
        self._post_headers = {"Content-Type": "application/json"} if session is None else self._json
        # An image is not JSON: aiohttp's own default Accept, as before.
        self._image_headers = {"Accept": "*/*"} if session is None else {"User-Agent": user_agent}

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session requests go through (created now if it is the transport's own)."""
        if self._session is None:
            # Created on first use: aiohttp wants a running loop for it.
            connector = aiohttp.TCPConnector(
                limit=self._connections, limit_per_host=self._connections
            )
            self._session = aiohttp.ClientSession(connector=connector, headers=self._accept)
        return self._session

    async def aclose(self) -> None:
        """Close the transport's own session (a caller's is left open). Idempotent."""
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def send(
        self,
        method: str,
        url: URL,
        body: bytes | None,
        client_timeout: aiohttp.ClientTimeout,
        context: RequestContext,
    ) -> Answer:
        """Send one request and read its whole answer; see :meth:`Transport.send`."""
        failure: TransportError
        try:
            # Awaited, not entered: `async with` adds four coroutines per request
            # (the manager's and the response's enter and exit), and the finally
            # below does what their exit does: release, then wait for the writer.
            response = await self.session.request(
                method,
                url,
                data=body,
                headers=self._post_headers if body is not None else self._get_headers,
                timeout=client_timeout,
                # A redirect would be followed with the token; Monuv's API does
                # not redirect, so one means something is wrong: report it.
                allow_redirects=False,
                # A caller's session may raise for statuses itself: they are ours to read.
                raise_for_status=False,
            )
            try:
                content = response.content
                if content.is_eof():
                    # All of it has arrived (a small answer comes with its head):
                    # taken as it lies, without a read coroutine per chunk. It is
                    # already in memory, so the cap is checked on what is there.
                    payload = content.read_nowait()
                    if len(payload) > self._max_response_bytes:
                        raise too_large(self._max_response_bytes, context)
                else:
                    payload = await self._read(response, context)
                return Answer(response.status, response.headers, payload)
            finally:
                response.release()
                await response.wait_for_close()
        except _FAILURES as exc:
            failure = map_exception(exc, context)
        # Raised outside the handler: aiohttp's exception text holds the full URL,
        # token included, so it must not ride along as __context__ either.
        raise failure

    async def stream(
        self,
        url: URL,
        sink: Callable[[bytes], object],
        client_timeout: aiohttp.ClientTimeout,
        context: RequestContext,
    ) -> Answer:
        """Stream one ``GET``; see :meth:`Transport.stream`."""
        failure: TransportError
        try:
            async with self.session.get(
                url,
                timeout=client_timeout,
                raise_for_status=False,
                headers=self._image_headers,
            ) as response:
                if not 200 <= response.status < 300:
                    return Answer(
                        response.status, response.headers, await self._read(response, context)
                    )
                async for chunk in response.content.iter_chunked(_CHUNK):
                    sink(chunk)
                return Answer(response.status, response.headers)
        except _FAILURES as exc:
            failure = map_exception(exc, context)
        raise failure

    async def _read(self, response: aiohttp.ClientResponse, context: RequestContext) -> bytes:
        """The whole body, up to ``max_response_bytes`` once decompressed."""
        limit = self._max_response_bytes
        encoded = bool(response.headers.get("Content-Encoding"))
        if not encoded and (response.content_length or 0) > limit:
            raise too_large(limit, context)  # said so up front: not a byte read
        # A plain body is taken in the pieces it arrived in (no re-slicing to
        # a fixed size, and a body that came in one piece is not copied by
        # the join). An encoded one is inflated in bounded steps: a small
        # gzip body may hold a huge one.
        pieces = response.content.iter_chunked(_CHUNK) if encoded else response.content.iter_any()
        chunks: list[bytes] = []
        size = 0
        # Counted as inflated.
        async for chunk in pieces:
            size += len(chunk)
            if size > limit:
                # Leaving the `async with` unread closes the connection.
                raise too_large(limit, context)
            chunks.append(chunk)
        return b"".join(chunks)


def too_large(limit: int, context: RequestContext) -> UnexpectedResponseError:
    """The error for an answer longer than the client's ``max_response_bytes``."""
    msg = f"the answer is longer than max_response_bytes ({limit} bytes); not read"
    return UnexpectedResponseError(msg, request=context.line)


def map_exception(exc: BaseException, context: RequestContext) -> TransportError:
    """Our error for an aiohttp/asyncio/OS failure, its text redacted, unchained."""
    detail = context.redact(str(exc)) or "no detail"
    message = f"{type(exc).__name__}: {detail}"
    request = context.line
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        # The connection was never made, so the request never left.
        return RequestTimeoutError(f"connect timed out ({message})", sent=False, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransportError(f"cannot connect ({message})", sent=False, request=request)
    if isinstance(exc, asyncio.TimeoutError):
        return RequestTimeoutError(f"timed out ({message})", sent=True, request=request)
    return TransportError(message, sent=True, request=request)
