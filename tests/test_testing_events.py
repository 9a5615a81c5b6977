"""The simulator's event data set: deterministic per seed, generated and paged fast."""

from __future__ import annotations

import time

import aiohttp
import pytest
from _simulator_helpers import (
    NOW,
    events_page,
)

from monuv_async.testing import MonuvSimulator
from monuv_async.testing.events import EventStore, NewestFirst, SimEvent


async def test_event_data_is_deterministic_per_seed() -> None:
    """The same seed and clock give the same events; another seed gives others."""
    one = MonuvSimulator(seed=7, now=NOW, events_per_camera_per_day=50)
    two = MonuvSimulator(seed=7, now=NOW, events_per_camera_per_day=50)
    other = MonuvSimulator(seed=8, now=NOW, events_per_camera_per_day=50)
    assert list(one.events) == list(two.events)
    assert list(one.events) != list(other.events)
    assert [e.id for e in one.events] == list(range(len(one.events), 0, -1))
    assert one.events[0] == one.events[-len(one.events)]
    assert one.events[-1].id == 1
    assert one.events[:2] == [one.events[0], one.events[1]]
    with pytest.raises(IndexError):
        one.events[len(one.events)]


def test_event_generation_is_fast() -> None:
    """~6,300 events generate in well under a second, 100k+ in about a second at most."""
    started = time.perf_counter()
    default = MonuvSimulator()
    small = time.perf_counter() - started
    assert len(default.events) == 6300
    started = time.perf_counter()
    big = MonuvSimulator(cameras=50, events_per_camera_per_day=300, days=7)
    large = time.perf_counter() - started
    assert len(big.events) == 105_000
    # Generous bounds: shared CI machines are slow; typical runs are 10x faster.
    assert small < 0.5
    assert large < 3.0


async def test_big_data_set_pages_quickly() -> None:
    """Pages deep into a 100k-event set, filtered or not, are answered without a full scan each."""
    async with (
        MonuvSimulator(now=NOW, cameras=50, events_per_camera_per_day=300, days=7) as sim,
        aiohttp.ClientSession() as http,
    ):
        started = time.perf_counter()
        for page in range(1000, 1020):
            await events_page(http, sim, page=page, start_at="2024-05-05")
            await events_page(http, sim, page=page // 50, camera=1007)
        assert time.perf_counter() - started < 3.0


def test_event_store_keeps_time_order_and_refreshes_filtered_views() -> None:
    """An event added in the past lands at its place; a cached camera filter sees it."""
    store = EventStore([SimEvent(1, 100, 7, 1), SimEvent(2, 300, 7, 1), SimEvent(3, 500, 8, 1)])
    events, lo, hi = store.window(7, None, None, None)
    assert [e.id for e in events[lo:hi]] == [1, 2]
    store.add(SimEvent(store.next_id, 200, 7, 1))
    events, lo, hi = store.window(7, None, 150, 400)
    assert [e.id for e in events[lo:hi]] == [4, 2]
    assert [e.id for e in NewestFirst(store)] == [3, 2, 4, 1]
    with pytest.raises(ValueError, match="already exists"):
        store.add(SimEvent(4, 600, 7, 1))
