"""One HTTP attempt over aiohttp, and the mapping of its failures to ours.

This is the only module that touches aiohttp's request API. It sends the
bytes and hands back ``(status, headers, body)``; deciding what an answer
means is :mod:`monuv_async._response`'s job, and retrying is the client's.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import aiohttp
import attrs
from yarl import URL

from ._response import error_for_status
from .errors import MonuvError, RequestTimeoutError, TransportError

__all__ = ["Answer", "download_once", "map_exception", "send_once"]

_CHUNK = 64 * 1024

# What a request can fail with besides cancellation. ValueError covers a host
# name the resolver cannot encode (UnicodeError from IDNA) and similar URL
# trouble aiohttp only finds out while connecting.
_FAILURES = (aiohttp.ClientError, TimeoutError, OSError, ValueError)


@attrs.frozen(slots=True)
class Answer:
    """What the server said: status, headers, and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


_JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
_ACCEPT = {"Accept": "application/json"}


async def send_once(
    session: aiohttp.ClientSession,
    method: str,
    url: URL,
    body: bytes | None,
    *,
    client_timeout: aiohttp.ClientTimeout,
    request: str,
    redact: Callable[[str], str],
) -> Answer:
    """Send one request and read its whole answer.

    Raises :class:`TransportError` (never an aiohttp exception) when no usable
    answer came back. ``request`` is the redacted request line for messages.
    """
    failure: TransportError
    try:
        async with session.request(
            method,
            url,
            data=body,
            headers=_JSON_HEADERS if body is not None else _ACCEPT,
            timeout=client_timeout,
            # A redirect would be followed with the token; Monuv's API does
            # not redirect, so one means something is wrong: report it.
            allow_redirects=False,
        ) as response:
            payload = await response.read()
            return Answer(response.status, response.headers, payload)
    except _FAILURES as exc:
        failure = map_exception(exc, request=request, redact=redact)
    # Raised outside the handler: aiohttp's exception text holds the full URL,
    # token included, so it must not ride along as __context__ either.
    raise failure


def map_exception(
    exc: BaseException, *, request: str, redact: Callable[[str], str]
) -> TransportError:
    """Our error for an aiohttp/asyncio/OS failure, its text redacted, unchained."""
    detail = redact(str(exc)) or "no detail"
    message = f"{type(exc).__name__}: {detail}"
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        # The connection was never made, so the request never left.
        return RequestTimeoutError(f"connect timed out ({message})", sent=False, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransportError(f"cannot connect ({message})", sent=False, request=request)
    if isinstance(exc, asyncio.TimeoutError):
        return RequestTimeoutError(f"timed out ({message})", sent=True, request=request)
    return TransportError(message, sent=True, request=request)


async def download_once(
    session: aiohttp.ClientSession,
    url: URL,
    path: Path,
    *,
    client_timeout: aiohttp.ClientTimeout,
    request: str,
    redact: Callable[[str], str],
) -> int:
    """Stream one image to ``path`` (via a ``.part`` file, renamed when whole).

    Returns the bytes written. A non-2xx answer raises its :class:`APIError`,
    a body shorter than its ``Content-Length`` a :class:`TransportError`; the
    ``.part`` file never outlives a failure, and ``path`` only ever appears
    complete.
    """
    partial = path.with_name(path.name + ".part")
    failure: MonuvError | None = None
    try:
        async with session.get(url, timeout=client_timeout) as response:
            if not 200 <= response.status < 300:
                body = await response.read()
                failure = error_for_status(
                    response.status, response.headers, body, request=request, redact=redact
                )
            else:
                size = 0
                with partial.open("wb") as file:
                    async for chunk in response.content.iter_chunked(_CHUNK):
                        file.write(chunk)
                        size += len(chunk)
                expected = response.content_length
                if expected is not None and size != expected:
                    failure = TransportError(
                        f"image cut short: {size} of {expected} bytes", sent=True, request=request
                    )
                else:
                    os.replace(partial, path)
                    return size
    except _FAILURES as exc:
        failure = map_exception(exc, request=request, redact=redact)
    finally:
        partial.unlink(missing_ok=True)
    assert failure is not None
    raise failure
