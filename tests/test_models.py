"""Response models: enums, defaults, secrets kept out of repr, option look-ups."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime

import attrs
import pytest

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
    UserType,
)

MODELS = [
    Camera,
    CameraModel,
    CameraOptions,
    Client,
    Event,
    EventPage,
    Manufacturer,
    Resolution,
    User,
]


def options() -> CameraOptions:
    return CameraOptions(
        manufacturers=(
            Manufacturer(
                5, "Hikvision", (CameraModel(6, "Câmera IP", 5), CameraModel(25, "DVR", 5))
            ),
            Manufacturer(22, "Generico", (CameraModel(40, "DVR", 22),)),
        )
    )


def test_enum_values_match_the_contract() -> None:
    """DocumentType and UserType are IntEnums with the documented values."""
    assert issubclass(DocumentType, enum.IntEnum)
    assert issubclass(UserType, enum.IntEnum)
    assert (DocumentType.CPF, DocumentType.CNPJ) == (1, 2)
    assert (UserType.COMUM, UserType.ADMIN) == (1, 2)
    assert [m.name for m in DocumentType] == ["CPF", "CNPJ"]
    assert [m.name for m in UserType] == ["COMUM", "ADMIN"]


@pytest.mark.parametrize("cls", MODELS)
def test_models_are_frozen_with_slots(cls: type) -> None:
    """Every response model is an attrs class, frozen and slotted."""
    assert attrs.has(cls)
    assert "__slots__" in cls.__dict__
    params = getattr(cls, "__attrs_attrs__", ())
    assert params
    factories: dict[type, Callable[[], object]] = {
        Camera: lambda: Camera(1),
        CameraModel: lambda: CameraModel(1, "m"),
        CameraOptions: CameraOptions,
        Client: lambda: Client(1, "c", DocumentType.CPF, "52998224725"),
        Event: lambda: Event(1, datetime(2023, 1, 1, tzinfo=UTC), 4),
        EventPage: lambda: EventPage(0, 30, 1, 1),
        Manufacturer: lambda: Manufacturer(1, "m"),
        Resolution: lambda: Resolution(1, "VGA"),
        User: lambda: User(1, 6, "u"),
    }
    instance = factories[cls]()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(instance, params[0].name, 2)


def test_field_names_match_the_contract() -> None:
    """The models carry exactly the fields the contract lists, in its order, then ``extra``."""
    assert [f.name for f in attrs.fields(Camera)] == [
        "id",
        "description",
        "stream_status",
        "status_description",
        "rtmp_url",
        "extra",
    ]
    assert [f.name for f in attrs.fields(CameraOptions)] == [
        "manufacturers",
        "history_days",
        "resolutions",
        "installation_local",
        "installation_area",
        "equipment_state",
        "extra",
    ]
    assert [f.name for f in attrs.fields(EventPage)] == [
        "total",
        "per_page",
        "current_page",
        "last_page",
        "events",
        "extra",
    ]
    assert [f.name for f in attrs.fields(Event)] == [
        "id",
        "event_at",
        "event_type",
        "event_description",
        "event_url",
        "camera_id",
        "camera_description",
        "extra",
    ]
    assert {f.name for f in attrs.fields(User)} == {
        "id",
        "user_type_id",
        "name",
        "email",
        "phone",
        "created_at",
        "updated_at",
        "update_user_id",
        "api_token",
        "extra",
    }
    assert {f.name for f in attrs.fields(Client)} == {
        "id",
        "name",
        "document_type",
        "document_number",
        "phone",
        "cep",
        "address",
        "address_number",
        "address_comp",
        "address_nh",
        "city",
        "state",
        "create_url",
        "create_ip",
        "created_at",
        "updated_at",
        "users",
        "extra",
    }
    assert [f.name for f in attrs.fields(Manufacturer)] == ["id", "name", "camera_models", "extra"]
    assert [f.name for f in attrs.fields(CameraModel)] == ["id", "name", "manufacturer_id", "extra"]
    assert [f.name for f in attrs.fields(Resolution)] == ["id", "name", "extra"]


def test_user_repr_hides_api_token() -> None:
    """A user's api_token is kept but never shown by repr or str, even inside a Client."""
    user = User(2, 6, "Maria", api_token="user-api-token-123")
    client = Client(1, "Acme", DocumentType.CNPJ, "11222333000181", users=(user,))
    assert user.api_token == "user-api-token-123"
    for text in (repr(user), str(user), repr(client)):
        assert "user-api-token-123" not in text
        assert "api_token" not in text
    assert "Maria" in repr(user)


def test_camera_repr_hides_rtmp_url() -> None:
    """A camera's rtmp_url (a publish credential) is kept but never shown by repr or str."""
    camera = Camera(5, "Portão", rtmp_url="rtmp://live.monuv.com.br/live/stream-key-9f3a")
    assert camera.rtmp_url == "rtmp://live.monuv.com.br/live/stream-key-9f3a"
    for text in (repr(camera), str(camera)):
        assert "stream-key-9f3a" not in text
        assert "rtmp_url" not in text
    assert "Portão" in repr(camera)


def test_optional_fields_default_to_none_or_empty() -> None:
    """Missing optional fields are None, collections are empty."""
    client = Client(1, "Acme", DocumentType.CPF, "52998224725")
    assert client.users == ()
    assert client.address_comp is None
    assert client.created_at is None
    opts = CameraOptions()
    assert opts.manufacturers == ()
    assert opts.history_days == ()
    assert dict(opts.installation_local) == {}
    assert Manufacturer(1, "m").camera_models == ()
    assert EventPage(0, 30, 1, 1).events == ()


def test_camera_options_maps_are_not_shared() -> None:
    """Each CameraOptions gets its own empty maps (no shared mutable default)."""
    first, second = CameraOptions(), CameraOptions()
    assert first.installation_area is not second.installation_area


@pytest.mark.parametrize("key", [5, "Hikvision", "hikvision", "HIKVISION"])
def test_manufacturer_lookup(key: int | str) -> None:
    """A manufacturer is found by id or case-insensitive name."""
    assert options().manufacturer(key).id == 5


@pytest.mark.parametrize("key", [6, "Dahua", "5", 99])
def test_manufacturer_lookup_missing(key: int | str) -> None:
    """An unknown manufacturer (or an id given as a str) is a KeyError."""
    with pytest.raises(KeyError):
        options().manufacturer(key)


def test_camera_model_lookup() -> None:
    """A model is found within its manufacturer by id or case-insensitive name."""
    opts = options()
    assert opts.camera_model("Hikvision", "câmera ip").id == 6
    assert opts.camera_model(5, 25).name == "DVR"
    assert opts.camera_model("generico", "dvr").id == 40


def test_camera_model_lookup_is_per_manufacturer() -> None:
    """A model of another manufacturer is not found; neither is an unknown manufacturer."""
    opts = options()
    with pytest.raises(KeyError):
        opts.camera_model("Generico", 6)
    with pytest.raises(KeyError):
        opts.camera_model("Axis", "DVR")


def test_models_compare_by_value() -> None:
    """Two models with equal fields are equal and hash alike (frozen)."""
    at = datetime(2023, 1, 1, 12, tzinfo=UTC)
    assert Event(1, at, 4) == Event(1, at, 4)
    assert hash(Event(1, at, 4)) == hash(Event(1, at, 4))
    assert Event(1, at, 4) != Event(2, at, 4)
