"""The request engine: every try of every request goes through :class:`Requester`.

A try waits for a place under the client's one semaphore, then for a
rate-limit start slot, sends through the :class:`~monuv_async._transport.Transport`
and is logged, counted and shown to the observability hooks. Between tries
the retry policy decides and the back-off sleep holds neither bound, so a
retrying request never blocks others.

:meth:`Requester.with_options` makes a view: another requester with its own
timeout, retry policy and (extra) rate limit that shares everything else
with its root: transport, semaphore, limiter, stats, hooks and closed state.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import random
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import tzinfo
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import attrs
from yarl import URL

from ._context import RequestContext
from ._hooks import RequestHook, RequestInfo, ResponseHook, ResponseInfo, call_hook
from ._later import Later, read_later, read_now
from ._ratelimit import Places, RateLimiter
from ._redact import Redactor, register
from ._response import read_response
from ._snapshots import download_once, request_line
from ._spec import Spec, origin_of
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, Answer, Transport, too_large
from .errors import APIError, MonuvError, UnexpectedResponseError
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


class _Try:
    """One try, as the response hook reports it."""

    __slots__ = ("attempt", "started", "status")

    def __init__(self, attempt: int) -> None:
        self.attempt = attempt
        self.started = 0.0  # set once the place is held: nothing fails before
        self.status: int | None = None


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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_snapshot_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        on_request: RequestHook | None = None,
        on_response: ResponseHook | None = None,
    ) -> None:
        self._token = token
        self._base = base
        # The same for every request: computed once, not quoted again per call.
        self._origin = origin_of(base)
        self._quoted_token = quote(token, safe="")
        self.transport = transport
        self._timeout = timeout
        self._retry = retry
        self._limiter = RateLimiter(rate_limit) if rate_limit is not None else None
        self._semaphore = Places(max_concurrency)
        self._tz = tz
        # Registered so that `redact_url` (a tracer's url_filter) knows the token.
        self._redact = register(Redactor(token))
        self._max_response_bytes = max_response_bytes
        self._max_snapshot_bytes = max_snapshot_bytes
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None  # where _loop was first seen running
        self._rng = random.Random()  # noqa: S311 - jitter, not crypto
        self._on_request = on_request
        self._on_response = on_response
        # A view's own limiter, waited before the shared bounds (see with_options).
        self._view_limiter: RateLimiter | None = None
        # No limiter to wait for: a try with a free place starts without a coroutine.
        self._unlimited = self._limiter is None
        self._root = self
        self._closed = False
        self.stats = ClientStats()

    def __repr__(self) -> str:
        return f"Requester(base={str(self._base)!r}, token=***)"

    @property
    def retry(self) -> RetryPolicy:
        """The policy every request follows."""
        return self._retry

    @property
    def closed(self) -> bool:
        """Whether the client (the root of any view) is closed."""
        return self._root._closed

    @closed.setter
    def closed(self, value: bool) -> None:
        self._root._closed = value

    def with_options(
        self,
        *,
        timeout: aiohttp.ClientTimeout | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: float | None = None,
    ) -> Requester:
        """A view sharing this requester's bounds, with the options given replaced.

        ``rate_limit`` adds a limiter of the view's own, waited before the
        shared semaphore and limiter: it spaces the view's calls without
        holding a place the client's other callers wait for.
        """
        view = copy.copy(self)
        if timeout is not None:
            view._timeout = timeout
        if retry is not None:
            view._retry = retry
        if rate_limit is not None:
            view._view_limiter = RateLimiter(rate_limit)
            view._unlimited = False
        return view

    def check_open(self) -> None:
        """Raise ``RuntimeError`` once the client is closed, or in another event loop."""
        if self.closed:
            msg = "this MonuvClient is closed"
            raise RuntimeError(msg)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not in a coroutine: nothing is sent from here
            return
        root = self._root  # views share the client's loop, like its semaphore
        if root._loop is None:
            root._loop, root._thread = loop, threading.get_ident()
        elif root._loop is not loop:
            # Its semaphore, rate limiter and connections belong to the first loop:
            # used here they fail with a bare "Event loop is closed" or hang.
            msg = (
                "this MonuvClient was first used in another event loop (a previous "
                "asyncio.run()?) and cannot be used in this one; create one MonuvClient "
                "inside each loop, e.g. within the coroutine that asyncio.run() runs"
            )
            raise RuntimeError(msg)

    def call(self, spec: Spec[T]) -> Coroutine[Any, Any, T]:
        """Send ``spec`` and read its answer, retrying as the policy allows.

        Not a coroutine itself: it hands back :meth:`exchange`'s, so a call
        is one coroutine layer less, resumed at every step of its request.
        """
        return self.exchange(spec, spec.body(), read=None, idempotent=spec.idempotent)

    def call_later(self, spec: Spec[T]) -> Coroutine[Any, Any, Later[T]]:
        """:meth:`call`, its 2xx answer read when the result is called (see :mod:`._later`)."""
        # In the try if a hook reports the reading, or another policy may retry it.
        wait = self._on_response is None and type(self._retry) is RetryPolicy
        read = (read_later if wait else read_now)(spec, self._tz)
        return self.exchange(spec, spec.body(), read=read, idempotent=spec.idempotent)

    async def exchange(
        self,
        spec: Spec[Any],
        body: bytes | None,
        *,
        read: Callable[[Answer, RequestContext], T] | None,
        idempotent: bool,
    ) -> T:
        """Send ``spec``'s request with ``body``, and ``read`` each answer, retrying.

        ``read=None`` reads it as ``spec`` says (:func:`read_response`).
        """
        root = self._root
        loop = root._loop
        # Not asyncio.get_running_loop(): it makes a getpid() system call each
        # time. One loop runs per thread, so the first loop, running, in the
        # thread it was first seen in, is the running one (unless it was
        # stopped and restarted in another thread meanwhile); any doubt (a
        # closed or stopped loop, another thread) takes the exact check.
        if (
            root._closed
            or loop is None
            or root._thread != threading.get_ident()
            or not loop.is_running()
        ):
            self.check_open()  # raises, or notes the first loop
        operation, method = spec.op, spec.method
        # The request line is built only if something reads it: a log record, a
        # hook, an error. Logging is looked up once per call, not once per try.
        context = RequestContext.describing(spec, self._origin.prefix, self._redact)
        debug = logger.isEnabledFor(logging.DEBUG)
        tz = self._tz
        attempt = 0
        while True:
            attempt += 1
            this = _Try(attempt)
            answer: Answer | None = None
            try:
                # A free place and no limiter: taken here, with no coroutine of
                # its own, as every try of every request must.
                if self._unlimited and self._semaphore.take_now():
                    self._started(operation, method, context, this)
                else:
                    await self._enter(operation, method, context, this)
                try:
                    # The URL, token included, is built inline and never held in a
                    # local: error reporters that capture the locals of a
                    # traceback's frames (Sentry, `pytest -l`) would record it.
                    answer = await self.transport.send(
                        method,
                        spec.target(self._origin, self._quoted_token),
                        body,
                        self._timeout,
                        context,
                    )
                finally:
                    self._leave()
                this.status = answer.status
                if debug:
                    logger.debug(
                        "%s -> %d in %.1f ms (try %d)",
                        context.line,
                        answer.status,
                        (time.perf_counter() - this.started) * 1000,
                        attempt,
                    )
                if len(answer.body) > self._max_response_bytes:  # a transport that does not cap
                    raise too_large(self._max_response_bytes, context)
                # Read outside the slot: building models is CPU work, not a request in flight.
                result: T
                if read is None:
                    # No locals for its parts: the answer leaves the frame on failure.
                    result = read_response(
                        spec, answer.status, answer.headers, answer.body, tz=tz, context=context
                    )
                else:
                    result = read(answer, context)
            except MonuvError as error:
                answer = None  # the raw answer stays out of the frame's locals
                delay = self._failed(error, context, this, operation, method, idempotent=idempotent)
            else:
                # _ended checks this too; tested here first, a call without a
                # response hook (the usual one) makes no method call for it.
                if self._on_response is not None:
                    self._ended(operation, method, context, this, None, will_retry=False)
                return result
            # Outside the semaphore: a request waiting to retry holds no slot.
            await _sleep(delay)

    async def download(self, url: URL, path: Path) -> int:
        """Stream one image to ``path``, retrying as the policy allows; the bytes written."""
        self.check_open()
        context = RequestContext(request_line(url), self._redact)
        attempt = 0
        while True:
            attempt += 1
            this = _Try(attempt)
            try:
                await self._enter("snapshot", "GET", context, this)
                try:
                    written = await download_once(
                        self.transport,
                        url,
                        path,
                        client_timeout=self._timeout,
                        context=context,
                        limit=self._max_snapshot_bytes,
                    )
                finally:
                    self._leave()
            except MonuvError as error:
                delay = self._failed(error, context, this, "snapshot", "GET", idempotent=True)
            else:
                self._ended("snapshot", "GET", context, this, None, will_retry=False)
                return written
            await _sleep(delay)

    def _failed(
        self,
        error: MonuvError,
        context: RequestContext,
        this: _Try,
        operation: str,
        method: str,
        *,
        idempotent: bool,
    ) -> float:
        """After a failed try: the back-off before the next one, or ``error`` raised."""
        attempt = this.attempt
        retrying = self._retry.should_retry(error, idempotent=idempotent, attempt=attempt)
        self._ended(operation, method, context, this, error, will_retry=retrying)
        logger.debug(
            "%s -> %s: %s (try %d)", context.line, type(error).__name__, error.message, attempt
        )
        if not retrying:
            # Raised with no traceback of its own: the frames below (the
            # transport's, the reader's) hold the URL and the raw answer in
            # their locals, which error reporters capture. The error's own
            # text says what happened and where.
            raise error.with_traceback(None)
        retry_after = getattr(error, "retry_after", None)
        delay = self._retry.delay(attempt, retry_after=retry_after, rng=self._rng)
        logger.info("%s: %s; retrying in %.2f s", context.line, type(error).__name__, delay)
        self.stats.retries += 1
        return delay

    def _ended(
        self,
        operation: str,
        method: str,
        context: RequestContext,
        this: _Try,
        error: MonuvError | None,
        *,
        will_retry: bool,
    ) -> None:
        """Tell the response hook, if any, how a try ended."""
        if self._on_response is None:
            return
        status = this.status
        if isinstance(error, APIError | UnexpectedResponseError):
            status = error.status
        elif error is not None:
            status = None  # no answer came
        elapsed = time.perf_counter() - this.started
        kind = None if error is None else type(error).__name__
        info = ResponseInfo(
            operation, method, context.line, this.attempt, status, elapsed, kind, will_retry
        )
        call_hook(self._on_response, info)

    async def _enter(
        self, operation: str, method: str, context: RequestContext, this: _Try
    ) -> None:
        """Take a place under the semaphore, then a rate-limit start slot, for one try.

        Paired with :meth:`_leave` in a ``try``/``finally`` once it returns: a
        class-free, generator-free slot, as cheap as the work it guards allows.
        """
        if self._view_limiter is not None:
            # Before the semaphore: a view's slow rate never holds a shared place.
            await self._view_limiter.acquire()
        await self._semaphore.take()
        if self._limiter is not None:
            # The start slot is taken once a place is held: taken before, the
            # slots of requests queued for the semaphore would all come due
            # while they wait, and they would start together in a burst.
            try:
                await self._limiter.acquire()
            except BaseException:  # cancelled while waiting: the place goes back
                self._semaphore.give()
                raise
        self._started(operation, method, context, this)

    def _started(self, operation: str, method: str, context: RequestContext, this: _Try) -> None:
        """Count a try that holds its place and start slot, and tell the request hook."""
        stats = self.stats
        stats.requests += 1
        in_flight = stats.in_flight = stats.in_flight + 1
        stats.max_in_flight = max(stats.max_in_flight, in_flight)
        this.started = time.perf_counter()
        if self._on_request is not None:
            info = RequestInfo(operation, method, context.line, this.attempt)
            call_hook(self._on_request, info)

    def _leave(self) -> None:
        """Give back the place :meth:`_enter` took."""
        self.stats.in_flight -= 1
        self._semaphore.give()
