"""The simulator's server: lifecycle, binding, latency, arguments, the clock, no token logged."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from _async_helpers import wait_until
from _simulator_helpers import (
    CNPJ,
    NOW,
    SP,
    api,
    call,
    create_client,
    live_simulator,
    new_client,
    path_url,
)

from monuv_async.testing import DEMO_TOKEN, Fault, MonuvSimulator

pytest_plugins = ["_simulator_fixtures"]  # sim, http


async def test_lifecycle_binding_and_repr() -> None:
    """Binds 127.0.0.1 on a free port; url needs start; start twice fails; repr hides the token."""
    sim = MonuvSimulator("s3cr3t-token", cameras=0)
    with pytest.raises(RuntimeError):
        _ = sim.url
    assert "s3cr3t" not in repr(sim)
    await sim.start()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.url)
        assert sim.port > 0
        assert "s3cr3t" not in repr(sim)
        with pytest.raises(RuntimeError):
            await sim.start()
    finally:
        await sim.close()
    await sim.close()
    with pytest.raises(RuntimeError):
        await sim.start()


def test_constructor_validates_arguments() -> None:
    """Nonsense sizes, rates and empty tokens are refused at construction."""
    cases: list[dict[str, Any]] = [{"cameras": -1}, {"per_page": 0}, {"rate_limit": 0}]
    for kwargs in [*cases, {"days": -2}]:
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            MonuvSimulator(**kwargs)
    with pytest.raises(ValueError, match="token"):
        MonuvSimulator("")


async def test_latency_applies_to_every_answer() -> None:
    """latency (+ jitter) delays every answer."""
    async with (
        MonuvSimulator(latency=0.1, latency_jitter=0.05, cameras=0) as sim,
        aiohttp.ClientSession() as http,
    ):
        started = time.perf_counter()
        await call(http, "GET", api(sim, "/api/v1/cameras/create", token="bad"))
        assert time.perf_counter() - started >= 0.1


async def test_close_does_not_wait_for_stalled_requests() -> None:
    """Closing the simulator ends pending stalls at once instead of waiting them out."""
    sim = MonuvSimulator(cameras=0)
    await sim.start()
    sim.inject("camera_options", Fault.stall(30))
    async with aiohttp.ClientSession() as http:
        pending = asyncio.ensure_future(call(http, "GET", api(sim, "/api/v1/cameras/create")))
        assert await wait_until(lambda: sim.stats.in_flight == 1)
        started = time.perf_counter()
        await sim.close()
        await sim.close()
        assert time.perf_counter() - started < 2
        await asyncio.gather(pending, return_exceptions=True)


async def test_the_token_is_never_logged(
    sim: MonuvSimulator, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """No log record produced while serving (faults included) contains the token."""
    caplog.set_level(logging.DEBUG)
    # POSTs: aiohttp itself silently retries a GET whose reused connection drops.
    sim.inject("create_client", Fault.reset(), Fault.truncate())
    for _ in range(2):
        with pytest.raises(aiohttp.ClientError):
            await call(http, "POST", api(sim, "/api/v1/clients"), new_client())
    await call(http, "GET", api(sim, "/api/v1/events", page=2))
    await call(http, "GET", path_url(sim, "api", "client", "block", DEMO_TOKEN, CNPJ))
    assert all(DEMO_TOKEN not in record.getMessage() for record in caplog.records)
    assert all(DEMO_TOKEN not in str(record.args) for record in caplog.records)


async def test_state_attributes_read_and_write_what_the_routes_serve(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Replacing now, camera_options or clients on the simulator changes what it serves."""
    sim.camera_options = {"manufacturer": [], "plans": {}, "installation_info": {}}
    assert await call(http, "GET", api(sim, "/api/v1/cameras/create")) == (
        200,
        {"manufacturer": [], "plans": {}, "installation_info": {}},
    )
    sim.now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=SP)
    client = await create_client(http, sim)
    assert client["created_at"] == "2025-01-02 03:04:05"
    sim.clients = {}
    status, _ = await call(http, "POST", api(sim, f"/api/v1/clients/{client['id']}/users"), {})
    assert status == 404


# -- the clock: live, set, advanced -------------------------------------------


async def test_a_live_clock_ticks_from_start_and_requests_see_its_events(
    http: aiohttp.ClientSession,
) -> None:
    """Started live, ``now`` follows the wall clock; events arrive as it passes, served at once."""
    async with live_simulator(live_rate=50.0) as sim:
        started = sim.now
        assert await wait_until(lambda: sim.now > started)
        assert await wait_until(lambda: len(sim.events) > 20)
        arrived = sim.stats.live_events
        url = api(sim, "/api/v1/events", start_at="", end_at="")
        async with http.get(url) as resp:
            total = (await resp.json())[0]["total"]
        assert total >= 20 + arrived - sim.stats.expired_events > 20


async def test_a_simulator_that_is_not_live_keeps_its_clock() -> None:
    """Without ``live_rate`` the clock stands still, started or not."""
    async with MonuvSimulator(now=NOW, cameras=1) as sim:
        await asyncio.sleep(0.02)
        assert sim.now == NOW


async def test_setting_now_on_a_live_clock_jumps_without_the_events_of_the_jump() -> None:
    """Set ``now`` an hour on: no hour of events appears, and the clock ticks on from there."""
    async with live_simulator(live_rate=0.01) as sim:
        made = sim.stats.live_events
        sim.now += timedelta(hours=1)
        assert sim.stats.live_events - made < 5  # not the hour's ~72
        target = NOW + timedelta(hours=1)
        assert sim.now >= target
        assert await wait_until(lambda: sim.now > target)


async def test_advance_on_a_live_clock_moves_it_and_keeps_ticking() -> None:
    """advance(600) on a live simulator: ten minutes' events at once, then it ticks on."""
    async with live_simulator(live_rate=0.1) as sim:
        sim.advance(600)
        assert sim.now >= NOW + timedelta(seconds=600)
        assert sim.stats.live_events > 60  # ~120 expected for 2 cameras
        here = sim.now
        assert await wait_until(lambda: sim.now > here)


def test_reset_stats_starts_the_live_counts_again() -> None:
    """reset_stats zeroes the live counters; the next events count in the new stats."""
    sim = live_simulator(late_share=0.5)
    sim.advance(100)
    assert sim.stats.live_events > 0
    sim.reset_stats()
    assert (sim.stats.live_events, sim.stats.late_events) == (0, 0)
    sim.advance(100)
    assert sim.stats.live_events > 0


@pytest.mark.parametrize(
    ("seconds", "ok"), [(0, True), (0.5, True), (-1, False), (float("nan"), False), ("1", False)]
)
def test_advance_checks_its_seconds(seconds: Any, *, ok: bool) -> None:
    """advance needs a number >= 0; anything else is a ValueError naming ``seconds``."""
    sim = live_simulator()
    if ok:
        sim.advance(seconds)
    else:
        with pytest.raises(ValueError, match="seconds"):
            sim.advance(seconds)
