"""The pure half of :meth:`MonuvClient.watch_events`: what is new, what to read next.

No I/O here, so every decision of the watch can be tested without a loop.

A poll walks one descending stream: the days from today down to the day of
``low`` (newest first), each day's pages from page 1, each page's events
newest first, until the first event older than ``low``. The state says which
events of that stream were already delivered:

* ``known``: the ids delivered (or, when a watch starts "from now on", seen
  at its start) whose ``event_at`` is at or after the running poll's ``cut``
  — the poll's start minus the look-back. Late arrivals can still land there,
  so only an id tells them apart.
* ``cursor`` (with ``cursor_ids``): below ``cut`` nothing can still arrive
  within the look-back, so the walk's position is enough: every event between
  ``cursor`` and ``cut`` was delivered (and those exactly at ``cursor`` whose
  ids are listed). That keeps a catch-up from ``since`` weeks ago in constant
  memory.

When a poll finishes, ``low`` becomes its ``cut`` and the ids below it are
dropped: memory and checkpoints hold the look-back window only. A poll cut
short (a failure, a crash) leaves the state as it was at its last delivered
event; the next poll continues it: with a ``cursor`` it keeps the same
``cut`` (the cursor only means something under it), else it takes a new one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import attrs

from .models import Event, EventPage

__all__ = ["DayWalk", "Filters", "WatchState", "day_start", "days_to_walk"]

Filters = Mapping[str, Any]
"""What a watch selects: ``{"camera": int | None, "event_types": list[int] | None}``."""


def day_start(day: date, tz: tzinfo) -> datetime:
    """Midnight of ``day`` in ``tz``."""
    return datetime(day.year, day.month, day.day, tzinfo=tz)


@attrs.define
class WatchState:
    """What a watch has delivered; mutated as events are handed out."""

    filters: Filters
    low: datetime
    """Events older than this are done (delivered before, or outside the watch)."""
    known: dict[int, datetime] = attrs.field(factory=dict)
    cut: datetime | None = None
    """The running poll's look-back horizon; ``None`` between polls."""
    cursor: datetime | None = None
    cursor_ids: set[int] = attrs.field(factory=set)
    totals: dict[date, int] = attrs.field(factory=dict)
    """Per day, a total after which everything of the day from ``low`` on was delivered."""
    zone: str = ""
    """The zone ``totals`` days are in (another zone's days say nothing)."""
    yielded: int = 0
    priming: bool = False
    """Marking what is already there as seen, without yielding it ("from now on")."""

    def begin(self, now: datetime, lookback: timedelta) -> None:
        """Start (or continue) a poll at ``now``."""
        if self.cursor is None:
            # No position below the old cut to keep: take a fresh horizon.
            self.cut = max(now - lookback, self.low)
        elif self.cut is None:  # pragma: no cover - a checkpoint never holds this
            msg = "a watch cursor without a cut"
            raise AssertionError(msg)

    def is_new(self, event: Event) -> bool:
        """Whether ``event`` (at or after ``low``) has not been delivered yet."""
        if event.id in self.known:
            return False
        cut, cursor = self.cut, self.cursor
        if cut is None or event.event_at >= cut or cursor is None:
            return True
        at = event.event_at
        return at < cursor or (at == cursor and event.id not in self.cursor_ids)

    def deliver(self, event: Event) -> None:
        """Record ``event`` as delivered; call it just before handing it out."""
        at = event.event_at
        if self.cut is None or at >= self.cut:
            self.known[event.id] = at
        elif self.cursor is None or at < self.cursor:
            self.cursor, self.cursor_ids = at, {event.id}
        elif at == self.cursor:
            self.cursor_ids.add(event.id)
        # (An event above the cursor, out of order, is covered by it already.)
        if not self.priming:
            self.yielded += 1

    def finish(self, tz: tzinfo) -> None:
        """The poll reached ``low``: move the horizon up and forget what is below it."""
        cut = self.cut if self.cut is not None else self.low
        self.known = {key: at for key, at in self.known.items() if at >= cut}
        first = cut.astimezone(tz).date()
        self.totals = {day: total for day, total in self.totals.items() if day >= first}
        self.low, self.cut = cut, None
        self.cursor, self.cursor_ids = None, set()
        self.priming = False


def days_to_walk(state: WatchState, now: datetime, tz: tzinfo) -> list[date]:
    """The days a poll at ``now`` reads, newest first.

    Today down to the day of ``low`` — two days just after midnight until the
    look-back has passed. A day wholly between ``cursor`` and ``cut`` was
    delivered by the walk the cursor belongs to, and is skipped.
    """
    top = now.astimezone(tz).date()
    bottom = state.low.astimezone(tz).date()
    days = []
    day = top
    while day >= bottom:
        if not _covered(state, day, tz):
            days.append(day)
        day -= timedelta(days=1)
    return days


def _covered(state: WatchState, day: date, tz: tzinfo) -> bool:
    if state.cursor is None or state.cut is None:
        return False
    return day_start(day, tz) > state.cursor and day_start(day + timedelta(days=1), tz) <= state.cut


@attrs.define
class DayWalk:
    """The page walk of one day: which events of a page count, and which page is next.

    It stops at the first event older than ``floor`` (the later of ``low``
    and the day's midnight), on an empty page, past the last page, and on a
    page that brings nothing below what was already read (a stuck or hostile
    server cannot keep it going with a large page count or repeated pages).

    It also stops as soon as the day's ``total`` accounts for every event:
    ``previous_total`` is the total of a walk after which every event of the
    day at or after ``low`` was delivered; Monuv only adds events to today
    (expiry takes events a day old at least), so once the new events found
    number ``total - previous_total``, there is no other one to find, however
    deep a late arrival may lie. That keeps a steady-state poll at one page.
    The watch passes a ``previous_total`` for today only: on earlier days
    expiry and late arrivals can cancel out.
    A total that went down (an event deleted) voids the shortcut for the walk.
    """

    floor: datetime
    previous_total: int | None = None
    page: int = 1
    done: bool = False
    settled_total: int | None = None
    """Once done: the total to remember for the day's next walk (``None``: forget it)."""
    _found: int = 0
    _first_total: int | None = None
    _oldest: datetime | None = None
    _ids_at_oldest: set[int] = attrs.field(factory=set)

    def note_new(self) -> None:
        """Count an event of the walk that was not delivered before."""
        self._found += 1

    def scan(self, page: EventPage) -> Iterator[Event]:
        """The events of ``page`` at or after ``floor``, in order; note where the walk stands.

        Call :meth:`note_new` for each new one before the next is taken.
        """
        if self._first_total is None:
            self._first_total = page.total
        progressed = False
        for event in page.events:
            at = event.event_at
            if at < self.floor:
                self._end(complete=True)
                return
            if self._oldest is None or at < self._oldest:
                self._oldest, self._ids_at_oldest = at, {event.id}
                progressed = True
            elif at == self._oldest and event.id not in self._ids_at_oldest:
                self._ids_at_oldest.add(event.id)
                progressed = True
            yield event
        if self.previous_total is not None and page.total - self.previous_total == self._found:
            # Every event added since the previous total is found: none hides deeper.
            self.done, self.settled_total = True, page.total
        elif not page.events or self.page >= page.last_page:  # our number, not the page's claim
            self._end(complete=True)
        elif not progressed:
            self._end(complete=False)
        self.page += 1

    def _end(self, *, complete: bool) -> None:
        # A complete walk saw every event there when its first page was read
        # (insertions only push events down, onto pages read later).
        self.done = True
        self.settled_total = self._first_total if complete else None
