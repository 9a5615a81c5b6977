"""What the Monuv API answers, as frozen, typed models.

Models are built from the wire by :mod:`monuv_async._wire`; users never build
them from JSON themselves, but may construct them directly in tests.
Timestamps are timezone-aware, in the client's ``tz``.

Every model has ``extra``: the fields of the answer the library does not model
(a field Monuv added or never documented), read-only, as decoded from the JSON.
``repr`` masks the value of any key that looks secret. Empty when there is
none; it takes no part in hashing.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._extra import EMPTY, extra_repr

__all__ = [
    "Camera",
    "CameraModel",
    "CameraOptions",
    "Client",
    "DocumentType",
    "Event",
    "EventPage",
    "Manufacturer",
    "Resolution",
    "User",
    "UserType",
]


class DocumentType(enum.IntEnum):
    """Kind of a client's document: CPF for a person, CNPJ for a company."""

    CPF = 1
    CNPJ = 2


class UserType(enum.IntEnum):
    """Role of a client user: COMUM (regular) or ADMIN."""

    COMUM = 1
    ADMIN = 2


@attrs.frozen(slots=True)
class User:
    """A user inside a client. ``api_token`` is a secret: never shown by ``repr``."""

    id: int
    user_type_id: int
    name: str
    email: str | None = None
    phone: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    update_user_id: int | None = None
    api_token: str | None = attrs.field(default=None, repr=False)
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, kw_only=True, repr=extra_repr, hash=False)


@attrs.frozen(slots=True)
class Client:
    """A partner's customer (person or company), as created."""

    id: int
    name: str
    document_type: DocumentType
    document_number: str
    phone: str | None = None
    cep: str | None = None
    address: str | None = None
    address_number: str | None = None
    address_comp: str | None = None
    address_nh: str | None = None
    city: str | None = None
    state: str | None = None
    create_url: str | None = None
    create_ip: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    users: tuple[User, ...] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, kw_only=True, repr=extra_repr, hash=False)


@attrs.frozen(slots=True)
class Camera:
    """A camera; push its RTMP stream to ``rtmp_url``.

    ``rtmp_url`` is a publish credential (whoever has it can stream into the
    camera): it never appears in ``repr``.
    """

    id: int
    description: str | None = None
    stream_status: int | None = None
    status_description: str | None = None
    rtmp_url: str | None = attrs.field(default=None, repr=False)
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, kw_only=True, repr=extra_repr, hash=False)


@attrs.frozen(slots=True)
class CameraModel:
    """A camera model of a manufacturer."""

    id: int
    name: str
    manufacturer_id: int | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, kw_only=True, repr=extra_repr, hash=False)


@attrs.frozen(slots=True)
class Manufacturer:
    """A camera manufacturer and its models."""

    id: int
    name: str
    camera_models: tuple[CameraModel, ...] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, kw_only=True, repr=extra_repr, hash=False)


@attrs.frozen(slots=True)
class Resolution:
    """A recording resolution offered by the plans."""

    id: int
    name: str
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, kw_only=True, repr=extra_repr, hash=False)


@attrs.frozen(slots=True)
class CameraOptions:
    """Everything needed to fill a create/update camera request.

    The installation maps go from numeric code to its (Portuguese) label.
    """

    manufacturers: tuple[Manufacturer, ...] = ()
    history_days: tuple[int, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    installation_local: Mapping[int, str] = attrs.field(factory=dict)
    installation_area: Mapping[int, str] = attrs.field(factory=dict)
    equipment_state: Mapping[int, str] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, kw_only=True, repr=extra_repr, hash=False)

    def manufacturer(self, name_or_id: str | int) -> Manufacturer:
        """The manufacturer with this id or (case-insensitive) name; ``KeyError`` if none."""
        for m in self.manufacturers:
            if m.id == name_or_id or (
                isinstance(name_or_id, str) and m.name.casefold() == name_or_id.casefold()
            ):
                return m
        raise KeyError(name_or_id)

    def camera_model(self, manufacturer: str | int, name_or_id: str | int) -> CameraModel:
        """A model of ``manufacturer`` by id or (case-insensitive) name; ``KeyError`` if none."""
        for model in self.manufacturer(manufacturer).camera_models:
            if model.id == name_or_id or (
                isinstance(name_or_id, str) and model.name.casefold() == name_or_id.casefold()
            ):
                return model
        raise KeyError(name_or_id)


@attrs.frozen(slots=True)
class Event:
    """A detection event; ``event_url`` is its JPEG snapshot on Monuv's image host."""

    id: int
    event_at: datetime
    event_type: int
    event_description: str | None = None
    event_url: str | None = None
    camera_id: int | None = None
    camera_description: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, kw_only=True, repr=extra_repr, hash=False)


@attrs.frozen(slots=True)
class EventPage:
    """One page of the events listing (pages are 1-based)."""

    total: int
    per_page: int
    current_page: int
    last_page: int
    events: tuple[Event, ...] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, kw_only=True, repr=extra_repr, hash=False)
