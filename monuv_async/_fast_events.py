"""A fast reader for event pages: the plainly valid case only, else ``None``.

A backfill reads millions of events; the strict reader
(:mod:`monuv_async._wire`) spends most of its time per field and per
timestamp. This one reads a page's bytes in one pass when every value has
the plain JSON type the API documents, and builds the same frozen
:class:`Event` objects:

* with msgspec (the ``speed`` extra), a typed decode into Structs that
  refuse unknown keys, bools and floats for integers, numbers for strings
  and integers beyond 64 bits; without it, ``loads`` and the same checks in
  Python;
* ``event_at`` from a table of validated hours (``"DD/MM/YYYY HH"``, each
  read once by the strict :func:`~monuv_async._wire.parse_event_at`), the
  minute's start made once per run of events in one minute, and the
  seconds added from a table of the 60 canonical ``":SS"``;
* each :class:`Event` filled as an instance of a private, mutable subclass
  of the same layout (plain attribute stores, straight into the slots), in
  a loop generated from ``attrs.fields(Event)``, then re-classed: the result
  is a real, frozen, equal ``Event``, without the per-call ``__init__`` or
  descriptor-call overhead.

Anything else (an unknown key, a number as a string, an unreadable time,
impossible counts, the page wrapped unusually) returns ``None`` and the
caller reads the page with the strict reader, which gives the same result or
the same error. So the fast path can only be faster, never different; the
property tests check exactly that.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Annotated, Any

import attrs

from ._wire import WireError, check_counts, loads, parse_event_at
from .models import Event, EventPage

__all__ = ["WIRE_TYPES", "fast_reader", "read_page"]

try:
    import msgspec
except ImportError:  # pragma: no cover - exercised only without the speed extra
    msgspec = None  # type: ignore[assignment]

_Int64: Any = int
if msgspec is not None:
    # orjson reads integers beyond 64 bits as floats: such a value must take
    # the strict path, which sees what orjson makes of it.
    _Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]

WIRE_TYPES: dict[str, tuple[type, bool, bool]] = {
    "id": (int, True, False),
    "event_at": (str, True, False),
    "event_type": (int, True, False),
    "event_description": (str, False, True),
    "event_url": (str, False, False),
    "camera_id": (int, False, False),
    "camera_description": (str, False, True),
}
"""The keys of an event the API documents: JSON type, whether required, whether shared.

Named as :class:`Event`'s fields; an ``Event`` field not listed here (such as
one for unknown keys) takes its default on the fast path. A *shared* value
repeats across events (a camera's or an event type's description): one
string object is kept per distinct value, so pages held ahead cost less.
"""

_PAGE_KEYS = frozenset({"total", "per_page", "current_page", "last_page", "data"})
_EVENT_KEYS = frozenset(WIRE_TYPES)
_EVENT_REQUIRED = frozenset(k for k, (_, required, _) in WIRE_TYPES.items() if required)
# Distinct shared strings kept; cleared when full (sharing is an economy only).
_SHARED_KEPT = 4096
# Hours are few (24 a day); cleared when full so a long history stays small.
_HOURS_KEPT = 8192
# ":MM" and ":SS" -> their offsets, for the canonical spellings only. Two
# tables of 60, not one of the 3,600 ":MM:SS": that one (keys, values and
# hash table, about 370 kB) took a cache line or more per event from wherever
# it lay, and with a page being read it no longer fit a core's cache. Under a
# simulated 512 kB cache, reading 40 pages of 500 events missed it 18.5 times
# per event with the big table, and 11.2 times with these.
_MINUTES = {f":{m:02d}": timedelta(minutes=m) for m in range(60)}
_SECONDS = {f":{s:02d}": timedelta(seconds=s) for s in range(60)}


def _builder_source(
    fields: tuple[attrs.Attribute[Any], ...], access: Callable[[str], str], *, checked: bool
) -> str | None:
    """The source of the loop building Events from decoded rows, or None if it cannot.

    ``access(name)`` is the expression reading key ``name`` of ``row``;
    ``checked`` adds the checks of rows that are plain dicts (a typed decode
    has done them already). A time whose ``":MM"`` or ``":SS"`` is not in
    its table raises ``KeyError``, which the reader takes as "not plainly
    valid".
    """
    body = []
    for field in fields:
        target = f"event.{field.name}"
        if field.name == "event_at":
            # Subscripts, not .get() and a test: no method call per event.
            body.append(f"        {target} = base + seconds[at[second_part]]")
        elif field.name in WIRE_TYPES:
            kind, required, shared = WIRE_TYPES[field.name]
            if not (checked or shared):
                body.append(f"        {target} = {access(field.name)}")
                continue
            body.append(f"        value = {access(field.name)}")
            if checked and required:
                body.append(f"        if type(value) is not {kind.__name__}:")
                body.append("            return None")
            elif checked:
                body.append(f"        if value is not None and type(value) is not {kind.__name__}:")
                body.append("            return None")
            if not shared:
                body.append(f"        {target} = value")
                continue
            # One string object per distinct value, the first one seen. A
            # subscript of a plain dict in a try (free until it raises), not
            # a dict subclass with __missing__: the interpreter's fast path
            # for dict subscripts takes exact dicts only; measured, reading
            # a page cost 3% less.
            body.append("        try:")
            body.append(f"            {target} = strings[value]")
            body.append("        except KeyError:")
            body.append(f"            {target} = strings.setdefault(value, value)")
        elif _default(field) is not attrs.NOTHING:
            body.append(f"        {target} = default_{field.name}")
        else:
            return None  # a field the wire does not fill and that has no default
    row_check = (
        [
            "        if type(row) is not dict or not event_keys >= row.keys():",
            "            return None",
        ]
        if checked
        else []
    )
    at_check = ["        if type(at) is not str:", "            return None"] if checked else []
    lines = [
        "def build(rows, hour, building, cls):",
        "    out = []",
        "    append = out.append",
        "    last = last_hour = None",
        "    for row in rows:",
        *row_check,
        f"        at = {access('event_at')}",
        *at_check,
        # Events come newest first, often several to a minute and many to
        # an hour: comparing with the last one's costs less than a lookup.
        "        prefix = at[minute_part]",
        "        if prefix != last:",
        "            hour_prefix = prefix[hour_part]",
        "            if hour_prefix != last_hour:",
        "                try:",
        "                    hour_base = hours[hour_prefix]",
        "                except KeyError:",  # a new hour: read once by the strict reader
        "                    hour_base = hour(hour_prefix)",
        "                    if hour_base is None:",
        "                        return None",
        "                last_hour = hour_prefix",
        "            base = hour_base + minutes[prefix[minute_part_tail]]",
        "            last = prefix",
        "        event = building()",
        *body,
        "        event.__class__ = cls",
        "        append(event)",
        "    return out",
    ]
    return "\n".join(lines)


class _Building(Event):
    """An :class:`Event` under construction: its slots set as plain attributes.

    Same layout as ``Event`` (no slot of its own), so each instance becomes a
    real ``Event`` by assigning ``__class__`` once filled. Why: with
    ``object.__setattr__`` as its ``__setattr__`` the interpreter stores each
    field straight into its slot, where a frozen ``Event``'s slots can only be
    set through their descriptors' ``__set__``, an argument tuple and three C
    calls per field.
    """

    __slots__ = ()
    __init__ = object.__init__
    # Both, or the interpreter keeps calling through Python for either.
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__


class _Reader:
    """The fast reader for one time zone (its table of hours is per zone)."""

    def __init__(self, tz: tzinfo, *, use_msgspec: bool) -> None:
        self._tz = tz
        self._hours: dict[str, datetime] = {}
        fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(Event)
        self._shared: dict[str | None, str | None] = {}
        source = _builder_source(
            fields, _attribute if use_msgspec else _key, checked=not use_msgspec
        )
        self._build: Callable[..., list[Event] | None] | None = None
        if source is None:
            return
        namespace: dict[str, Any] = {
            "hours": self._hours,
            "minutes": _MINUTES,
            "seconds": _SECONDS,
            "strings": self._shared,
            "event_keys": _EVENT_KEYS,
            # Slice objects made once: `at[:16]` builds (and frees) a new
            # one for every event, about 2% of a page's reading.
            "minute_part": slice(None, 16),  # "DD/MM/YYYY HH:MM"
            "hour_part": slice(None, 13),  # "DD/MM/YYYY HH"
            "minute_part_tail": slice(13, None),  # ":MM", of the minute's part
            "second_part": slice(16, None),  # ":SS"
        }
        for field in fields:
            namespace[f"default_{field.name}"] = _default(field)
        exec(source, namespace)  # noqa: S102 - generated from the model's own fields
        self._build = namespace["build"]
        self._decode = _msgspec_decoder() if use_msgspec else None

    def _hour(self, prefix: str) -> datetime | None:
        """``"DD/MM/YYYY HH"`` as an aware datetime, checked by the strict reader once."""
        try:
            value = parse_event_at(prefix + ":00:00", self._tz)
        except WireError:
            return None
        if len(self._hours) >= _HOURS_KEPT:
            self._hours.clear()
        self._hours[prefix] = value
        return value

    def read(self, body: bytes) -> EventPage | None:
        """The page in ``body``, or ``None`` to have the strict reader read it."""
        if self._build is None:
            return None
        try:
            if self._decode is not None:
                return self._read_structs(body)
            return self._read_dicts(body)
        except Exception:
            return None

    def _read_structs(self, body: bytes) -> EventPage | None:
        assert self._decode is not None
        decoded = self._decode(body)
        if isinstance(decoded, list):
            if len(decoded) != 1:
                return None
            decoded = decoded[0]
        return self._page(
            decoded.total, decoded.per_page, decoded.current_page, decoded.last_page, decoded.data
        )

    def _read_dicts(self, body: bytes) -> EventPage | None:
        data = loads(body)
        if type(data) is list and len(data) == 1:
            data = data[0]
        if type(data) is not dict or not data.keys() <= _PAGE_KEYS:
            return None
        rows = data.get("data", [])
        total, per_page, current, last = (
            data.get(k) for k in ("total", "per_page", "current_page", "last_page")
        )
        if type(rows) is not list or not (
            type(total) is type(per_page) is type(current) is type(last) is int
        ):
            return None
        return self._page(total, per_page, current, last, rows)

    def _page(
        self, total: int, per_page: int, current_page: int, last_page: int, rows: list[Any]
    ) -> EventPage | None:
        try:
            counts = check_counts(total, per_page, current_page, last_page)
        except WireError:
            return None
        assert self._build is not None
        if len(self._shared) >= _SHARED_KEPT:
            self._shared.clear()
        events = self._build(rows, self._hour, _Building, Event)
        if events is None:
            return None
        return EventPage(*counts, tuple(events))


def _default(field: attrs.Attribute[Any]) -> Any:
    """The value a field not on the wire takes, or ``attrs.NOTHING`` if it has none."""
    default: Any = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            return attrs.NOTHING
        # Built once and shared: only sound for an immutable value, such as
        # the read-only mapping of unknown keys.
        return default.factory()
    return default


def _attribute(name: str) -> str:
    return f"row.{name}"


def _key(name: str) -> str:
    # Required keys were checked present; optional ones may be missing.
    return f"row[{name!r}]" if name in _EVENT_REQUIRED else f"row.get({name!r})"


@functools.cache
def _msgspec_decoder() -> Callable[[bytes], Any]:
    """A decoder of a page (bare or in a list) into Structs that refuse anything unusual."""
    assert msgspec is not None
    event_fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for name, (kind, required, _) in WIRE_TYPES.items():
        wire: Any = _Int64 if kind is int else kind
        if required:
            event_fields.append((name, wire))
        else:
            event_fields.append((name, wire | None, None))
    # gc=False: a row holds only ints, strings and None, so it can be in no
    # cycle; tracked, the 500 rows of a page count towards (and are walked
    # by) the collections their page's Events already cause.
    row = msgspec.defstruct("Row", event_fields, forbid_unknown_fields=True, gc=False)
    page = msgspec.defstruct(
        "Page",
        [
            ("total", _Int64),
            ("per_page", _Int64),
            ("current_page", _Int64),
            ("last_page", _Int64),
            ("data", list[row], msgspec.field(default_factory=list)),  # type: ignore[valid-type]
        ],
        forbid_unknown_fields=True,
    )
    return msgspec.json.Decoder(page | list[page]).decode  # type: ignore[valid-type]


@functools.lru_cache(maxsize=16)
def fast_reader(
    tz: tzinfo, *, use_msgspec: bool | None = None
) -> Callable[[bytes], EventPage | None]:
    """The fast page reader for ``tz`` (msgspec when installed, unless told otherwise)."""
    if use_msgspec is None:
        use_msgspec = msgspec is not None
    return _Reader(tz, use_msgspec=use_msgspec).read


def read_page(body: bytes, tz: tzinfo) -> EventPage | None:
    """The events page in ``body`` read fast, or ``None`` for the strict reader to read it."""
    return fast_reader(tz)(body)
