"""Helpers shared by the watch's suites (tests/test_watch*.py): a served pair, a clean stop."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from _async_helpers import library_tasks, settled, wait_until
from _resilience_helpers import acquired

from monuv_async import MonuvClient, RetryPolicy
from monuv_async.testing import MonuvSimulator

Served = contextlib.AbstractAsyncContextManager[tuple[MonuvSimulator, MonuvClient]]
"""What :func:`serving` gives: ``async with`` it for the simulator and the client."""


async def assert_nothing_left(sim: MonuvSimulator, monuv: MonuvClient) -> None:
    """No library task, no connection checked out, nothing in flight on either side."""
    transport = monuv._own_transport
    assert transport is not None
    connector = transport.session.connector
    assert connector is not None
    assert await settled(), f"library tasks left: {library_tasks()}"
    assert acquired(connector) == 0
    assert monuv.stats.in_flight == 0
    assert await wait_until(lambda: sim.stats.in_flight == 0)


@contextlib.asynccontextmanager
async def serving(
    args: Mapping[str, Any], retry: RetryPolicy
) -> AsyncIterator[tuple[MonuvSimulator, MonuvClient]]:
    """A started simulator made with ``args``, and a client on it retrying with ``retry``."""
    async with (
        MonuvSimulator(**args) as sim,
        MonuvClient(sim.token, base_url=sim.url, retry=retry) as monuv,
    ):
        yield sim, monuv
