"""One pure function per operation: arguments in, a :class:`~monuv_async._spec.Spec` out.

A spec (:mod:`monuv_async._spec`) says everything about a request and how to
read its successful answer, without doing any I/O, so every operation can be
tested without a network or an event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, tzinfo
from typing import Any, TypeVar

import attrs

from ._checks import check_int
from ._fast_events import read_page
from ._spec import TOKEN, Refused, Spec
from ._wire import WireError, shown, structure, unwrap_one
from .documents import normalize_document
from .models import Camera, CameraOptions, Client, EventPage, User
from .requests import CameraUpdate, NewCamera, NewClient, NewUser

__all__ = [
    "EventFilters",
    "block_client",
    "block_user",
    "camera_options",
    "check_id",
    "create_camera",
    "create_client",
    "create_client_user",
    "event_filters",
    "events_page",
    "unblock_client",
    "unblock_user",
    "update_camera",
]

T = TypeVar("T")


def _model_reader(cls: type[T]) -> Callable[[object, tzinfo], T]:
    def read(data: object, tz: tzinfo) -> T:
        return structure(unwrap_one(data), cls, tz)

    return read


def _page_reader(number: int) -> Callable[[object, tzinfo], EventPage]:
    def read(data: object, tz: tzinfo) -> EventPage:
        page = structure(unwrap_one(data), EventPage, tz)
        # A server or cache ignoring ?page= answers page 1 for every page: a
        # walk trusting it would yield page 1 again and lose the rest.
        if page.current_page != number:
            msg = f"current_page: asked for page {number}, got page {page.current_page}"
            raise WireError(msg)
        return page

    return read


def _fast_page_reader(number: int) -> Callable[[bytes, tzinfo], EventPage | None]:
    def read(body: bytes, tz: tzinfo) -> EventPage | None:
        page = read_page(body, tz)
        # Any doubt, a wrong page included, goes to the strict reader.
        return page if page is not None and page.current_page == number else None

    return read


def _read_code(data: object, _: tzinfo) -> None:
    body = unwrap_one(data)
    code = body.get("code")
    if not isinstance(code, int) or isinstance(code, bool):
        msg = f"expected an integer 'code', got {shown(code)}"
        raise WireError(msg)
    if code != 0:
        raise Refused(code, str(body.get("msg") or ""))


_API = ("api", "v1")


def create_client(new: NewClient) -> Spec[Client]:
    """``POST /api/v1/clients``."""
    _check_type("new", new, NewClient)
    return Spec(
        "create_client",
        "POST",
        (*_API, "clients"),
        _model_reader(Client),
        query=(("token", TOKEN),),
        json=new.to_wire(),
    )


def create_client_user(client_id: int, new: NewUser) -> Spec[User]:
    """``POST /api/v1/clients/{client_id}/users``."""
    check_id("client_id", client_id)
    _check_type("new", new, NewUser)
    return Spec(
        "create_client_user",
        "POST",
        (*_API, "clients", str(client_id), "users"),
        _model_reader(User),
        query=(("token", TOKEN),),
        json=new.to_wire(),
    )


def _block(op: str, kind: str, action: str, key: str) -> Spec[None]:
    return Spec(op, "GET", ("api", kind, action, TOKEN, key), _read_code)


def block_client(document: str) -> Spec[None]:
    """``GET /api/client/block/{token}/{document}``.

    The document travels as bare digits: a formatted CNPJ holds a ``/``,
    which would split the path (and many servers refuse ``%2F``).
    """
    return _block("block_client", "client", "block", _document(document))


def unblock_client(document: str) -> Spec[None]:
    """``GET /api/client/unblock/{token}/{document}``."""
    return _block("unblock_client", "client", "unblock", _document(document))


def block_user(user_id: int) -> Spec[None]:
    """``GET /api/user/block/{token}/{id}``."""
    check_id("user_id", user_id)
    return _block("block_user", "user", "block", str(user_id))


def unblock_user(user_id: int) -> Spec[None]:
    """``GET /api/user/unblock/{token}/{id}``."""
    check_id("user_id", user_id)
    return _block("unblock_user", "user", "unblock", str(user_id))


def camera_options() -> Spec[CameraOptions]:
    """``GET /api/v1/cameras/create``."""
    return Spec(
        "camera_options",
        "GET",
        (*_API, "cameras", "create"),
        _model_reader(CameraOptions),
        query=(("token", TOKEN),),
    )


def create_camera(new: NewCamera) -> Spec[Camera]:
    """``POST /api/v1/cameras``."""
    _check_type("new", new, NewCamera)
    return Spec(
        "create_camera",
        "POST",
        (*_API, "cameras"),
        _model_reader(Camera),
        query=(("token", TOKEN),),
        json=new.to_wire(),
    )


def update_camera(camera_id: int, changes: CameraUpdate) -> Spec[Camera]:
    """``PUT /api/v1/cameras/{id}``."""
    check_id("camera_id", camera_id)
    _check_type("changes", changes, CameraUpdate)
    return Spec(
        "update_camera",
        "PUT",
        (*_API, "cameras", str(camera_id)),
        _model_reader(Camera),
        query=(("token", TOKEN),),
        json=changes.to_wire(),
    )


@attrs.frozen(slots=True)
class EventFilters:
    """Validated event filters, as they go on the wire (dates as ``YYYY-MM-DD``)."""

    camera: int | None = None
    event_types: tuple[int, ...] | None = None
    start_at: date | None = None
    end_at: date | None = None

    def query(self) -> tuple[tuple[str, str], ...]:
        """The query parameters, ``None`` filters left out."""
        pairs: list[tuple[str, str]] = []
        if self.camera is not None:
            pairs.append(("camera", str(self.camera)))
        if self.event_types is not None:
            pairs.append(("event_types", ",".join(map(str, self.event_types))))
        if self.start_at is not None:
            pairs.append(("start_at", self.start_at.isoformat()))
        if self.end_at is not None:
            pairs.append(("end_at", self.end_at.isoformat()))
        return tuple(pairs)


def event_filters(
    tz: tzinfo,
    *,
    camera: int | None = None,
    event_types: Iterable[int] | None = None,
    start_at: date | datetime | None = None,
    end_at: date | datetime | None = None,
) -> EventFilters:
    """Check event filters and bring dates to the client's zone.

    An aware ``datetime`` is converted to ``tz`` before its date is taken, so
    "midnight UTC" asks for the right Brazilian day.
    """
    if camera is not None:
        check_id("camera", camera)
    types: tuple[int, ...] | None = None
    if event_types is not None:
        if isinstance(event_types, str | bytes) or not isinstance(event_types, Iterable):
            msg = "event_types: must be an iterable of ints, e.g. [1, 4]"
            raise TypeError(msg)
        types = tuple(event_types)
        if not types:
            msg = "event_types: must not be empty (use None for every type)"
            raise ValueError(msg)
        for value in types:
            check_id("event_types", value)
    start = _as_date("start_at", start_at, tz)
    end = _as_date("end_at", end_at, tz)
    if start is not None and end is not None and start > end:
        msg = f"start_at: {start} is after end_at {end}"
        raise ValueError(msg)
    return EventFilters(camera, types, start, end)


def events_page(filters: EventFilters, page: int = 1) -> Spec[EventPage]:
    """``GET /api/v1/events`` for one page (1-based)."""
    check_id("page", page)
    return Spec(
        "events",
        "GET",
        (*_API, "events"),
        _page_reader(page),
        query=(("token", TOKEN), *filters.query(), ("page", str(page))),
        read_body=_fast_page_reader(page),
    )


def _as_date(field: str, value: date | datetime | None, tz: tzinfo) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(tz).date() if value.tzinfo is not None else value.date()
    if isinstance(value, date):
        return value
    msg = f"{field}: must be a date or datetime, not {type(value).__name__}"
    raise TypeError(msg)


def check_id(field: str, value: object) -> None:
    """An id, page number or count: an int >= 1 (``TypeError``/``ValueError`` naming it)."""
    check_int(field, value)


def _check_type(field: str, value: object, cls: type[Any]) -> None:
    if not isinstance(value, cls):
        msg = f"{field}: must be a {cls.__name__}, not {type(value).__name__}"
        raise TypeError(msg)


def _document(document: object) -> str:
    if not isinstance(document, str):
        msg = f"document: must be a str, not {type(document).__name__}"
        raise TypeError(msg)
    return normalize_document(document)
