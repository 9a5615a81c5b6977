"""The fixtures of the simulator's tests, loaded with ``pytest_plugins = ["_simulator_fixtures"]``.

A plugin module rather than imports, so that pytest (not the linter) sees
the fixtures a test asks for by name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from _simulator_helpers import NOW

from monuv_async.testing import MonuvSimulator

__all__ = ["http", "sim"]


@pytest.fixture
async def sim() -> AsyncIterator[MonuvSimulator]:
    """A started simulator: 3 cameras, 20 events per camera per day for 3 days, up to NOW."""
    async with MonuvSimulator(now=NOW, cameras=3, events_per_camera_per_day=20, days=3) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session: the simulator is tested without the client."""
    async with aiohttp.ClientSession() as session:
        yield session
