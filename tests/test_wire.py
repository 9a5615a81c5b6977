"""Reading Monuv's JSON into models: the documented bodies and every quirk."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import attrs
import pytest

from monuv_async import _wire
from monuv_async._wire import (
    WireError,
    converter_for,
    dumps,
    loads,
    parse_event_at,
    parse_timestamp,
    structure,
    unwrap_one,
)
from monuv_async.models import (
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

T = TypeVar("T")
SP = ZoneInfo("America/Sao_Paulo")
NOON = datetime(2023, 1, 1, 12, 0, 0)

FIXTURE_MODELS = [
    ("create_client", Client),
    ("create_client_user", User),
    ("camera", Camera),
    ("camera_options", CameraOptions),
    ("events_page", EventPage),
]


def read(data: object, cls: type[T], tz: tzinfo = SP) -> T:
    return structure(unwrap_one(data), cls, tz)


def assert_local(value: datetime | None, wall: datetime, tz: tzinfo) -> None:
    """``value`` is aware, in ``tz``, and shows the wall-clock time ``wall``."""
    assert value is not None
    assert value.tzinfo is tz
    assert value.utcoffset() is not None
    assert value.replace(tzinfo=None) == wall


# --- the documented bodies ---------------------------------------------------


def test_create_client_body(fixture_json: Callable[[str], Any]) -> None:
    """The create-client example becomes a Client with its user, types coerced."""
    client = read(fixture_json("create_client"), Client)
    assert client.id == 1
    assert client.name == "Client name"
    assert client.document_type is DocumentType.CNPJ
    assert client.document_number == "99.999.999/9999-99"
    assert client.phone == "(11) 99999-9999"
    assert client.cep == "00000-000"
    assert (client.address, client.address_number, client.address_nh) == (
        "Rua Teste",
        "99",
        "Bairro",
    )
    assert client.address_comp is None
    assert (client.city, client.state) == ("São Paulo", "São Paulo")
    assert (client.create_url, client.create_ip) == ("https://my.site.com", "127.0.0.1")
    assert_local(client.created_at, NOON, SP)
    assert_local(client.updated_at, NOON, SP)
    assert client.created_at is not None
    assert client.created_at.utcoffset() == timedelta(hours=-3)
    (user,) = client.users
    assert user == User(
        id=2,
        name="My Name",
        email="my@email.com.br",
        phone="11999999999",
        user_type_id=6,
        created_at=datetime(2023, 1, 1, 12, tzinfo=SP),
        updated_at=datetime(2023, 1, 1, 12, tzinfo=SP),
        update_user_id=1,
        api_token="TOKEN",
    )
    assert "TOKEN" not in repr(client)


def test_create_client_user_body(fixture_json: Callable[[str], Any]) -> None:
    """The create-user example becomes a User without an api_token."""
    user = read(fixture_json("create_client_user"), User)
    assert (user.id, user.user_type_id, user.update_user_id) == (2, 6, 1)
    assert (user.name, user.email, user.phone) == (
        "user name",
        "user@email.com.br",
        "(11) 99999-9999",
    )
    assert user.api_token is None
    assert_local(user.created_at, NOON, SP)


def test_camera_body(fixture_json: Callable[[str], Any]) -> None:
    """The camera example (a one-element list) becomes a Camera."""
    assert read(fixture_json("camera"), Camera) == Camera(
        id=1,
        description="My camera",
        stream_status=2,
        status_description="OFFLINE",
        rtmp_url="rtmp://rtmp.monuv.com.br/my.stream",
    )


def test_camera_options_body(fixture_json: Callable[[str], Any]) -> None:
    """The options example: camera_model lists, plans, int-keyed installation maps."""
    opts = read(fixture_json("camera_options"), CameraOptions)
    assert [m.id for m in opts.manufacturers] == [5, 22]
    hikvision = opts.manufacturers[0]
    assert hikvision == Manufacturer(
        5, "Hikvision", (CameraModel(6, "Câmera IP", 5), CameraModel(25, "DVR", 5))
    )
    assert opts.manufacturers[1].camera_models[1] == CameraModel(40, "DVR", 22)
    assert opts.history_days == (1, 3, 7)
    assert opts.resolutions == (Resolution(1, "VGA"),)
    assert dict(opts.installation_local) == {
        1: "Privado (dentro de dependências privadas)",
        2: "Público (ruas, praças, etc)",
    }
    assert dict(opts.installation_area) == {1: "Área interna", 2: "Área externa"}
    assert dict(opts.equipment_state) == {1: "Câmera/DVR novo", 2: "Câmera/DVR pré-existente"}
    for mapping in (opts.installation_local, opts.installation_area, opts.equipment_state):
        assert all(type(key) is int for key in mapping)


def test_events_page_body(fixture_json: Callable[[str], Any]) -> None:
    """The events example: page numbers, `data` read as events, event_at in local time."""
    page = read(fixture_json("events_page"), EventPage)
    assert (page.total, page.per_page, page.current_page, page.last_page) == (100, 30, 1, 4)
    (event,) = page.events
    assert event.id == 1
    assert_local(event.event_at, NOON, SP)
    assert event.event_at == datetime(2023, 1, 1, 15, tzinfo=UTC)
    assert event.event_type == 4
    assert event.event_description == "Detecção Presença/Ausência"
    assert event.event_url == "https://detection.monuv.com.br/IMAGE_PATH.jpg"
    assert (event.camera_id, event.camera_description) == (1001, "My Camera")


@pytest.mark.parametrize(("name", "cls"), FIXTURE_MODELS)
def test_bare_object_and_one_element_list_agree(
    fixture_json: Callable[[str], Any], name: str, cls: type[Any]
) -> None:
    """Each body reads the same whether wrapped in a one-element list or not."""
    data = fixture_json(name)
    obj = data[0] if isinstance(data, list) else data
    assert read(obj, cls) == read([obj], cls)


@pytest.mark.parametrize(("name", "cls"), FIXTURE_MODELS)
def test_unknown_fields_kept_in_extra(
    fixture_json: Callable[[str], Any], name: str, cls: type[Any]
) -> None:
    """Unknown keys, at the top and nested, change no modelled field and land in ``extra``."""
    data = fixture_json(name)
    obj = data[0] if isinstance(data, list) else data
    expected = read(obj, cls)
    noisy = json.loads(json.dumps(obj))
    noisy["brand_new_field"] = {"nested": [1, 2, 3]}
    for value in noisy.values():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    item["another_unknown"] = None
    got = read(noisy, cls)

    def modelled(model: Any) -> Any:
        return attrs.asdict(model, filter=lambda field, _: field.name != "extra")

    assert modelled(got) == modelled(expected)
    assert dict(got.extra) == {"brand_new_field": {"nested": [1, 2, 3]}}
    assert expected.extra == {}


@pytest.mark.parametrize("tz", [UTC, timezone(timedelta(hours=5, minutes=30)), ZoneInfo("UTC")])
def test_non_default_zone_honoured(fixture_json: Callable[[str], Any], tz: tzinfo) -> None:
    """Offset-less timestamps are read in the converter's zone, keeping the wall clock."""
    page = read(fixture_json("events_page"), EventPage, tz)
    assert_local(page.events[0].event_at, NOON, tz)
    client = read(fixture_json("create_client"), Client, tz)
    assert_local(client.created_at, NOON, tz)
    assert_local(client.users[0].updated_at, NOON, tz)


def test_zone_rules_apply_per_date() -> None:
    """A zoneinfo zone gives each timestamp the offset of its own date (Brazil had DST)."""
    summer = parse_event_at("15/01/2018 12:00:00", SP)
    winter = parse_event_at("15/07/2018 12:00:00", SP)
    assert summer.utcoffset() == timedelta(hours=-2)
    assert winter.utcoffset() == timedelta(hours=-3)


def test_converter_is_cached_per_zone() -> None:
    """One converter per zone, built once."""
    assert converter_for(SP) is converter_for(SP)
    assert converter_for(UTC) is not converter_for(SP)


# --- optional, required and coerced fields -----------------------------------


def test_missing_optional_fields() -> None:
    """Missing optional fields become None, missing collections empty."""
    assert read({"id": 3, "name": "Acme", "document_type": 1, "document_number": "x"}, Client) == (
        Client(3, "Acme", DocumentType.CPF, "x")
    )
    assert read({"id": 3, "user_type_id": 6, "name": "u"}, User) == User(3, 6, "u")
    assert read({"id": 9}, Camera) == Camera(9)
    assert read({}, CameraOptions) == CameraOptions()
    assert read({"manufacturer": [{"id": 1, "name": "m"}]}, CameraOptions).manufacturers == (
        Manufacturer(1, "m"),
    )
    assert read({"total": 0, "per_page": 30, "current_page": 1, "last_page": 1}, EventPage) == (
        EventPage(0, 30, 1, 1)
    )


def test_explicit_nulls_for_optional_fields() -> None:
    """A null optional field reads as None."""
    user = read({"id": 3, "user_type_id": 6, "name": "u", "email": None, "created_at": None}, User)
    assert (user.email, user.created_at) == (None, None)


@pytest.mark.parametrize(
    ("data", "cls", "field"),
    [
        ({"name": "c"}, Camera, "id"),
        ({"id": 1, "name": "u"}, Client, "document_type"),
        ({"id": 1, "user_type_id": 6}, User, "name"),
        ({"id": 1, "name": "u"}, User, "user_type_id"),
        ({"per_page": 30, "current_page": 1, "last_page": 1}, EventPage, "total"),
        ({"id": 1, "event_type": 4}, Event, "event_at"),
        ({"id": 1, "event_at": "01/01/2023 12:00:00"}, Event, "event_type"),
    ],
)
def test_missing_required_field_is_an_error(
    data: dict[str, Any], cls: type[Any], field: str
) -> None:
    """A missing required field fails the read, naming the field."""
    with pytest.raises((KeyError, ValueError), match=field):
        read(data, cls)


@pytest.mark.parametrize(
    ("value", "expected"), [(7, 7), ("7", 7), (" 7 ", 7), (7.0, 7), ("-2", -2)]
)
def test_numbers_as_strings_accepted(value: object, expected: int) -> None:
    """Integers may arrive as JSON numbers or numeric strings."""
    assert read({"id": value}, Camera).id == expected


@pytest.mark.parametrize("value", [7.5, True, "seven", "", None, [7], {"id": 7}])
def test_bad_integers_rejected(value: object) -> None:
    """A non-integral float, a bool, a word, null or a container is not an id."""
    with pytest.raises(ValueError):  # WireError or int()'s own ValueError
        read({"id": value}, Camera)


@pytest.mark.parametrize(("value", "expected"), [("x", "x"), (11999, "11999"), (1.5, "1.5")])
def test_strings_accept_numbers(value: object, expected: str) -> None:
    """A phone sent as a JSON number is read as its text."""
    assert read({"id": 1, "user_type_id": 6, "name": "u", "phone": value}, User).phone == expected


@pytest.mark.parametrize("value", [True, [], {}, ["x"]])
def test_strings_reject_other_types(value: object) -> None:
    """A bool or container where text is expected is a WireError."""
    with pytest.raises(WireError):
        read({"id": 1, "user_type_id": 6, "name": value}, User)


@pytest.mark.parametrize(("value", "expected"), [("1", 1), (2, 2), ("2", 2)])
def test_document_type_from_string(value: object, expected: int) -> None:
    """document_type is read from "1"/"2" (as documented) or a number."""
    data = {"id": 1, "name": "c", "document_type": value, "document_number": "x"}
    assert read(data, Client).document_type is DocumentType(expected)


def test_unknown_document_type_rejected() -> None:
    """A document_type other than 1 or 2 fails the read."""
    with pytest.raises(ValueError):  # the enum's own ValueError
        read({"id": 1, "name": "c", "document_type": "3", "document_number": "x"}, Client)


@pytest.mark.parametrize(
    "info",
    [
        {"installation_local": {"a": "x"}},
        {"installation_area": ["x"]},
        {"equipment_state": {"1": ["x"]}},
    ],
)
def test_installation_maps_need_numeric_keys(info: dict[str, Any]) -> None:
    """Installation maps must be objects from numeric codes to labels."""
    with pytest.raises(WireError):
        read({"installation_info": info}, CameraOptions)


@pytest.mark.parametrize(
    "data",
    [
        {"plans": []},
        {"installation_info": "x"},
        {"plans": {"history_days": "x"}},
        {"manufacturer": [{"id": 1, "name": "m", "camera_model": [5]}]},
    ],
)
def test_camera_options_bad_shapes(data: dict[str, Any]) -> None:
    """Options sections of the wrong shape fail the read instead of passing silently."""
    with pytest.raises((WireError, ValueError, TypeError)):
        read(data, CameraOptions)


@pytest.mark.parametrize("events", ["abc", [1], [None], {"id": 1}])
def test_events_must_be_objects(events: object) -> None:
    """A page whose `data` holds anything but event objects fails the read."""
    data = {"total": 1, "per_page": 30, "current_page": 1, "last_page": 1, "data": events}
    with pytest.raises(WireError):
        read(data, EventPage)


# --- unwrap_one --------------------------------------------------------------


def test_unwrap_one_accepts_object_and_singleton() -> None:
    """{...} and [{...}] both give the object."""
    assert unwrap_one({"a": 1}) == {"a": 1}
    assert unwrap_one([{"a": 1}]) == {"a": 1}


@pytest.mark.parametrize("data", [[], [{}, {}], [[{}]], "x", 1, None, True, [1]])
def test_unwrap_one_rejects_other_shapes(data: object) -> None:
    """An empty or longer list, a nested list or a scalar is a WireError."""
    with pytest.raises(WireError, match="expected an object"):
        unwrap_one(data)


# --- timestamps --------------------------------------------------------------


def test_parse_event_at() -> None:
    """DD/MM/YYYY HH:MM:SS reads day first, in the given zone."""
    value = parse_event_at("31/12/2023 23:59:58", SP)
    assert_local(value, datetime(2023, 12, 31, 23, 59, 58), SP)


@pytest.mark.parametrize(
    "value",
    [
        "01-01-2023 12:00:00",
        "01.01.2023 12:00:00",
        "01/01/2023T12:00:00",
        "01/01/2023 12-00-00",
        "01/01/2023 12:00.00",
        "01/01/2023_12:00:00",
        "2023-01-01 12:00:00",
        "01/01/2023 12:00",
        "1/1/2023 12:00:00",
        "01/01/2023 12:00:00 ",
        " 01/01/2023 12:00:00",
        "01/13/2023 12:00:00",
        "00/01/2023 12:00:00",
        "32/01/2023 12:00:00",
        "29/02/2023 12:00:00",
        "01/01/2023 24:00:00",
        "01/01/2023 12:60:00",
        "01/01/2023 12:00:61",
        "aa/01/2023 12:00:00",
        "01/01/2O23 12:00:00",
        "01/01/+023 12:00:00",
        "01/01/-023 12:00:00",
        "01/01/2023 1 :00:00",
        "01/01/\uff12\uff10\uff12\uff13 12:00:00",
        "",
        None,
        20230101,
        ["01/01/2023 12:00:00"],
    ],
)
def test_parse_event_at_rejects_malformed(value: object) -> None:
    """Wrong separators, letters, signs, out-of-range fields or types raise WireError."""
    with pytest.raises(WireError, match=r"^event_at: expected DD/MM/YYYY HH:MM:SS"):
        parse_event_at(value, SP)


def test_malformed_event_at_fails_the_page() -> None:
    """An event with a malformed event_at fails the page read with a WireError."""
    data = {
        "total": 1,
        "per_page": 30,
        "current_page": 1,
        "last_page": 1,
        "data": [{"id": 1, "event_at": "2023-01-01 12:00:00", "event_type": 4}],
    }
    with pytest.raises(WireError, match="event_at"):
        read(data, EventPage)


def test_parse_timestamp() -> None:
    """YYYY-MM-DD HH:MM:SS reads as local time in the zone."""
    assert_local(parse_timestamp("2023-06-30 08:15:00", SP), datetime(2023, 6, 30, 8, 15), SP)


def test_parse_timestamp_with_offset_converted() -> None:
    """A timestamp carrying an offset keeps its instant, shown in the zone."""
    value = parse_timestamp("2023-01-01T15:00:00+00:00", SP)
    assert value == datetime(2023, 1, 1, 15, tzinfo=UTC)
    assert_local(value, NOON, SP)


@pytest.mark.parametrize(
    "value", ["2023-13-01 12:00:00", "01/01/2023 12:00:00", "yesterday", "", None, 1672574400]
)
def test_parse_timestamp_rejects_malformed(value: object) -> None:
    """Anything but an ISO-like timestamp string raises WireError."""
    with pytest.raises(WireError, match="expected a timestamp"):
        parse_timestamp(value, SP)


# --- JSON codec --------------------------------------------------------------


def test_dumps_compact_utf8() -> None:
    """dumps gives compact UTF-8 JSON bytes that read back the same."""
    value = {"name": "São Paulo", "n": [1, 2], "none": None}
    encoded = dumps(value)
    assert isinstance(encoded, bytes)
    assert b" " not in encoded.replace("São Paulo".encode(), b"")
    assert "São Paulo".encode() in encoded
    assert json.loads(encoded) == value
    assert loads(encoded) == value


def test_loads_rejects_non_json_with_value_error() -> None:
    """loads raises a ValueError (never another type) for bytes that are not JSON."""
    for body in (b"<html>", b"", b"\xff\xfe", b"{'a': 1}"):
        with pytest.raises(ValueError):  # any decoder's ValueError
            loads(body)


def test_module_declares_all() -> None:
    """_wire exports exactly its documented helpers."""
    assert set(_wire.__all__) <= set(dir(_wire))


def test_long_values_are_never_cut_into_messages() -> None:
    """A long wrong-typed value is described by type and size, never by a cut prefix."""
    secret = "S" * 60
    with pytest.raises(WireError) as info:
        parse_event_at(secret, ZoneInfo("America/Sao_Paulo"))
    assert "SSSS" not in str(info.value)
    assert "str of 60" in str(info.value)


def test_event_extra_in_the_fast_reader_and_none_without() -> None:
    """An event with an unmodelled key keeps it in extra; the same event without it has none."""
    event = {
        "id": 1,
        "event_at": "20/11/2026 10:00:00",
        "event_type": 4,
        "event_description": None,
        "event_url": "u",
        "camera_id": 7,
        "camera_description": "c",
    }
    page = {"total": 2, "per_page": 2, "current_page": 1, "last_page": 1, "first_page_url": "x"}
    read_page = read({**page, "data": [event, {**event, "id": 2, "confidence": 0.9}]}, EventPage)
    plain, extended = read_page.events
    assert plain.extra == {}
    assert dict(extended.extra) == {"confidence": 0.9}
    assert dict(read_page.extra) == {"first_page_url": "x"}
    assert "0.9" in repr(extended)  # numbers are shown, text only by size


def test_extra_is_read_only() -> None:
    """A model's extra cannot be changed after it is read."""
    camera = read({"id": 1, "new": "x"}, Camera)
    with pytest.raises(TypeError):
        camera.extra["new"] = "y"  # type: ignore[index]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total", -1),
        ("per_page", 0),
        ("per_page", -30),
        ("current_page", 0),
        ("current_page", -2),
        ("last_page", -1),
    ],
)
def test_impossible_page_counts_are_refused(field: str, value: int) -> None:
    """A negative total, a page size <= 0 or a negative page number is a WireError naming it."""
    body = {"total": 3, "per_page": 30, "current_page": 1, "last_page": 1, field: value}
    with pytest.raises(WireError, match=field):
        read(body, EventPage)
