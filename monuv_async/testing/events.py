"""The simulator's events: generated deterministically, stored compactly, paged fast.

The same seed and clock give the same events, so a failing test can be
replayed; a page of a 100k-event history costs a bisection, not a scan.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import NamedTuple, overload

__all__ = [
    "DEFAULT_EVENT_TYPES",
    "EventStore",
    "NewestFirst",
    "SimEvent",
    "generate_events",
    "pick_types",
]

# Type 4 is the documented one; the others are plausible Monuv analytics.
DEFAULT_EVENT_TYPES: Mapping[int, str] = {
    1: "Detecção de Movimento",
    2: "Detecção de Pessoa",
    3: "Detecção de Veículo",
    4: "Detecção Presença/Ausência",
}
# Motion dominates real feeds; presence/absence is rarer.
_TYPE_WEIGHTS = {1: 6, 2: 2, 3: 1, 4: 1}

_DAY = 86_400
# Camera indexes are packed below the timestamp so that one sort of plain
# ints orders a whole data set (much faster than sorting tuples).
_CAMERA_BITS = 20


class SimEvent(NamedTuple):
    """One stored event: compact, formatted to JSON only when a page is served."""

    id: int
    at: int
    """Unix timestamp, in seconds."""
    camera_id: int
    event_type: int

    def event_at(self, tz: tzinfo) -> datetime:
        """The event's time as an aware datetime in ``tz``."""
        return datetime.fromtimestamp(self.at, tz)


def generate_events(
    *,
    rng: random.Random,
    camera_ids: Sequence[int],
    per_camera_per_day: int,
    days: int,
    end: int,
    event_types: Sequence[int],
    first_id: int = 1,
) -> list[SimEvent]:
    """Events for ``camera_ids`` over ``days`` days ending at ``end``, oldest first.

    Each camera gets ``per_camera_per_day`` events in each 24-hour window
    before ``end``; ids grow with time, like an auto-increment column.
    """
    if len(camera_ids) >= 1 << _CAMERA_BITS:
        msg = f"cameras: at most {(1 << _CAMERA_BITS) - 1} supported"
        raise ValueError(msg)
    rand = rng.random
    packed: list[int] = []
    for day in range(days):
        day_start = end - (day + 1) * _DAY
        for index in range(len(camera_ids)):
            # +1 keeps the newest possible event exactly at ``end``.
            packed.extend(
                ((day_start + 1 + int(rand() * _DAY)) << _CAMERA_BITS) | index
                for _ in range(per_camera_per_day)
            )
    packed.sort()
    types = pick_types(rng, event_types, len(packed)) if event_types else []
    mask = (1 << _CAMERA_BITS) - 1
    return [
        SimEvent(first_id + i, code >> _CAMERA_BITS, camera_ids[code & mask], types[i])
        for i, code in enumerate(packed)
    ]


def pick_types(rng: random.Random, event_types: Sequence[int], k: int) -> list[int]:
    """``k`` types drawn from ``event_types`` (not empty), motion more often than the rest."""
    weights = [_TYPE_WEIGHTS.get(t, 1) for t in event_types]
    return rng.choices(event_types, weights, k=k)


def _key(event: SimEvent) -> tuple[int, int]:
    return (event.at, event.id)


def _at(event: SimEvent) -> int:
    return event.at


class EventStore:
    """Events sorted oldest first by ``(at, id)``, with cached filtered views.

    The date window is found by bisection, so an unfiltered page costs
    O(log n + per_page); camera/type filters are computed once per distinct
    filter and cached until the data set changes.
    """

    def __init__(self, events: list[SimEvent]) -> None:
        self._events = events
        self._by_id = {e.id: e for e in events}
        self._cache: dict[tuple[int | None, frozenset[int] | None], list[SimEvent]] = {}
        self.next_id = (events[-1].id + 1) if events else 1

    def __len__(self) -> int:
        return len(self._events)

    @property
    def oldest_first(self) -> list[SimEvent]:
        """The underlying list; do not mutate it."""
        return self._events

    def get(self, event_id: int) -> SimEvent | None:
        """The event with this id, if it is still stored."""
        return self._by_id.get(event_id)

    def add(self, event: SimEvent) -> None:
        """Store a new event at its place in time."""
        if event.id in self._by_id:
            msg = f"event id {event.id} already exists"
            raise ValueError(msg)
        if not self._events or _key(self._events[-1]) < _key(event):
            self._events.append(event)
        else:
            bisect.insort(self._events, event, key=_key)
        self._by_id[event.id] = event
        self.next_id = max(self.next_id, event.id + 1)
        self._cache.clear()

    def remove_oldest(self, n: int) -> list[SimEvent]:
        """Remove and return the ``n`` oldest events."""
        removed = self._events[:n]
        del self._events[:n]
        for event in removed:
            del self._by_id[event.id]
        self._cache.clear()
        return removed

    def remove_ids(self, ids: set[int]) -> None:
        """Remove every event whose id is in ``ids`` (unknown ids are ignored)."""
        if not ids & self._by_id.keys():
            return
        self._events = [e for e in self._events if e.id not in ids]
        for event_id in ids:
            self._by_id.pop(event_id, None)
        self._cache.clear()

    def window(
        self,
        camera: int | None,
        types: frozenset[int] | None,
        start: int | None,
        end: int | None,
    ) -> tuple[list[SimEvent], int, int]:
        """The events matching the filters, as ``(oldest-first list, lo, hi)``.

        The matching events are ``list[lo:hi]``; ``start`` is inclusive and
        ``end`` exclusive (Unix seconds).
        """
        if camera is None and types is None:
            events = self._events
        else:
            cache_key = (camera, types)
            cached = self._cache.get(cache_key)
            if cached is None:
                cached = [
                    e
                    for e in self._events
                    if (camera is None or e.camera_id == camera)
                    and (types is None or e.event_type in types)
                ]
                if len(self._cache) >= 16:
                    self._cache.clear()
                self._cache[cache_key] = cached
            events = cached
        lo = 0 if start is None else bisect.bisect_left(events, start, key=_at)
        hi = len(events) if end is None else bisect.bisect_left(events, end, key=_at)
        return events, lo, max(lo, hi)


class NewestFirst(Sequence[SimEvent]):
    """A read-only, newest-first view over an oldest-first list (no copy)."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def __len__(self) -> int:
        return len(self._store)

    @overload
    def __getitem__(self, index: int) -> SimEvent: ...
    @overload
    def __getitem__(self, index: slice) -> list[SimEvent]: ...
    def __getitem__(self, index: int | slice) -> SimEvent | list[SimEvent]:
        events = self._store.oldest_first
        if isinstance(index, slice):
            return events[::-1][index]
        n = len(events)
        position = index + n if index < 0 else index
        if not 0 <= position < n:
            msg = "event index out of range"
            raise IndexError(msg)
        return events[n - 1 - position]

    def __iter__(self) -> Iterator[SimEvent]:
        return reversed(self._store.oldest_first)

    def __repr__(self) -> str:
        return f"<{len(self)} events, newest first>"
