"""Request specs: method, path, query and body of every operation, and safe URLs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from _samples import NEW_CLIENT as SAMPLE_CLIENT
from _samples import NEW_USER
from yarl import URL

from monuv_async import _endpoints as ep
from monuv_async._endpoints import EventFilters
from monuv_async._spec import TOKEN, Refused, Spec
from monuv_async.errors import MonuvError
from monuv_async.models import Camera, CameraOptions, Client, EventPage, User
from monuv_async.requests import CameraUpdate, NewCamera

SP = ZoneInfo("America/Sao_Paulo")
BASE = URL("https://app.monuv.com.br")
ODD_TOKEN = "ab/cd&ef+gh ij=kl?mn#op%qr"

NEW_CLIENT = attrs.evolve(SAMPLE_CLIENT, users=[NEW_USER])
NEW_CAMERA = NewCamera(7, "Portaria", latitude=-23.5, history_days=7)
UPDATE = CameraUpdate(7, description="Garagem")


def all_specs() -> list[Spec[Any]]:
    return [
        ep.create_client(NEW_CLIENT),
        ep.create_client_user(5, NEW_USER),
        ep.block_client("11.222.333/0001-81"),
        ep.unblock_client("529.982.247-25"),
        ep.block_user(12),
        ep.unblock_user(13),
        ep.camera_options(),
        ep.create_camera(NEW_CAMERA),
        ep.update_camera(9, UPDATE),
        ep.events_page(ep.event_filters(SP), 1),
    ]


# --- each operation's spec ---------------------------------------------------


def test_create_client_spec() -> None:
    """create_client: POST /api/v1/clients?token=..., the NewClient body."""
    spec = ep.create_client(NEW_CLIENT)
    assert (spec.method, spec.path) == ("POST", ("api", "v1", "clients"))
    assert spec.query == (("token", TOKEN),)
    assert spec.json == NEW_CLIENT.to_wire()
    assert not spec.idempotent
    body = spec.body()
    assert body is not None
    assert json.loads(body) == NEW_CLIENT.to_wire()
    assert json.loads(body)["users"][0]["password_conf"] == "pw-123456"


def test_create_client_user_spec() -> None:
    """create_client_user: POST /api/v1/clients/{id}/users, the NewUser body."""
    spec = ep.create_client_user(5, NEW_USER)
    assert (spec.method, spec.path) == ("POST", ("api", "v1", "clients", "5", "users"))
    assert spec.query == (("token", TOKEN),)
    assert spec.json == NEW_USER.to_wire()
    assert not spec.idempotent


@pytest.mark.parametrize(
    ("build", "kind", "action", "key"),
    [
        (lambda: ep.block_client("11.222.333/0001-81"), "client", "block", "11222333000181"),
        (lambda: ep.unblock_client("11222333000181"), "client", "unblock", "11222333000181"),
        (lambda: ep.block_client("529.982.247-25"), "client", "block", "52998224725"),
        (lambda: ep.unblock_client("529 982 247 25"), "client", "unblock", "52998224725"),
        (lambda: ep.block_user(12), "user", "block", "12"),
        (lambda: ep.unblock_user(13), "user", "unblock", "13"),
    ],
)
def test_block_specs(build: Callable[[], Spec[None]], kind: str, action: str, key: str) -> None:
    """block/unblock: GET /api/{kind}/{action}/{token}/{key}, no query, no body."""
    spec = build()
    assert spec.method == "GET"
    assert spec.path == ("api", kind, action, TOKEN, key)
    assert spec.query == ()
    assert spec.json is None
    assert spec.body() is None
    assert spec.idempotent
    assert spec.op == f"{action}_{kind}"


def test_camera_options_spec() -> None:
    """camera_options: GET /api/v1/cameras/create?token=..."""
    spec = ep.camera_options()
    assert (spec.method, spec.path) == ("GET", ("api", "v1", "cameras", "create"))
    assert spec.query == (("token", TOKEN),)
    assert spec.json is None


def test_create_camera_spec() -> None:
    """create_camera: POST /api/v1/cameras with the NewCamera body."""
    spec = ep.create_camera(NEW_CAMERA)
    assert (spec.method, spec.path) == ("POST", ("api", "v1", "cameras"))
    assert spec.query == (("token", TOKEN),)
    assert spec.json == {
        "client_id": 7,
        "description": "Portaria",
        "latitude": "-23.5",
        "history_days": 7,
    }
    assert not spec.idempotent


def test_update_camera_spec() -> None:
    """update_camera: PUT /api/v1/cameras/{id} with client_id and the changes only."""
    spec = ep.update_camera(9, UPDATE)
    assert (spec.method, spec.path) == ("PUT", ("api", "v1", "cameras", "9"))
    assert spec.query == (("token", TOKEN),)
    assert spec.json == {"client_id": 7, "description": "Garagem"}
    assert spec.idempotent


def test_events_page_spec_with_every_filter() -> None:
    """events_page: GET /api/v1/events with token, filters, then page."""
    filters = ep.event_filters(
        SP, camera=3, event_types=[1, 4], start_at=date(2023, 1, 1), end_at=date(2023, 1, 31)
    )
    spec = ep.events_page(filters, 2)
    assert (spec.method, spec.path) == ("GET", ("api", "v1", "events"))
    assert spec.query == (
        ("token", TOKEN),
        ("camera", "3"),
        ("event_types", "1,4"),
        ("start_at", "2023-01-01"),
        ("end_at", "2023-01-31"),
        ("page", "2"),
    )
    assert spec.json is None
    assert spec.idempotent


def test_events_page_defaults() -> None:
    """Without filters only the token and page 1 are sent."""
    spec = ep.events_page(ep.event_filters(SP))
    assert spec.query == (("token", TOKEN), ("page", "1"))


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("create_client", Client),
        ("create_client_user", User),
        ("camera_options", CameraOptions),
        ("camera", Camera),
        ("events_page", EventPage),
    ],
)
def test_spec_readers_build_models(
    fixture_json: Callable[[str], Any], name: str, cls: type[Any]
) -> None:
    """Each spec's reader turns its documented body into the contract's model."""
    specs: dict[str, Spec[Any]] = {
        "create_client": ep.create_client(NEW_CLIENT),
        "create_client_user": ep.create_client_user(1, NEW_USER),
        "camera_options": ep.camera_options(),
        "camera": ep.update_camera(1, UPDATE),
        "events_page": ep.events_page(ep.event_filters(SP)),
    }
    assert isinstance(specs[name].read(fixture_json(name), SP), cls)


def test_block_reader_reads_code_zero(fixture_json: Callable[[str], Any]) -> None:
    """The block reader returns None for the documented code 0."""
    assert ep.block_user(1).read(fixture_json("block"), SP) is None


def test_block_reader_signals_a_refusal_without_building_the_users_error() -> None:
    """code != 0 raises Refused (code, msg), not a MonuvError: only the reader has the context."""
    with pytest.raises(Refused) as info:
        ep.block_user(1).read({"code": 3, "msg": "no such user"}, SP)
    assert (info.value.code, info.value.msg) == (3, "no such user")
    assert not isinstance(info.value, MonuvError)


# --- argument checks ---------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1])
def test_ids_must_be_positive(value: int) -> None:
    """Every id argument refuses 0 and negatives, naming itself."""
    with pytest.raises(ValueError, match=r"^client_id:"):
        ep.create_client_user(value, NEW_USER)
    with pytest.raises(ValueError, match=r"^user_id:"):
        ep.block_user(value)
    with pytest.raises(ValueError, match=r"^user_id:"):
        ep.unblock_user(value)
    with pytest.raises(ValueError, match=r"^camera_id:"):
        ep.update_camera(value, UPDATE)
    with pytest.raises(ValueError, match=r"^page:"):
        ep.events_page(ep.event_filters(SP), value)


@pytest.mark.parametrize("value", [True, "3", 3.0, None])
def test_ids_must_be_ints(value: Any) -> None:
    """A bool, str, float or None id is a TypeError naming the argument."""
    with pytest.raises(TypeError, match=r"^user_id:"):
        ep.block_user(value)
    with pytest.raises(TypeError, match=r"^camera_id:"):
        ep.update_camera(value, UPDATE)
    with pytest.raises(TypeError, match=r"^page:"):
        ep.events_page(ep.event_filters(SP), value)


def test_request_models_type_checked() -> None:
    """Passing the wrong request model (or a dict) is a TypeError naming the argument."""
    with pytest.raises(TypeError, match=r"^changes:"):
        ep.update_camera(1, NEW_CAMERA)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^new:"):
        ep.create_camera(UPDATE)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^new:"):
        ep.create_client(NEW_CLIENT.to_wire())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^new:"):
        ep.create_client_user(1, NEW_CLIENT)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "document",
    [
        "99.999.999/9999-99",
        "11.222.333/0001-82",
        "../../api/v1",
        "11222333000181?x=1",
        "11222333000181%2F",
        "",
        "123",
    ],
)
def test_invalid_document_rejected_before_any_spec(document: str) -> None:
    """A document that is not a valid CPF/CNPJ is a ValueError, for block and unblock."""
    with pytest.raises(ValueError, match=r"^document:"):
        ep.block_client(document)
    with pytest.raises(ValueError, match=r"^document:"):
        ep.unblock_client(document)


def test_document_must_be_a_str() -> None:
    """A document given as an int is a TypeError (leading zeros would be lost)."""
    with pytest.raises(TypeError, match=r"^document:"):
        ep.block_client(11222333000181)  # type: ignore[arg-type]


@pytest.mark.parametrize("document", ["11.222.333/0001-81", "529.982.247-25"])
def test_block_client_formatted_document_never_sends_a_slash(document: str) -> None:
    """A formatted CNPJ/CPF goes as bare digits: no raw `/`, no `%2F`, no dots."""
    url = ep.block_client(document).url(BASE, "tok")
    last = url.raw_path.rsplit("/", 1)[1]
    assert last.isdigit()
    assert url.raw_path.count("/") == 5
    assert "%2F" not in url.raw_path.upper()


# --- event filters -----------------------------------------------------------


def test_event_types_joined_and_kept_in_order() -> None:
    """event_types from any iterable is sent comma-joined, as given."""
    filters = ep.event_filters(SP, event_types=(t for t in [4, 1, 7]))
    assert filters.event_types == (4, 1, 7)
    assert dict(filters.query())["event_types"] == "4,1,7"


def test_empty_event_types_rejected() -> None:
    """An empty event_types is refused (None means every type)."""
    with pytest.raises(ValueError, match=r"^event_types:"):
        ep.event_filters(SP, event_types=[])


@pytest.mark.parametrize("value", ["1,4", b"14", 4])
def test_event_types_must_be_an_iterable_of_ints(value: Any) -> None:
    """A str, bytes or bare int event_types is a TypeError."""
    with pytest.raises(TypeError, match=r"^event_types:"):
        ep.event_filters(SP, event_types=value)


@pytest.mark.parametrize(
    ("value", "error"), [([0], ValueError), ([True], TypeError), (["1"], TypeError)]
)
def test_event_type_values_checked(value: list[Any], error: type[Exception]) -> None:
    """Each event type is a positive int."""
    with pytest.raises(error, match=r"^event_types:"):
        ep.event_filters(SP, event_types=value)


def test_camera_filter_checked() -> None:
    """The camera filter is a positive int id."""
    with pytest.raises(ValueError, match=r"^camera:"):
        ep.event_filters(SP, camera=0)
    with pytest.raises(TypeError, match=r"^camera:"):
        ep.event_filters(SP, camera="3")  # type: ignore[arg-type]


def test_dates_sent_as_iso_days() -> None:
    """A date or naive datetime goes as YYYY-MM-DD."""
    filters = ep.event_filters(
        SP, start_at=date(2023, 2, 3), end_at=datetime(2023, 2, 4, 23, 59, 59)
    )
    assert filters == EventFilters(None, None, date(2023, 2, 3), date(2023, 2, 4))
    assert filters.query() == (("start_at", "2023-02-03"), ("end_at", "2023-02-04"))


def test_aware_datetime_converted_to_client_zone() -> None:
    """An aware datetime is moved to the client's zone before its date is taken."""
    early_utc = datetime(2023, 1, 2, 1, 30, tzinfo=UTC)  # 22:30 on Jan 1 in São Paulo
    assert ep.event_filters(SP, start_at=early_utc).start_at == date(2023, 1, 1)
    assert ep.event_filters(UTC, start_at=early_utc).start_at == date(2023, 1, 2)
    tokyo = datetime(2023, 1, 2, 8, 0, tzinfo=timezone(timedelta(hours=9)))  # 23:00 UTC Jan 1
    assert ep.event_filters(SP, end_at=tokyo).end_at == date(2023, 1, 1)
    assert type(ep.event_filters(SP, end_at=tokyo).end_at) is date


def test_start_after_end_rejected() -> None:
    """start_at after end_at is a ValueError; the same day is fine."""
    with pytest.raises(ValueError, match=r"^start_at:"):
        ep.event_filters(SP, start_at=date(2023, 1, 2), end_at=date(2023, 1, 1))
    same = ep.event_filters(SP, start_at=date(2023, 1, 1), end_at=datetime(2023, 1, 1, 23))
    assert same.start_at == same.end_at


def test_start_after_end_compared_in_client_zone() -> None:
    """The order check uses the days in the client's zone, not the raw instants."""
    start = datetime(2023, 1, 2, 1, 0, tzinfo=UTC)  # Jan 1 in São Paulo
    end = date(2023, 1, 1)
    assert ep.event_filters(SP, start_at=start, end_at=end).start_at == end
    with pytest.raises(ValueError, match=r"^start_at:"):
        ep.event_filters(UTC, start_at=start, end_at=end)


@pytest.mark.parametrize("field", ["start_at", "end_at"])
@pytest.mark.parametrize("value", ["2023-01-01", 1672531200, 1672531200.0])
def test_dates_must_be_dates(field: str, value: object) -> None:
    """A str or timestamp number as a date filter is a TypeError naming it."""
    with pytest.raises(TypeError, match=rf"^{field}:"):
        ep.event_filters(SP, **{field: value})  # type: ignore[arg-type]


def test_every_spec_has_a_distinct_op() -> None:
    """Each operation names itself, for logs and errors."""
    ops = [spec.op for spec in all_specs()]
    assert len(ops) == len(set(ops))


def test_module_all_is_complete() -> None:
    """_endpoints declares __all__ and every name in it exists."""
    assert all(hasattr(ep, name) for name in ep.__all__)


def test_a_page_other_than_the_one_asked_for_is_refused() -> None:
    """A server ignoring ?page= (page 1 for page 2) is an unreadable answer, not page 2."""
    spec = ep.events_page(ep.event_filters(SP), 2)
    body = {"total": 6, "per_page": 3, "current_page": 1, "last_page": 2, "data": []}
    with pytest.raises(ValueError, match="asked for page 2, got page 1"):
        spec.read(body, SP)
    assert spec.read({**body, "current_page": 2}, SP).current_page == 2
