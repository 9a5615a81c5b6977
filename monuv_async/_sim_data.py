"""Data behind :class:`monuv_async.testing.MonuvSimulator`: options, events, snapshots.

Everything here is deterministic: the same seed and clock give the same
events and the same snapshot bytes, so a failing test can be replayed.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import json
import math
import random
import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any, NamedTuple, overload

from aiohttp import web

__all__ = [
    "CAMERA_NAMES",
    "DEFAULT_CAMERA_OPTIONS",
    "DEFAULT_EVENT_TYPES",
    "ApiError",
    "EventQuery",
    "EventStore",
    "NewestFirst",
    "OptionSets",
    "SimEvent",
    "Validator",
    "as_int",
    "camera_fields",
    "check_user",
    "generate_events",
    "json_bytes",
    "json_response",
    "parse_event_query",
    "seeded_rng",
    "snapshot_bytes",
]

# A copy of fixtures/camera_options.json: the package must not read the
# shared fixtures at runtime.
DEFAULT_CAMERA_OPTIONS: Mapping[str, Any] = {
    "manufacturer": [
        {
            "id": 5,
            "name": "Hikvision",
            "camera_model": [
                {"id": 6, "name": "Câmera IP", "manufacturer_id": 5},
                {"id": 25, "name": "DVR", "manufacturer_id": 5},
            ],
        },
        {
            "id": 22,
            "name": "Generico",
            "camera_model": [
                {"id": 39, "name": "Camera IP", "manufacturer_id": 22},
                {"id": 40, "name": "DVR", "manufacturer_id": 22},
            ],
        },
    ],
    "plans": {"history_days": [1, 3, 7], "resolutions": [{"id": 1, "name": "VGA"}]},
    "installation_info": {
        "installation_local": {
            "1": "Privado (dentro de dependências privadas)",
            "2": "Público (ruas, praças, etc)",
        },
        "installation_area": {"1": "Área interna", "2": "Área externa"},
        "equipment_state": {"1": "Câmera/DVR novo", "2": "Câmera/DVR pré-existente"},
    },
}

# Type 4 is the documented one; the others are plausible Monuv analytics.
DEFAULT_EVENT_TYPES: Mapping[int, str] = {
    1: "Detecção de Movimento",
    2: "Detecção de Pessoa",
    3: "Detecção de Veículo",
    4: "Detecção Presença/Ausência",
}
# Motion dominates real feeds; presence/absence is rarer.
_TYPE_WEIGHTS = {1: 6, 2: 2, 3: 1, 4: 1}

CAMERA_NAMES = (
    "Portaria",
    "Garagem",
    "Recepção",
    "Estacionamento",
    "Corredor",
    "Depósito",
    "Entrada Lateral",
    "Fundos",
)

_DAY = 86_400
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Camera indexes are packed below the timestamp so that one sort of plain
# ints orders a whole data set (much faster than sorting tuples).
_CAMERA_BITS = 20


def seeded_rng(seed: int) -> random.Random:
    """A pseudo-random generator for reproducible data (nothing secret comes from it)."""
    # Determinism is the point here, so S311's advice (use secrets) cannot apply.
    return random.Random(seed)  # noqa: S311


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
    weights = [_TYPE_WEIGHTS.get(t, 1) for t in event_types]
    types = rng.choices(event_types, weights, k=len(packed)) if event_types else []
    mask = (1 << _CAMERA_BITS) - 1
    return [
        SimEvent(first_id + i, code >> _CAMERA_BITS, camera_ids[code & mask], types[i])
        for i, code in enumerate(packed)
    ]


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


def json_bytes(data: object) -> bytes:
    """Encode like PHP's ``json_encode`` with unescaped unicode: slashes become ``\\/``.

    ``/`` never appears in JSON outside strings, so replacing it everywhere
    is safe, and it reproduces the documented bodies (``"Câmera\\/DVR"``).
    """
    return json.dumps(data, ensure_ascii=False).replace("/", "\\/").encode()


_JPEG_HEAD = bytes.fromhex("ffd8ffe000104a46494600010100000100010000")


def snapshot_bytes(event_id: int, seed: int) -> bytes:
    """A small JPEG-looking image (SOI/JFIF header ... EOI), the same for the same id."""
    rng = seeded_rng(event_id * 1_000_003 + seed)
    return _JPEG_HEAD + rng.randbytes(2048 + event_id % 2048) + b"\xff\xd9"


# -- request validation ---------------------------------------------------------


class ApiError(Exception):
    """An error answer, raised by a handler and turned into a response."""

    def __init__(self, status: int, body: object, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def json_response(
    data: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON answer encoded like Monuv's."""
    return web.Response(
        status=status,
        body=json_bytes(data),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def as_int(value: object) -> int | None:
    """Read an integer the way Laravel's ``integer`` rule accepts one (``4`` or ``"4"``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


class Validator:
    """Collects Laravel-style errors: ``{"field": ["The field ..."]}``."""

    def __init__(
        self, data: Mapping[str, Any], prefix: str = "", errors: dict[str, list[str]] | None = None
    ) -> None:
        self.data = data
        self.prefix = prefix
        self.errors: dict[str, list[str]] = {} if errors is None else errors

    def add(self, field: str, message: str) -> None:
        """Record an error for ``field``."""
        self.errors.setdefault(self.prefix + field, []).append(message)

    def attr(self, field: str) -> str:
        """The human name Laravel puts in messages."""
        return (self.prefix + field).replace("_", " ")

    def _value(self, field: str, required: bool) -> object:
        value = self.data.get(field)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None and required:
            self.add(field, f"The {self.attr(field)} field is required.")
        return value

    def string(self, field: str, *, required: bool = True) -> str | None:
        """A required (or optional) non-empty string field."""
        value = self._value(field, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.add(field, f"The {self.attr(field)} must be a string.")
            return None
        return value

    def integer(
        self, field: str, *, required: bool = True, choices: Iterable[int] | None = None
    ) -> int | None:
        """An integer field, optionally restricted to ``choices``."""
        value = self._value(field, required)
        if value is None:
            return None
        number = as_int(value)
        if number is None:
            self.add(field, f"The {self.attr(field)} must be an integer.")
        elif choices is not None and number not in choices:
            self.add(field, f"The selected {self.attr(field)} is invalid.")
            return None
        return number

    def coordinate(self, field: str, limit: float) -> str | None:
        """A latitude/longitude: a number within ±``limit``, kept as sent."""
        value = self._value(field, False)
        if value is None:
            return None
        number = math.nan
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            with contextlib.suppress(ValueError):
                number = float(value)
        if not -limit <= number <= limit:
            self.add(field, f"The {self.attr(field)} must be between -{limit:g} and {limit:g}.")
            return None
        return str(value)

    def check(self) -> None:
        """Raise a 422 :class:`ApiError` if anything was recorded."""
        if self.errors:
            raise ApiError(422, {"message": "The given data was invalid.", "errors": self.errors})


@dataclasses.dataclass(frozen=True)
class OptionSets:
    """The ids a camera request may use, read from the camera options."""

    resolutions: frozenset[int] | None
    history_days: frozenset[int] | None
    manufacturers: Mapping[int, frozenset[int]] | None
    installation: Mapping[str, frozenset[int]]

    @classmethod
    def read(cls, options: Mapping[str, Any]) -> OptionSets:
        # Caller-provided options may be partial: a missing list disables
        # the check rather than rejecting every value.
        plans = options.get("plans") or {}
        resolutions = plans.get("resolutions")
        days = plans.get("history_days")
        makers = options.get("manufacturer")
        info = options.get("installation_info") or {}
        return cls(
            resolutions=None if resolutions is None else frozenset(r["id"] for r in resolutions),
            history_days=None if days is None else frozenset(days),
            manufacturers=None
            if makers is None
            else {m["id"]: frozenset(cm["id"] for cm in m.get("camera_model", ())) for m in makers},
            installation={
                key: frozenset(int(code) for code in codes) for key, codes in info.items()
            },
        )


def check_user(
    item: object,
    v: Validator,
    prefix: str,
    batch_emails: set[str],
    is_taken: Callable[[str], bool],
) -> dict[str, Any] | None:
    """Validate one "create client user" body; ``None`` if it had errors.

    Errors go to ``v`` under ``prefix`` (``"users.0."`` inside a client).
    ``batch_emails`` collects the e-mails of one request (``distinct``);
    ``is_taken`` says whether an e-mail (casefolded) already exists.
    """
    if not isinstance(item, Mapping):
        field = prefix.rstrip(".")
        v.add(field, f"The {v.attr(field)} must be an object.")
        return None
    u = Validator(item, v.prefix + prefix, v.errors)
    before = sum(map(len, v.errors.values()))
    name = u.string("name")
    email = u.string("email")
    if email is not None:
        key = email.casefold()
        if "@" not in email.strip("@"):
            u.add("email", f"The {u.attr('email')} must be a valid email address.")
        elif key in batch_emails:
            u.add("email", f"The {u.attr('email')} field has a duplicate value.")
        elif is_taken(key):
            u.add("email", f"The {u.attr('email')} has already been taken.")
        batch_emails.add(key)
    phone = u.string("phone")
    user_type = u.integer("user_type", choices=(1, 2))
    password = u.string("password")
    confirmation = u.string("password_conf")
    if password is not None and confirmation is not None and password != confirmation:
        u.add("password_conf", f"The {u.attr('password_conf')} and password must match.")
    if sum(map(len, v.errors.values())) != before:
        return None
    # The password is checked, never stored.
    return {"name": name, "email": email, "phone": phone, "user_type": user_type}


def camera_fields(
    v: Validator, options: OptionSets, clients: Container[int], *, creating: bool
) -> dict[str, Any]:
    """Validate a create/update camera body; the fields that were sent, or a 422."""
    client_id = v.integer("client_id")
    if client_id is not None and client_id not in clients:
        v.add("client_id", "The selected client id is invalid.")
    fields: dict[str, Any] = {
        "client_id": client_id,
        "description": v.string("description", required=creating),
        "camera_address": v.string("camera_address", required=False),
        "latitude": v.coordinate("latitude", 90),
        "longitude": v.coordinate("longitude", 180),
        "connection_type": v.integer("connection_type", required=False),
        "resolution_id": v.integer("resolution_id", required=False, choices=options.resolutions),
        "history_days": v.integer("history_days", required=False, choices=options.history_days),
    }
    makers = options.manufacturers
    maker = v.integer("manufacturer_id", required=False, choices=makers)
    models = None
    if makers is not None:
        models = makers[maker] if maker is not None else frozenset().union(*makers.values())
    fields["manufacturer_id"] = maker
    fields["camera_model_id"] = v.integer("camera_model_id", required=False, choices=models)
    for key in ("installation_local", "installation_area", "equipment_state"):
        fields[key] = v.integer(key, required=False, choices=options.installation.get(key))
    v.check()
    return {key: value for key, value in fields.items() if value is not None}


class EventQuery(NamedTuple):
    """The filters of one ``GET /api/v1/events``."""

    camera: int | None
    types: frozenset[int] | None
    start: date | None
    end: date | None
    page: int


def _parse_day(v: Validator, key: str) -> date | None:
    raw = v.string(key, required=False)
    if raw is None:
        return None
    if _DATE.fullmatch(raw):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(raw)
    v.add(key, f"The {v.attr(key)} does not match the format Y-m-d.")
    return None


def parse_event_query(query: Mapping[str, str]) -> EventQuery:
    """Read the events filters; a 422 :class:`ApiError` names every bad one."""
    v = Validator({k: value for k, value in query.items() if k != "token"})
    camera = v.integer("camera", required=False)
    types = None
    raw_types = v.string("event_types", required=False)
    if raw_types is not None:
        parts = [as_int(part) for part in raw_types.split(",")]
        if any(part is None for part in parts):
            v.add("event_types", "The event types must be a comma-separated list of integers.")
        else:
            types = frozenset(part for part in parts if part is not None)
    start, end = _parse_day(v, "start_at"), _parse_day(v, "end_at")
    if start is not None and end is not None and end < start:
        v.add("end_at", "The end at must be a date after or equal to start at.")
    page = v.integer("page", required=False)
    if page is not None and page < 1:
        v.add("page", "The page must be at least 1.")
    v.check()
    return EventQuery(camera, types, start, end, page or 1)
