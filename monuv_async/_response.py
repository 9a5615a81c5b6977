"""Reading an answer: ``(status, headers, body)`` in, a result or an error out.

Pure functions, in the spirit of gidgethub's ``decipher_response``: all of the
status-to-error logic lives here, and the transport only moves bytes.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import TypeVar

from ._endpoints import Spec
from ._wire import loads, unwrap_one
from .errors import (
    APIError,
    MonuvError,
    OperationFailedError,
    RateLimitError,
    UnexpectedResponseError,
    ValidationError,
    error_class_for_status,
)

__all__ = ["BODY_LIMIT", "error_for_status", "parse_retry_after", "read_response"]

T = TypeVar("T")

_NOT_JSON = object()

BODY_LIMIT = 4096
"""How much of an answer's text an error keeps, for diagnosis."""

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def read_response(
    spec: Spec[T],
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tz: tzinfo,
    request: str,
    redact: Callable[[str], str],
) -> T:
    """The result of ``spec`` from its answer, or the error it stands for.

    ``request`` is the redacted request line put on errors; ``redact`` masks
    secrets in any text taken from the body.
    """
    if 200 <= status < 300:
        try:
            data = loads(body)
        except ValueError:
            # The decoder's error keeps the whole body in `.doc`: never chain it.
            data = _NOT_JSON
        if data is _NOT_JSON:
            raise _unexpected(
                "the answer is not JSON",
                status=status,
                body=body,
                request=request,
                redact=redact,
                headers=headers,
            )
        try:
            return spec.read(data, tz)
        except MonuvError as exc:
            # A documented failure inside a 200 (block/unblock): its text comes
            # from the server, which may echo the request, token included.
            exc.request = request
            exc.message = redact(exc.message)
            exc.args = (exc.message,)
            if isinstance(exc, OperationFailedError):
                exc.msg = redact(exc.msg)
            if isinstance(exc, APIError):
                exc.status = status
                exc.body = _text(body, redact)
            raise
        except Exception as exc:
            # Built outside this handler so the converter's error is not chained.
            detail = redact(str(exc) or type(exc).__name__)
            if isinstance(exc, KeyError):
                detail = f"missing field {detail}"
        raise _unexpected(
            f"cannot read the {spec.op} answer: {detail}",
            status=status,
            body=body,
            request=request,
            redact=redact,
            headers=headers,
        )
    raise error_for_status(status, headers, body, request=request, redact=redact)


def error_for_status(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    request: str,
    redact: Callable[[str], str],
) -> APIError:
    """The :class:`APIError` for a non-2xx answer, with the server's message when readable."""
    text = _text(body, redact)
    message = _REASONS.get(status, "HTTP error")
    field_errors: dict[str, tuple[str, ...]] = {}
    try:
        data: object = unwrap_one(loads(body))
    except ValueError:  # not JSON, or not an object: the HTTP reason stands
        data = None
    if isinstance(data, dict):
        server_message = data.get("message") or data.get("msg") or data.get("error")
        if isinstance(server_message, str) and server_message.strip():
            message = redact(server_message.strip())[:500]
        field_errors = _field_errors(data.get("errors"), redact)
    cls = error_class_for_status(status)
    if cls is ValidationError:
        return ValidationError(
            message, status=status, body=text, request=request, errors=field_errors
        )
    if cls is RateLimitError:
        retry_after = parse_retry_after(headers.get("Retry-After"))
        return RateLimitError(
            message, status=status, body=text, request=request, retry_after=retry_after
        )
    return cls(message, status=status, body=text, request=request)


def _field_errors(value: object, redact: Callable[[str], str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for field, messages in value.items():
        listed = [messages] if isinstance(messages, str) else messages
        if isinstance(listed, list):
            result[redact(str(field))] = tuple(redact(str(m)) for m in listed)
    return result


def _text(body: bytes, redact: Callable[[str], str]) -> str:
    # Redact the whole text, then cut: a cut first could split a token in two
    # halves that no longer match the mask. (Error path only: cheap enough.)
    return redact(body.decode("utf-8", "replace"))[:BODY_LIMIT]


def _unexpected(
    message: str,
    *,
    status: int,
    body: bytes,
    request: str,
    redact: Callable[[str], str],
    headers: Mapping[str, str],
) -> UnexpectedResponseError:
    content_type = headers.get("Content-Type")
    if content_type and "json" not in content_type:
        message = f"{message} (Content-Type {content_type})"
    return UnexpectedResponseError(
        message, body=_text(body, redact), status=status, request=request
    )
