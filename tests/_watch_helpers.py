"""Helpers shared by the watch's suites (tests/test_watch*.py): a clean-stop check."""

from __future__ import annotations

from _async_helpers import library_tasks, settled, wait_until
from _resilience_helpers import acquired

from monuv_async import MonuvClient
from monuv_async.testing import MonuvSimulator


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
