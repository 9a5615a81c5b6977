"""What the simulator counts: requests per route, in flight, connections."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from _async_helpers import wait_until
from _simulator_helpers import (
    api,
    call,
)

from monuv_async.testing import Fault, MonuvSimulator, SimulatorStats

pytest_plugins = ["_simulator_fixtures"]  # sim, http


async def test_stats_count_requests_in_flight_and_connections(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Requests are counted per route; 5 concurrent delayed ones give max_in_flight 5."""
    await call(http, "GET", api(sim, "/api/v1/events", token="bad"))
    sim.inject("*", *[Fault.delay(0.2)] * 5)
    urls = [api(sim, "/api/v1/events", page=p) for p in range(1, 6)]
    results = await asyncio.gather(*(call(http, "GET", url) for url in urls))
    assert [status for status, _ in results] == [200] * 5
    assert sim.stats.max_in_flight == 5
    assert sim.stats.in_flight == 0
    assert sim.stats.requests == {"events": 6}
    sim.reset_stats()
    assert sim.stats == SimulatorStats()


async def test_keep_alive_requests_share_one_connection(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Ten sequential requests on one keep-alive session open one TCP connection."""
    sim.reset_stats()
    for _ in range(10):
        await call(http, "GET", api(sim, "/api/v1/cameras/create"))
    assert sim.stats.connections == 1
    assert sim.stats.requests["camera_options"] == 10
    async with aiohttp.ClientSession() as other:
        await call(other, "GET", api(sim, "/api/v1/cameras/create"))
    assert sim.stats.connections == 2


async def test_reset_stats_keeps_counting_the_requests_still_running(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """reset_stats() during a stalled request keeps in_flight at 1, then it drops to 0."""
    sim.inject("camera_options", Fault.stall(30))
    pending = asyncio.ensure_future(
        http.get(api(sim, "/api/v1/cameras/create"), timeout=aiohttp.ClientTimeout(total=0.3))
    )
    assert await wait_until(lambda: sim.stats.in_flight == 1)
    sim.reset_stats()
    assert (sim.stats.in_flight, sim.stats.max_in_flight, sim.stats.requests) == (1, 1, {})
    with pytest.raises(TimeoutError):
        await pending
    assert await wait_until(lambda: sim.stats.in_flight == 0)
