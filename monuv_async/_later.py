"""Answers read when they are used rather than when they arrive: the pages a walk holds ahead.

A walk requests pages ahead of its caller, and with a fast server they
arrive in bursts. Read on arrival, a burst of pages is built into Events
all at once, and the caller then goes through pages built long before,
whose objects have left the processor's caches meanwhile. Read when the
walk takes it, each page is built just before its events are used, and
what waits in the buffer is only its body (compact JSON takes less room
than the Events it makes; each body is capped at ``max_response_bytes``).
A page requested past the last one is read only if it is the first answer
of its round (the walk learns from that one how large pages are).

Only the reading of a 2xx body waits. The status is looked at in the
request's try, as for any call, so a 429 or a 503 is retried as ever and
an error status raises there. Reading a 2xx body fails only with errors no
:class:`~monuv_async.RetryPolicy` retries, so waiting changes when such an
error is raised, never whether a request is sent again. The requester
reads at once instead wherever waiting could change more than that: with a
response hook (it reports how each try ended, reading included) or a
policy of a class that may decide otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import tzinfo
from typing import Generic, NoReturn, TypeVar

from ._context import RequestContext
from ._response import error_for_status, read_response
from ._spec import Spec
from ._transport import Answer
from .errors import MonuvError

__all__ = ["Later", "read_later", "read_now"]

T = TypeVar("T")

logger = logging.getLogger("monuv_async")


class Later(Generic[T]):
    """A result to be read from its answer when first called; read once.

    Calling it again gives the same result, or raises the same error.
    """

    __slots__ = ("_answer", "_context", "_error", "_result", "_spec", "_tz")

    _result: T

    def __init__(self, spec: Spec[T], answer: Answer, tz: tzinfo, context: RequestContext) -> None:
        self._spec: Spec[T] | None = spec
        self._answer: Answer | None = answer
        self._tz = tz
        self._context = context
        self._error: Exception | None = None

    @classmethod
    def ready(cls, result: T) -> Later[T]:
        """A result already read."""
        later: Later[T] = cls.__new__(cls)
        later._spec = later._answer = later._error = None
        later._result = result
        return later

    def __call__(self) -> T:
        failed = self._error
        if failed is not None:
            raise failed.with_traceback(None) if isinstance(failed, MonuvError) else failed
        spec, answer = self._spec, self._answer
        if spec is None or answer is None:
            return self._result
        context = self._context
        try:
            result = read_response(
                spec, answer.status, answer.headers, answer.body, tz=self._tz, context=context
            )
        except Exception as error:
            # Kept whatever it is: a second call must not find the answer
            # gone and no error to raise (a done callback may have read it
            # first and let the error go). Interrupted (KeyboardInterrupt),
            # the reading is not over, and a second call reads again.
            self._error = error
            # The body is not kept once read (the error quotes what it
            # needs), nor held by this frame, which the error's traceback
            # keeps: error reporters record its locals.
            self._spec = self._answer = spec = answer = None
            if not isinstance(error, MonuvError):
                raise  # not the answer's fault: its traceback stays
            name = type(error).__name__
            logger.debug("%s -> %s: %s (read after its try)", context.line, name, error.message)
            # No traceback of its own: the reader's frames hold the raw answer.
            # Not `from None`: raised in the try, the same error does not suppress its context.
            raise error.with_traceback(None)  # noqa: B904
        self._spec = self._answer = None
        self._result = result
        return result

    def __repr__(self) -> str:
        state = "read" if self._spec is None else "unread"
        return f"Later(<{state}>)"

    def __reduce__(self) -> NoReturn:
        # Its context holds the client's redactor, made from the token.
        msg = "a Later answer is not picklable"
        raise TypeError(msg)


def read_later(spec: Spec[T], tz: tzinfo) -> Callable[[Answer, RequestContext], Later[T]]:
    """A requester's ``read`` that checks the status now and reads a 2xx body when called."""

    def read(answer: Answer, context: RequestContext) -> Later[T]:
        if not 200 <= answer.status < 300:
            raise error_for_status(answer.status, answer.headers, answer.body, context)
        return Later(spec, answer, tz, context)

    return read


def read_now(spec: Spec[T], tz: tzinfo) -> Callable[[Answer, RequestContext], Later[T]]:
    """A requester's ``read`` that reads the answer in the try, as a call does."""

    def read(answer: Answer, context: RequestContext) -> Later[T]:
        return Later.ready(
            read_response(spec, answer.status, answer.headers, answer.body, tz=tz, context=context)
        )

    return read
