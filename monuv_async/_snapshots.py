"""Downloading events' snapshot images to disk: the whole of it, streaming included.

Each event's ``event_url`` points at a JPEG on Monuv's image host.
:func:`download_all` runs the downloads, a bounded number at a time, and
:func:`download_once` makes one try: it streams the image through the
transport's :meth:`~monuv_async._transport.Transport.stream` into a ``.part``
file and renames it into place only when whole, so a file named
``<event id>.jpg`` in the folder is always complete and a re-run skips it.
Retries and the client's bounds wrap each try in the requester. The partner
token is never sent to the image host: the URL is used exactly as Monuv gave
it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Literal

import aiohttp
import attrs
from yarl import URL

from ._context import RequestContext
from ._response import error_for_status
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, Transport, too_large
from .errors import MonuvError, TransportError, UnexpectedResponseError
from .models import Event

logger = logging.getLogger("monuv_async")

__all__ = ["SnapshotResult", "download_all", "download_once", "request_line", "snapshot_path"]

_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp"})

Status = Literal["downloaded", "skipped", "failed"]

# The partial file is made new, never opened through a link planted in its
# place (a shared or attacker-writable folder): O_NOFOLLOW where the system has it.
_CREATE = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
)


@attrs.frozen(slots=True)
class SnapshotResult:
    """What became of one event's snapshot.

    ``status`` is ``"downloaded"`` (``size`` bytes written), ``"skipped"``
    (the file was already there) or ``"failed"`` (``error`` says why).
    """

    event_id: int
    path: Path
    status: Status
    size: int = 0
    error: MonuvError | None = None


def snapshot_path(event: Event, dest_dir: Path) -> Path:
    """Where an event's image goes: ``<dest_dir>/<event id><extension of its URL>``."""
    try:
        suffix = PurePosixPath(URL(event.event_url or "").path).suffix.lower()
    except ValueError:  # a URL yarl cannot parse: the download will fail on its own
        suffix = ""
    return dest_dir / f"{event.id}{suffix if suffix in _EXTENSIONS else '.jpg'}"


def _usable_url(text: str | None) -> URL | None:
    try:
        url = URL(text or "")
        # Parsing is lazy in places (ports, IDNA hosts): touch what the request uses.
        if url.scheme in {"http", "https"} and url.host and url.port and url.raw_host:
            return url
    except ValueError:  # UnicodeError too: an invalid host name
        pass
    return None


Download = Callable[[URL, Path], Awaitable[int]]


def request_line(url: URL) -> str:
    """How a download is shown in logs and errors: host and path, never the query."""
    # Not the API: the image host gets no token, so nothing to mask, but the
    # path is shown alone all the same (query strings may sign).
    return f"GET {url.host}{url.raw_path}"


async def download_once(
    transport: Transport,
    url: URL,
    path: Path,
    *,
    client_timeout: aiohttp.ClientTimeout,
    context: RequestContext,
    limit: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> int:
    """Stream one image to ``path`` (via a ``.part`` file, renamed when whole).

    Returns the bytes written. A non-2xx answer raises its :class:`APIError`,
    a body shorter than its ``Content-Length`` a :class:`TransportError`, one
    longer than ``limit`` bytes an :class:`UnexpectedResponseError`; the
    ``.part`` file never outlives a failure, and ``path`` only ever appears
    complete. The ``.part`` file is created new, not through a symbolic link.
    """
    partial = path.with_name(path.name + ".part")
    size = 0
    # A stale one (a crash) is removed; a symbolic link in its place is removed
    # as a link, its target untouched. Planted again since: O_EXCL refuses.
    partial.unlink(missing_ok=True)
    try:
        with os.fdopen(os.open(partial, _CREATE, 0o644), "wb") as file:

            def write(chunk: bytes) -> None:
                nonlocal size
                size += len(chunk)
                if size > limit:
                    raise too_large(limit, context)
                file.write(chunk)

            answer = await transport.stream(url, write, client_timeout, context)
        if not 200 <= answer.status < 300:
            raise error_for_status(answer.status, answer.headers, answer.body, context)
        # Content-Length counts the bytes sent: compressed ones when the body
        # was content-encoded, which the transport inflated before writing.
        encoded = answer.headers.get("Content-Encoding", "identity").strip().lower()
        expected = _content_length(answer.headers.get("Content-Length"))
        if encoded in {"", "identity"} and expected is not None and size != expected:
            msg = f"image cut short: {size} of {expected} bytes"
            raise TransportError(msg, sent=True, request=context.line)
        os.replace(partial, path)
        # Like every API request, at DEBUG (`monuv -v`): which image, how big.
        logger.debug("%s -> %d, %d bytes to %s", context.line, answer.status, size, path.name)
        return size
    finally:
        partial.unlink(missing_ok=True)


def _content_length(value: str | None) -> int | None:
    # As aiohttp reads it: absent or unreadable means unknown.
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


async def _one(event: Event, dest_dir: Path, download: Download) -> SnapshotResult:
    path = snapshot_path(event, dest_dir)
    try:
        if path.exists():
            return SnapshotResult(event.id, path, "skipped", path.stat().st_size)
        url = _usable_url(event.event_url)
        if url is None:
            error = UnexpectedResponseError(f"event {event.id} has no usable event_url")
            return SnapshotResult(event.id, path, "failed", error=error)
        size = await download(url, path)
    except MonuvError as error:
        return SnapshotResult(event.id, path, "failed", error=error)
    except OSError as exc:
        # This item's file only (a name too long for the file system, a link
        # planted in the way, a full disk): the run goes on with the others.
        failure = MonuvError(f"cannot write {path.name[:80]}: {exc.strerror or exc}")
        return SnapshotResult(event.id, path, "failed", error=failure)
    return SnapshotResult(event.id, path, "downloaded", size)


async def _events(events: Iterable[Event] | AsyncIterable[Event]) -> AsyncIterator[Event]:
    if isinstance(events, AsyncIterable):
        async for event in events:
            yield event
    else:
        for event in events:
            yield event


async def download_all(
    events: Iterable[Event] | AsyncIterable[Event],
    dest_dir: Path,
    *,
    concurrency: int,
    download: Download,
) -> AsyncIterator[SnapshotResult]:
    """Yield a result per event, as downloads finish, ``concurrency`` at a time at most.

    Events are pulled from ``events`` only as slots free up, so an endless
    source (a running backfill) is streamed, never gathered first. ``dest_dir``
    must exist.
    """
    running: set[asyncio.Task[SnapshotResult]] = set()
    try:
        async for event in _events(events):
            while len(running) >= concurrency:
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    yield task.result()
            running.add(asyncio.ensure_future(_one(event, dest_dir, download)))
        while running:
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                yield task.result()
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
