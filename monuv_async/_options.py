"""Checking the options of :meth:`MonuvClient.with_options` and the client's own.

Shared by the constructor and the views, so an option is read the same way
wherever it is given.
"""

from __future__ import annotations

import enum
import math

import aiohttp

from ._checks import check_number
from .retry import RetryPolicy

__all__ = ["UNSET", "Unset", "client_timeout", "rate_limit", "retry_policy", "user_agent"]


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


def user_agent(value: str | None, default: str) -> str:
    """``user_agent``: one header line (no CR/LF), or ``None`` for the default."""
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\0"):
        msg = "user_agent: must be a non-empty str on one line"
        raise ValueError(msg)
    return value
