"""Reading an answer: ``(status, headers, body)`` in, a result or an error out.

Pure functions, in the spirit of gidgethub's ``decipher_response``: all of the
status-to-error logic lives here, and the transport only moves bytes. Every
error is built here whole, with the request line and redacted text of its
:class:`~monuv_async._context.RequestContext`, and nothing patches it later.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable, Mapping
from datetime import tzinfo
from http import HTTPStatus
from typing import TypeVar

from ._context import RequestContext
from ._spec import Refused, Spec
from ._wire import loads, unwrap_one
from .errors import (
    APIError,
    OperationFailedError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
    ValidationError,
    error_class_for_status,
)

__all__ = ["error_for_status", "parse_retry_after", "read_response"]

T = TypeVar("T")

_NOT_JSON = object()


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
    context: RequestContext,
) -> T:
    """The result of ``spec`` from its answer, or the error it stands for.

    ``context`` gives errors their request line and masks secrets in any
    text taken from the body.
    """
    if not 200 <= status < 300:
        raise error_for_status(status, headers, body, context)
    if spec.read_body is not None:
        fast = spec.read_body(body, tz)
        if fast is not None:
            return fast
    try:
        data = loads(body)
    except ValueError:
        # The decoder's error keeps the whole body in `.doc`: never chain it.
        data = _NOT_JSON
    if data is _NOT_JSON:
        raise _unexpected("the answer is not JSON", status, headers, body, context)
    refused: Refused | None = None
    try:
        return spec.read(data, tz)
    except Refused as exc:
        refused = exc
    except Exception as exc:
        # Built outside this handler so the converter's error is not chained.
        detail = context.redact(str(exc) or type(exc).__name__)
        if isinstance(exc, KeyError):
            detail = f"missing field {detail}"
    if refused is not None:
        raise _operation_failed(refused, status, body, context)
    raise _unexpected(f"cannot read the {spec.op} answer: {detail}", status, headers, body, context)


def _operation_failed(
    refused: Refused, status: int, body: bytes, context: RequestContext
) -> OperationFailedError:
    # Its text comes from the server, which may echo the request, token included.
    text = context.redact(refused.msg)
    message = f"operation failed with code {refused.code}" + (f": {text}" if text else "")
    return OperationFailedError(
        message,
        code=refused.code,
        msg=text,
        status=status,
        body=context.text(body),
        request=context.line,
    )


def error_for_status(
    status: int, headers: Mapping[str, str], body: bytes, context: RequestContext
) -> APIError:
    """The :class:`APIError` for a non-2xx answer, with the server's message when readable."""
    redact = context.redact
    text = context.text(body)
    message = _reason(status)
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
    request = context.line
    if cls is ValidationError:
        return ValidationError(
            message, status=status, body=text, request=request, errors=field_errors
        )
    if cls is RateLimitError:
        retry_after = parse_retry_after(headers.get("Retry-After"))
        return RateLimitError(
            message, status=status, body=text, request=request, retry_after=retry_after
        )
    if cls is ServerError:
        # A 503 may say when to come back (RFC 9110 §10.2.3), as a 429 does.
        retry_after = parse_retry_after(headers.get("Retry-After")) if status == 503 else None
        return ServerError(
            message, status=status, body=text, request=request, retry_after=retry_after
        )
    return cls(message, status=status, body=text, request=request)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a status the standard library does not name
        return "HTTP error"


def _field_errors(value: object, redact: Callable[[str], str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for field, messages in value.items():
        listed = [messages] if isinstance(messages, str) else messages
        if isinstance(listed, list):
            result[redact(str(field))] = tuple(redact(str(m)) for m in listed)
    return result


def _unexpected(
    message: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    context: RequestContext,
) -> UnexpectedResponseError:
    content_type = headers.get("Content-Type")
    if content_type and "json" not in content_type:
        message = f"{message} (Content-Type {content_type})"
    return UnexpectedResponseError(
        message, body=context.text(body), status=status, request=context.line
    )
