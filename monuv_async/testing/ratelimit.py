"""The simulator's rate limit: a token bucket per partner token, answered as Laravel does."""

from __future__ import annotations

import math

from .answers import ApiError

__all__ = ["TokenBucket"]


class TokenBucket:
    """A per-key token bucket: ``rate`` requests per second, bursts of ``max(1, rate)``."""

    def __init__(self) -> None:
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, key: str, rate: float, now: float) -> float:
        """Spend one token; return 0, or the seconds to wait when the bucket is empty."""
        capacity = max(1.0, rate)
        tokens, last = self._state.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * rate)
        if tokens < 1:
            self._state[key] = (tokens, now)
            return (1 - tokens) / rate
        self._state[key] = (tokens - 1, now)
        return 0.0

    def admit(self, key: str, rate: float, now: float) -> None:
        """Spend one token, or raise the 429 Laravel's throttle answers (``Retry-After`` >= 1)."""
        wait = self.take(key, rate, now)
        if wait > 0:
            headers = {
                "Retry-After": str(max(1, math.ceil(wait))),
                "X-RateLimit-Limit": str(math.ceil(rate)),
                "X-RateLimit-Remaining": "0",
            }
            raise ApiError(429, {"message": "Too Many Attempts."}, headers)
