"""Observability hooks: what a metrics exporter sees of each try, never the token.

``MonuvClient(on_request=..., on_response=...)`` calls ``on_request`` when a
try starts (it holds its place under the semaphore and its rate-limit slot)
and ``on_response`` when it ends, answered or failed, once the retry policy
has decided whether another try follows. Both are plain functions, called in
the event loop: keep them quick (count, observe a histogram), and hand
anything slow to a task or a queue. A hook that raises is logged and
ignored: metrics never break a request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import attrs

__all__ = ["RequestHook", "RequestInfo", "ResponseHook", "ResponseInfo", "call_hook"]

logger = logging.getLogger("monuv_async")

I = TypeVar("I")  # noqa: E741 - the info type


@attrs.frozen(slots=True)
class RequestInfo:
    """A try about to be sent.

    ``operation`` names the route with few distinct values, for a metrics
    label: the client method's (``"create_camera"``, ``"events"``,
    ``"snapshot"``) or, for :meth:`~monuv_async.MonuvClient.request`, the
    path as given, placeholders unfilled (``"/api/v1/cameras/{id}/print"``).
    ``request`` is the request line with the token masked. ``attempt``
    counts from 1.
    """

    operation: str
    method: str
    request: str
    attempt: int


@attrs.frozen(slots=True)
class ResponseInfo:
    """A try that ended: answered (``status``) or failed (``error``, its class name).

    ``status`` is ``None`` when no answer came (connection failed, reset,
    timeout). ``elapsed`` is seconds from the try's start to the end of its
    reading. ``will_retry`` says whether the retry policy sends another try.
    """

    operation: str
    method: str
    request: str
    attempt: int
    status: int | None
    elapsed: float
    error: str | None
    will_retry: bool


RequestHook = Callable[[RequestInfo], object]
"""Called with a :class:`RequestInfo` as each try starts."""
ResponseHook = Callable[[ResponseInfo], object]
"""Called with a :class:`ResponseInfo` as each try ends."""


def call_hook(hook: Callable[[I], object] | None, info: I) -> None:
    """Call ``hook(info)``; an exception it raises is logged and swallowed."""
    if hook is None:
        return
    try:
        hook(info)
    except Exception:  # a broken metrics hook must never break the request
        logger.exception("monuv_async hook %r raised; ignored", getattr(hook, "__name__", hook))
