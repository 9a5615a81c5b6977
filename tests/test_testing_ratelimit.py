"""The simulator's rate limit: a token bucket per partner token, 429 with Retry-After."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from _simulator_helpers import (
    api,
    call,
)

from monuv_async.testing import MonuvSimulator
from monuv_async.testing.answers import ApiError
from monuv_async.testing.ratelimit import TokenBucket


async def test_rate_limit_answers_429_with_retry_after() -> None:
    """Beyond rate_limit requests per second per token: 429, Retry-After >= 1, JSON body."""
    async with (
        MonuvSimulator(rate_limit=2, cameras=0) as sim,
        aiohttp.ClientSession() as http,
    ):
        statuses = []
        for _ in range(3):
            async with http.get(api(sim, "/api/v1/cameras/create")) as resp:
                statuses.append(resp.status)
                last = resp
                body = await resp.json()
        assert statuses == [200, 200, 429]
        assert int(last.headers["Retry-After"]) >= 1
        assert body == {"message": "Too Many Attempts."}
        status, _ = await call(http, "GET", api(sim, "/api/v1/cameras/create", token="bad"))
        assert status == 401
        await asyncio.sleep(0.55)
        assert (await call(http, "GET", api(sim, "/api/v1/cameras/create")))[0] == 200


def test_bucket_allows_a_burst_of_the_rate_then_says_how_long_to_wait() -> None:
    """rate=2: two requests at once pass, the third must wait 0.5 s; keys are separate."""
    bucket = TokenBucket()
    assert [bucket.take("a", 2, 10.0) for _ in range(2)] == [0.0, 0.0]
    assert bucket.take("a", 2, 10.0) == pytest.approx(0.5)
    assert bucket.take("b", 2, 10.0) == 0.0


def test_bucket_refills_with_time_up_to_its_capacity() -> None:
    """Tokens come back at `rate` per second, never more than max(1, rate) at once."""
    bucket = TokenBucket()
    assert bucket.take("a", 0.5, 0.0) == 0.0
    assert bucket.take("a", 0.5, 1.0) == pytest.approx(1.0)  # half a token back after 1 s
    assert bucket.take("a", 0.5, 100.0) == 0.0  # refilled, but capped at one token
    assert bucket.take("a", 0.5, 100.0) > 0


def test_admit_raises_laravels_429_with_a_whole_retry_after() -> None:
    """An empty bucket is a 429 "Too Many Attempts." with Retry-After >= 1 and the limit."""
    bucket = TokenBucket()
    bucket.admit("a", 3, 0.0)
    bucket.admit("a", 3, 0.0)
    bucket.admit("a", 3, 0.0)
    with pytest.raises(ApiError) as caught:
        bucket.admit("a", 3, 0.0)
    assert (caught.value.status, caught.value.body) == (429, {"message": "Too Many Attempts."})
    assert caught.value.headers == {
        "Retry-After": "1",
        "X-RateLimit-Limit": "3",
        "X-RateLimit-Remaining": "0",
    }
