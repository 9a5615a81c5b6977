"""``MonuvClient.watch_events``: live events exactly once, cheap polls, resumable, clean stops.

Every test runs a watch against the real simulator over loopback. Time is
simulated: the watch's clock is ``sim.now`` and its sleep between polls
(``monuv_async.watch._sleep``) is replaced by a ``Ticker`` that moves
``sim.now`` on by the seconds asked for, runs the test's script for that
turn (new events, late events, faults), and ends the run after the last
step by raising ``RunOverError`` out of the watch. No test waits in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from _async_helpers import wait_until
from _watch_helpers import Served, assert_nothing_left, serving

import monuv_async._requester as requester_module
import monuv_async.watch as watch_module
from monuv_async import (
    Event,
    EventWatch,
    RetryPolicy,
    ServerError,
    WatchCheckpoint,
)
from monuv_async.testing import Fault, MonuvSimulator

SP = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=SP)
INTERVAL = 10.0
LOOKBACK = timedelta(minutes=15)
# Client retries without waiting (a Retry-After is cut to max_backoff = 0).
QUICK = RetryPolicy(attempts=2, backoff=0.0, max_backoff=0.0)


class RunOverError(Exception):
    """Raised by the ticker after the script's last step: the end of a simulated run."""


Step = Callable[[], object] | None


class Ticker:
    """The watch's sleep: simulated time, one script step per sleep, then ``RunOverError``."""

    def __init__(self, sim: MonuvSimulator, steps: Sequence[Step]) -> None:
        self.sim = sim
        self.steps = list(steps)
        self.slept: list[float] = []
        self.requests_per_poll: list[int] = []
        self._mark = 0

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        count = self.sim.stats.requests["events"]
        self.requests_per_poll.append(count - self._mark)
        self.sim.now += timedelta(seconds=seconds)
        if not self.steps:
            raise RunOverError
        step = self.steps.pop(0)
        if step is not None:
            step()
        self._mark = self.sim.stats.requests["events"]
        await asyncio.sleep(0)


def running(
    **kwargs: Any,
) -> Served:
    args: dict[str, Any] = {
        "seed": 3,
        "cameras": 2,
        "events_per_camera_per_day": 120,
        "days": 3,
        "per_page": 10,
        "now": NOW,
    }
    return serving(args | kwargs, QUICK)


def ticking(monkeypatch: pytest.MonkeyPatch, sim: MonuvSimulator, steps: Sequence[Step]) -> Ticker:
    ticker = Ticker(sim, steps)
    monkeypatch.setattr(watch_module, "_sleep", ticker)
    return ticker


async def drain(watch: EventWatch, *, stop_after: int | None = None) -> list[Event]:
    """The events a watch yields until the run finishes (or ``stop_after`` of them)."""
    got: list[Event] = []
    with contextlib.suppress(RunOverError):
        async with watch:
            async for event in watch:
                got.append(event)
                if stop_after is not None and len(got) == stop_after:
                    break
    return got


def ids_in(sim: MonuvSimulator, since: datetime, **match: int) -> set[int]:
    """The simulator's events from ``since`` on, of one camera / type if given."""
    return {
        e.id
        for e in sim.events
        if e.at >= since.timestamp()
        and all(getattr(e, key) == value for key, value in match.items())
    }


def ids(events: Sequence[Event]) -> list[int]:
    return [e.id for e in events]


def arrivals(
    sim: MonuvSimulator, added: list[int], new: int = 3, late: int = 2
) -> Callable[[], None]:
    """A step: ``new`` events now and ``late`` ones 12 minutes old (inside the look-back)."""

    def step() -> None:
        added.extend(sim.append_events(new))
        added.extend(sim.append_events(late, at=sim.now - timedelta(minutes=12)))

    return step


# -- exactly once ---------------------------------------------------------------------


async def test_from_now_on_yields_every_new_and_late_event_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """since=None: nothing already there, then every arrival (late ones too) exactly once."""
    async with running() as (sim, monuv):
        added: list[int] = []
        ticking(monkeypatch, sim, [arrivals(sim, added)] * 8)
        got = await drain(monuv.watch_events(poll_interval=INTERVAL, clock=lambda: sim.now))
    assert len(added) == 40
    assert sorted(ids(got)) == sorted(added)


async def test_a_past_since_yields_everything_from_it_then_follows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """since two days back: every stored event from it on once, then the arrivals."""
    since = NOW - timedelta(days=2, hours=3)
    async with running() as (sim, monuv):
        before = ids_in(sim, since)
        added: list[int] = []
        ticking(monkeypatch, sim, [arrivals(sim, added)] * 4)
        watch = monuv.watch_events(since=since, poll_interval=INTERVAL, clock=lambda: sim.now)
        got = await drain(watch)
    assert len(before) > 300
    assert len(ids(got)) == len(set(ids(got)))
    assert set(ids(got)) == before | set(added)
    assert watch.checkpoint.yielded == len(got)


async def test_filters_select_one_camera_and_type(monkeypatch: pytest.MonkeyPatch) -> None:
    """camera= and event_types= reach the requests: only matching arrivals come out."""
    async with running() as (sim, monuv):

        def step() -> None:
            for camera in (1001, 1002):
                for kind in (1, 4):
                    sim.append_events(2, camera_id=camera, event_type=kind)

        ticking(monkeypatch, sim, [step] * 3)
        watch = monuv.watch_events(
            camera=1001, event_types=[4], poll_interval=INTERVAL, clock=lambda: sim.now
        )
        got = await drain(watch)
    assert len(got) == 6
    assert {(e.camera_id, e.event_type) for e in got} == {(1001, 4)}


async def test_midnight_late_events_of_the_previous_day_are_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Across midnight: an event of 23:58 showing up at 00:05 is yielded; then one day a poll."""
    start = datetime(2026, 11, 20, 23, 50, tzinfo=SP)
    async with running(now=start) as (sim, monuv):
        late: list[int] = []

        def after_midnight() -> None:
            if sim.now.date() == date(2026, 11, 21) and not late:
                late.extend(sim.append_events(1, at=datetime(2026, 11, 20, 23, 58, tzinfo=SP)))

        # 180 polls of 10 s: 23:50 to 00:20, past midnight plus the look-back.
        ticker = ticking(monkeypatch, sim, [after_midnight] * 180)
        watch = monuv.watch_events(poll_interval=INTERVAL, clock=lambda: sim.now)
        got = await drain(watch)
    assert late
    assert ids(got) == late
    # Two days a poll while the look-back reaches back before midnight, one after.
    assert ticker.requests_per_poll[-1] == 1
    assert max(ticker.requests_per_poll[1:]) == 2


# -- cheap polls ----------------------------------------------------------------------


async def test_a_steady_poll_reads_one_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arrivals at the top only: after the first poll, each poll is one request."""
    async with running() as (sim, monuv):
        added: list[int] = []
        ticker = ticking(monkeypatch, sim, [arrivals(sim, added, new=4, late=0)] * 10)
        got = await drain(monuv.watch_events(poll_interval=INTERVAL, clock=lambda: sim.now))
    assert sorted(ids(got)) == sorted(added)
    assert ticker.requests_per_poll[1:] == [1] * 10


async def test_a_deep_late_arrival_costs_pages_down_to_it_not_the_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A late event pages deep is found by walking to it; the day's other pages are not read."""
    async with running(events_per_camera_per_day=2000) as (sim, monuv):
        added: list[int] = []

        def late() -> None:
            added.extend(sim.append_events(1, at=sim.now - timedelta(minutes=14)))

        ticker = ticking(monkeypatch, sim, [None, late, None])
        got = await drain(monuv.watch_events(poll_interval=INTERVAL, clock=lambda: sim.now))
        day_pages = -(-sum(1 for e in sim.events if e.at >= NOW.replace(hour=0).timestamp()) // 10)
    assert ids(got) == added
    quiet, deep, after = ticker.requests_per_poll[1:4]
    assert quiet == 1
    assert after == 1
    assert 1 < deep < day_pages // 10


# -- polite ---------------------------------------------------------------------------


async def test_failed_polls_are_logged_backed_off_and_lose_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """503s past the client's retries, then a 429 with Retry-After: logged, waited, nothing lost."""
    async with running() as (sim, monuv):
        added: list[int] = []
        feed = arrivals(sim, added)

        def failing() -> None:
            feed()
            sim.inject("events", Fault.status(503), Fault.status(503))

        def limited() -> None:
            sim.inject("events", Fault.retry_after(42), Fault.retry_after(42))

        async def no_wait(_: float) -> None:
            """The client's own wait of the first 42 s, skipped (the watch's is recorded)."""

        monkeypatch.setattr(requester_module, "_sleep", no_wait)

        ticker = ticking(monkeypatch, sim, [feed, failing, limited, feed, None])
        caplog.set_level(logging.WARNING, logger="monuv_async")
        got = await drain(monuv.watch_events(poll_interval=INTERVAL, clock=lambda: sim.now))
    assert sorted(ids(got)) == sorted(added)
    assert ticker.slept == [INTERVAL, INTERVAL, INTERVAL, 42.0, INTERVAL, INTERVAL]
    failed = [r.getMessage() for r in caplog.records if "poll failed" in r.getMessage()]
    assert len(failed) == 2
    assert "ServerError" in failed[0]
    assert "RateLimitError" in failed[1]


async def test_more_failed_polls_than_retry_attempts_raise(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Failures in a row beyond the policy's attempts: the last error is raised, after a log."""
    async with running() as (sim, monuv):
        sim.inject("events", *[Fault.status(500)] * 20)
        ticker = ticking(monkeypatch, sim, [None] * 10)
        caplog.set_level(logging.WARNING, logger="monuv_async")
        with pytest.raises(ServerError):
            await drain(monuv.watch_events(poll_interval=INTERVAL, clock=lambda: sim.now))
    # attempts=2: two failed polls are waited out (10 s, then 20 s), the third raises.
    assert ticker.slept == [INTERVAL, 2 * INTERVAL]
    assert any("giving up" in r.getMessage() for r in caplog.records)


async def test_bad_arguments_fail_before_any_request() -> None:
    """Each bad argument is a ValueError/TypeError naming it, and nothing is sent."""
    async with running() as (sim, monuv):
        cases: list[tuple[dict[str, Any], type[Exception], str]] = [
            ({"poll_interval": 0.5}, ValueError, "poll_interval"),
            ({"poll_interval": "10"}, TypeError, "poll_interval"),
            ({"poll_interval": float("nan")}, ValueError, "poll_interval"),
            ({"lookback": timedelta(0)}, ValueError, "lookback"),
            ({"lookback": timedelta(days=30)}, ValueError, "lookback"),
            ({"lookback": 900}, TypeError, "lookback"),
            ({"camera": 0}, ValueError, "camera"),
            ({"camera": True}, TypeError, "camera"),
            ({"event_types": []}, ValueError, "event_types"),
            ({"event_types": "1,4"}, TypeError, "event_types"),
            ({"since": "2026-11-20"}, TypeError, "since"),
            ({"resume_from": "{}"}, TypeError, "resume_from"),
            ({"clock": 5}, TypeError, "clock"),
            ({"clock": datetime.now}, TypeError, "clock"),  # a naive "now"
        ]
        for kwargs, error, field in cases:
            with pytest.raises(error, match=f"^{field}"):
                monuv.watch_events(**kwargs)
        assert sim.stats.requests["events"] == 0


# -- resumable ------------------------------------------------------------------------


async def test_resume_yields_what_arrived_meanwhile_and_nothing_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stopped mid-poll after a yield, resumed from the JSON later: the rest, exactly once."""
    async with running() as (sim, monuv):
        added: list[int] = []
        ticking(monkeypatch, sim, [arrivals(sim, added)] * 3)
        first = monuv.watch_events(poll_interval=INTERVAL, clock=lambda: sim.now)
        got = await drain(first, stop_after=7)
        saved = first.checkpoint.to_json()
        # While no watch runs: more arrivals, some late.
        sim.now += timedelta(minutes=3)
        arrivals(sim, added, new=5, late=4)()
        ticking(monkeypatch, sim, [arrivals(sim, added)] * 3)
        resumed = monuv.watch_events(
            poll_interval=INTERVAL,
            clock=lambda: sim.now,
            resume_from=WatchCheckpoint.from_json(saved),
        )
        got += await drain(resumed)
    assert len(got) == len(set(ids(got)))
    assert set(ids(got)) == set(added)
    assert resumed.checkpoint.yielded == len(got)


async def test_resume_in_the_middle_of_a_catch_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash while walking a past since (below the look-back): resumed without loss or repeat."""
    since = NOW - timedelta(days=1)
    async with running() as (sim, monuv):
        wanted = ids_in(sim, since)
        ticking(monkeypatch, sim, [None])
        first = monuv.watch_events(since=since, poll_interval=INTERVAL, clock=lambda: sim.now)
        got = await drain(first, stop_after=150)
        checkpoint = first.checkpoint
        assert checkpoint.cursor is not None  # stopped below the look-back horizon
        assert len(checkpoint.known) < 20  # ids of the look-back window only
        ticking(monkeypatch, sim, [None])
        resumed = monuv.watch_events(
            poll_interval=INTERVAL,
            clock=lambda: sim.now,
            resume_from=WatchCheckpoint.from_json(checkpoint.to_json()),
        )
        got += await drain(resumed)
    assert len(got) == len(set(ids(got)))
    assert set(ids(got)) == wanted


async def test_resume_with_other_filters_names_the_difference() -> None:
    """A checkpoint of camera 1001 refuses a watch of every camera, and since with resume_from."""
    async with running() as (_, monuv):
        checkpoint = monuv.watch_events(camera=1001, event_types=[1]).checkpoint
        with pytest.raises(ValueError, match=r"^resume_from: .*camera=1001 in the checkpoint"):
            monuv.watch_events(event_types=[1], resume_from=checkpoint)
        with pytest.raises(ValueError, match=r"^since"):
            monuv.watch_events(camera=1001, event_types=[1], since=NOW, resume_from=checkpoint)


async def test_memory_stays_flat_over_a_long_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """An hour of arrivals, late ones too: the checkpoint holds the look-back window only."""
    async with running(events_per_camera_per_day=0, per_page=100) as (sim, monuv):
        added: list[int] = []
        sizes: list[int] = []
        feed = arrivals(sim, added, new=1, late=1)
        watch = monuv.watch_events(poll_interval=INTERVAL, clock=lambda: sim.now)

        def step() -> None:
            feed()
            sizes.append(len(watch.checkpoint.known))

        ticking(monkeypatch, sim, [step] * 360)
        got = await drain(watch)
    assert sorted(ids(got)) == sorted(added)
    # 2 events per 10 s: ~16 minutes of them (look-back plus a poll) at most.
    assert max(sizes) <= 2 * (16 * 6)
    assert max(sizes[-60:]) <= max(sizes[150:210])


# -- stopping -------------------------------------------------------------------------


async def test_break_and_aclose_leave_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """break out of the loop, or aclose() an un-entered watch: no task, no connection."""
    async with running() as (sim, monuv):
        ticking(monkeypatch, sim, [lambda: sim.append_events(3)] * 5)
        async with monuv.watch_events(poll_interval=INTERVAL, clock=lambda: sim.now) as watch:
            async for _ in watch:
                break
        await assert_nothing_left(sim, monuv)
        other = monuv.watch_events(poll_interval=INTERVAL, clock=lambda: sim.now)
        ticking(monkeypatch, sim, [lambda: sim.append_events(3)] * 5)
        assert await other.__anext__() is not None
        await other.aclose()
        await other.aclose()  # idempotent
        await assert_nothing_left(sim, monuv)


@pytest.mark.parametrize("where", ["request", "sleep"])
async def test_cancelling_the_task_leaves_nothing_behind(where: str) -> None:
    """Cancelled while a poll's request stalls, or while sleeping between polls: clean."""
    async with running() as (sim, monuv):
        if where == "request":
            sim.inject("events", Fault.stall(30.0))
        watch = monuv.watch_events(poll_interval=30.0, clock=lambda: sim.now)

        async def consume() -> None:
            async with watch:
                async for _ in watch:
                    pass

        task = asyncio.ensure_future(consume())
        if where == "request":
            assert await wait_until(lambda: sim.stats.in_flight == 1)
        else:
            assert await wait_until(lambda: watch.polls == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await assert_nothing_left(sim, monuv)
