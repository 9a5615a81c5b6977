"""Everything ``monuv_async`` raises on purpose.

::

    MonuvError                      base of everything the library raises on purpose
    ├── APIError                    the server answered with an error; .status, .message, .body
    │   ├── BadRequestError         400
    │   ├── AuthenticationError     401, 403
    │   ├── NotFoundError           404
    │   ├── ValidationError         422; .errors: Mapping[str, tuple[str, ...]]
    │   ├── RateLimitError          429; .retry_after: float | None
    │   ├── ServerError             5xx; .retry_after (a 503's Retry-After) or None
    │   └── OperationFailedError    HTTP 200 with code != 0; .code, .msg
    ├── TransportError              no usable answer: connection failed, reset, ...
    │   └── RequestTimeoutError     the attempt timed out
    └── UnexpectedResponseError     an answer that cannot be read as documented

No message, ``repr``, ``args`` or chained exception of these classes carries
the partner token: request URLs are shown with the token replaced by ``***``,
and the aiohttp exceptions behind a :class:`TransportError` are never chained
(their text embeds the full URL); their type and redacted text are kept in
the message instead.

Every error is a value: it survives ``pickle`` and ``copy`` (multiprocessing,
``concurrent.futures``, task queues) with its type, message and attributes.
Every error also says whether the request it is about may have taken effect
on the server (:attr:`MonuvError.may_have_been_applied`): what decides
whether a create may be sent again.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "MonuvError",
    "NotFoundError",
    "OperationFailedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "error_class_for_status",
]

_EMPTY: Mapping[str, tuple[str, ...]] = MappingProxyType({})


class MonuvError(Exception):
    """Base class of every error the library raises on purpose.

    ``request`` is the redacted request line (``"GET /api/v1/events?token=***"``)
    when the error is about one request, else ``None``.
    """

    def __init__(self, message: str, *, request: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request

    def __str__(self) -> str:
        return self.message if self.request is None else f"{self.request}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own reduce calls `cls(*args)`, which the keyword-only
        # attributes (status, sent, ...) make fail; rebuild without __init__.
        # Read-only mappings go as dicts (a mappingproxy cannot be pickled).
        state = {
            key: dict(value) if isinstance(value, MappingProxyType) else value
            for key, value in vars(self).items()
        }
        return (_rebuild, (type(self), self.args, state))

    @property
    def may_have_been_applied(self) -> bool:
        """Whether the request may have taken effect on the server.

        ``True`` after a 5xx, a timeout, a reset or a cut body once the
        request may have been sent, and after a 2xx answer that could not be
        read; ``False`` when the request provably never left (connection
        refused, DNS failure, connect timeout) or the server refused it (a
        4xx such as 400, 401, 404, 422 or 429, or an ``OperationFailedError``).
        Computed the same way whatever the method: for a ``POST`` (a create)
        ``True`` means "look before sending it again, it may exist"; for an
        idempotent ``GET``/``PUT``/``DELETE`` it says whether the change may
        be in place, and sending it again is harmless either way. Errors that
        are about no request say ``True``, the safe answer for a create.
        """
        return True


class APIError(MonuvError):
    """The server answered, with an error.

    ``status`` is the HTTP status, ``message`` the server's own message when it
    gave one (else the HTTP reason), ``body`` the answer's text (redacted and
    cut to a few KB, for diagnosis).
    """

    def __init__(
        self, message: str, *, status: int, body: str = "", request: str | None = None
    ) -> None:
        super().__init__(message, request=request)
        self.status = status
        self.body = body

    @property
    def may_have_been_applied(self) -> bool:
        """``False`` for a refusal (status below 500), ``True`` for a server failure (5xx)."""
        return self.status >= 500

    def __str__(self) -> str:
        base = f"HTTP {self.status}: {self.message}"
        return base if self.request is None else f"{self.request}: {base}"


class BadRequestError(APIError):
    """HTTP 400: the server refused the request as malformed."""


class AuthenticationError(APIError):
    """HTTP 401 or 403: the token is wrong, expired or lacks the permission."""


class NotFoundError(APIError):
    """HTTP 404: the resource (camera, client, ...) does not exist."""


class ValidationError(APIError):
    """HTTP 422: the server rejected fields of the request.

    ``errors`` maps each field to its messages, read from the Laravel-style
    ``{"message": ..., "errors": {"field": ["...", ...]}}`` body when present.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 422,
        body: str = "",
        request: str | None = None,
        errors: Mapping[str, tuple[str, ...]] = _EMPTY,
    ) -> None:
        super().__init__(message, status=status, body=body, request=request)
        self.errors = MappingProxyType(dict(errors))

    def __str__(self) -> str:
        base = super().__str__()
        if not self.errors:
            return base
        details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items())
        return f"{base} ({details})"


class RateLimitError(APIError):
    """HTTP 429: too many requests; ``retry_after`` is the server's hint in seconds."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 429,
        body: str = "",
        request: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, body=body, request=request)
        self.retry_after = retry_after


class ServerError(APIError):
    """HTTP 5xx: the server failed; ``retry_after`` is a 503's hint in seconds, if any."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 500,
        body: str = "",
        request: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, body=body, request=request)
        self.retry_after = retry_after


class OperationFailedError(APIError):
    """HTTP 200 whose body says the operation failed (block/unblock ``code != 0``)."""

    def __init__(
        self,
        message: str,
        *,
        code: int,
        msg: str,
        status: int = 200,
        body: str = "",
        request: str | None = None,
    ) -> None:
        super().__init__(message, status=status, body=body, request=request)
        self.code = code
        self.msg = msg

    @property
    def may_have_been_applied(self) -> bool:
        """``False``: the server answered that it did not do it."""
        return False


class TransportError(MonuvError):
    """No usable answer: the connection failed, was reset, or the body was cut.

    ``sent`` is ``False`` only when the request provably never reached the
    server (connection refused, DNS failure, connect timeout): only then may a
    create be retried without risking a duplicate.
    """

    def __init__(self, message: str, *, sent: bool, request: str | None = None) -> None:
        super().__init__(message, request=request)
        self.sent = sent

    @property
    def may_have_been_applied(self) -> bool:
        """``sent``: a request that may have left may have been acted on."""
        return self.sent


class RequestTimeoutError(TransportError):
    """The attempt took longer than the client's timeout."""


class UnexpectedResponseError(MonuvError):
    """The server answered something that cannot be read as documented.

    A body that is not JSON, a missing required field, a value of the wrong
    type. ``body`` holds the answer's text (redacted, cut to a few KB).
    """

    def __init__(
        self, message: str, *, body: str = "", status: int | None = None, request: str | None = None
    ) -> None:
        super().__init__(message, request=request)
        self.body = body
        self.status = status


def _rebuild(cls: type[MonuvError], args: tuple[Any, ...], state: dict[str, Any]) -> MonuvError:
    """An error from what :meth:`MonuvError.__reduce__` kept (pickle, copy)."""
    error = cls.__new__(cls, *args)
    error.args = args
    for key, value in state.items():
        error.__dict__[key] = MappingProxyType(value) if key == "errors" else value
    return error


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    422: ValidationError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[APIError]:
    """The most specific :class:`APIError` subclass for an HTTP error status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIError)
