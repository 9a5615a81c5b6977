"""Where a watch stands, as stable JSON: :class:`WatchCheckpoint`.

A checkpoint is a copy of the watch's state after the events yielded so far
(see :mod:`monuv_async._watch_state`): the filters, the horizon ``low``, the
ids delivered inside the look-back window with their times, and a running
poll's ``cut`` and cursor. It holds ids of the look-back window only, so its
size does not grow with the time a watch runs. Loading checks every field and
its invariants: a corrupt or hostile text is a ``ValueError``, never a watch
that silently skips or repeats.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import attrs

from ._watch_state import Filters, WatchState
from ._wire import loads

__all__ = ["MAX_CHECKPOINT_IDS", "WatchCheckpoint"]

_VERSION = 1
_KIND = "monuv_async.watch"
MAX_CHECKPOINT_IDS = 1_000_000
"""More ids than any look-back window holds: a larger checkpoint is corrupt."""
# The days of the longest look-back, and then some.
_MAX_DAYS = 31
# A million ids as [id, time] pairs is ~25 MB of JSON; refuse to parse more.
_MAX_TEXT = 64 * 1024 * 1024


@attrs.frozen(slots=True)
class WatchCheckpoint:
    """The state of an event watch after the events yielded so far.

    Take it from :attr:`EventWatch.checkpoint <monuv_async.watch.EventWatch.checkpoint>`,
    save :meth:`to_json`, and pass :meth:`from_json` of it as ``resume_from``
    to a new watch with the same filters: it yields what arrived meanwhile,
    nothing twice. ``yielded`` counts the events yielded in all.
    """

    filters: Filters
    low: datetime
    known: Mapping[int, datetime] = attrs.field(factory=dict)
    cut: datetime | None = None
    cursor: datetime | None = None
    cursor_ids: frozenset[int] = frozenset()
    totals: Mapping[date, int] = attrs.field(factory=dict)
    zone: str = ""
    yielded: int = 0
    priming: bool = False

    @classmethod
    def of(cls, state: WatchState) -> WatchCheckpoint:
        """A snapshot of ``state`` (copies: the watch goes on changing it)."""
        return cls(**_copied(state, ids=frozenset))

    def state(self) -> WatchState:
        """A fresh, mutable state to continue from."""
        return WatchState(**_copied(self, ids=set))

    def to_json(self) -> str:
        """Serialise to JSON (versioned, stable key order, times in UTC)."""
        return json.dumps(
            {
                "version": _VERSION,
                "kind": _KIND,
                "filters": dict(self.filters),
                "low": _instant(self.low),
                "cut": None if self.cut is None else _instant(self.cut),
                "cursor": None if self.cursor is None else _instant(self.cursor),
                "cursor_ids": sorted(self.cursor_ids),
                # Event times have whole seconds: epoch seconds keep it compact.
                "known": [[key, int(at.timestamp())] for key, at in sorted(self.known.items())],
                "totals": {day.isoformat(): n for day, n in sorted(self.totals.items())},
                "zone": self.zone,
                "yielded": self.yielded,
                "priming": self.priming,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> WatchCheckpoint:
        """Read a checkpoint written by :meth:`to_json`; ``ValueError`` if it is not a sound one."""
        raw = text.encode() if isinstance(text, str) else text
        if not isinstance(raw, bytes):
            msg = "checkpoint: must be str or bytes"
            raise TypeError(msg)
        if len(raw) > _MAX_TEXT:
            msg = f"checkpoint: larger than {_MAX_TEXT} bytes"
            raise ValueError(msg)
        try:
            data = loads(raw)
        except ValueError:
            data = None
        if (
            not isinstance(data, dict)
            or data.get("version") != _VERSION
            or data.get("kind") != _KIND
        ):
            msg = "checkpoint: not a monuv_async watch checkpoint (version 1 JSON)"
            raise ValueError(msg)
        checkpoint = cls(
            filters=_filters(data.get("filters")),
            low=_read_instant("low", data.get("low")),
            known=_known(data.get("known")),
            cut=_optional_instant("cut", data.get("cut")),
            cursor=_optional_instant("cursor", data.get("cursor")),
            cursor_ids=frozenset(_ids("cursor_ids", data.get("cursor_ids"))),
            totals=_totals(data.get("totals")),
            zone=_zone(data.get("zone")),
            yielded=_count("yielded", data.get("yielded")),
            priming=_flag("priming", data.get("priming")),
        )
        checkpoint.check()
        return checkpoint

    def check(self) -> None:
        """``ValueError`` unless the fields hang together as a watch leaves them."""
        if self.cut is not None and self.cut < self.low:
            msg = "checkpoint: 'cut' is before 'low'"
            raise ValueError(msg)
        if self.cursor is not None and (self.cut is None or not self.low <= self.cursor < self.cut):
            msg = "checkpoint: 'cursor' must lie between 'low' and 'cut'"
            raise ValueError(msg)
        if self.cursor is None and self.cursor_ids:
            msg = "checkpoint: 'cursor_ids' without a 'cursor'"
            raise ValueError(msg)
        # Whole seconds: an event time read back from JSON is truncated.
        floor = self.low.replace(microsecond=0)
        if any(at < floor for at in self.known.values()):
            msg = "checkpoint: 'known' holds an id older than 'low' (outside the look-back)"
            raise ValueError(msg)


def _instant(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def _read_instant(field: str, value: object) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        msg = f"checkpoint: {field!r} must be an ISO 8601 time"
        raise ValueError(msg)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        msg = f"checkpoint: {field!r} must be an ISO 8601 time, got {value!r}"
        raise ValueError(msg) from None
    if when.tzinfo is None:
        msg = f"checkpoint: {field!r} must have a UTC offset"
        raise ValueError(msg)
    return when


def _optional_instant(field: str, value: object) -> datetime | None:
    return None if value is None else _read_instant(field, value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"checkpoint: {field!r} must be a count"
        raise ValueError(msg)
    return value


def _flag(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        msg = f"checkpoint: {field!r} must be true or false"
        raise ValueError(msg)
    return value


def _ids(field: str, value: object) -> list[int]:
    if not isinstance(value, list) or len(value) > MAX_CHECKPOINT_IDS:
        msg = f"checkpoint: {field!r} must be a list of at most {MAX_CHECKPOINT_IDS} ids"
        raise ValueError(msg)
    if not all(_is_int(v) and v >= 1 for v in value):
        msg = f"checkpoint: {field!r} must hold event ids (ints >= 1)"
        raise ValueError(msg)
    return value


def _known(value: object) -> dict[int, datetime]:
    if not isinstance(value, list) or len(value) > MAX_CHECKPOINT_IDS:
        msg = f"checkpoint: 'known' must be a list of at most {MAX_CHECKPOINT_IDS} [id, time]"
        raise ValueError(msg)
    known: dict[int, datetime] = {}
    for pair in value:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(_is_int(v) for v in pair)
            or pair[0] < 1
            or not 0 <= pair[1] < 2**37  # year 6325: far beyond any event, within datetime
        ):
            msg = f"checkpoint: bad 'known' entry {pair!r:.40}"
            raise ValueError(msg)
        known[pair[0]] = datetime.fromtimestamp(pair[1], UTC)
    return known


def _totals(value: object) -> dict[date, int]:
    if not isinstance(value, dict) or len(value) > _MAX_DAYS:
        msg = f"checkpoint: 'totals' must be an object of at most {_MAX_DAYS} days"
        raise ValueError(msg)
    totals: dict[date, int] = {}
    for key, total in value.items():
        try:
            day = date.fromisoformat(key)
        except ValueError:
            msg = f"checkpoint: bad 'totals' day {key!r:.40}"
            raise ValueError(msg) from None
        totals[day] = _count("totals", total)
    return totals


def _zone(value: object) -> str:
    if not isinstance(value, str) or len(value) > 100:
        msg = "checkpoint: 'zone' must be a time zone name"
        raise ValueError(msg)
    return value


def _filters(value: object) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != {"camera", "event_types"}:
        msg = "checkpoint: 'filters' must be an object with 'camera' and 'event_types'"
        raise ValueError(msg)
    camera, types = value["camera"], value["event_types"]
    if camera is not None and not (_is_int(camera) and camera >= 1):
        msg = "checkpoint: 'filters.camera' must be a camera id or null"
        raise ValueError(msg)
    if types is not None:
        if not types:
            msg = "checkpoint: 'filters.event_types' must be a non-empty list or null"
            raise ValueError(msg)
        _ids("filters.event_types", types)
    return {"camera": camera, "event_types": types}


def _copied(
    source: WatchState | WatchCheckpoint, *, ids: type[set[int] | frozenset[int]]
) -> dict[str, Any]:
    """``source``'s fields by name, its mappings and id sets copied (``ids``: their new type).

    One list for both directions: the two classes have the same fields
    (a test holds them to it).
    """
    fields: dict[str, Any] = {}
    for field in attrs.fields(WatchState):
        value = getattr(source, field.name)
        if isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, set | frozenset):
            value = ids(value)
        fields[field.name] = value
    return fields
