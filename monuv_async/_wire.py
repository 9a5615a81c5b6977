"""Reading Monuv's JSON into models: the one cattrs converter and its hooks.

Monuv's answers have quirks this module absorbs in one place:

* timestamps carry no offset (local Brazilian time) and come in two formats,
  ``YYYY-MM-DD HH:MM:SS`` and, for ``event_at``, ``DD/MM/YYYY HH:MM:SS``;
* numbers sometimes arrive as strings (``"document_type": "2"``);
* many bodies are a one-element list wrapping the object;
* some keys differ from the model (``camera_model`` holds a list, ``data``
  holds a page's events).

Keys the models do not know are kept in each model's ``extra`` (read-only);
finding them costs one set comparison per object, and nothing more when there
is none.

A converter depends on the time zone, so one is built per ``tz`` and cached:
its structure functions are generated once, never per call.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, tzinfo
from types import MappingProxyType
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from .models import (
    Camera,
    CameraModel,
    CameraOptions,
    Client,
    DocumentType,
    Event,
    EventPage,
    Manufacturer,
    Resolution,
    User,
)

__all__ = [
    "WireError",
    "check_counts",
    "converter_for",
    "dumps",
    "loads",
    "parse_event_at",
    "parse_timestamp",
    "shown",
    "structure",
    "unwrap_one",
]

T = TypeVar("T")

# "DD/MM/YYYY" -> date: a backfill sees few distinct days and many events per
# day. Cleared when full, so it stays small whatever the history.
_DAYS: dict[str, date] = {}
_DAYS_KEPT = 4096

try:
    import orjson
except ImportError:  # pragma: no cover - exercised only without the speed extra
    orjson = None  # type: ignore[assignment]

_decode: Callable[[bytes], Any] = json.loads if orjson is None else orjson.loads


def loads(body: bytes) -> Any:
    """Decode JSON; any failure, a nesting too deep for the stdlib included, is a ValueError."""
    try:
        return _decode(body)
    except RecursionError:
        msg = "JSON nested too deeply"
        raise ValueError(msg) from None


def dumps(value: Any) -> bytes:
    """Encode ``value`` as compact UTF-8 JSON."""
    if orjson is not None:
        return orjson.dumps(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class WireError(ValueError):
    """A JSON value that does not have the documented shape."""


def unwrap_one(data: object) -> Mapping[str, Any]:
    """Accept ``{...}`` or ``[{...}]`` (Monuv wraps many bodies in a list)."""
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if isinstance(data, dict):
        return data
    msg = f"expected an object or a one-element list of one, got {_describe(data)}"
    raise WireError(msg)


def shown(value: object) -> str:
    """A value for an error message: its repr when short, else only its type and size.

    Never a cut repr: a long string could be a secret the server echoed, and
    a cut one would no longer match the redactor's mask.
    """
    text = repr(value)
    if len(text) <= 40:
        return text
    size = f" of {len(value)}" if isinstance(value, str | list | dict) else ""
    return f"a {type(value).__name__}{size}"


def _describe(value: object) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return type(value).__name__


def _day(text: str) -> date:
    day = _DAYS.get(text)
    if day is None:
        if len(_DAYS) >= _DAYS_KEPT:
            _DAYS.clear()
        day = _DAYS[text] = date.fromisoformat(text[6:10] + "-" + text[3:5] + "-" + text[:2])
    return day


def parse_event_at(value: object, tz: tzinfo) -> datetime:
    """Read ``DD/MM/YYYY HH:MM:SS`` as local time in ``tz``.

    This runs once per event of a backfill, so it avoids ``strptime`` (about
    3.5 us) and ``datetime.replace`` (0.5 us): the day is parsed once per
    distinct date and cached, the time by the C ``time.fromisoformat``, which
    also checks every digit. About 0.3 us in all.
    """
    if (
        type(value) is str
        and len(value) == 19
        and value[2] == value[5] == "/"
        and value[10] == " "
        and value[13] == value[16] == ":"
    ):
        try:
            return datetime.combine(_day(value[:10]), time.fromisoformat(value[11:]), tz)
        except ValueError:
            pass
    msg = f"event_at: expected DD/MM/YYYY HH:MM:SS, got {shown(value)}"
    raise WireError(msg)


def parse_timestamp(value: object, tz: tzinfo) -> datetime:
    """Read ``YYYY-MM-DD HH:MM:SS`` (or ISO 8601) as local time in ``tz``.

    A timestamp that does carry an offset is converted to ``tz``.
    """
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=tz)
            return parsed.astimezone(tz)
    msg = f"expected a timestamp YYYY-MM-DD HH:MM:SS, got {shown(value)}"
    raise WireError(msg)


def _strict_int(value: object, _: object = None) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    msg = f"expected an integer, got {shown(value)}"
    raise WireError(msg)


def _strict_str(value: object, _: object = None) -> str:
    if isinstance(value, str):
        return value
    # Phone numbers and the like sometimes come back as JSON numbers.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    msg = f"expected a string, got {_describe(value)}"
    raise WireError(msg)


def _int_keyed(value: object, _: object = None) -> dict[int, str]:
    if not isinstance(value, dict):
        msg = f"expected an object of codes, got {_describe(value)}"
        raise WireError(msg)
    return {_strict_int(k): _strict_str(v) for k, v in value.items()}


def _object(value: object) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        msg = f"expected an object, got {_describe(value)}"
        raise WireError(msg)
    return value


def _field_int(value: object, field: str) -> int:
    if type(value) is int:
        return value
    if value is None:
        msg = f"missing field {field!r}"
        raise WireError(msg)
    try:
        return _strict_int(value)
    except WireError:
        msg = f"{field}: expected an integer, got {shown(value)}"
        raise WireError(msg) from None


def _known(cls: type[Any], **renames: str) -> frozenset[str]:
    """The wire keys ``cls`` models: its fields (``extra`` aside), renamed as on the wire."""
    return frozenset(renames.get(f.name, f.name) for f in attrs.fields(cls) if f.name != "extra")


def _unknown(body: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any] | None:
    """The keys of ``body`` outside ``known``, read-only; ``None`` (fast) when there is none."""
    if known.issuperset(body):
        return None
    return MappingProxyType({k: v for k, v in body.items() if k not in known})


def _with_extra(model: T, extra: Mapping[str, Any] | None) -> T:
    return model if extra is None else attrs.evolve(model, extra=extra)  # type: ignore[misc]


_EVENT_KEYS = _known(Event)
_PAGE_KEYS = frozenset({"total", "per_page", "current_page", "last_page", "data"})


def check_counts(
    total: int, per_page: int, current_page: int, last_page: int
) -> tuple[int, int, int, int]:
    """A page's counts, refused when impossible (a walk would trust them)."""
    if total < 0:
        msg = f"total: expected a count >= 0, got {total}"
        raise WireError(msg)
    if per_page <= 0:
        msg = f"per_page: expected a size >= 1, got {per_page}"
        raise WireError(msg)
    if current_page < 1:
        msg = f"current_page: expected a page number >= 1, got {current_page}"
        raise WireError(msg)
    if last_page < 0:
        msg = f"last_page: expected a page number >= 0, got {last_page}"
        raise WireError(msg)
    return total, per_page, current_page, last_page


def _event_readers(
    tz: tzinfo,
) -> tuple[Callable[[object, object], Event], Callable[[object, object], EventPage]]:
    """Hand-written readers for events: the one model read millions of times.

    cattrs' generated code spends most of its time dispatching per field;
    these check the common case (the right JSON type) inline and fall back to
    the strict hooks otherwise. Same rules, about three times faster.
    """

    def event(value: object, _: object = None) -> Event:
        if type(value) is not dict:
            msg = f"expected an event object, got {_describe(value)}"
            raise WireError(msg)
        get = value.get
        # The common case inline (a call per field would cost a third of the
        # time); anything else goes through the strict readers.
        id_, kind, camera = get("id"), get("event_type"), get("camera_id")
        if type(id_) is not int:
            id_ = _field_int(id_, "id")
        at = parse_event_at(get("event_at"), tz)
        if type(kind) is not int:
            kind = _field_int(kind, "event_type")
        # One type test per field in the common case; a None (null or missing)
        # clears `full`, and only then are the keys compared for unknown ones.
        full = True
        if type(camera) is not int:
            if camera is None:
                full = False
            else:
                camera = _field_int(camera, "camera_id")
        text, url, name = get("event_description"), get("event_url"), get("camera_description")
        if type(text) is not str:
            if text is None:
                full = False
            else:
                text = _strict_str(text)
        if type(url) is not str:
            if url is None:
                full = False
            else:
                url = _strict_str(url)
        if type(name) is not str:
            if name is None:
                full = False
            else:
                name = _strict_str(name)
        # All seven keys set and no other: no unknown key, no set operation.
        if (full and len(value) == 7) or _EVENT_KEYS.issuperset(value):
            return Event(id_, at, kind, text, url, camera, name)
        return Event(
            id_, at, kind, text, url, camera, name, extra=_unknown(value, _EVENT_KEYS) or {}
        )

    def page(value: object, _: object = None) -> EventPage:
        body = _object(value)
        data = body.get("data", [])
        if type(data) is not list:
            msg = f"data: expected a list of events, got {_describe(data)}"
            raise WireError(msg)
        read = EventPage(
            *check_counts(
                _field_int(body.get("total"), "total"),
                _field_int(body.get("per_page"), "per_page"),
                _field_int(body.get("current_page"), "current_page"),
                _field_int(body.get("last_page"), "last_page"),
            ),
            tuple(map(event, data)),
        )
        return _with_extra(read, _unknown(body, _PAGE_KEYS))

    return event, page


_OPTIONS_GROUPS = frozenset({"manufacturer", "plans", "installation_info"})


@functools.lru_cache(maxsize=16)
def converter_for(tz: tzinfo) -> cattrs.Converter:
    """The converter reading timestamps in ``tz``, built once per zone."""
    conv = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(datetime, lambda v, _: parse_timestamp(v, tz))
    conv.register_structure_hook(DocumentType, lambda v, _: DocumentType(_strict_int(v)))
    conv.register_structure_hook_func(lambda t: t == Mapping[int, str], _int_keyed)

    def register(cls: type[Any], **renames: str) -> None:
        overrides: dict[str, Any] = {n: override(rename=w) for n, w in renames.items()}
        fn = make_dict_structure_fn(cls, conv, extra=override(omit=True), **overrides)
        known = _known(cls, **renames)

        def hook(value: object, _: object = None) -> Any:
            body = _object(value)
            return _with_extra(fn(body, cls), _unknown(body, known))

        conv.register_structure_hook(cls, hook)

    for cls in (User, Client, Camera, CameraModel, Resolution):
        register(cls)
    register(Manufacturer, camera_models="camera_model")
    event, page = _event_readers(tz)
    conv.register_structure_hook(Event, event)
    conv.register_structure_hook(EventPage, page)
    options = make_dict_structure_fn(CameraOptions, conv, extra=override(omit=True))
    known = _known(CameraOptions)

    def camera_options(value: object, _: object = None) -> CameraOptions:
        body = _object(value)
        plans = _object(body.get("plans", {}))
        info = _object(body.get("installation_info", {}))
        flat = {"manufacturers": body.get("manufacturer", []), **plans, **info}
        # Unknown keys at the top level and inside plans/installation_info, in one mapping.
        top = {k: v for k, v in body.items() if k not in _OPTIONS_GROUPS}
        extra = _unknown({**top, **flat}, known)
        return _with_extra(options(flat, CameraOptions), extra)

    conv.register_structure_hook(CameraOptions, camera_options)
    return conv


def structure(data: object, cls: type[T], tz: tzinfo) -> T:
    """Build ``cls`` from JSON ``data`` (raises on any shape mismatch)."""
    return converter_for(tz).structure(data, cls)
