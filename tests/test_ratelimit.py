"""The bounds: the rate limiter's evenly spaced starts, and the places in flight (FIFO)."""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import time

import pytest

from monuv_async._ratelimit import Places, RateLimiter

# Slots are sums of 1/rate, so a window can be short of a full second by a few ulps.
EPSILON = 1e-9


class FakeClock:
    """A monotonic clock that moves only when a (fake) sleep says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class FakeSleep:
    """Replaces asyncio.sleep: records each wake-up time instead of waiting.

    Every sleeper's wake-up time is remembered per task, so concurrent
    sleepers each know when they would have started.
    """

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[float] = []
        self.wake: dict[asyncio.Task[object] | None, float] = {}
        self._real_sleep = asyncio.sleep

    async def __call__(self, delay: float, result: object = None) -> object:
        self.calls.append(delay)
        self.wake[asyncio.current_task()] = self.clock.now + delay
        await self._real_sleep(0)
        return result


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at t=1000."""
    return FakeClock()


@pytest.fixture
def fake_sleep(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> FakeSleep:
    """asyncio.sleep, as the limiter sees it, replaced by a recorder."""
    sleeper = FakeSleep(clock)
    monkeypatch.setattr(asyncio, "sleep", sleeper)
    return sleeper


def start_of(sleeper: FakeSleep, before: float) -> float:
    """When the current task's acquire let it start (its wake-up, or at once)."""
    return sleeper.wake.pop(asyncio.current_task(), before)


def max_in_window(starts: list[float]) -> int:
    """The most starts any window [t, t + 1 s) holds."""
    ordered = sorted(starts)
    return max(sum(1 for s in ordered if t <= s < t + 1.0 - EPSILON) for t in ordered)


async def acquire_sequentially(
    limiter: RateLimiter, clock: FakeClock, sleeper: FakeSleep, count: int
) -> list[float]:
    """One caller acquiring back to back; the clock follows its sleeps."""
    starts = []
    for _ in range(count):
        before = clock.now
        await limiter.acquire()
        clock.now = start_of(sleeper, before)
        starts.append(clock.now)
    return starts


@pytest.mark.parametrize("rate", [0.5, 1.0, 2.0, 3.0, 7.3, 10.0, 50.0])
async def test_sequential_starts_spaced(
    rate: float, clock: FakeClock, fake_sleep: FakeSleep
) -> None:
    """Back-to-back acquires start 1/rate apart, so no second holds more than ceil(rate)."""
    limiter = RateLimiter(rate, clock=clock)
    starts = await acquire_sequentially(limiter, clock, fake_sleep, 60)
    assert starts[0] == 1000.0
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(math.isclose(g, 1 / rate, rel_tol=1e-9) for g in gaps)
    assert max_in_window(starts) <= math.ceil(rate)


@pytest.mark.parametrize("rate", [1.0, 4.0, 10.0, 2.5])
async def test_concurrent_burst_spaced_in_call_order(
    rate: float, clock: FakeClock, fake_sleep: FakeSleep
) -> None:
    """Many callers arriving at once start one by one, 1/rate apart, in call order."""
    limiter = RateLimiter(rate, clock=clock)
    order: list[tuple[int, float]] = []

    async def caller(index: int) -> None:
        before = clock.now
        await limiter.acquire()
        order.append((index, start_of(fake_sleep, before)))

    await asyncio.gather(*(caller(i) for i in range(40)))
    starts = dict(order)
    assert [starts[i] for i in range(40)] == sorted(starts.values())
    for index in range(40):
        assert math.isclose(starts[index], 1000.0 + index / rate, rel_tol=0, abs_tol=1e-9)
    assert max_in_window(list(starts.values())) <= math.ceil(rate)


async def test_first_call_does_not_wait(clock: FakeClock, fake_sleep: FakeSleep) -> None:
    """A fresh limiter lets the first request start at once."""
    await RateLimiter(5.0, clock=clock).acquire()
    assert fake_sleep.calls == []


async def test_idle_time_is_not_banked(clock: FakeClock, fake_sleep: FakeSleep) -> None:
    """After a long idle, a burst is still spaced: no credit accumulates."""
    limiter = RateLimiter(4.0, clock=clock)
    await limiter.acquire()
    clock.now += 60.0
    starts = await acquire_sequentially(limiter, clock, fake_sleep, 8)
    assert starts[0] == 1060.0
    assert fake_sleep.calls == pytest.approx([0.25] * 7)
    assert max_in_window(starts) <= 4


async def test_no_wait_when_callers_are_slow_enough(
    clock: FakeClock, fake_sleep: FakeSleep
) -> None:
    """Callers already spaced by more than 1/rate never sleep."""
    limiter = RateLimiter(2.0, clock=clock)
    for _ in range(10):
        await limiter.acquire()
        clock.now += 0.6
    assert fake_sleep.calls == []


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("rate", [1.0, 3.0, 6.5])
async def test_random_arrivals_respect_the_rate(
    seed: int, rate: float, clock: FakeClock, fake_sleep: FakeSleep
) -> None:
    """Whatever the arrivals, starts follow them, 1/rate apart, ceil(rate) per second at most."""
    rng = random.Random(seed)
    limiter = RateLimiter(rate, clock=clock)
    arrivals: list[float] = []
    starts: list[float] = []
    for _ in range(80):
        # Independent callers: each arrives when it arrives, whoever is still waiting.
        clock.now += rng.choice([0.0, 0.0, 0.01, 0.1, 0.5, 2.0])
        arrivals.append(clock.now)
        await limiter.acquire()
        starts.append(start_of(fake_sleep, clock.now))
    assert starts == sorted(starts)
    assert all(s >= a for s, a in zip(starts, arrivals, strict=True))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 1 / rate - EPSILON
    assert max_in_window(starts) <= math.ceil(rate)


async def test_cancelled_waiter_does_not_break_spacing(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller cancelled while waiting gives its turn to the next, spaced from the last start."""
    limiter = RateLimiter(2.0, clock=clock)
    real_sleep = asyncio.sleep
    gate = asyncio.Event()
    waits: list[float] = []

    async def blocking_sleep(delay: float, result: object = None) -> object:
        waits.append(delay)
        await gate.wait()
        return result

    monkeypatch.setattr(asyncio, "sleep", blocking_sleep)
    await limiter.acquire()
    waiter = asyncio.ensure_future(limiter.acquire())
    await real_sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    gate.set()
    await limiter.acquire()
    assert waits == [0.5, 0.5]


async def test_starts_stay_spaced_after_the_loop_was_held_up() -> None:
    """Planned starts that all passed during a stall are still taken 1/rate apart.

    With starts planned in advance, the ten waiters whose times passed while
    the loop was blocked would all start at once when it resumed: ten starts
    in one instant against a rate of 20 a second.
    """
    rate = 20.0
    limiter = RateLimiter(rate)
    starts: list[float] = []

    async def caller() -> None:
        await limiter.acquire()
        starts.append(time.monotonic())  # no await between the start and its record

    tasks = [asyncio.ensure_future(caller()) for _ in range(12)]
    await asyncio.sleep(0)  # every caller has asked for its start
    time.sleep(0.6)  # noqa: ASYNC251 - the point: the loop held up, planned starts pass
    await asyncio.gather(*tasks)
    gaps = [b - a for a, b in itertools.pairwise(sorted(starts))]
    # Each start is recorded a few microseconds after it happened, never before.
    assert min(gaps) >= 1 / rate - 0.002


def test_a_free_place_is_taken_without_a_coroutine_and_given_back() -> None:
    """take_now() takes free places synchronously, and refuses once none is left."""
    places = Places(2)
    assert places.take_now()
    assert places.take_now()
    assert not places.take_now()
    places.give()
    assert places._value == 1
    assert places.take_now()


async def test_waiters_get_places_in_call_order_and_no_newcomer_jumps_the_line() -> None:
    """A place given back goes to the longest waiter, even with a take_now() before it runs."""
    places = Places(1)
    assert places.take_now()
    order: list[int] = []

    async def waiter(n: int) -> None:
        await places.take()
        order.append(n)

    tasks = [asyncio.create_task(waiter(n)) for n in range(3)]
    await asyncio.sleep(0)  # all three wait in line
    places.give()
    assert not places.take_now()  # handed to waiter 0, not free for a newcomer
    await asyncio.sleep(0)
    assert order == [0]
    places.give()
    places.give()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2]
    places.give()
    assert places._value == 1


async def test_a_cancelled_waiter_leaves_the_line_and_a_place_handed_to_it_goes_on() -> None:
    """Cancelled while waiting: out of the line. Cancelled once handed a place: it passes on."""
    places = Places(1)
    assert places.take_now()
    first = asyncio.create_task(places.take())
    second = asyncio.create_task(places.take())
    third = asyncio.create_task(places.take())
    await asyncio.sleep(0)
    first.cancel()  # still waiting: just leaves
    await asyncio.sleep(0)
    places.give()  # to the second...
    second.cancel()  # ...cancelled before it resumes: the place goes to the third
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert (first.cancelled(), second.cancelled(), third.done()) == (True, True, True)
    places.give()  # the third's place back: nobody waits, every place is free
    assert places._value == 1
    assert not places._waiters
