"""Following live events: :class:`EventWatch`, made by :meth:`MonuvClient.watch_events`.

Monuv has no webhooks, so a watch polls. Each poll reads page 1 of the
current day (``start_at = end_at = today`` in the client's zone), and further
pages only until it reaches the look-back horizon: the start of the previous
poll minus ``lookback``. Within that window an event is told new or known by
its id; below it, where nothing can still arrive in time, by the walk's
position (see :mod:`monuv_async._watch_state`). So:

* every event of the filters is yielded exactly once, as soon as a poll sees
  it, including late arrivals inserted below the top of the list (an event
  whose ``event_at`` is up to ``lookback`` older than the time it shows up)
  and across midnight (the previous day is read until the look-back has
  passed it);
* a steady-state poll costs one request per day in the window, plus one per
  ``per_page`` events of the window;
* memory and :attr:`EventWatch.checkpoint` hold the ids of the look-back
  window only.

Every request goes through the client's public ``events_page``, so a watch
shares the client's semaphore, rate limit, timeout, retries and errors. A
poll that fails once the client has given up retrying is logged, waited out
(``Retry-After`` honoured, else an exponential back-off from
``poll_interval``) and tried again; more consecutive failures than the
client's retry policy has attempts raise the last error.

The look-back is measured on the watch's clock against Monuv's
``event_at``: a clock ahead of Monuv's by some seconds shortens it by as
much, so keep it well above any clock skew.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol, Self

from ._checks import check_int, check_number
from ._closing import Closing
from ._watch_checkpoint import WatchCheckpoint
from ._watch_state import DayWalk, Filters, WatchState, day_start, days_to_walk
from .errors import MonuvError, RateLimitError
from .models import Event, EventPage

__all__ = [
    "MAX_BACKOFF",
    "MAX_LOOKBACK",
    "MIN_POLL_INTERVAL",
    "EventWatch",
    "WatchCheckpoint",
]

logger = logging.getLogger("monuv_async")

MIN_POLL_INTERVAL = 1.0
"""The shortest ``poll_interval`` accepted, in seconds: faster polling only burns rate limit."""
MAX_LOOKBACK = timedelta(days=7)
"""The longest ``lookback`` accepted: every poll reads the whole window's days."""
MAX_BACKOFF = 300.0
"""The longest wait after a failed poll (a longer ``Retry-After`` is waited in full)."""

# Indirection so tests can run polls back to back without waiting them out.
_sleep = asyncio.sleep


class _Client(Protocol):
    """What a watch needs of :class:`~monuv_async.MonuvClient`: its public surface only."""

    @property
    def tz(self) -> tzinfo: ...

    def events_page(
        self,
        *,
        camera: int | None = ...,
        event_types: Iterable[int] | None = ...,
        start_at: date | datetime | None = ...,
        end_at: date | datetime | None = ...,
        page: int = ...,
    ) -> Awaitable[EventPage]: ...


class EventWatch(Closing):
    """New events as they arrive, exactly once, until closed; see :mod:`monuv_async.watch`.

    Use it as ``async with monuv.watch_events(...) as watch: async for event
    in watch: ...``. Leaving the block, ``break``, cancelling the task, or
    :meth:`aclose` stop it; it runs no task of its own, so nothing is left
    behind. :attr:`checkpoint` describes what has been yielded at any moment.
    """

    def __init__(
        self,
        monuv: _Client,
        *,
        camera: int | None = None,
        event_types: Iterable[int] | None = None,
        since: date | datetime | None = None,
        poll_interval: float = 10.0,
        lookback: timedelta = timedelta(minutes=15),
        resume_from: WatchCheckpoint | None = None,
        max_failures: int = 3,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._monuv = monuv
        self._tz = monuv.tz
        self._filters = _filters(camera, event_types)
        self._interval = check_number("poll_interval", poll_interval, positive=True)
        if self._interval < MIN_POLL_INTERVAL:
            msg = f"poll_interval: must be >= {MIN_POLL_INTERVAL} s, got {poll_interval}"
            raise ValueError(msg)
        self._lookback = _lookback(lookback)
        self._max_failures = check_int("max_failures", max_failures)
        if clock is not None and not callable(clock):
            msg = "clock: must be a callable returning an aware datetime, or None"
            raise TypeError(msg)
        self._clock = clock or (lambda: datetime.now(self._tz))
        self._state = self._initial_state(since, resume_from)
        self._events = self._run()
        self.polls = 0
        """Polls completed so far (a failed one is not counted)."""

    def _initial_state(
        self, since: date | datetime | None, resume_from: WatchCheckpoint | None
    ) -> WatchState:
        if resume_from is not None:
            if not isinstance(resume_from, WatchCheckpoint):
                msg = "resume_from: must be a WatchCheckpoint (use WatchCheckpoint.from_json)"
                raise TypeError(msg)
            if since is not None:
                msg = "since: not with resume_from (the checkpoint says where to go on from)"
                raise ValueError(msg)
            saved = dict(resume_from.filters)
            if saved != self._filters:
                diff = ", ".join(
                    f"{key}={saved.get(key)!r} in the checkpoint, {value!r} here"
                    for key, value in self._filters.items()
                    if saved.get(key) != value
                )
                msg = f"resume_from: the checkpoint is for other filters ({diff})"
                raise ValueError(msg)
            resume_from.check()
            state = resume_from.state()
            if state.zone != str(self._tz):
                state.totals.clear()  # days of another zone: only the shortcut is lost
            state.zone = str(self._tz)
            return state
        if since is None:
            # "From now on": the first poll marks what is already there as seen.
            low, priming = self._now() - self._lookback, True
        else:
            low, priming = _aware("since", since, self._tz), False
        return WatchState(self._filters, low, zone=str(self._tz), priming=priming)

    def _now(self) -> datetime:
        now = self._clock()
        if not isinstance(now, datetime) or now.tzinfo is None:
            msg = "clock: must return an aware datetime"
            raise TypeError(msg)
        return now

    @property
    def checkpoint(self) -> WatchCheckpoint:
        """Where the watch stands: every event yielded so far, and nothing else.

        Taking it copies the ids of the look-back window (cheap: a few
        thousand at most in practice); save its :meth:`~WatchCheckpoint.to_json`
        after handling each event, or each batch.
        """
        return WatchCheckpoint.of(self._state)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        return await self._events.__anext__()

    async def aclose(self) -> None:
        """Stop the watch (idempotent); a request in flight is abandoned."""
        await self._events.aclose()

    async def _run(self) -> AsyncGenerator[Event, None]:
        failures = 0
        while True:
            try:
                # aclosing: a watch stopped at a yield closes the poll at once,
                # rather than leaving it to the loop's finalizer.
                async with contextlib.aclosing(self._poll()) as poll:
                    async for event in poll:
                        yield event
            except MonuvError as error:
                failures += 1
                if failures > self._max_failures:
                    # Not .exception(): the error is raised next, its traceback is the caller's.
                    logger.error(  # noqa: TRY400
                        "watch_events: %d polls failed in a row, giving up: %s: %s",
                        failures,
                        type(error).__name__,
                        error.message,
                    )
                    raise
                delay = backoff(self._interval, failures, error)
                logger.warning(
                    "watch_events: poll failed (%s: %s); next try in %.1f s",
                    type(error).__name__,
                    error.message,
                    delay,
                )
                await _sleep(delay)
                continue
            failures = 0
            self.polls += 1
            await _sleep(self._interval)

    async def _poll(self) -> AsyncGenerator[Event, None]:
        """One poll: every day of the window, each from page 1 down to ``low``."""
        state, now = self._state, self._now()
        state.begin(now, self._lookback)
        today = now.astimezone(self._tz).date()
        for day in days_to_walk(state, now, self._tz):
            # Only today's total can be trusted: a camera with one day of
            # history loses yesterday's oldest events while late ones still
            # arrive there, and one in, one out leaves the total unchanged.
            previous = state.totals.get(day) if day == today else None
            walk = DayWalk(max(state.low, day_start(day, self._tz)), previous)
            while not walk.done:
                page = await self._monuv.events_page(
                    camera=self._filters["camera"],
                    event_types=self._filters["event_types"],
                    start_at=day,
                    end_at=day,
                    page=walk.page,
                )
                for event in walk.scan(page):
                    if state.is_new(event):
                        walk.note_new()
                        # Recorded before it is handed out: a checkpoint taken
                        # while the caller handles it already counts it.
                        state.deliver(event)
                        if not state.priming:
                            yield event
            if walk.settled_total is None:
                state.totals.pop(day, None)
            else:
                state.totals[day] = walk.settled_total
        state.finish(self._tz)


def backoff(interval: float, failures: int, error: MonuvError) -> float:
    """Seconds to wait after ``failures`` failed polls in a row, the last with ``error``."""
    delay = min(MAX_BACKOFF, interval * 2.0 ** min(failures - 1, 32))
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        # The server said when: never earlier, even beyond MAX_BACKOFF.
        delay = max(delay, error.retry_after)
    return max(delay, interval)


def _filters(camera: int | None, event_types: Iterable[int] | None) -> Filters:
    if camera is not None:
        check_int("camera", camera)
    types: list[int] | None = None
    if event_types is not None:
        if isinstance(event_types, str | bytes) or not isinstance(event_types, Iterable):
            msg = "event_types: must be an iterable of ints, e.g. [1, 4]"
            raise TypeError(msg)
        types = [check_int("event_types", value) for value in event_types]
        if not types:
            msg = "event_types: must not be empty (use None for every type)"
            raise ValueError(msg)
    return {"camera": camera, "event_types": types}


def _lookback(value: object) -> timedelta:
    if not isinstance(value, timedelta):
        msg = f"lookback: must be a timedelta, not {type(value).__name__}"
        raise TypeError(msg)
    if not timedelta(0) < value <= MAX_LOOKBACK:
        msg = f"lookback: must be > 0 and <= {MAX_LOOKBACK}, got {value}"
        raise ValueError(msg)
    return value


def _aware(field: str, value: object, tz: tzinfo) -> datetime:
    """A ``since``: an aware datetime as is, a naive one (or a date's midnight) in ``tz``."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return day_start(value, tz)
    msg = f"{field}: must be a datetime or a date, not {type(value).__name__}"
    raise TypeError(msg)
