"""``watch_events`` against the live simulator: exactly once through faults, midnight and a day.

The simulator generates events itself (``live_rate``, ``late_share`` of them
arriving ``late_by`` after their ``event_at``). Time is simulated: the watch's
clock is ``sim.now`` and its sleep between polls (``monuv_async.watch._sleep``)
is a :class:`LiveRun` that calls ``sim.advance(seconds)`` — the simulator makes
that interval's events — after checking that every event there before the
last successful poll began has been yielded. A run ends by raising
``RunOverError`` out of the watch once the simulated time is over. The
simulator's own wall-clock ticking adds a few real seconds on top; the checks
hold whatever it adds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from _async_helpers import wait_until
from _watch_helpers import Served, assert_nothing_left, serving

import monuv_async.watch as watch_module
from monuv_async import Event, EventWatch, MonuvClient, RetryPolicy, WatchCheckpoint
from monuv_async.testing import Fault, MonuvSimulator

SP = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=SP)
INTERVAL = 120.0
LOOKBACK = timedelta(minutes=15)
LATE_BY = timedelta(minutes=5)
# Client retries without waiting; a Retry-After beyond the policy's
# max_retry_after (60 s) fails the poll at once, for the watch to wait out.
# The watch gives up after more than 3 failed polls in a row.
QUICK = RetryPolicy(attempts=3, backoff=0.0, max_backoff=0.0)


class RunOverError(Exception):
    """Raised by the run's sleep once its simulated time is over."""


class LiveRun:
    """The watch's sleep: checks nothing was missed, plays faults, advances the simulator."""

    def __init__(
        self,
        sim: MonuvSimulator,
        *,
        since: datetime,
        until: datetime,
        faults: Mapping[int, Sequence[Fault]] | None = None,
    ) -> None:
        self.sim = sim
        self.since = since.timestamp()
        self.until = until
        self.faults = dict(faults or {})
        self.watch: EventWatch | None = None
        self.got: list[Event] = []
        self.slept: list[float] = []
        self.requests_per_poll: list[int] = []
        """Events requests of each successful poll, in order."""
        self.known_sizes: list[int] = []
        self.store_sizes: list[int] = []
        self._due: set[int] = set()
        self._looked: float | None = None
        self._polls = 0
        self._mark = 0
        self._turn = 0

    def arrived(self) -> set[int]:
        """The events the watch must yield (``event_at`` >= ``since``) that arrived lately.

        Newest first, down to where nothing arrived since the last look: an
        event arrives at most ``late_by`` after its ``event_at``.
        """
        floor = None if self._looked is None else self._looked - LATE_BY.total_seconds() - 1
        self._looked = self.sim.now.timestamp()
        found = set()
        for event in self.sim.events:
            if floor is not None and event.at < floor:
                break
            if event.at >= self.since:
                found.add(event.id)
        return found

    async def __call__(self, seconds: float) -> None:
        assert self.watch is not None
        self.slept.append(seconds)
        count = self.sim.stats.requests["events"]
        if self.watch.polls > self._polls:  # the poll before this sleep succeeded
            self._polls = self.watch.polls
            self.requests_per_poll.append(count - self._mark)
            missed = self._due - {e.id for e in self.got}
            assert not missed, f"poll {self._polls} missed {sorted(missed)[:10]}"
            self._due = set()
            self.known_sizes.append(len(self.watch.checkpoint.known))
            self.store_sizes.append(len(self.sim.events))
        if self.sim.now >= self.until:
            raise RunOverError
        self.sim.advance(seconds)
        self._turn += 1
        faults = self.faults.pop(self._turn, ())
        if faults:
            self.sim.inject("events", *faults)
        # What is there now must be yielded by the end of the next successful poll.
        self._due |= self.arrived()
        self._mark = self.sim.stats.requests["events"]
        await asyncio.sleep(0)


def live(
    **kwargs: Any,
) -> Served:
    args: dict[str, Any] = {
        "seed": 11,
        "cameras": 3,
        "events_per_camera_per_day": 100,
        "days": 1,
        "now": NOW,
        "live_rate": 1 / 60,
        "late_share": 0.2,
        "late_by": LATE_BY,
    }
    return serving(args | kwargs, QUICK)


async def follow(
    monuv: MonuvClient,
    run: LiveRun,
    monkeypatch: pytest.MonkeyPatch,
    *,
    stop_after: int | None = None,
    **kwargs: Any,
) -> EventWatch:
    """Run a watch until the run is over (or ``stop_after`` more events); it is returned."""
    monkeypatch.setattr(watch_module, "_sleep", run)
    args: dict[str, Any] = {
        "poll_interval": INTERVAL,
        "lookback": LOOKBACK,
        "clock": lambda: run.sim.now,
    }
    watch = monuv.watch_events(**(args | kwargs))
    run.watch = watch
    taken = 0
    with contextlib.suppress(RunOverError):
        async with watch:
            async for event in watch:
                run.got.append(event)
                taken += 1
                if stop_after is not None and taken == stop_after:
                    break
    return watch


def exactly_once(run: LiveRun) -> None:
    """No event twice, and only events the watch had to yield."""
    got = [e.id for e in run.got]
    assert len(got) == len(set(got)), "an event was yielded twice"
    assert all(e.event_at.timestamp() >= run.since for e in run.got)


def burst(make: Callable[[], Fault], n: int) -> list[Fault]:
    return [make() for _ in range(n)]


FAULTS: Mapping[int, Sequence[Fault]] = {
    # 3 x 429 asking for 500 s = three failed polls (beyond max_retry_after, the
    # client does not wait itself), the watch waiting out Retry-After each time.
    40: burst(lambda: Fault.retry_after(500), 3),
    # One 503 then an answer: the client's retry absorbs it, the poll succeeds.
    90: [Fault.status(503)],
    150: burst(lambda: Fault.status(503), 3),
    200: burst(Fault.reset, 3),
    # Just after midnight (12:00 + 360 polls of 2 min), when two days are read.
    362: burst(lambda: Fault.status(502), 3) + burst(Fault.reset, 3),
}


async def test_a_simulated_day_with_faults_yields_every_event_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """24 h of live and late events, 429/5xx/reset bursts and midnight: all once, none missed."""
    async with live() as (sim, monuv):
        run = LiveRun(sim, since=NOW, until=NOW + timedelta(days=1), faults=FAULTS)
        await follow(monuv, run, monkeypatch, since=NOW)
    exactly_once(run)
    assert not run.faults  # every burst was played
    assert sim.pending_faults() == 0
    assert sim.stats.late_events > 100
    assert len(run.got) >= sim.stats.live_events - 20  # the last poll's arrivals at most unseen
    assert 500.0 in run.slept  # Retry-After honoured
    # The clock crossed midnight, and the late events around it were caught.
    days = {e.event_at.astimezone(SP).date() for e in run.got}
    assert len(days) == 2


async def test_memory_stays_flat_over_a_simulated_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """The watch's ids and the simulator's store stay bounded over 24 simulated hours."""
    async with live(live_rate=1 / 30) as (sim, monuv):
        run = LiveRun(sim, since=NOW, until=NOW + timedelta(days=1))
        watch = await follow(monuv, run, monkeypatch, since=NOW)
    exactly_once(run)
    # 6 events a minute: a look-back window (15 min) plus a poll is ~100 ids.
    assert max(run.known_sizes) <= 200
    assert max(run.known_sizes[-100:]) <= max(run.known_sizes[100:200]) + 50
    # The store holds about a day: the seeded 300 expire as 24 h of live ones come.
    assert max(run.store_sizes) <= 1.2 * (300 + 6 * 60 * 24)
    assert sim.stats.expired_events >= 300
    # The checkpoint holds the window's ids only: ~30 bytes each.
    assert len(watch.checkpoint.to_json()) < 200 * 60


async def test_steady_polls_read_one_or_two_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Away from midnight and faults, a poll costs one request, two when a late event hides."""
    async with live() as (sim, monuv):
        run = LiveRun(sim, since=NOW, until=NOW + timedelta(hours=6))
        await follow(monuv, run, monkeypatch, since=NOW)
    steady = run.requests_per_poll[1:]  # the first poll catches up from ``since``
    assert max(steady) <= 2
    assert sum(steady) / len(steady) < 1.5


async def test_a_watch_resumed_after_a_crash_goes_on_exactly_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stopped mid-run (its checkpoint saved as JSON) and resumed: nothing lost or repeated."""
    async with live() as (sim, monuv):
        run = LiveRun(sim, since=NOW, until=NOW + timedelta(hours=3))
        first = await follow(monuv, run, monkeypatch, since=NOW, stop_after=200)
        saved = first.checkpoint.to_json()
        sim.advance(600)  # down for ten minutes: events keep arriving
        resumed = LiveRun(sim, since=NOW, until=NOW + timedelta(hours=6))
        resumed.got = run.got
        await follow(monuv, resumed, monkeypatch, resume_from=WatchCheckpoint.from_json(saved))
    exactly_once(resumed)
    assert len(run.got) > 200


async def test_cancelling_a_live_watch_leaves_nothing_behind() -> None:
    """Real time, a ticking simulator: cancel the consuming task after an event; all clean."""
    # now=None: the simulator starts at the wall clock, so the watch's own clock fits.
    async with live(live_rate=5.0, now=None) as (sim, monuv):
        got: list[Event] = []

        async def consume() -> None:
            async with monuv.watch_events(poll_interval=1.0) as watch:
                async for event in watch:
                    got.append(event)

        task = asyncio.ensure_future(consume())
        # Events arrive each second; the second poll (a second later) yields them.
        assert await wait_until(lambda: bool(got), turns=1000)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await assert_nothing_left(sim, monuv)


async def test_a_late_event_of_yesterday_is_caught_while_yesterday_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Just after midnight, one-day history: a late event deep in yesterday as one expires.

    Yesterday's total stays the same (one in, one out), so a walk that trusts
    the day's total stops at page 1 and never finds the late event.
    """
    after_midnight = datetime(2026, 11, 21, 0, 3, tzinfo=SP)
    yesterday = after_midnight - timedelta(minutes=3)
    args = {
        "live_rate": None,
        "cameras": 1,
        "days": 1,  # its history: a day
        "events_per_camera_per_day": 0,
        "per_page": 5,
        "now": after_midnight,
    }
    async with live(**args) as (sim, monuv):
        # Runs out of the day's history at 00:03:30 today.
        sim.append_events(1, at=after_midnight - timedelta(days=1) + timedelta(seconds=30))
        for second in range(12):  # the top of yesterday: three pages of it
            sim.append_events(1, at=yesterday - timedelta(minutes=4) + timedelta(seconds=second))
        late: list[int] = []
        turns = 0

        async def sleep(seconds: float) -> None:
            nonlocal turns
            turns += 1
            if turns > 5:
                raise RunOverError
            if turns == 1:
                # Inside the look-back, below the 12 newer events of yesterday...
                late.extend(sim.append_events(1, at=yesterday - timedelta(minutes=10)))
            # ... while the oldest of yesterday runs out of its history.
            sim.advance(seconds)
            await asyncio.sleep(0)

        monkeypatch.setattr(watch_module, "_sleep", sleep)
        got: list[Event] = []
        with contextlib.suppress(RunOverError):
            async with monuv.watch_events(
                since=yesterday - timedelta(minutes=15),
                poll_interval=60.0,
                lookback=LOOKBACK,
                clock=lambda: sim.now,
            ) as watch:
                async for event in watch:
                    got.append(event)
    assert late[0] in {e.id for e in got}
    assert len(got) == len({e.id for e in got})
