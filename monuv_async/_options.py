"""Checking the arguments of :class:`MonuvClient`, its walks and its views (``with_options``).

Shared by the constructor and the views, so an option is read the same way
wherever it is given.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from datetime import tzinfo

import aiohttp
from yarl import URL

from ._checks import check_int, check_number
from ._transport import Transport
from .retry import RetryPolicy

__all__ = [
    "UNSET",
    "Unset",
    "base_url",
    "check_construction",
    "client_timeout",
    "pages_hint",
    "rate_limit",
    "retry_policy",
    "user_agent",
]


class Unset(enum.Enum):
    """The type of :data:`UNSET`: an option a view keeps from its client."""

    UNSET = enum.auto()


UNSET = Unset.UNSET


def client_timeout(value: float | aiohttp.ClientTimeout) -> aiohttp.ClientTimeout:
    """``timeout`` as aiohttp takes it: a positive number of seconds per try, or as given."""
    if isinstance(value, aiohttp.ClientTimeout):
        return value
    return aiohttp.ClientTimeout(total=check_number("timeout", value, positive=True))


def retry_policy(value: RetryPolicy | None) -> RetryPolicy:
    """``retry``: a policy, or ``None`` for a single try."""
    if value is not None and not isinstance(value, RetryPolicy):
        msg = "retry: must be a RetryPolicy or None"
        raise TypeError(msg)
    return value or RetryPolicy(attempts=1)


def rate_limit(value: float | None) -> float | None:
    """``rate_limit``: ``None``, or a positive rate that spaces starts by a finite interval."""
    if value is not None and not math.isfinite(
        1 / check_number("rate_limit", value, positive=True)
    ):
        msg = f"rate_limit: too small to space requests, got {value}"
        raise ValueError(msg)
    return value


def pages_hint(value: object) -> int | None:
    """``pages_hint``: ``None``, or the pages a walk expects at least (an int >= 1)."""
    if value is None:
        return None
    return check_int("pages_hint", value)


def user_agent(value: str | None, default: str) -> str:
    """``user_agent``: one header line (no CR/LF), or ``None`` for the default."""
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\0"):
        msg = "user_agent: must be a non-empty str on one line"
        raise ValueError(msg)
    return value


def base_url(value: str) -> URL:
    """``base_url``: an http(s) URL with a host and no query or fragment."""
    if not isinstance(value, str):
        msg = "base_url: must be a str"
        raise TypeError(msg)
    url = URL(value)
    if url.scheme not in {"http", "https"} or not url.host:
        msg = f"base_url: must be an http(s) URL, got {value!r}"
        raise ValueError(msg)
    if url.query_string or url.fragment:
        msg = "base_url: must not have a query or fragment"
        raise ValueError(msg)
    return url


def check_construction(
    token: object,
    *,
    max_concurrency: object,
    max_response_bytes: object,
    max_snapshot_bytes: object,
    page_buffer: object,
    hooks: Mapping[str, object],
    tz: object,
    transport: object,
    session: object,
) -> None:
    """The client's other arguments, each refused with an error naming it."""
    if not isinstance(token, str) or not token.strip():
        msg = "token: must be a non-empty str"
        raise ValueError(msg)
    check_int("max_concurrency", max_concurrency)
    check_int("max_response_bytes", max_response_bytes)
    check_int("max_snapshot_bytes", max_snapshot_bytes)
    if page_buffer is not None:
        check_int("page_buffer", page_buffer)
    for name, hook in hooks.items():
        if hook is not None and not callable(hook):
            msg = f"{name}: must be callable"
            raise TypeError(msg)
    if not isinstance(tz, tzinfo):
        msg = f"tz: must be a tzinfo such as ZoneInfo('America/Sao_Paulo'), not {tz!r:.40}"
        raise TypeError(msg)
    if transport is not None and not isinstance(transport, Transport):
        msg = "transport: must have the send() and stream() of a Transport"
        raise TypeError(msg)
    if session is not None and transport is not None:
        msg = "transport: give a session or a transport, not both"
        raise ValueError(msg)
