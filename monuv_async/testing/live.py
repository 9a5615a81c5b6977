"""The simulator's moving clock: live events generated as time passes, old ones expiring.

A :class:`LiveFeed` turns the passing of simulated time into events: each
camera gets ``rate`` new events per second (a Poisson process drawn from the
seed, so the same seed and cameras give the same events whatever steps time
moves in, as long as each is shorter than the cameras' history),
and ``late_share`` of them show up ``late_by`` after their ``event_at`` — the
way a camera that was offline uploads its backlog: a new, higher id, inserted
below the top of the newest-first list. As time passes, events older than
their camera's history expire, so a simulator left running for days holds a
flat amount of memory: about ``rate`` x cameras x history events.

:class:`LiveClock` is the wall-clock half: from :meth:`~LiveClock.start` on,
it says where simulated time should be (``anchor`` plus the wall time since).
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from typing import NamedTuple

from .events import SimEvent, pick_types
from .store import Store, seeded_rng

__all__ = ["LiveClock", "LiveCount", "LiveFeed"]

_DAY = 86_400
# Expiry walks the oldest events; doing it at most once a simulated minute
# keeps a request cheap when cameras of different histories interleave.
_EXPIRY_EVERY = 60


class LiveCount(NamedTuple):
    """What one step of time generated."""

    events: int
    late: int


class LiveFeed:
    """The events that time brings, and the history that it takes away.

    ``rate`` is per camera per second (``None``: time brings no event);
    ``history_days`` is the history of a camera without its own
    ``history_days`` field (the seeded ones).
    """

    def __init__(
        self,
        *,
        seed: int,
        rate: float | None,
        late_share: float,
        late_by: timedelta,
        history_days: int,
    ) -> None:
        self.rate = rate
        self.late_share = late_share
        self.late_by = math.ceil(late_by.total_seconds())
        self.history_days = history_days
        # Its own generator: the store's draws (created cameras' stream keys)
        # must not shift the live events, nor the live events shift them.
        self._rng = seeded_rng(seed + 2)
        self._next: float | None = None
        """The next arrival's Unix time, drawn but not due yet."""
        self._expired_at: float | None = None

    def run(self, store: Store, start: float, end: float) -> LiveCount:
        """Store the events that show up after ``start`` and by ``end`` (Unix seconds).

        An event shows up at its arrival (any instant, like a real one) and
        its ``event_at`` is the second of it, like Monuv's (minus
        ``late_by`` for a late one): a poll within that second misses it and
        the next one finds it below events of the same second.
        """
        if self.rate is None or not store.cameras or end <= start:
            return LiveCount(0, 0)
        camera_ids = sorted(store.cameras)
        per_second = self.rate * len(camera_ids)
        # A long gap between requests: what is older than every history
        # would expire at once, so it is never made (bounded work).
        floor = end - self._longest_history(store)
        if self._next is None or self._next < floor:
            self._next = max(start, floor) + self._rng.expovariate(per_second)
        types = sorted(store.event_types)
        made = late = 0
        while self._next <= end:
            arrival = int(self._next)
            is_late = self._rng.random() < self.late_share
            at = arrival - self.late_by if is_late else arrival
            camera_id = self._rng.choice(camera_ids)
            event_type = pick_types(self._rng, types, 1)[0] if types else 0
            store.timeline.add(SimEvent(store.timeline.next_id, at, camera_id, event_type))
            made += 1
            late += is_late
            self._next += self._rng.expovariate(per_second)
        return LiveCount(made, late)

    def restart(self) -> None:
        """The clock was set, not moved: the next step draws from its new time."""
        self._next = None

    def expire(self, store: Store, now: float) -> list[int]:
        """Remove the events older than their camera's history; their ids."""
        if self._expired_at is not None and now - self._expired_at < _EXPIRY_EVERY:
            return []
        self._expired_at = now
        cutoffs = {cid: now - self._history(store, cid) for cid in store.cameras}
        default = now - self.history_days * _DAY
        oldest = store.timeline.oldest_first
        # Below the latest cutoff (the shortest history) an event may expire;
        # above it none does, so the walk stops there.
        latest = max(cutoffs.values(), default=default)
        expired = []
        prefix = True
        for event in oldest:
            if event.at >= latest:
                break
            if event.at < cutoffs.get(event.camera_id, default):
                expired.append(event.id)
            else:
                prefix = False
        if prefix:
            store.timeline.remove_oldest(len(expired))
        else:
            store.timeline.remove_ids(set(expired))
        return expired

    def _history(self, store: Store, camera_id: int) -> int:
        days = store.cameras[camera_id].get("history_days")
        if isinstance(days, int) and not isinstance(days, bool) and days > 0:
            return days * _DAY
        return self.history_days * _DAY

    def _longest_history(self, store: Store) -> int:
        return max((self._history(store, cid) for cid in store.cameras), default=0)


class LiveClock:
    """Where simulated time should be: ``anchor`` plus the wall time since the anchor was set."""

    def __init__(self) -> None:
        self._anchor: datetime | None = None
        self._since = 0.0

    @property
    def running(self) -> bool:
        """Whether the clock follows the wall clock (after :meth:`start`)."""
        return self._anchor is not None

    def start(self, now: datetime) -> None:
        """Follow the wall clock from ``now`` on."""
        self.set(now)

    def set(self, now: datetime) -> None:
        """Jump to ``now`` (if running) and go on ticking from there."""
        self._anchor, self._since = now, time.monotonic()

    def shift(self, seconds: float) -> None:
        """Move the clock on by ``seconds`` (if running)."""
        if self._anchor is not None:
            self._anchor += timedelta(seconds=seconds)

    def now(self) -> datetime | None:
        """Where time is now, or ``None`` when not running."""
        if self._anchor is None:
            return None
        return self._anchor + timedelta(seconds=time.monotonic() - self._since)
