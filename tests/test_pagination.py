"""The page walker on its own (order, each page once, bounds, early stop, the callback race)
and the de-duplication of a plain walk."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monuv_async._pagination import _span, iter_pages, unique_events
from monuv_async.models import Event, EventPage

AT = datetime(2026, 1, 1, tzinfo=UTC)


def held(number: int, last_page: int, size: int = 3) -> EventPage:
    """Page ``number`` of ``last_page`` full pages of ``size`` events."""
    events = tuple(Event(number * size + i, AT, 1) for i in range(size))
    return EventPage(last_page * size, size, number, last_page, events)


class Pages:
    """A fake page source recording requests and how many run at once."""

    def __init__(self, last_page: int, *, delays: list[int] | None = None) -> None:
        self.last_page = last_page
        self.requested: Counter[int] = Counter()
        self.running = 0
        self.max_running = 0
        self._delays = delays or [0]
        self._turn = 0

    async def fetch(self, number: int) -> EventPage:
        self.requested[number] += 1
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            # A varying number of loop turns, so completions interleave.
            turns = self._delays[self._turn % len(self._delays)]
            self._turn += 1
            for _ in range(turns):
                await asyncio.sleep(0)
            return held(number, self.last_page)
        finally:
            self.running -= 1


async def test_pages_come_in_order_each_requested_once() -> None:
    """Every page from start_page to last_page, in order, each requested exactly once."""
    source = Pages(40, delays=[3, 0, 1, 5, 2])
    got = [
        p.current_page
        async for p in iter_pages(source.fetch, start_page=1, concurrency=4, buffer=8)
    ]
    assert got == list(range(1, 41))
    assert set(source.requested.values()) == {1}
    assert source.max_running <= 4


@pytest.mark.parametrize("concurrency", [1, 2, 3])
@pytest.mark.parametrize("seed", range(15))
async def test_a_page_finishing_as_the_caller_resumes_is_not_lost(
    concurrency: int, seed: int
) -> None:
    """Regression: a stale running count (done callback not yet run) left the next page
    unstarted, and the walk failed with a raw KeyError."""
    rng = random.Random(seed)
    source = Pages(30, delays=[rng.randint(0, 2) for _ in range(50)])
    got = []
    async for page in iter_pages(source.fetch, start_page=1, concurrency=concurrency, buffer=2):
        got.append(page.current_page)
        for _ in range(rng.randint(0, 3)):
            await asyncio.sleep(0)
    assert got == list(range(1, 31))


async def test_buffer_bounds_pages_held_for_a_parked_consumer() -> None:
    """A consumer that stops reading holds at most `buffer` pages beyond the one it has."""
    source = Pages(100)
    async with aclosing(iter_pages(source.fetch, start_page=1, concurrency=4, buffer=6)) as pages:
        async for _ in pages:
            for _ in range(50):
                await asyncio.sleep(0)
            break
    assert sum(source.requested.values()) == 1 + 6


async def test_a_buffer_below_concurrency_caps_requests_too() -> None:
    """buffer=2 with concurrency 8 never has more than 2 pages requested ahead."""
    source = Pages(20, delays=[2])
    got = [
        p.current_page
        async for p in iter_pages(source.fetch, start_page=1, concurrency=8, buffer=2)
    ]
    assert got == list(range(1, 21))
    assert source.max_running <= 2


async def test_start_page_and_growth_of_last_page() -> None:
    """The walk starts at start_page and follows a last_page that grows mid-walk."""
    source = Pages(5)

    async def growing(number: int) -> EventPage:
        page = await source.fetch(number)
        if number >= 3:
            source.last_page = 8
        return page

    got = [p.current_page async for p in iter_pages(growing, start_page=2, concurrency=1, buffer=1)]
    assert got == list(range(2, 9))


async def test_closing_early_cancels_and_awaits_pending_fetches() -> None:
    """aclose() after the first page leaves no fetch running."""
    started: list[int] = []
    cancelled: list[int] = []

    async def slow(number: int) -> EventPage:
        started.append(number)
        try:
            if number > 1:
                await asyncio.sleep(10)
            return held(number, 10)
        except asyncio.CancelledError:
            cancelled.append(number)
            raise

    async with aclosing(iter_pages(slow, start_page=1, concurrency=3, buffer=3)) as pages:
        async for _ in pages:
            await asyncio.sleep(0)
            break
    assert sorted(cancelled) == sorted(started[1:]) == [2, 3, 4]


async def test_a_failed_page_raises_in_order_and_cancels_the_rest() -> None:
    """A page's error surfaces when the walk reaches it; later fetches are cancelled."""

    async def failing(number: int) -> EventPage:
        if number == 3:
            raise ValueError("page 3")
        await asyncio.sleep(0)
        return held(number, 10)

    got: list[int] = []

    async def walk() -> None:
        async for page in iter_pages(failing, start_page=1, concurrency=4, buffer=4):
            got.append(page.current_page)

    with pytest.raises(ValueError, match="page 3"):
        await walk()
    assert got == [1, 2]


async def test_iter_events_skips_repeats_without_forgetting_shifted_ids() -> None:
    """Ids repeated by a shift are yielded once, even after their first page is forgotten."""
    at = datetime(2026, 1, 1, tzinfo=UTC)

    def page(number: int, ids: list[int]) -> EventPage:
        return EventPage(9, 3, number, 3, tuple(Event(i, at, 1) for i in ids))

    async def pages() -> AsyncGenerator[EventPage, None]:
        yield page(1, [1, 2, 3])
        yield page(2, [3, 4, 5])  # shifted by one: 3 again
        yield page(3, [3, 6, 6])  # 3 again, after page 1 is forgotten; 6 twice

    got = [event.id async for event in unique_events(pages(), memory=1)]
    assert got == [1, 2, 3, 4, 5, 6]


async def test_a_false_last_page_ends_at_the_first_empty_page() -> None:
    """last_page=10**9 then empty pages: the walk stops, requests bounded by concurrency."""
    requested: list[int] = []

    async def lying(number: int) -> EventPage:
        requested.append(number)
        await asyncio.sleep(0)
        if number <= 2:
            return held(number, 10**9)
        return EventPage(6, 3, number, 10**9, ())

    got = [p.current_page async for p in iter_pages(lying, start_page=1, concurrency=4, buffer=8)]
    assert got == [1, 2]
    # Pages 1-3 plus at most `concurrency` started ahead of the empty one.
    assert len(requested) <= 3 + 4


async def test_an_empty_first_page_is_the_whole_walk() -> None:
    """An empty page 1 claiming more pages requests nothing else."""
    requested: list[int] = []

    async def empty(number: int) -> EventPage:
        requested.append(number)
        return EventPage(0, 3, number, 10**9, ())

    got = [p.current_page async for p in iter_pages(empty, start_page=1, concurrency=4, buffer=8)]
    assert got == [1]
    assert requested == [1]


async def test_a_later_page_reporting_fewer_pages_ends_the_walk() -> None:
    """Page 2 says last_page=3 (events expired): pages past 3 are not yielded."""

    async def shrinking(number: int) -> EventPage:
        return held(number, 10 if number == 1 else 3)

    got = [
        p.current_page async for p in iter_pages(shrinking, start_page=1, concurrency=1, buffer=1)
    ]
    assert got == [1, 2, 3]


async def test_pages_held_ahead_are_counted_in_events() -> None:
    """Pages of 100 events with a budget of 300 events: at most 3 pages held, whatever buffer."""
    source = Pages(40)
    source_fetch = source.fetch

    async def big(number: int) -> EventPage:
        await source_fetch(number)
        return held(number, 40, size=100)

    pages = iter_pages(big, start_page=1, concurrency=8, buffer=16, events_ahead=300)
    async with aclosing(pages):
        async for _ in pages:
            for _ in range(10):
                await asyncio.sleep(0)
            break
    assert len(source.requested) <= 1 + 3
    assert source.max_running <= 3


@given(st.lists(st.integers(min_value=-(2**70), max_value=2**70), min_size=1, max_size=40))
def test_a_pages_id_span_is_its_range_and_whether_its_ids_are_distinct(ids: list[int]) -> None:
    """The shortcut for falling ids gives what min, max and a set give, for any list."""
    assert _span(ids) == (min(ids), max(ids), len(set(ids)) == len(ids))


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40, unique=True))
def test_strictly_falling_ids_take_the_shortcut_with_their_ends_as_range(ids: list[int]) -> None:
    """Ids sorted newest first (the usual page) are distinct, their range their two ends."""
    falling = sorted(ids, reverse=True)
    assert _span(falling) == (falling[-1], falling[0], True)
