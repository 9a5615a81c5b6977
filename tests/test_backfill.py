"""backfill(): split windows, exactly-once under drift, checkpoints and resume, early stop."""

from __future__ import annotations

import asyncio
import gc
import inspect
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from _async_helpers import answers, library_tasks, wait_until

from monuv_async import Event, EventPage, MonuvClient, RetryPolicy, ServerError
from monuv_async.backfill import MAX_PASSES, Backfill, split_window
from monuv_async.checkpoint import Checkpoint, Window
from monuv_async.testing import Fault, MonuvSimulator

NOW = datetime(2026, 11, 20, 15, 30)
START, END = date(2026, 11, 13), date(2026, 11, 20)
FAST_RETRY = RetryPolicy(attempts=2, backoff=0.0, max_backoff=0.0)


@pytest.fixture
async def sim() -> AsyncIterator[MonuvSimulator]:
    async with MonuvSimulator(
        seed=7, cameras=3, events_per_camera_per_day=40, days=7, now=NOW, per_page=30
    ) as simulator:
        yield simulator


def one_day(
    fetch: Callable[[Window, int], Awaitable[EventPage]], *, concurrency: int, buffer: int
) -> Backfill:
    """An ordered backfill of the single day 2026-01-01 over ``fetch``."""
    day = Window(date(2026, 1, 1), date(2026, 1, 1))
    return Backfill(fetch, [day], filters={}, ordered=True, concurrency=concurrency, buffer=buffer)


def ids_in_window(sim: MonuvSimulator) -> set[int]:
    return {e.id for e in sim.events}


async def collect(events: AsyncIterator[Any]) -> list[int]:
    return [event.id async for event in events]


def test_split_window_cuts_newest_first() -> None:
    """Days, weeks, N days and none cover the window exactly, newest first."""
    days = split_window(date(2026, 1, 1), date(2026, 1, 3), "day")
    assert [w.key for w in days] == [
        "2026-01-03/2026-01-03",
        "2026-01-02/2026-01-02",
        "2026-01-01/2026-01-01",
    ]
    weeks = split_window(date(2026, 1, 1), date(2026, 1, 10), "week")
    assert weeks == [
        Window(date(2026, 1, 4), date(2026, 1, 10)),
        Window(date(2026, 1, 1), date(2026, 1, 3)),
    ]
    assert split_window(date(2026, 1, 1), date(2026, 1, 10), 4)[-1].start == date(2026, 1, 1)
    assert split_window(date(2026, 1, 1), date(2026, 1, 10), "none") == [
        Window(date(2026, 1, 1), date(2026, 1, 10))
    ]
    with pytest.raises(ValueError, match=r"^split"):
        split_window(date(2026, 1, 1), date(2026, 1, 10), 0)


@pytest.mark.parametrize("ordered", [True, False])
async def test_backfill_yields_every_event_once(sim: MonuvSimulator, ordered: bool) -> None:
    """Without drift, a day-split backfill yields exactly the window's events, each once."""
    expected = ids_in_window(sim)
    async with MonuvClient(sim.token, base_url=sim.url, max_concurrency=6) as monuv:
        got = await collect(monuv.backfill(start_at=START, end_at=END, ordered=ordered))
    assert len(got) == len(expected)
    assert set(got) == expected
    assert sim.stats.max_in_flight <= 6


async def test_ordered_backfill_is_newest_first(sim: MonuvSimulator) -> None:
    """ordered=True hands events out newest first across all sub-windows."""
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        times = [e.event_at async for e in monuv.backfill(start_at=START, end_at=END)]
    assert times == sorted(times, reverse=True)


async def test_backfill_filters_by_camera_and_type(sim: MonuvSimulator) -> None:
    """Filters reach every sub-window's requests."""
    expected = {e.id for e in sim.events if e.camera_id == 1002 and e.event_type in (1, 4)}
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        got = await collect(
            monuv.backfill(start_at=START, end_at=END, camera=1002, event_types=[1, 4])
        )
    assert sorted(got) == sorted(expected)


def drift(sim: MonuvSimulator, every: int, step: Any) -> Counter[str]:
    """Call ``step(sim)`` before every ``every``-th events request."""
    seen: Counter[str] = Counter()

    def hook(simulator: MonuvSimulator, page: int) -> None:
        seen["requests"] += 1
        if seen["requests"] % every == 0:
            step(simulator)
            seen["drifts"] += 1

    sim.on_events_request = hook
    return seen


@pytest.mark.parametrize("ordered", [True, False])
async def test_exactly_once_while_events_arrive_and_expire(
    sim: MonuvSimulator, ordered: bool
) -> None:
    """New events at the top and expiry at the bottom mid-walk: no loss, no repeat."""
    before = ids_in_window(sim)

    def step(simulator: MonuvSimulator) -> None:
        simulator.append_events(7)
        simulator.expire_events(3)

    counts = drift(sim, every=3, step=step)
    async with MonuvClient(sim.token, base_url=sim.url, max_concurrency=4) as monuv:
        got = await collect(monuv.backfill(start_at=START, end_at=END, ordered=ordered))
    survivors = before & ids_in_window(sim)  # existed for the whole walk
    assert counts["drifts"] > 5
    assert len(got) == len(set(got)), "an event was yielded twice"
    assert survivors <= set(got), f"missed {len(survivors - set(got))} events"
    assert set(got) <= before | ids_in_window(sim)


async def test_exactly_once_when_events_vanish_above_the_walk(sim: MonuvSimulator) -> None:
    """Deleting already-walked events shifts later pages up; the re-read recovers the gap."""
    before = ids_in_window(sim)
    deleted: set[int] = set()

    def step(simulator: MonuvSimulator) -> None:
        # The newest remaining events of the newest day: above any walk position.
        newest = [e.id for e in simulator.events[:4]]
        deleted.update(newest)
        simulator.delete_events(newest)

    drift(sim, every=2, step=step)
    async with MonuvClient(sim.token, base_url=sim.url, max_concurrency=3) as monuv:
        got = await collect(monuv.backfill(start_at=START, end_at=END, split="none"))
    assert len(got) == len(set(got))
    assert before - deleted <= set(got)


async def test_late_events_inside_a_past_day_are_handled(sim: MonuvSimulator) -> None:
    """Events inserted into a past day mid-walk (late uploads) cost no existing event."""
    before = ids_in_window(sim)
    late = datetime(2026, 11, 16, 12, 0)
    drift(sim, every=2, step=lambda s: s.append_events(2, at=late))
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        got = await collect(monuv.backfill(start_at=START, end_at=END, ordered=False))
    assert len(got) == len(set(got))
    assert before <= set(got)


async def test_resume_after_break_neither_loses_nor_repeats(sim: MonuvSimulator) -> None:
    """Stop mid-walk, save the checkpoint as JSON, resume: the union is the window, no overlap."""
    expected = ids_in_window(sim)
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        first: list[int] = []
        async with monuv.backfill(start_at=START, end_at=END) as walk:
            async for event in walk:
                first.append(event.id)
                if len(first) == 500:
                    saved = walk.checkpoint.to_json()
                    break
        checkpoint = Checkpoint.from_json(saved)
        assert checkpoint.yielded == 500
        rest = await collect(monuv.backfill(start_at=START, end_at=END, resume_from=checkpoint))
    assert not set(first) & set(rest)
    assert set(first) | set(rest) == expected
    assert len(first) + len(rest) == len(expected)


async def test_resume_after_a_crash_mid_walk(sim: MonuvSimulator) -> None:
    """A failure that exhausts the retries ends the walk; resuming finishes it exactly."""
    expected = ids_in_window(sim)
    saved: str | None = None
    first: list[int] = []
    # The 10th events request, and its one retry, fail: the walk dies midway.
    drift(sim, every=10, step=lambda s: s.inject("events", Fault.status(500), Fault.status(500)))
    async with MonuvClient(sim.token, base_url=sim.url, retry=FAST_RETRY) as monuv:
        walk = monuv.backfill(start_at=START, end_at=END, ordered=False)

        async def consume() -> None:
            nonlocal saved
            async for event in walk:
                first.append(event.id)
                saved = walk.checkpoint.to_json()  # what a careful caller persists

        with pytest.raises(ServerError):
            await consume()
        sim.on_events_request = None
        assert saved is not None
        assert 0 < len(first) < len(expected)
        rest = await collect(
            monuv.backfill(
                start_at=START,
                end_at=END,
                ordered=False,
                resume_from=Checkpoint.from_json(saved),
            )
        )
    assert not set(first) & set(rest)
    assert set(first) | set(rest) == expected


async def test_resume_from_another_backfill_is_refused(sim: MonuvSimulator) -> None:
    """A checkpoint only resumes the backfill it came from, checked before any request."""
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        walk = monuv.backfill(start_at=START, end_at=END, camera=1001)
        checkpoint = walk.checkpoint
        await walk.aclose()
        with pytest.raises(ValueError, match=r"^resume_from"):
            monuv.backfill(start_at=START, end_at=END, resume_from=checkpoint)
        with pytest.raises(ValueError, match=r"^start_at"):
            monuv.backfill(start_at=END, end_at=START)
    assert sim.stats.requests["events"] == 0


async def test_early_stop_of_a_split_backfill_leaves_nothing_running(
    sim: MonuvSimulator,
) -> None:
    """Leaving a concurrent backfill early cancels its sub-window walks and frees the semaphore."""
    sim.latency = 0.05
    async with MonuvClient(sim.token, base_url=sim.url, max_concurrency=4) as monuv:
        async with monuv.backfill(start_at=START, end_at=END, ordered=False) as walk:
            async for _ in walk:
                break
        assert library_tasks() == []
        assert monuv._requester._semaphore._value == 4  # type: ignore[attr-defined]
        await asyncio.gather(*(monuv.events_page(page=1) for _ in range(4)))
    assert monuv.stats.in_flight == 0


async def test_backfill_memory_is_bounded_by_the_sub_windows_in_progress(
    sim: MonuvSimulator,
) -> None:
    """Ids are kept for the window handed out and what the page budget let windows ahead take.

    Each is dropped when its window finishes, so the ids held never grow
    with the length of the backfill.
    """
    buffer = 4
    async with MonuvClient(sim.token, base_url=sim.url, page_buffer=buffer) as monuv:
        walk = monuv.backfill(start_at=START, end_at=END)
        peak = 0
        async for _ in walk:
            peak = max(peak, sum(len(s.seen) for s in walk._walk._states.values()))
        assert walk._walk._states == {}
    per_day, per_page = 3 * 40, 30
    # The window being handed out, whole, and the windows ahead: no more
    # pages of them than the budget holds.
    assert peak <= per_day + buffer * per_page
    assert peak < len(ids_in_window(sim)) // 2


async def test_an_id_twice_in_one_page_is_yielded_once() -> None:
    """A page that lists the same event twice still yields it once (de-duplicated per page too)."""
    at = datetime(2026, 1, 1, tzinfo=UTC)

    @answers
    async def fetch(window: Window, number: int) -> EventPage:
        events = tuple(Event(i, at, 1) for i in (3, 2, 2, 1))
        return EventPage(4, 4, number, 1, events)

    walk = one_day(fetch, concurrency=2, buffer=4)
    assert [event.id async for event in walk] == [3, 2, 1]


async def test_a_page_budget_below_the_windows_ahead_still_holds() -> None:
    """page_buffer=1: one sub-window at a time, one page ahead, never more."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    requested: list[tuple[str, int]] = []

    @answers
    async def fetch(window: Window, number: int) -> EventPage:
        requested.append((window.key, number))
        events = tuple(Event(hash((window.key, number, i)) % 10**9, at, 1) for i in range(3))
        return EventPage(60, 3, number, 20, events)

    windows = split_window(date(2026, 1, 1), date(2026, 1, 4), "day")
    walk = Backfill(fetch, windows, filters={}, ordered=False, concurrency=4, buffer=1)
    async for _ in walk:
        break
    for _ in range(20):
        await asyncio.sleep(0)
    # One sub-window only; its pages: the batch being handed out, two queued,
    # one waiting to be queued, and the one page the budget allows ahead.
    assert {key for key, _ in requested} == {windows[0].key}
    assert len(requested) <= 5
    await walk.aclose()


async def test_a_pass_whose_rows_repeat_ids_is_not_stable(caplog: pytest.LogCaptureFixture) -> None:
    """60 rows, 30 distinct, total 60: re-read, then a warning naming the window, not silence."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    requested: list[int] = []

    @answers
    async def fetch(window: Window, number: int) -> EventPage:
        requested.append(number)
        # Page 2 repeats page 1's rows (a cache keyed without ?page=).
        events = tuple(Event(i, at, 1) for i in range(30))
        return EventPage(60, 30, number, 2, events)

    walk = one_day(fetch, concurrency=2, buffer=4)
    with caplog.at_level("WARNING", logger="monuv_async"):
        got = [event.id async for event in walk]
    assert got == list(range(30))
    assert len(requested) == 2 * MAX_PASSES
    assert "2026-01-01" in caplog.text
    assert "some may be missing" in caplog.text


async def test_false_last_page_with_empty_pages_keeps_backfill_requests_bounded() -> None:
    """Page 1 claims last_page=10**9, then empty pages: every pass stops, requests bounded."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    requested: list[int] = []

    @answers
    async def fetch(window: Window, number: int) -> EventPage:
        requested.append(number)
        await asyncio.sleep(0)
        if number == 1:
            return EventPage(3 * 10**9, 3, 1, 10**9, tuple(Event(i, at, 1) for i in range(3)))
        return EventPage(3 * 10**9, 3, number, 10**9, ())

    walk = one_day(fetch, concurrency=4, buffer=8)
    assert [event.id async for event in walk] == [0, 1, 2]
    # Each pass: page 1, then at most `concurrency` pages started ahead.
    assert len(requested) <= MAX_PASSES * (1 + 4)


async def test_an_abandoned_backfill_lets_go_of_its_tasks() -> None:
    """Breaking out without aclose(): dropping the walk cancels its producers (no pending cycle)."""
    at = datetime(2026, 1, 1, tzinfo=UTC)

    @answers
    async def fetch(window: Window, number: int) -> EventPage:
        await asyncio.sleep(0)
        events = tuple(Event(hash((window.key, number, i)) % 10**9, at, 1) for i in range(3))
        return EventPage(300, 3, number, 100, events)

    windows = split_window(date(2026, 1, 1), date(2026, 1, 4), "day")
    walk = Backfill(fetch, windows, filters={}, ordered=True, concurrency=4, buffer=8)
    async for _ in walk:
        break
    # Held here so a GC pass cannot destroy them: only a cancel finishes them.
    producers = library_tasks()
    assert producers
    del walk
    gc.collect()
    assert await wait_until(lambda: all(task.done() for task in producers))


async def test_first_pages_of_the_next_windows_are_requested_ahead_once() -> None:
    """While a window drains, the next windows' first pages are already asked for, each once."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    requested: list[tuple[str, int]] = []
    release = asyncio.Event()

    @answers
    async def fetch(window: Window, number: int) -> EventPage:
        requested.append((window.key, number))
        if window.key == windows[0].key and number == 2:
            await release.wait()  # the first window is still draining
        events = tuple(Event(hash((window.key, number, i)) % 10**9, at, 1) for i in range(3))
        return EventPage(6, 3, number, 2, events)

    windows = split_window(date(2026, 1, 1), date(2026, 1, 6), "day")
    walk = Backfill(fetch, windows, filters={}, ordered=True, concurrency=4, buffer=8)
    got = [await walk.__anext__() for _ in range(3)]
    assert len(got) == 3
    assert await wait_until(lambda: (windows[2].key, 1) in requested)
    release.set()
    rest = [event async for event in walk]
    assert len(got) + len(rest) == 6 * 6
    assert Counter(requested) == Counter({(w.key, n): 1 for w in windows for n in (1, 2)})


@pytest.mark.parametrize("ordered", [True, False])
async def test_the_checkpoint_matches_the_events_handed_out_after_every_one(
    ordered: bool,
) -> None:
    """After each event (mid-batch too), the checkpoint holds exactly the ids handed out so far.

    The bookkeeping is per batch, not per event: this pins that a checkpoint
    taken between two events of one batch still counts the first and not the
    second, in each window, with ``yielded`` equal to the count handed out.
    """
    at = datetime(2026, 1, 1, tzinfo=UTC)
    windows = split_window(date(2026, 1, 1), date(2026, 1, 3), "day")
    base = {w.key: 1000 * (i + 1) for i, w in enumerate(windows)}

    @answers
    async def fetch(window: Window, number: int) -> EventPage:
        await asyncio.sleep(0)
        first = base[window.key] + 10 * (number - 1)
        return EventPage(30, 10, number, 3, tuple(Event(first + i, at, 1) for i in range(10)))

    walk = Backfill(fetch, windows, filters={}, ordered=ordered, concurrency=4, buffer=8)
    handed: dict[str, set[int]] = {w.key: set() for w in windows}
    count = 0
    async for event in walk:
        count += 1
        handed[next(k for k, b in base.items() if b <= event.id < b + 1000)].add(event.id)
        checkpoint = walk.checkpoint
        assert checkpoint.yielded == count
        for key, ids in checkpoint.active.items():
            assert ids == handed[key]
        for key in checkpoint.done:
            assert len(handed[key]) == 30
    assert count == 90


def test_iterating_a_backfill_steps_a_generator_with_no_coroutine_per_event() -> None:
    """``async for`` over a backfill steps the walk's async generator itself.

    An ``async def __anext__`` made a coroutine per event, which cost more
    than the event's own bookkeeping.
    """

    @answers
    async def fetch(window: Window, number: int) -> EventPage:
        return EventPage(0, 10, number, 1, ())

    walk = one_day(fetch, concurrency=1, buffer=1)
    assert inspect.isasyncgen(walk.__aiter__())
    assert not inspect.iscoroutinefunction(Backfill.__anext__)


class RoundServer:
    """A fetch whose answers all come at once, a round at a time, ``concurrency`` at most in flight.

    What a latency-bound server does to a backfill, without a clock: the
    rounds it takes are what its wall time would be in answer latencies.
    """

    def __init__(self, *, pages: int, per_page: int, concurrency: int) -> None:
        self.pages, self.per_page = pages, per_page
        self._slots = asyncio.Semaphore(concurrency)
        self._waiting: list[asyncio.Future[None]] = []
        self.starts: list[tuple[str, int, int]] = []  # (window, page, round)
        self.rounds = 0
        self.in_flight = self.max_in_flight = 0

    @answers
    async def fetch(self, window: Window, number: int) -> EventPage:
        async with self._slots:
            self.starts.append((window.key, number, self.rounds))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            answer = asyncio.get_running_loop().create_future()
            self._waiting.append(answer)
            try:
                await answer
            finally:
                self.in_flight -= 1
        base = (
            date.fromisoformat(window.key[:10]).toordinal() * 10**4 + (number - 1) * self.per_page
        )
        events = tuple(
            Event(base + i, datetime(2026, 1, 1, tzinfo=UTC), 1) for i in range(self.per_page)
        )
        return EventPage(self.pages * self.per_page, self.per_page, number, self.pages, events)

    async def run(self, walk: Backfill) -> int:
        """Consume ``walk``, answering a round whenever nothing else can move; the events read."""
        count = 0

        async def consume() -> None:
            nonlocal count
            async for _ in walk:
                count += 1

        consumer = asyncio.ensure_future(consume())
        while True:
            for _ in range(50):
                await asyncio.sleep(0)
            if consumer.done():
                break
            answers, self._waiting = self._waiting, []
            self.rounds += 1
            for answer in answers:
                answer.set_result(None)
        await consumer
        return count


@pytest.mark.parametrize(
    ("days", "pages", "rounds"),
    [
        # 120 pages at 16 at once: 8 rounds (the first round asks 9 days' first
        # pages at once); a day's first page fetched when it starts took 9.
        (10, 12, 8),
        # Short days share rounds: 60 pages in at most 6 rounds, where two
        # days at a time took 16.
        (30, 2, 6),
    ],
)
async def test_a_latency_bound_backfill_keeps_every_place_busy(
    days: int, pages: int, rounds: int
) -> None:
    """Days are walked together under one budget: rounds run full, never more than C in flight."""
    server = RoundServer(pages=pages, per_page=30, concurrency=16)
    windows = split_window(date(2026, 1, 1), date(2026, 1, days), "day")
    walk = Backfill(server.fetch, windows, filters={}, ordered=True, concurrency=16, buffer=32)
    assert await server.run(walk) == days * pages * 30
    assert server.rounds <= rounds
    assert server.max_in_flight <= 16
    assert Counter((key, n) for key, n, _ in server.starts) == Counter(
        {(w.key, n): 1 for w in windows for n in range(1, pages + 1)}
    )


async def test_the_first_round_asks_first_pages_as_many_as_the_budget_holds() -> None:
    """Before any answer: the first window's first page, and those of the next windows.

    Page sizes are unknown then, so as many as the event budget holds at
    500 events a page (8 of 4096) beside the first window's own.
    """
    server = RoundServer(pages=12, per_page=30, concurrency=16)
    windows = split_window(date(2026, 1, 1), date(2026, 1, 10), "day")
    walk = Backfill(server.fetch, windows, filters={}, ordered=True, concurrency=16, buffer=32)
    await server.run(walk)
    first_round = {(key, n) for key, n, r in server.starts if r == 0}
    assert first_round == {(w.key, 1) for w in windows[:9]}


async def test_the_window_handed_out_is_never_queued_behind_later_ones() -> None:
    """Once its pages are known, each place that frees goes to the first window, until all start."""
    server = RoundServer(pages=8, per_page=30, concurrency=2)
    windows = split_window(date(2026, 1, 1), date(2026, 1, 4), "day")
    walk = Backfill(server.fetch, windows, filters={}, ordered=True, concurrency=2, buffer=16)
    assert await server.run(walk) == 4 * 8 * 30
    first = windows[0].key
    known = next(r for key, n, r in server.starts if key == first and n == 1) + 1
    last = max(r for key, _, r in server.starts if key == first)
    later = [(key, n) for key, n, r in server.starts if key != first and known <= r < last]
    assert later == []
