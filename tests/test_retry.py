"""When a request is tried again, and how long the client waits first."""

from __future__ import annotations

import math
import random

import attrs
import pytest

from monuv_async.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    MonuvError,
    NotFoundError,
    OperationFailedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)
from monuv_async.retry import RETRYABLE_STATUSES, RetryPolicy

POLICY = RetryPolicy()


def server(status: int) -> ServerError:
    return ServerError("boom", status=status)


RETRIED_IF_IDEMPOTENT: list[MonuvError] = [
    TransportError("reset", sent=True),
    TransportError("refused", sent=False),
    RequestTimeoutError("timeout", sent=True),
    RequestTimeoutError("connect timeout", sent=False),
    RateLimitError("slow"),
    RateLimitError("slow", retry_after=3.0),
    server(500),
    server(502),
    server(503),
    server(504),
]
NEVER_RETRIED: list[MonuvError] = [
    server(501),
    server(505),
    BadRequestError("bad", status=400),
    AuthenticationError("who", status=401),
    AuthenticationError("no", status=403),
    NotFoundError("gone", status=404),
    ValidationError("invalid"),
    APIError("conflict", status=409),
    OperationFailedError("failed", code=1, msg="x"),
    UnexpectedResponseError("not JSON"),
    MonuvError("other"),
]
RETRIED_FOR_POST: list[MonuvError] = [
    TransportError("refused", sent=False),
    RequestTimeoutError("connect timeout", sent=False),
    RateLimitError("slow"),
]

NOT_RETRIED_FOR_POST: list[MonuvError] = [
    TransportError("reset", sent=True),
    RequestTimeoutError("read timeout", sent=True),
    server(500),
    server(502),
    server(503),
    server(504),
]


def name(error: MonuvError) -> str:
    detail = getattr(error, "status", None) or getattr(error, "sent", "")
    return f"{type(error).__name__}-{detail}"


def test_defaults() -> None:
    """The default policy tries 3 times, from 0.5 s, capped at 8 s."""
    assert (POLICY.attempts, POLICY.backoff, POLICY.max_backoff) == (3, 0.5, 8.0)


def test_retryable_statuses() -> None:
    """The retried statuses are exactly 429, 500, 502, 503 and 504."""
    assert frozenset({429, 500, 502, 503, 504}) == RETRYABLE_STATUSES


def test_policy_is_frozen() -> None:
    """A policy cannot be changed once built (clients may share it)."""
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        POLICY.attempts = 10  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"attempts": 0}, "attempts"),
        ({"attempts": -1}, "attempts"),
        ({"backoff": -0.1}, "backoff"),
        ({"max_backoff": -1}, "max_backoff"),
        ({"backoff": math.nan}, "backoff"),
        ({"max_backoff": math.nan}, "max_backoff"),
        ({"backoff": math.inf}, "backoff"),
        ({"max_backoff": math.inf}, "max_backoff"),
    ],
)
def test_bad_values_rejected(kwargs: dict[str, float], field: str) -> None:
    """Values below the minimum, NaN or infinite are a ValueError naming the field."""
    with pytest.raises(ValueError, match=rf"^{field}:"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"attempts": "3"}, "attempts"),
        ({"attempts": True}, "attempts"),
        ({"attempts": None}, "attempts"),
        ({"attempts": 2.5}, "attempts"),
        ({"attempts": math.nan}, "attempts"),
        ({"backoff": "0.5"}, "backoff"),
        ({"max_backoff": False}, "max_backoff"),
    ],
)
def test_wrong_types_rejected(kwargs: dict[str, object], field: str) -> None:
    """A str, bool, None, or a float number of attempts is a TypeError naming the field."""
    with pytest.raises(TypeError, match=rf"^{field}:"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_edge_values_accepted() -> None:
    """One attempt and zero backoff are valid: no retry, and retry at once."""
    policy = RetryPolicy(attempts=1, backoff=0, max_backoff=0)
    assert policy.delay(1, rng=random.Random(1)) == 0.0


@pytest.mark.parametrize("error", RETRIED_IF_IDEMPOTENT, ids=name)
def test_get_and_put_retried(error: MonuvError) -> None:
    """Idempotent requests are retried on transport errors, timeouts, 429 and 500/502/503/504."""
    assert POLICY.should_retry(error, idempotent=True, attempt=1)
    assert POLICY.should_retry(error, idempotent=True, attempt=2)


@pytest.mark.parametrize("error", NEVER_RETRIED, ids=name)
@pytest.mark.parametrize("idempotent", [True, False])
def test_never_retried(error: MonuvError, idempotent: bool) -> None:
    """501, other 5xx outside the list, 4xx and unreadable answers are never retried."""
    assert not POLICY.should_retry(error, idempotent=idempotent, attempt=1)


@pytest.mark.parametrize("error", RETRIED_FOR_POST, ids=name)
def test_post_retried_only_when_never_sent_or_429(error: MonuvError) -> None:
    """A POST is retried when it provably never left, or on 429."""
    assert POLICY.should_retry(error, idempotent=False, attempt=1)


@pytest.mark.parametrize("error", NOT_RETRIED_FOR_POST, ids=name)
def test_post_not_retried_once_maybe_sent(error: MonuvError) -> None:
    """A POST that may have reached the server (sent=True, any 5xx) is never retried."""
    assert not POLICY.should_retry(error, idempotent=False, attempt=1)


@pytest.mark.parametrize("attempts", [1, 2, 3, 5])
@pytest.mark.parametrize("idempotent", [True, False])
def test_never_past_attempts(attempts: int, idempotent: bool) -> None:
    """Retries stop once `attempts` tries have been made, whatever the error."""
    policy = RetryPolicy(attempts=attempts)
    error = RateLimitError("slow")
    for attempt in range(1, attempts + 3):
        expected = attempt < attempts
        assert policy.should_retry(error, idempotent=idempotent, attempt=attempt) is expected


@pytest.mark.parametrize(
    ("backoff", "max_backoff"), [(0.5, 8.0), (1.0, 3.0), (0.1, 100.0), (2.0, 1.0)]
)
def test_delay_full_jitter_bounds(backoff: float, max_backoff: float) -> None:
    """The n-th delay lies in [0, min(max_backoff, backoff * 2**(n-1))] and spans it."""
    policy = RetryPolicy(attempts=20, backoff=backoff, max_backoff=max_backoff)
    rng = random.Random(20240501)
    for attempt in range(1, 13):
        ceiling = min(max_backoff, backoff * 2 ** (attempt - 1))
        samples = [policy.delay(attempt, rng=rng) for _ in range(400)]
        assert all(0.0 <= s <= ceiling for s in samples)
        # Full jitter: spread over the whole range, not a fixed or half-jittered value.
        assert min(samples) < 0.1 * ceiling
        assert max(samples) > 0.9 * ceiling


def test_delay_doubles_until_the_cap() -> None:
    """The ceiling doubles per retry: late delays can exceed every early one."""
    policy = RetryPolicy(attempts=10, backoff=0.5, max_backoff=8.0)
    rng = random.Random(7)
    first = [policy.delay(1, rng=rng) for _ in range(200)]
    fourth = [policy.delay(4, rng=rng) for _ in range(200)]
    assert max(first) <= 0.5
    assert max(fourth) > 2.0


def test_delay_reproducible_with_a_seeded_rng() -> None:
    """The same seed gives the same delays."""
    first = [POLICY.delay(2, rng=random.Random(3)) for _ in range(3)]
    second = [POLICY.delay(2, rng=random.Random(3)) for _ in range(3)]
    assert first == second


@pytest.mark.parametrize("attempt", [60, 1024, 1100, 5000])
def test_delay_after_very_many_attempts(attempt: int) -> None:
    """A long retry budget never overflows: the delay stays within max_backoff."""
    policy = RetryPolicy(attempts=10_000, backoff=0.5, max_backoff=8.0)
    value = policy.delay(attempt, rng=random.Random(1))
    assert 0.0 <= value <= 8.0


@pytest.mark.parametrize(("retry_after", "expected"), [(0.0, 0.0), (3.0, 3.0), (8.0, 8.0)])
def test_retry_after_honoured(retry_after: float, expected: float) -> None:
    """A server's Retry-After replaces the backoff, exactly, whatever the attempt."""
    for attempt in (1, 2, 5):
        assert POLICY.delay(attempt, retry_after=retry_after, rng=random.Random(1)) == expected


@pytest.mark.parametrize("retry_after", [8.5, 30.0, 60.0])
def test_retry_after_beyond_max_backoff_is_waited_in_full(retry_after: float) -> None:
    """A Retry-After longer than max_backoff (up to max_retry_after) is never cut short."""
    assert POLICY.delay(1, retry_after=retry_after) == retry_after
    assert RetryPolicy(max_backoff=2.0).delay(3, retry_after=retry_after) == retry_after


@pytest.mark.parametrize("retry_after", [60.5, 3600.0, math.inf])
def test_retry_after_beyond_max_retry_after_is_not_retried(retry_after: float) -> None:
    """A server asking for longer than max_retry_after is not hit again early: no retry."""
    error = RateLimitError("slow", retry_after=retry_after)
    assert not POLICY.should_retry(error, idempotent=True, attempt=1)
    assert RetryPolicy(max_retry_after=5000.0).should_retry(error, idempotent=True, attempt=1) is (
        retry_after <= 5000.0
    )


def test_a_503_retry_after_is_honoured_like_a_429s() -> None:
    """A 503's Retry-After counts as a 429's: beyond the cap, no retry."""
    assert POLICY.should_retry(
        ServerError("x", status=503, retry_after=0.5), idempotent=True, attempt=1
    )
    assert not POLICY.should_retry(
        ServerError("x", status=503, retry_after=61.0), idempotent=True, attempt=1
    )


def test_max_retry_after_default_and_checks() -> None:
    """max_retry_after defaults to 60 s and is checked like the other fields."""
    assert RetryPolicy().max_retry_after == 60.0
    for bad in (-1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match=r"^max_retry_after"):
            RetryPolicy(max_retry_after=bad)
