"""The page walker on its own (order, each page once, bounds, early stop, the callback race)
and the de-duplication of a plain walk."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from datetime import UTC, datetime

import pytest
from _async_helpers import answers
from hypothesis import given
from hypothesis import strategies as st

from monuv_async._pagination import PageAnswer, _span, iter_pages, unique_events
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

    @answers
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

    async def growing(number: int) -> PageAnswer:
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

    @answers
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

    @answers
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


@pytest.mark.parametrize("bad", [1, 3])
@pytest.mark.parametrize("hint", [None, 4])
async def test_a_page_whose_reading_fails_raises_when_taken_and_teaches_nothing(
    bad: int, hint: int | None
) -> None:
    """A fetched page that fails when read: its error comes when the walk takes it, after
    the pages before it, and never from a done callback that read it first to learn the
    page size (it would reach the loop's exception handler instead)."""
    handled: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: handled.append(context))

    async def fetch(number: int) -> PageAnswer:
        await asyncio.sleep(0)
        page = held(number, 6)

        def read() -> EventPage:
            if number == bad:
                raise ValueError(f"page {number} unreadable")
            return page

        return read

    got: list[int] = []

    async def walk() -> None:
        pages = iter_pages(fetch, start_page=1, concurrency=4, buffer=8, pages_hint=hint)
        async for page in pages:
            got.append(page.current_page)

    with pytest.raises(ValueError, match=f"page {bad} unreadable"):
        await walk()
    assert got == list(range(1, bad))
    assert handled == []


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

    @answers
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

    @answers
    async def empty(number: int) -> EventPage:
        requested.append(number)
        return EventPage(0, 3, number, 10**9, ())

    got = [p.current_page async for p in iter_pages(empty, start_page=1, concurrency=4, buffer=8)]
    assert got == [1]
    assert requested == [1]


async def test_a_later_page_reporting_fewer_pages_ends_the_walk() -> None:
    """Page 2 says last_page=3 (events expired): pages past 3 are not yielded."""

    @answers
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

    @answers
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


# -- pages_hint: the first round of pages at once ----------------------------


class Rounds:
    """A page source answering in rounds, as a server with a fixed latency would.

    Every request started during a round is answered at its end, together;
    :meth:`run` counts the rounds a walk takes, with no clock involved.
    """

    def __init__(self, last_page: int, *, size: int = 3) -> None:
        self.last_page = last_page
        self.size = size
        self.requested: Counter[int] = Counter()
        self.cancelled: list[int] = []
        self.failing: dict[int, Exception] = {}
        self.before_first_answer = 0
        self.yielded: list[int] = []
        self.slow: set[int] = set()  # pages answered a round late
        self.sent_before_page_one = 0
        self._waiting: list[asyncio.Future[None]] = []
        self._answered_one = False

    @answers
    async def fetch(self, number: int) -> EventPage:
        self.requested[number] += 1
        if not self._answered_one:
            self.before_first_answer += 1
        gate = asyncio.get_running_loop().create_future()
        self._waiting.append(gate)
        try:
            await gate
            if number in self.slow:
                gate = asyncio.get_running_loop().create_future()
                self._waiting.append(gate)
                await gate
        except asyncio.CancelledError:
            self.cancelled.append(number)
            raise
        self._answered_one = True
        if number == 1:
            self.sent_before_page_one = self.requested.total()
        if number in self.failing:
            raise self.failing[number]
        if number > self.last_page:
            return EventPage(self.last_page * self.size, self.size, number, self.last_page, ())
        return held(number, self.last_page, self.size)

    async def run(self, walk: AsyncGenerator[EventPage, None]) -> tuple[list[int], int]:
        """The pages the walk yields, and how many rounds of answers it took."""
        got = self.yielded

        async def consume() -> None:
            async for page in walk:
                got.append(page.current_page)

        task = asyncio.ensure_future(consume())
        rounds = 0
        while not task.done():
            for _ in range(20):  # let every request the last answers allow start
                await asyncio.sleep(0)
            gates, self._waiting = self._waiting, []
            if gates:
                rounds += 1
            for gate in gates:
                if not gate.done():
                    gate.set_result(None)
        await task
        return got, rounds


async def test_a_hint_takes_one_round_less_than_page_one_alone() -> None:
    """40 pages at 4 at a time: 1 + ceil(39/4) = 11 rounds alone, ceil(40/4) = 10 with a hint."""
    alone, hinted = Rounds(40), Rounds(40)
    got, rounds = await alone.run(iter_pages(alone.fetch, start_page=1, concurrency=4, buffer=8))
    assert (got, rounds, alone.before_first_answer) == (list(range(1, 41)), 11, 1)
    walk = iter_pages(hinted.fetch, start_page=1, concurrency=4, buffer=8, pages_hint=40)
    got, rounds = await hinted.run(walk)
    assert (got, rounds, hinted.before_first_answer) == (list(range(1, 41)), 10, 4)
    assert set(hinted.requested.values()) == {1}


@pytest.mark.parametrize(
    ("hint", "concurrency", "buffer", "events_ahead", "first_round"),
    [
        (2, 8, 16, 8192, 2),  # the hint
        (50, 8, 16, 8192, 8),  # concurrency
        (50, 8, 3, 8192, 3),  # buffer
        (50, 8, 16, 1000, 2),  # the event budget, for pages of up to 500 events
        (50, 8, 16, 10, 1),  # never below one page
        (1, 8, 16, 8192, 1),  # a hint of one is no hint
    ],
)
async def test_the_first_round_keeps_every_bound(
    hint: int, concurrency: int, buffer: int, events_ahead: int, first_round: int
) -> None:
    """The requests sent before the first answer: the least of the hint and the bounds."""
    source = Rounds(60)
    walk = iter_pages(
        source.fetch,
        start_page=1,
        concurrency=concurrency,
        buffer=buffer,
        events_ahead=events_ahead,
        pages_hint=hint,
    )
    got, _ = await source.run(walk)
    assert got == list(range(1, 61))
    assert source.before_first_answer == first_round
    assert set(source.requested.values()) == {1}


async def test_a_hint_beyond_the_last_page_costs_only_the_first_round() -> None:
    """Hint 10 over 3 pages: pages 4-8 are requested once, never yielded, nothing more."""
    source = Rounds(3)
    walk = iter_pages(source.fetch, start_page=1, concurrency=8, buffer=16, pages_hint=10)
    got, rounds = await source.run(walk)
    assert got == [1, 2, 3]
    assert rounds == 1
    assert sorted(source.requested) == list(range(1, 9))


def stalling(
    *, answered: int, last_page: int
) -> tuple[Callable[[int], Awaitable[EventPage]], list[int], list[int]]:
    """A fetch answering pages up to ``answered`` at once and stalling on the rest.

    Also the lists of the pages it started and of those cancelled while stalled.
    """
    started: list[int] = []
    cancelled: list[int] = []

    @answers
    async def fetch(number: int) -> EventPage:
        started.append(number)
        try:
            if number > answered:
                await asyncio.sleep(10)
            return held(number, last_page)
        except asyncio.CancelledError:
            cancelled.append(number)
            raise

    return fetch, started, cancelled


async def test_pages_past_the_last_still_running_are_cancelled_and_awaited() -> None:
    """A first round overshooting a 2-page walk: the requests past page 2 are cancelled."""
    fetch, started, cancelled = stalling(answered=2, last_page=2)
    walk = iter_pages(fetch, start_page=1, concurrency=5, buffer=10, pages_hint=5)
    got = [page.current_page async for page in walk]
    assert got == [1, 2]
    assert sorted(cancelled) == [3, 4, 5] == sorted(started)[2:]


async def test_an_error_past_the_last_page_is_never_raised() -> None:
    """A first-round page beyond the real last page fails: the walk ends as if it had not."""
    source = Rounds(3)
    source.failing[5] = ValueError("page 5")
    walk = iter_pages(source.fetch, start_page=1, concurrency=8, buffer=16, pages_hint=8)
    got, _ = await source.run(walk)
    assert got == [1, 2, 3]


async def test_with_a_hint_an_error_still_surfaces_after_the_pages_before_it() -> None:
    """Page 3 fails in the first round: pages 1 and 2 are yielded first, then its error."""
    source = Rounds(10)
    source.failing[3] = ValueError("page 3")
    walk = iter_pages(source.fetch, start_page=1, concurrency=8, buffer=16, pages_hint=10)
    with pytest.raises(ValueError, match="page 3"):
        await source.run(walk)
    assert source.yielded == [1, 2]
    assert sorted(source.requested) == list(range(1, 9))


async def test_with_a_hint_an_empty_first_page_ends_the_walk() -> None:
    """Page 1 is empty: it is the whole walk, and the rest of the first round is dropped."""
    source = Rounds(0)
    walk = iter_pages(source.fetch, start_page=1, concurrency=4, buffer=8, pages_hint=9)
    got, rounds = await source.run(walk)
    assert (got, rounds) == ([1], 1)
    assert sorted(source.requested) == [1, 2, 3, 4]


async def test_a_hint_starts_at_start_page_and_follows_a_growing_last_page() -> None:
    """From page 3 with hint 4: pages 3-6 at once; last_page 4 then 9: 3..9, each once."""
    source = Rounds(4)
    fetch = source.fetch

    async def growing(number: int) -> PageAnswer:
        page = await fetch(number)
        if number == 3:
            source.last_page = 9  # events arrived once page 3 was served
        return page

    walk = iter_pages(growing, start_page=3, concurrency=4, buffer=8, pages_hint=4)
    got, _ = await source.run(walk)
    assert got == list(range(3, 10))
    assert source.before_first_answer == 4
    assert set(source.requested.values()) == {1}
    assert sorted(source.requested) == list(range(3, 10))


async def test_with_a_hint_large_pages_hold_no_more_than_the_first_round() -> None:
    """Pages of 100 events, budget 300: a parked walk holds the first round, then 3 at most."""
    source = Pages(40)

    @answers
    async def big(number: int) -> EventPage:
        await source.fetch(number)
        return held(number, 40, size=100)

    walk = iter_pages(big, start_page=1, concurrency=8, buffer=16, events_ahead=1500, pages_hint=40)
    async with aclosing(walk) as pages:
        async for _ in pages:
            for _ in range(20):
                await asyncio.sleep(0)
            break
    # First round: 1500 // 500 = 3 pages. Then the budget is 15 pages of 100 events.
    assert len(source.requested) == 1 + 15
    assert source.max_running <= 8


async def test_closing_a_hinted_walk_cancels_the_first_round() -> None:
    """aclose() after page 1 of a first round: pages 2-4, still running, are cancelled."""
    fetch, started, cancelled = stalling(answered=1, last_page=10)
    walk = iter_pages(fetch, start_page=1, concurrency=4, buffer=4, pages_hint=10)
    async with aclosing(walk) as pages:
        async for _ in pages:
            break
    assert sorted(cancelled) == sorted(started[1:]) == [2, 3, 4]


@pytest.mark.parametrize("seed", range(10))
async def test_a_hinted_walk_comes_in_order_each_requested_once(seed: int) -> None:
    """Random completion order, hints below, at and beyond the last page: order and once."""
    rng = random.Random(seed)
    last = rng.randint(1, 30)
    source = Pages(last, delays=[rng.randint(0, 4) for _ in range(40)])
    walk = iter_pages(
        source.fetch, start_page=1, concurrency=4, buffer=6, pages_hint=rng.randint(1, 40)
    )
    got = [page.current_page async for page in walk]
    assert got == list(range(1, last + 1))
    assert max(source.requested.values()) == 1
    assert source.max_running <= 4


async def test_waiting_fetches_take_a_freed_place_before_its_answer_is_read() -> None:
    """waiting=2 over a fetch bounded at 2 by its own semaphore: when an answer frees a
    place, the next page is already queued for it (without: nothing is, until the page's
    task has ended); the bound itself still holds."""

    async def walk(waiting: int) -> tuple[list[int], list[int], int]:
        places = asyncio.Semaphore(2)
        queued = 0
        queued_at_release: list[int] = []
        holding = most_holding = 0

        @answers
        async def fetch(number: int) -> EventPage:
            nonlocal queued, holding, most_holding
            queued += 1
            async with places:
                queued -= 1
                holding += 1
                most_holding = max(most_holding, holding)
                for _ in range(5):  # the answer takes longer to come than to read
                    await asyncio.sleep(0)
                holding -= 1
            queued_at_release.append(queued)
            await asyncio.sleep(0)  # reading the answer
            return held(number, 12)

        pages = iter_pages(fetch, start_page=1, concurrency=2, buffer=8, waiting=waiting)
        got = [page.current_page async for page in pages]
        return got, queued_at_release, most_holding

    got, queued_at_release, most_holding = await walk(waiting=2)
    assert got == list(range(1, 13))
    assert most_holding == 2
    # Every answer but those of the last pages finds the next request queued.
    assert all(queued_at_release[1:9])
    got, queued_at_release, _ = await walk(waiting=0)
    assert got == list(range(1, 13))
    assert not any(queued_at_release)


async def test_the_first_answer_to_come_starts_the_next_pages_before_page_one() -> None:
    """Page 1 answers a round after pages 2-4: pages 5-7 take their places meanwhile."""
    source = Rounds(40)
    source.slow.add(1)
    walk = iter_pages(source.fetch, start_page=1, concurrency=4, buffer=8, pages_hint=40)
    got, _ = await source.run(walk)
    assert got == list(range(1, 41))
    assert source.sent_before_page_one == 7  # 1-4, then 5-7 beside the slow page 1
    assert set(source.requested.values()) == {1}


@given(st.lists(st.integers(min_value=-(2**70), max_value=2**70), min_size=1, max_size=40))
def test_a_pages_id_span_is_its_range_and_whether_its_ids_are_distinct(ids: list[int]) -> None:
    """The shortcut for falling ids gives what min, max and a set give, for any list."""
    assert _span(ids) == (min(ids), max(ids), len(set(ids)) == len(ids))


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40, unique=True))
def test_strictly_falling_ids_take_the_shortcut_with_their_ends_as_range(ids: list[int]) -> None:
    """Ids sorted newest first (the usual page) are distinct, their range their two ends."""
    falling = sorted(ids, reverse=True)
    assert _span(falling) == (falling[-1], falling[0], True)
