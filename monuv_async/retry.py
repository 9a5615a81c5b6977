"""When to try a request again, and how long to wait first.

Creates are the delicate case: a ``POST`` that reached the server may have
created the object even if its answer was lost, and sending it again would
create a duplicate. So a ``POST`` is retried only when it provably never left
(the connection could not be made) or the server said 429 (it refused the
request without doing it). ``GET`` and ``PUT`` are idempotent here and are
retried on any transport failure and on 429, 500, 502, 503 and 504.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import attrs

from ._checks import check_int, check_number
from .errors import MonuvError, RateLimitError, ServerError, TransportError

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy"]

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def _checked(field: str, *, whole: bool = False) -> Callable[[Any, Any, Any], None]:
    def check(_: object, __: object, value: object) -> None:
        if whole:
            check_int(field, value)
        else:
            check_number(field, value)

    return check


@attrs.frozen(slots=True)
class RetryPolicy:
    """How many times to try, and the exponential backoff between tries.

    ``attempts`` counts the first try (1 means never retry). The n-th retry
    waits a random time between 0 and ``min(max_backoff, backoff * 2**(n-1))``
    ("full jitter", so that many clients failing together do not retry in
    step). A ``Retry-After`` from the server (on a 429 or a 503) replaces
    that wait and is waited in full, never cut to ``max_backoff``, up to
    ``max_retry_after`` seconds; a server asking for longer is not hit again
    early: the error is raised at once, its ``retry_after`` telling the wait.
    """

    attempts: int = attrs.field(default=3, validator=_checked("attempts", whole=True))
    backoff: float = attrs.field(default=0.5, validator=_checked("backoff"))
    max_backoff: float = attrs.field(default=8.0, validator=_checked("max_backoff"))
    max_retry_after: float = attrs.field(default=60.0, validator=_checked("max_retry_after"))

    def should_retry(self, error: MonuvError, *, idempotent: bool, attempt: int) -> bool:
        """Whether to try again after ``error`` ended try number ``attempt`` (1-based)."""
        if attempt >= self.attempts:
            return False
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None and retry_after > self.max_retry_after:
            return False
        if isinstance(error, RateLimitError):
            return True
        if isinstance(error, TransportError):
            return idempotent or not error.sent
        if isinstance(error, ServerError):
            return idempotent and error.status in RETRYABLE_STATUSES
        return False

    def delay(
        self,
        attempt: int,
        *,
        retry_after: float | None = None,
        rng: random.Random | None = None,
    ) -> float:
        """Seconds to wait before try ``attempt + 1``."""
        if retry_after is not None:
            # The server's own word: in full (should_retry refused any beyond the cap).
            return min(retry_after, self.max_retry_after)
        # A float power, its exponent bounded: `2 ** n` as an int overflows the
        # float conversion past n ~ 1024 (a long `attempts`); this saturates.
        ceiling = min(self.max_backoff, self.backoff * 2.0 ** min(attempt - 1, 1000))
        return (rng or random).uniform(0, ceiling)
