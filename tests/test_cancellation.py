"""Cancellation and lifecycle: whatever a task is doing when it is cancelled, nothing is left.

Each test cancels a task at one precise point (a retry back-off sleep, a wait
for an answer, a body half read, a page walk, a split backfill) and then
proves, with the client's own session and with a caller's session alike:

* no task of the library is pending;
* the connector holds no connection (``connector._acquired`` is empty) and the
  simulator saw every cancelled request hang up;
* the semaphore is whole: the next calls reach ``max_concurrency`` in flight,
  as counted by the simulator;
* closing the client (and the caller's session) emits no warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import warnings
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
import pytest
from _async_helpers import library_tasks, settled, wait_until
from _resilience_helpers import (
    END,
    SIM_ARGS,
    START,
    SlowBody,
    acquired,
)

from monuv_async import CameraUpdate, MonuvClient, RetryPolicy
from monuv_async.testing import Fault, MonuvSimulator

TOKEN = "cancel/tok+en&=x y"
CONCURRENCY = 4
# Long waits that only a cancellation ends: a test never sits through them.
FOREVER = 30.0
LONG_BACKOFF = RetryPolicy(attempts=3, backoff=0.0, max_backoff=60.0)

pytestmark = pytest.mark.parametrize("mode", ["owned-session", "caller-session"])


@contextlib.asynccontextmanager
async def simulator(slow: SlowBody | None = None) -> AsyncIterator[MonuvSimulator]:
    sim = MonuvSimulator(TOKEN, **SIM_ARGS)
    if slow is not None:
        slow.install(sim)
    async with sim:
        yield sim


class Harness:
    """A client in ``mode``, and the checks run after each cancellation."""

    def __init__(self, sim: MonuvSimulator, mode: str, **kwargs: Any) -> None:
        self.sim = sim
        self.session = aiohttp.ClientSession() if mode == "caller-session" else None
        self.monuv = MonuvClient(
            TOKEN,
            base_url=sim.url,
            max_concurrency=CONCURRENCY,
            session=self.session,
            **kwargs,
        )
        # The client's own session is created on first use; make it now to watch it.
        transport = self.monuv._own_transport
        assert transport is not None
        connector = transport.session.connector
        assert connector is not None
        self.connector = connector

    async def cancel(self, task: asyncio.Future[Any]) -> None:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    async def assert_clean(self) -> None:
        """Nothing pending, no connection held, the semaphore whole, full concurrency next."""
        assert await settled(), f"library tasks left: {library_tasks()}"
        assert acquired(self.connector) == 0, "a connection is still held"
        assert self.monuv.stats.in_flight == 0
        assert self.monuv._requester._semaphore._value == CONCURRENCY
        # The simulator saw every cancelled request's connection go away.
        assert await wait_until(lambda: self.sim.stats.in_flight == 0)
        self.sim.reset_stats()
        self.sim.clear_faults()
        self.sim.on_events_request = None
        self.sim.latency = 0.05
        try:
            await asyncio.gather(*(self.monuv.camera_options() for _ in range(3 * CONCURRENCY)))
        finally:
            self.sim.latency = 0.0
        assert self.sim.stats.max_in_flight == CONCURRENCY
        assert acquired(self.connector) == 0

    async def close_quietly(self, caplog: pytest.LogCaptureFixture) -> None:
        """Close the client (and the caller's session): no warning, no loop complaint."""
        caplog.set_level(logging.WARNING, logger="asyncio")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await self.monuv.aclose()
            if self.session is not None:
                assert not self.session.closed  # a caller's session is left open
                await self.session.close()
            await asyncio.sleep(0)
            gc.collect()
        assert [str(w.message) for w in caught] == []
        complaints = [
            r.getMessage() for r in caplog.records if r.name.startswith(("asyncio", "aiohttp"))
        ]
        assert complaints == []


def start(work: Awaitable[Any]) -> asyncio.Future[Any]:
    return asyncio.ensure_future(work)


async def test_cancel_during_a_retry_backoff(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    """Cancelled while sleeping out a 30 s Retry-After: no retry is sent, nothing is held."""
    async with simulator() as sim:
        h = Harness(sim, mode, retry=LONG_BACKOFF)
        sim.inject("camera_options", Fault.retry_after(FOREVER))
        task = start(h.monuv.camera_options())
        # retries is counted just before the back-off sleep begins.
        assert await wait_until(lambda: h.monuv.stats.retries == 1)
        assert sim.stats.in_flight == 0
        assert h.monuv._requester._semaphore._value == CONCURRENCY
        await h.cancel(task)
        assert sim.stats.requests["camera_options"] == 1
        await h.assert_clean()
        await h.close_quietly(caplog)


async def test_cancel_while_waiting_for_the_answer(
    mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled while the server stalls before answering: the connection is given up."""
    async with simulator() as sim:
        h = Harness(sim, mode, timeout=FOREVER)
        sim.inject("update_camera", Fault.stall(FOREVER))
        client_id = sim.add_client("11.222.333/0001-81")["id"]
        task = start(h.monuv.update_camera(1001, CameraUpdate(client_id, description="x")))
        assert await wait_until(lambda: sim.stats.in_flight == 1)
        await h.cancel(task)
        await h.assert_clean()
        await h.close_quietly(caplog)


async def test_cancel_during_a_body_read(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    """Cancelled with headers and half the body received: the connection is dropped, not kept."""
    slow = SlowBody(pause=FOREVER)
    async with simulator(slow) as sim:
        h = Harness(sim, mode, timeout=FOREVER)
        slow.armed = 1
        task = start(h.monuv.events_page(start_at=START, end_at=END))
        await asyncio.wait_for(slow.started.wait(), timeout=10)
        assert not task.done()
        await h.cancel(task)
        # The server's half-sent answer ended: the client dropped the connection.
        assert await wait_until(lambda: slow.paused == 0)
        await h.assert_clean()
        await h.close_quietly(caplog)


def stall_after_first_page(sim: MonuvSimulator) -> None:
    """Page 1 of any query answers at once; later pages hang until the client hangs up."""

    async def hook(_: MonuvSimulator, page: int) -> None:
        if page > 1:
            await asyncio.sleep(FOREVER)

    sim.on_events_request = hook


async def test_cancel_during_a_page_walk(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    """Cancelled with page 1 consumed and the prefetch stalled: every prefetch is cancelled."""
    async with simulator() as sim:
        h = Harness(sim, mode, timeout=FOREVER)
        stall_after_first_page(sim)
        got: list[int] = []

        async def walk() -> None:
            async for event in h.monuv.iter_events(start_at=START, end_at=END):
                got.append(event.id)

        task = start(walk())
        assert await wait_until(lambda: sim.stats.in_flight == CONCURRENCY)
        assert len(got) == 30
        await h.cancel(task)
        await h.assert_clean()
        await h.close_quietly(caplog)


@pytest.mark.parametrize("ordered", [True, False], ids=["ordered", "unordered"])
async def test_cancel_during_a_split_backfill(
    mode: str, ordered: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled mid-backfill (day windows walked at once, pages stalled): nothing remains."""
    async with simulator() as sim:
        h = Harness(sim, mode, timeout=FOREVER)
        stall_after_first_page(sim)
        got: list[int] = []

        async def walk() -> None:
            async for event in h.monuv.backfill(start_at=START, end_at=END, ordered=ordered):
                got.append(event.id)

        task = start(walk())
        assert await wait_until(lambda: len(got) > 0 and sim.stats.in_flight >= 2)
        await h.cancel(task)
        await h.assert_clean()
        await h.close_quietly(caplog)


@pytest.mark.parametrize("ordered", [True, False], ids=["ordered", "unordered"])
async def test_cancel_a_backfill_whose_windows_are_backing_off(
    mode: str, ordered: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled while several windows sleep out a Retry-After: no slot or connection is held."""
    async with simulator() as sim:
        h = Harness(sim, mode, retry=LONG_BACKOFF)
        sim.inject("events", *(Fault.retry_after(FOREVER) for _ in range(20)))

        async def walk() -> None:
            async for _ in h.monuv.backfill(start_at=START, end_at=END, ordered=ordered):
                pass

        task = start(walk())
        # Two sub-windows are walked at once: both are backing off.
        assert await wait_until(lambda: h.monuv.stats.retries >= 2)
        sent = sim.stats.requests["events"]
        await h.cancel(task)
        assert sim.stats.requests["events"] == sent  # nothing was retried after the cancel
        await h.assert_clean()
        await h.close_quietly(caplog)


async def test_cancel_a_bulk_gather_mid_flight(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    """Cancelling a gather of 20 calls (some running, most queued on the semaphore) frees all."""
    async with simulator() as sim:
        h = Harness(sim, mode, timeout=FOREVER)
        sim.inject("block_user", *(Fault.stall(FOREVER) for _ in range(CONCURRENCY)))
        task = start(asyncio.gather(*(h.monuv.block_user(n) for n in range(1, 21))))
        assert await wait_until(lambda: sim.stats.in_flight == CONCURRENCY)
        await h.cancel(task)
        await h.assert_clean()
        await h.close_quietly(caplog)
