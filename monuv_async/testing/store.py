"""The simulator's state: clients, users, cameras, blocks and events, seeded deterministically.

:class:`Store` is plain data plus the few operations the routes and the
simulator's helpers perform on it; it knows nothing of HTTP. The same seed
and clock give the same cameras, events and snapshot bytes.
"""

from __future__ import annotations

import copy
import math
import random
import secrets
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, overload

from .events import DEFAULT_EVENT_TYPES, EventStore, SimEvent, generate_events
from .validation import CLIENT_TEXT, EventQuery, document_digits, is_cnpj, is_cpf

if TYPE_CHECKING:
    from .server import MonuvSimulator

_T = TypeVar("_T")

__all__ = [
    "CAMERA_NAMES",
    "DEFAULT_CAMERA_OPTIONS",
    "OnStore",
    "Store",
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

_TIMESTAMP = "%Y-%m-%d %H:%M:%S"
_EVENT_AT = "%d/%m/%Y %H:%M:%S"
# User id 1 is the partner's own user, the owner of the token: it is what
# Monuv reports as ``update_user_id`` of everything created with it.
_PARTNER_USER_ID = 1
_FIRST_CAMERA_ID = 1001
_JPEG_HEAD = bytes.fromhex("ffd8ffe000104a46494600010100000100010000")


def seeded_rng(seed: int) -> random.Random:
    """A pseudo-random generator for reproducible data (nothing secret comes from it)."""
    # Determinism is the point here, so S311's advice (use secrets) cannot apply.
    return random.Random(seed)  # noqa: S311


def snapshot_bytes(event_id: int, seed: int) -> bytes:
    """A small JPEG-looking image (SOI/JFIF header ... EOI), the same for the same id."""
    rng = seeded_rng(event_id * 1_000_003 + seed)
    return _JPEG_HEAD + rng.randbytes(2048 + event_id % 2048) + b"\xff\xd9"


def _check_count(n: int) -> None:
    if n < 0:
        msg = f"n: must be >= 0, got {n!r}"
        raise ValueError(msg)


class OnStore(Generic[_T]):
    """A simulator attribute that lives on its store: reads and writes go through."""

    def __set_name__(self, owner: type[MonuvSimulator], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, sim: None, owner: type[MonuvSimulator]) -> Self: ...
    @overload
    def __get__(self, sim: MonuvSimulator, owner: type[MonuvSimulator]) -> _T: ...
    def __get__(self, sim: MonuvSimulator | None, owner: type[MonuvSimulator]) -> _T | Self:
        if sim is None:
            return self
        value: _T = getattr(sim._store, self._name)
        return value

    def __set__(self, sim: MonuvSimulator, value: _T) -> None:
        setattr(sim._store, self._name, value)


class Store:
    """Everything a simulator knows; tests may read and change these attributes.

    ``cameras`` (ids 1001, 1002, ...) are seeded with
    ``events_per_camera_per_day`` events each for ``days`` days up to ``now``.
    """

    def __init__(
        self,
        *,
        seed: int,
        tz: tzinfo,
        now: datetime | None,
        cameras: int,
        events_per_camera_per_day: int,
        days: int,
        camera_options: Mapping[str, Any],
    ) -> None:
        self.seed = seed
        self.tz = tz
        self.now: datetime = self.aware(now or datetime.now(tz)).replace(microsecond=0)
        self.camera_options: Mapping[str, Any] = copy.deepcopy(dict(camera_options))
        self.event_types: dict[int, str] = dict(DEFAULT_EVENT_TYPES)
        self.clients: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.cameras: dict[int, dict[str, Any]] = {}
        self.blocked_documents: set[str] = set()
        self.blocked_users: set[int] = set()
        self._rng = seeded_rng(seed)
        self._ids = {"client": 1, "user": _PARTNER_USER_ID + 1, "camera": _FIRST_CAMERA_ID}
        self.timeline = self._seed(cameras, events_per_camera_per_day, days)
        """The stored events, oldest first."""

    # -- time -------------------------------------------------------------------

    def aware(self, when: datetime) -> datetime:
        """``when`` in the store's time zone (a naive time is taken as local)."""
        return when.replace(tzinfo=self.tz) if when.tzinfo is None else when.astimezone(self.tz)

    def stamp(self) -> str:
        """:attr:`now` as Laravel's ``created_at`` / ``updated_at``."""
        return self.now.strftime(_TIMESTAMP)

    def day_start(self, day: date) -> int:
        """The Unix time of local midnight starting ``day``."""
        return int(datetime(day.year, day.month, day.day, tzinfo=self.tz).timestamp())

    # -- clients and users --------------------------------------------------------

    def email_taken(self, casefolded: str) -> bool:
        """Whether a stored user has this e-mail (compared casefolded)."""
        return any(user["email"].casefold() == casefolded for user in self.users.values())

    def client_by_document(self, document: str) -> dict[str, Any] | None:
        """The client whose CPF/CNPJ has the digits of ``document``, however formatted."""
        digits = document_digits(document)
        if not digits:
            return None
        for client in self.clients.values():
            if document_digits(client["document_number"]) == digits:
                return client
        return None

    def save_user(
        self, client_id: int, fields: Mapping[str, Any], *, api_token: bool
    ) -> dict[str, Any]:
        """Store a validated user of ``client_id`` (with a fresh ``api_token`` if asked)."""
        stamp = self.stamp()
        user = {
            "id": self._next_id("user"),
            "user_type_id": 6,
            "name": fields["name"],
            "email": fields["email"],
            "phone": fields["phone"],
            "updated_at": stamp,
            "created_at": stamp,
            "update_user_id": _PARTNER_USER_ID,
            "client_id": client_id,
            "user_type": fields["user_type"],
        }
        if api_token:
            user["api_token"] = secrets.token_hex(30)
        self.users[user["id"]] = user
        return user

    def save_client(
        self, document_type: int, values: Mapping[str, Any], create_url: str, create_ip: str
    ) -> dict[str, Any]:
        """Store a validated client, as Laravel's ``create()`` would."""
        stamp = self.stamp()
        client: dict[str, Any] = {
            "id": self._next_id("client"),
            "name": values["name"],
            "document_type": str(document_type),
            "document_number": values["document_number"],
        }
        client.update((key, values[key]) for key in CLIENT_TEXT)
        # Like Laravel's create(): an optional field comes back only when sent.
        if values.get("address_comp") is not None:
            client["address_comp"] = values["address_comp"]
        client.update(
            create_url=create_url, create_ip=create_ip, updated_at=stamp, created_at=stamp
        )
        self.clients[client["id"]] = client
        return client

    def add_client(
        self, document_number: str, name: str, fields: Mapping[str, str], origin: str
    ) -> dict[str, Any]:
        """Store a client given only its document, placeholders for the rest (``ValueError``)."""
        digits = document_digits(document_number) or ""
        if not (is_cpf(digits) or is_cnpj(digits)):
            msg = "document_number: not a valid CPF or CNPJ"
            raise ValueError(msg)
        if self.client_by_document(digits) is not None:
            msg = "document_number: a client with this document already exists"
            raise ValueError(msg)
        defaults = dict.fromkeys(CLIENT_TEXT, "-") | {"cep": "01310-100", "phone": "11999999999"}
        values = {"name": name, "document_number": document_number, **defaults, **fields}
        return self.save_client(1 if len(digits) == 11 else 2, values, origin, "127.0.0.1")

    def block_client(self, document: str, *, blocked: bool) -> bool:
        """Block or unblock the client with this document; whether it exists."""
        client = self.client_by_document(document)
        if client is None:
            return False
        digits = document_digits(client["document_number"]) or ""
        if blocked:
            self.blocked_documents.add(digits)
        else:
            self.blocked_documents.discard(digits)
        return True

    def block_user(self, user_id: int, *, blocked: bool) -> bool:
        """Block or unblock the user with this id; whether it exists."""
        if user_id not in self.users:
            return False
        if blocked:
            self.blocked_users.add(user_id)
        else:
            self.blocked_users.discard(user_id)
        return True

    # -- cameras ----------------------------------------------------------------

    def save_camera(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Store a validated new camera, OFFLINE, with its own RTMP URL."""
        camera_id = self._next_id("camera")
        camera = self._camera_record(camera_id, fields["client_id"], fields["description"])
        camera.update(fields)
        self.cameras[camera_id] = camera
        return camera

    def _camera_record(
        self, camera_id: int, client_id: int | None, description: str
    ) -> dict[str, Any]:
        stream_key = f"{self._rng.getrandbits(40):010x}{camera_id}"
        return {
            "id": camera_id,
            "client_id": client_id,
            "description": description,
            "stream_status": 2,
            "status_description": "OFFLINE",
            "rtmp_url": f"rtmp://rtmp.monuv.com.br/{stream_key}.stream",
        }

    # -- events -----------------------------------------------------------------

    def append_events(
        self, n: int, camera_id: int | None, at: datetime | None, event_type: int | None
    ) -> list[int]:
        """Add ``n`` events (see :meth:`MonuvSimulator.append_events`) and return their ids."""
        _check_count(n)
        if camera_id is not None and camera_id not in self.cameras:
            msg = f"camera_id: unknown camera {camera_id!r}"
            raise ValueError(msg)
        if camera_id is None and not self.cameras:
            msg = "camera_id: the simulator has no camera"
            raise ValueError(msg)
        when = int(self.aware(at or self.now).timestamp())
        camera_ids = sorted(self.cameras)
        types = sorted(self.event_types)
        ids = []
        for _ in range(n):
            event = SimEvent(
                self.timeline.next_id,
                when,
                camera_id if camera_id is not None else self._rng.choice(camera_ids),
                event_type if event_type is not None else self._rng.choice(types),
            )
            self.timeline.add(event)
            ids.append(event.id)
        return ids

    def expire_events(self, n: int) -> list[int]:
        """Remove the ``n`` oldest events and return their ids."""
        _check_count(n)
        return [e.id for e in self.timeline.remove_oldest(n)]

    def delete_events(self, ids: Iterable[int]) -> None:
        """Remove the events with these ids; unknown ids are ignored."""
        self.timeline.remove_ids(set(ids))

    def event_json(self, event: SimEvent, base_url: str) -> dict[str, Any]:
        """The event as the API serves it, its snapshot on ``base_url``."""
        camera = self.cameras.get(event.camera_id, {})
        return {
            "id": event.id,
            "event_at": datetime.fromtimestamp(event.at, self.tz).strftime(_EVENT_AT),
            "event_type": event.event_type,
            "event_description": self.event_types.get(event.event_type, ""),
            "event_url": f"{base_url}/snapshots/{event.id}.jpg",
            "camera_id": event.camera_id,
            "camera_description": camera.get("description", ""),
        }

    def events_page(self, query: EventQuery, per_page: int, base_url: str) -> dict[str, Any]:
        """One page of the events matching ``query``, newest first, as the API pages them."""
        events, lo, hi = self.timeline.window(
            query.camera,
            query.types,
            None if query.start is None else self.day_start(query.start),
            None if query.end is None else self.day_start(query.end + timedelta(days=1)),
        )
        total = hi - lo
        # Newest first: page 1 is the top of the oldest-first window.
        top = hi - (query.page - 1) * per_page
        chosen = events[max(lo, top - per_page) : top] if top > lo else []
        return {
            "total": total,
            "per_page": per_page,
            "current_page": query.page,
            "last_page": max(1, math.ceil(total / per_page)),
            "data": [self.event_json(e, base_url) for e in reversed(chosen)],
        }

    # -- plumbing ---------------------------------------------------------------

    def _seed(self, cameras: int, per_camera_per_day: int, days: int) -> EventStore:
        camera_ids = [_FIRST_CAMERA_ID + i for i in range(cameras)]
        for i, camera_id in enumerate(camera_ids):
            label = CAMERA_NAMES[i % len(CAMERA_NAMES)]
            lap = i // len(CAMERA_NAMES)
            description = f"{label} {lap + 1}" if lap else label
            self.cameras[camera_id] = self._camera_record(camera_id, None, description)
        self._ids["camera"] = _FIRST_CAMERA_ID + cameras
        events = generate_events(
            rng=self._rng,
            camera_ids=camera_ids,
            per_camera_per_day=per_camera_per_day,
            days=days,
            end=int(self.now.timestamp()),
            event_types=sorted(self.event_types),
        )
        return EventStore(events)

    def _next_id(self, kind: str) -> int:
        value = self._ids[kind]
        self._ids[kind] = value + 1
        return value
