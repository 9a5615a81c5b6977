"""The request engine: every try of every request goes through :class:`Requester`.

A try waits for a place under the client's one semaphore, then for a
rate-limit start slot, sends through the :class:`~monuv_async._transport.Transport`
and is logged and counted. Between tries the retry policy decides and the
back-off sleep holds neither bound, so a retrying request never blocks others.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import tzinfo
from pathlib import Path
from typing import TypeVar

import aiohttp
import attrs
from yarl import URL

from ._context import RequestContext
from ._endpoints import Spec
from ._ratelimit import RateLimiter
from ._redact import Redactor
from ._response import read_response
from ._snapshots import download_once, request_line
from ._transport import Transport
from .errors import MonuvError, RateLimitError
from .retry import RetryPolicy

__all__ = ["ClientStats", "Requester"]

T = TypeVar("T")

logger = logging.getLogger("monuv_async")

# Indirection so tests can observe back-off delays without waiting them out.
_sleep = asyncio.sleep


@attrs.define
class ClientStats:
    """Counters of one client, for monitoring and the CLI's summary."""

    requests: int = 0
    """Tries sent (a retried request counts once per try)."""
    retries: int = 0
    in_flight: int = 0
    max_in_flight: int = 0


class Requester:
    """Sends specs and downloads under one client's bounds, retrying as its policy allows."""

    def __init__(
        self,
        token: str,
        *,
        base: URL,
        transport: Transport,
        timeout: aiohttp.ClientTimeout,
        retry: RetryPolicy,
        rate_limit: float | None,
        max_concurrency: int,
        tz: tzinfo,
    ) -> None:
        self._token = token
        self._base = base
        self.transport = transport
        self._timeout = timeout
        self._retry = retry
        self._limiter = RateLimiter(rate_limit) if rate_limit is not None else None
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._tz = tz
        self._redact = Redactor(token)
        self._rng = random.Random()  # noqa: S311 - jitter, not crypto
        self.closed = False
        self.stats = ClientStats()

    def __repr__(self) -> str:
        return f"Requester(base={str(self._base)!r}, token=***)"

    @property
    def retry(self) -> RetryPolicy:
        """The policy every request follows."""
        return self._retry

    def check_open(self) -> None:
        """Raise ``RuntimeError`` once the client is closed."""
        if self.closed:
            msg = "this MonuvClient is closed"
            raise RuntimeError(msg)

    async def call(self, spec: Spec[T]) -> T:
        """Send ``spec`` and read its answer, retrying as the policy allows."""
        self.check_open()
        url = spec.url(self._base, self._token)
        body = spec.body()
        context = RequestContext(spec.describe(self._base), self._redact)

        async def attempt_once(attempt: int) -> T:
            async with self._slot():
                started = time.perf_counter()
                answer = await self.transport.send(spec.method, url, body, self._timeout, context)
            logger.debug(
                "%s -> %d in %.1f ms (try %d)",
                context.line,
                answer.status,
                (time.perf_counter() - started) * 1000,
                attempt,
            )
            # Read outside the slot: building models is CPU work, not a request in flight.
            return read_response(
                spec, answer.status, answer.headers, answer.body, tz=self._tz, context=context
            )

        return await self._retrying(attempt_once, context, idempotent=spec.idempotent)

    async def download(self, url: URL, path: Path) -> int:
        """Stream one image to ``path``, retrying as the policy allows; the bytes written."""
        self.check_open()
        context = RequestContext(request_line(url), self._redact)

        async def attempt_once(_: int) -> int:
            async with self._slot():
                return await download_once(
                    self.transport, url, path, client_timeout=self._timeout, context=context
                )

        return await self._retrying(attempt_once, context, idempotent=True)

    async def _retrying(
        self,
        attempt_once: Callable[[int], Awaitable[T]],
        context: RequestContext,
        *,
        idempotent: bool,
    ) -> T:
        """Run ``attempt_once(n)`` for n = 1, 2, ... until it succeeds or the policy says stop."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await attempt_once(attempt)
            except MonuvError as error:
                logger.debug(
                    "%s -> %s: %s (try %d)",
                    context.line,
                    type(error).__name__,
                    error.message,
                    attempt,
                )
                if not self._retry.should_retry(error, idempotent=idempotent, attempt=attempt):
                    raise
                retry_after = error.retry_after if isinstance(error, RateLimitError) else None
                delay = self._retry.delay(attempt, retry_after=retry_after, rng=self._rng)
                logger.info("%s: %s; retrying in %.2f s", context.line, type(error).__name__, delay)
                self.stats.retries += 1
            # Outside the semaphore: a request waiting to retry holds no slot.
            await _sleep(delay)

    def _slot(self) -> _Slot:
        """A place under the semaphore, then a rate-limit start slot, for one try."""
        return _Slot(self)


class _Slot:
    """One try's place under a requester's bounds.

    A class rather than an ``asynccontextmanager``: that one builds a
    generator and two coroutines around every request, measurable on small
    calls where the library's own overhead is the cost.
    """

    __slots__ = ("_requester",)

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def __aenter__(self) -> None:
        requester = self._requester
        await requester._semaphore.acquire()
        try:
            # The start slot is taken once a place is held: taken before, the
            # slots of requests queued for the semaphore would all come due
            # while they wait, and they would start together in a burst.
            if requester._limiter is not None:
                await requester._limiter.acquire()
        except BaseException:
            requester._semaphore.release()
            raise
        stats = requester.stats
        stats.requests += 1
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)

    async def __aexit__(self, *_: object) -> None:
        requester = self._requester
        requester.stats.in_flight -= 1
        requester._semaphore.release()
