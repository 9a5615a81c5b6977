"""Request models: validation at construction, and the JSON body they send."""

from __future__ import annotations

import inspect
import json
import math
import re
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from monuv_async.models import DocumentType, UserType
from monuv_async.requests import CameraUpdate, NewCamera, NewClient, NewUser

CPF = "529.982.247-25"
CNPJ = "11.222.333/0001-81"

USER_FIELDS = ("name", "email", "phone", "password")
CLIENT_STR_FIELDS = (
    "name",
    "document_number",
    "phone",
    "cep",
    "address",
    "address_number",
    "address_nh",
    "city",
    "state",
)
CAMERA_ID_FIELDS = (
    "connection_type",
    "resolution_id",
    "history_days",
    "manufacturer_id",
    "camera_model_id",
    "installation_local",
    "installation_area",
    "equipment_state",
)


def user_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "name": "Maria",
        "email": "maria@example.com",
        "phone": "(11) 99999-9999",
        "password": "s3cret-Passw0rd",
    }
    args.update(changes)
    return args


def client_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "name": "Acme Ltda",
        "document_type": DocumentType.CNPJ,
        "document_number": CNPJ,
        "phone": "(11) 3333-4444",
        "cep": "01310-100",
        "address": "Avenida Paulista",
        "address_number": "1000",
        "address_nh": "Bela Vista",
        "city": "São Paulo",
        "state": "SP",
    }
    args.update(changes)
    return args


def kw(field: str, value: Any) -> dict[str, Any]:
    """``{field: value}``, typed loosely: these tests pass wrong types on purpose."""
    return {field: value}


def field_match(field: str) -> str:
    return f"^{re.escape(field)}:"


# --- NewUser -----------------------------------------------------------------


def test_new_user_signature_matches_the_contract() -> None:
    """NewUser takes name, email, phone, password positionally; the rest by keyword."""
    params = inspect.signature(NewUser).parameters
    positional = [p.name for p in params.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    keyword = [p.name for p in params.values() if p.kind is p.KEYWORD_ONLY]
    assert positional == ["name", "email", "phone", "password"]
    assert keyword == ["user_type", "password_conf", "extra"]
    user = NewUser("Maria", "maria@example.com", "11999999999", "pw-1234")
    assert user.user_type is UserType.COMUM
    assert user.password_conf is None


def test_password_conf_none_sends_the_password() -> None:
    """password_conf=None puts the password itself in password_conf on the wire."""
    body = NewUser(**user_args()).to_wire()
    assert body == {
        "name": "Maria",
        "email": "maria@example.com",
        "phone": "(11) 99999-9999",
        "password": "s3cret-Passw0rd",
        "password_conf": "s3cret-Passw0rd",
        "user_type": 1,
    }
    assert type(body["user_type"]) is int


def test_password_conf_matching_is_sent() -> None:
    """An explicit, matching password_conf is sent as given."""
    user = NewUser(**user_args(password_conf="s3cret-Passw0rd"), user_type=UserType.ADMIN)
    body = user.to_wire()
    assert body["password_conf"] == "s3cret-Passw0rd"
    assert body["user_type"] == 2


def test_password_conf_mismatch_rejected() -> None:
    """A password_conf that differs from password is refused, without echoing either."""
    with pytest.raises(ValueError, match=r"^password_conf:") as info:
        NewUser(**user_args(password_conf="other-Passw0rd"))
    assert "s3cret" not in str(info.value)
    assert "other-Passw0rd" not in str(info.value)


def test_passwords_absent_from_repr() -> None:
    """repr of a NewUser (and of a NewClient holding it) never shows a password."""
    user = NewUser(**user_args(password_conf="s3cret-Passw0rd"))
    client = NewClient(**client_args(users=[user]))
    for text in (repr(user), str(user), repr(client)):
        assert "s3cret-Passw0rd" not in text
    assert "maria@example.com" in repr(user)


@pytest.mark.parametrize("email", ["maria.example.com", "maria@", "@example.com", "ma ria@x.com"])
def test_email_without_at_rejected(email: str) -> None:
    """An e-mail must be local@domain, without spaces."""
    with pytest.raises(ValueError, match=r"^email:"):
        NewUser(**user_args(email=email))


@pytest.mark.parametrize("field", USER_FIELDS)
@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_new_user_empty_strings_rejected(field: str, value: str) -> None:
    """Every required string of NewUser must not be empty or blank."""
    with pytest.raises(ValueError, match=field_match(field)):
        NewUser(**user_args(**kw(field, value)))


@pytest.mark.parametrize("field", USER_FIELDS)
@pytest.mark.parametrize("value", [None, 123, b"bytes", ["x"]])
def test_new_user_wrong_types_rejected(field: str, value: object) -> None:
    """A non-str where a str is required is a TypeError naming the field."""
    with pytest.raises(TypeError, match=field_match(field)):
        NewUser(**user_args(**kw(field, value)))


@pytest.mark.parametrize(
    ("value", "expected"), [(1, UserType.COMUM), (2, UserType.ADMIN), (UserType.ADMIN, 2)]
)
def test_user_type_accepts_ints(value: int, expected: UserType) -> None:
    """user_type accepts the enum or its int value, and stores the enum."""
    user = NewUser(**user_args(), user_type=value)
    assert user.user_type is UserType(expected)


@pytest.mark.parametrize("value", [0, 3, -1])
def test_user_type_unknown_int_rejected(value: int) -> None:
    """An int that is no UserType is a ValueError naming the field."""
    with pytest.raises(ValueError, match=r"^user_type:"):
        NewUser(**user_args(), user_type=value)


@pytest.mark.parametrize("value", ["1", 1.0, True, None, DocumentType.CPF.name])
def test_user_type_wrong_type_rejected(value: object) -> None:
    """A str, float, bool or None user_type is a TypeError naming the field."""
    with pytest.raises(TypeError, match=r"^user_type:"):
        NewUser(**user_args(), user_type=value)


def test_new_user_is_frozen() -> None:
    """A request model cannot be changed after its validation."""
    user = NewUser(**user_args())
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        user.email = "not-an-email"  # type: ignore[misc]


# --- NewClient ---------------------------------------------------------------


def test_new_client_positional_shape() -> None:
    """NewClient takes its ten required fields positionally, in the contract's order."""
    client = NewClient(
        "Acme",
        DocumentType.CNPJ,
        CNPJ,
        "phone",
        "01310-100",
        "street",
        "10",
        "nh",
        "city",
        "SP",
    )
    assert (client.address, client.address_number, client.address_nh) == ("street", "10", "nh")
    params = inspect.signature(NewClient).parameters
    keyword = [p.name for p in params.values() if p.kind is p.KEYWORD_ONLY]
    assert keyword == ["address_comp", "users", "extra"]
    assert client.users == ()
    assert client.address_comp is None


@pytest.mark.parametrize(
    ("document_type", "number"),
    [
        (DocumentType.CPF, CPF),
        (DocumentType.CPF, "52998224725"),
        (DocumentType.CNPJ, CNPJ),
        (DocumentType.CNPJ, "11222333000181"),
        (1, CPF),
        (2, CNPJ),
    ],
)
def test_document_number_fits_document_type(document_type: int, number: str) -> None:
    """A valid CPF with type CPF and a valid CNPJ with type CNPJ are accepted, as given."""
    client = NewClient(**client_args(document_type=document_type, document_number=number))
    assert client.document_type is DocumentType(document_type)
    assert client.to_wire()["document_number"] == number


@pytest.mark.parametrize(
    ("document_type", "number"),
    [
        (DocumentType.CNPJ, CPF),
        (DocumentType.CPF, CNPJ),
        (DocumentType.CPF, "529.982.247-26"),
        (DocumentType.CNPJ, "11.222.333/0001-82"),
        (DocumentType.CPF, "111.111.111-11"),
        (DocumentType.CPF, "529.982.247-2X"),
        (DocumentType.CNPJ, "11222333000"),
    ],
)
def test_bad_document_number_rejected(document_type: DocumentType, number: str) -> None:
    """Wrong length for the type, wrong check digits or letters name document_number."""
    with pytest.raises(ValueError, match=r"^document_number:"):
        NewClient(**client_args(document_type=document_type, document_number=number))


@pytest.mark.parametrize("value", [0, 3, 11])
def test_document_type_unknown_int_rejected(value: int) -> None:
    """A document_type that is neither 1 nor 2 is a ValueError naming the field."""
    with pytest.raises(ValueError, match=r"^document_type:"):
        NewClient(**client_args(document_type=value))


@pytest.mark.parametrize("value", ["2", 2.0, True, None])
def test_document_type_wrong_type_rejected(value: object) -> None:
    """A document_type of the wrong type is a TypeError naming the field."""
    with pytest.raises(TypeError, match=r"^document_type:"):
        NewClient(**client_args(document_type=value))


@pytest.mark.parametrize("cep", ["01310-100", "01310100"])
def test_cep_formatted_or_bare_accepted(cep: str) -> None:
    """A CEP of 8 digits is accepted with or without its dash, and sent as given."""
    assert NewClient(**client_args(cep=cep)).to_wire()["cep"] == cep


@pytest.mark.parametrize("cep", ["0131-010", "013101000", "01310-10a", "CEP 01310100"])
def test_bad_cep_rejected(cep: str) -> None:
    """A CEP that is not 8 digits is a ValueError naming cep."""
    with pytest.raises(ValueError, match=r"^cep:"):
        NewClient(**client_args(cep=cep))


@pytest.mark.parametrize("field", CLIENT_STR_FIELDS)
@pytest.mark.parametrize("value", ["", "  "])
def test_new_client_empty_strings_rejected(field: str, value: str) -> None:
    """Every required string of NewClient must not be empty or blank."""
    with pytest.raises(ValueError, match=field_match(field)):
        NewClient(**client_args(**kw(field, value)))


@pytest.mark.parametrize("field", CLIENT_STR_FIELDS)
def test_new_client_wrong_types_rejected(field: str) -> None:
    """A non-str where NewClient needs a str is a TypeError naming the field."""
    with pytest.raises(TypeError, match=field_match(field)):
        NewClient(**client_args(**kw(field, 12345678)))


def test_address_comp_optional() -> None:
    """address_comp is left out when None, sent when given, refused when blank."""
    assert "address_comp" not in NewClient(**client_args()).to_wire()
    body = NewClient(**client_args(address_comp="Sala 2")).to_wire()
    assert body["address_comp"] == "Sala 2"
    with pytest.raises(ValueError, match=r"^address_comp:"):
        NewClient(**client_args(address_comp=""))
    with pytest.raises(TypeError, match=r"^address_comp:"):
        NewClient(**client_args(address_comp=5))


def test_new_client_wire_body() -> None:
    """to_wire sends every given field, document_type as a plain int, no users key."""
    body = NewClient(**client_args()).to_wire()
    assert body == {
        "name": "Acme Ltda",
        "document_type": 2,
        "document_number": CNPJ,
        "phone": "(11) 3333-4444",
        "cep": "01310-100",
        "address": "Avenida Paulista",
        "address_number": "1000",
        "address_nh": "Bela Vista",
        "city": "São Paulo",
        "state": "SP",
    }
    assert type(body["document_type"]) is int
    json.dumps(body)


def test_users_key_only_when_users_given() -> None:
    """The users key appears only with users, each with its own password_conf."""
    assert "users" not in NewClient(**client_args(users=())).to_wire()
    first = NewUser(**user_args())
    second = NewUser(**user_args(email="joao@example.com"), user_type=UserType.ADMIN)
    client = NewClient(**client_args(users=(u for u in (first, second))))
    assert client.users == (first, second)
    users = client.to_wire()["users"]
    assert users == [first.to_wire(), second.to_wire()]
    assert users[0]["password_conf"] == "s3cret-Passw0rd"
    assert users[1]["user_type"] == 2


@pytest.mark.parametrize("users", ["maria", b"maria", 5, None])
def test_users_must_be_an_iterable(users: object) -> None:
    """users must be an iterable of NewUser (a str is not one)."""
    with pytest.raises(TypeError, match=r"^users:"):
        NewClient(**client_args(users=users))


def test_users_items_must_be_new_users() -> None:
    """Each item of users must be a NewUser; the message says which."""
    good = NewUser(**user_args())
    with pytest.raises(TypeError, match=r"^users\[1\]:"):
        NewClient(**client_args(users=[good, {"name": "x"}]))


# --- NewCamera / CameraUpdate ------------------------------------------------


def test_new_camera_shape() -> None:
    """NewCamera takes client_id and description positionally; every other field by keyword."""
    params = inspect.signature(NewCamera).parameters
    positional = [p.name for p in params.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    keyword = [p.name for p in params.values() if p.kind is p.KEYWORD_ONLY]
    assert positional == ["client_id", "description"]
    assert set(keyword) == {"camera_address", "latitude", "longitude", "extra", *CAMERA_ID_FIELDS}
    assert all(params[name].default is None for name in keyword if name != "extra")
    assert params["extra"].default == {}
    with pytest.raises(TypeError):
        NewCamera(1, "Portaria", "Rua A")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        NewCamera(1)  # type: ignore[call-arg]


def test_camera_update_shape() -> None:
    """CameraUpdate takes only client_id positionally; description is optional by keyword."""
    params = inspect.signature(CameraUpdate).parameters
    positional = [p.name for p in params.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    keyword = {p.name for p in params.values() if p.kind is p.KEYWORD_ONLY}
    assert positional == ["client_id"]
    assert keyword == {
        "description",
        "camera_address",
        "latitude",
        "longitude",
        "extra",
        *CAMERA_ID_FIELDS,
    }
    assert CameraUpdate(3).to_wire() == {"client_id": 3}
    with pytest.raises(TypeError):
        CameraUpdate(3, "Portaria")  # type: ignore[call-arg]


def test_new_camera_wire_leaves_none_out() -> None:
    """Only the fields given are sent."""
    assert NewCamera(7, "Portaria").to_wire() == {"client_id": 7, "description": "Portaria"}


def test_new_camera_full_wire_body() -> None:
    """Every field given is sent, with the coordinates as strings."""
    camera = NewCamera(
        7,
        "Portaria",
        camera_address="Rua A, 1",
        latitude=-23.5614,
        longitude=-46.6559,
        connection_type=1,
        resolution_id=1,
        history_days=7,
        manufacturer_id=5,
        camera_model_id=6,
        installation_local=1,
        installation_area=2,
        equipment_state=1,
    )
    assert camera.to_wire() == {
        "client_id": 7,
        "description": "Portaria",
        "camera_address": "Rua A, 1",
        "latitude": "-23.5614",
        "longitude": "-46.6559",
        "connection_type": 1,
        "resolution_id": 1,
        "history_days": 7,
        "manufacturer_id": 5,
        "camera_model_id": 6,
        "installation_local": 1,
        "installation_area": 2,
        "equipment_state": 1,
    }


@pytest.mark.parametrize(
    ("latitude", "expected"),
    [
        (-23.5, "-23.5"),
        (12, "12"),
        (0, "0"),
        ("-23.561400", "-23.561400"),
        (90, "90"),
        (-90.0, "-90.0"),
        (1e-05, "0.00001"),
        (-0.0000123, "-0.0000123"),
    ],
)
def test_latitude_sent_as_decimal_string(latitude: float | str, expected: str) -> None:
    """Latitude goes as a plain decimal string (a str as given, never in exponent form)."""
    body = NewCamera(1, "c", latitude=latitude).to_wire()
    assert body["latitude"] == expected
    assert math.isclose(float(body["latitude"]), float(latitude))


def test_longitude_sent_as_string() -> None:
    """Longitude goes as a string too, and may reach ±180."""
    assert NewCamera(1, "c", longitude=-180).to_wire()["longitude"] == "-180"
    assert NewCamera(1, "c", longitude=179.999).to_wire()["longitude"] == "179.999"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", 90.0001),
        ("latitude", -91),
        ("latitude", "95"),
        ("longitude", 180.5),
        ("longitude", "-181"),
        ("latitude", math.nan),
        ("longitude", math.inf),
        ("latitude", "nan"),
        ("latitude", "north"),
        ("longitude", ""),
    ],
)
def test_coordinates_range_checked(field: str, value: float | str) -> None:
    """A coordinate out of range, infinite, NaN or not numeric is a ValueError naming it."""
    with pytest.raises(ValueError, match=field_match(field)):
        NewCamera(1, "c", **kw(field, value))


@pytest.mark.parametrize("field", ["latitude", "longitude"])
@pytest.mark.parametrize("value", [10**400, -(10**400), "1e400"], ids=["big", "-big", "1e400"])
def test_coordinates_too_large_for_a_float(field: str, value: int | str) -> None:
    """A number too large for a float is out of range (a ValueError), not an OverflowError."""
    with pytest.raises(ValueError, match=field_match(field)):
        NewCamera(1, "c", **kw(field, value))


@pytest.mark.parametrize("field", ["latitude", "longitude"])
@pytest.mark.parametrize("value", [True, [1.0], b"1.0", {"lat": 1}])
def test_coordinates_wrong_type_rejected(field: str, value: object) -> None:
    """A bool, list, bytes or dict coordinate is a TypeError naming it."""
    with pytest.raises(TypeError, match=field_match(field)):
        NewCamera(1, "c", **kw(field, value))


@pytest.mark.parametrize("cls", [NewCamera, CameraUpdate])
@pytest.mark.parametrize("value", [0, -5])
def test_client_id_must_be_positive(cls: type[NewCamera], value: int) -> None:
    """client_id is a positive id, on create and on update."""
    with pytest.raises(ValueError, match=r"^client_id:"):
        cls(value, description="c")


@pytest.mark.parametrize("cls", [NewCamera, CameraUpdate])
@pytest.mark.parametrize("value", [True, False, "1", 1.0, None])
def test_client_id_wrong_type_rejected(cls: type[NewCamera], value: object) -> None:
    """A bool, str, float or None client_id is a TypeError naming it."""
    with pytest.raises(TypeError, match=r"^client_id:"):
        cls(value, description="c")  # type: ignore[arg-type]


@pytest.mark.parametrize("field", CAMERA_ID_FIELDS)
def test_optional_ids_validated(field: str) -> None:
    """Each optional id/code is a positive int: 0 is a ValueError, a bool a TypeError."""
    assert NewCamera(1, "c", **kw(field, 3)).to_wire()[field] == 3
    with pytest.raises(ValueError, match=field_match(field)):
        NewCamera(1, "c", **kw(field, 0))
    with pytest.raises(TypeError, match=field_match(field)):
        NewCamera(1, "c", **kw(field, True))
    with pytest.raises(TypeError, match=field_match(field)):
        CameraUpdate(1, **kw(field, "3"))
    with pytest.raises(TypeError, match=field_match(field)):
        CameraUpdate(1, **kw(field, 3.0))


@pytest.mark.parametrize("value", ["", "   "])
def test_camera_strings_not_empty(value: str) -> None:
    """description and camera_address must not be blank when given."""
    with pytest.raises(ValueError, match=r"^description:"):
        NewCamera(1, value)
    with pytest.raises(ValueError, match=r"^description:"):
        CameraUpdate(1, description=value)
    with pytest.raises(ValueError, match=r"^camera_address:"):
        NewCamera(1, "c", camera_address=value)


def test_camera_description_wrong_type() -> None:
    """A non-str description is a TypeError naming it; None is required on create."""
    with pytest.raises(TypeError, match=r"^description:"):
        NewCamera(1, 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^description:"):
        NewCamera(1, None)  # type: ignore[arg-type]


def test_camera_update_wire_body() -> None:
    """CameraUpdate sends client_id and the changed fields only."""
    update = CameraUpdate(4, description="Garagem", history_days=3, latitude="-23.1")
    assert update.to_wire() == {
        "client_id": 4,
        "description": "Garagem",
        "history_days": 3,
        "latitude": "-23.1",
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_id", 2**64),
        ("history_days", 10**30),
        ("resolution_id", 2**63),
    ],
)
def test_camera_ints_too_large_to_send_are_refused(field: str, value: int) -> None:
    """client_id=2**64, history_days=10**30: refused at construction, naming the field."""
    fields: dict[str, Any] = {"client_id": 1, "description": "Portão", field: value}
    with pytest.raises(ValueError, match=rf"^{field}: must be <="):
        NewCamera(**fields)


@pytest.mark.parametrize(
    "value", ["1_0", "\u0663\u0660", "\uff11\uff12", " 12", "12 ", "1e1", "+-1", ".", "0x1"]
)
def test_coordinates_must_be_plain_ascii_decimals(value: str) -> None:
    """Strings float() reads but a server may not ("1_0", Arabic-Indic, full-width) are refused."""
    with pytest.raises(ValueError, match=r"^latitude: must be plain decimals"):
        NewCamera(1, "c", latitude=value)


@pytest.mark.parametrize("value", ["-23.5505", "23", "+1.5", "-0.5", ".5", "10."])
def test_plain_decimal_coordinates_are_sent_verbatim(value: str) -> None:
    """Plain ASCII decimals are accepted and sent as given."""
    assert NewCamera(1, "c", latitude=value).to_wire()["latitude"] == value


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda v: NewUser("Ana", v, "119", "pw"), "email"),
        (lambda v: NewUser(v, "a@b.com", "119", "pw"), "name"),
        (lambda v: NewUser("Ana", "a@b.com", v, "pw"), "phone"),
        (lambda v: NewUser("Ana", "a@b.com", "119", v), "password"),
        (lambda v: NewCamera(1, "c", camera_address=f"{v}\x00"), "camera_address"),
        (lambda v: NewCamera(1, f"{v}\x1b]52;c;aGk=\x07"), "description"),
    ],
)
def test_control_characters_are_refused_in_text_fields(
    build: Callable[[str], object], field: str
) -> None:
    """A trailing newline or NUL in an e-mail, an escape sequence in a description: refused."""
    for bad in ("ana@example.com\n", "an\x00a"):
        with pytest.raises(ValueError, match=rf"^{field}: must not hold control"):
            build(bad)


def test_lone_surrogates_are_refused_naming_the_field() -> None:
    """A lone surrogate fails at construction (naming the field), not inside the JSON encoder."""
    with pytest.raises(ValueError, match=r"^description: holds a lone surrogate"):
        NewCamera(1, "Cam \ud800")
    with pytest.raises(ValueError, match=r"^name: holds a lone surrogate"):
        NewUser("\udc00", "a@b.com", "119", "pw")


def test_multiline_description_is_accepted() -> None:
    """A description may span lines: free text keeps its newlines."""
    assert NewCamera(1, "Portão\nlado norte").to_wire()["description"] == "Portão\nlado norte"


def test_extra_fields_are_sent_after_the_modelled_ones() -> None:
    """Each request model sends its extra keys as more body fields, nested users too."""
    user = NewUser("Ana", "ana@example.com", "119", "pw-123456", extra={"locale": "pt-BR"})
    assert user.to_wire()["locale"] == "pt-BR"
    camera = NewCamera(7, "Portaria", extra={"ptz": True, "tags": ["a"]})
    assert camera.to_wire() == {
        "client_id": 7,
        "description": "Portaria",
        "ptz": True,
        "tags": ["a"],
    }
    assert CameraUpdate(7, extra={"demo": 1}).to_wire() == {"client_id": 7, "demo": 1}
    client = NewClient(**client_args(users=(user,), extra={"segment": "retail"}))
    body = client.to_wire()
    assert body["segment"] == "retail"
    assert body["users"][0]["locale"] == "pt-BR"


@pytest.mark.parametrize(
    ("build", "key"),
    [
        (lambda: NewCamera(7, "P", extra={"description": "x"}), "description"),
        (lambda: CameraUpdate(7, extra={"client_id": 8}), "client_id"),
        (
            lambda: NewUser("A", "a@b.c", "1", "pw-123456", extra={"password_conf": "x"}),
            "password_conf",
        ),
        (lambda: NewClient(**client_args(extra={"users": []})), "users"),
    ],
)
def test_an_extra_key_naming_a_modelled_field_is_refused(build: Any, key: str) -> None:
    """A collision is a ValueError naming the key, at construction."""
    with pytest.raises(ValueError, match=f"extra: '{key}' is a modelled field"):
        build()


def test_extra_is_read_only_hides_secrets_and_keeps_models_hashable() -> None:
    """extra cannot be changed afterwards, a secret-looking key is masked, hash still works."""
    camera = NewCamera(7, "P", extra={"stream_password": "hunter22"})
    with pytest.raises(TypeError):
        camera.extra["x"] = 1  # type: ignore[index]
    assert "hunter22" not in repr(camera)
    assert hash(camera) == hash(NewCamera(7, "P"))
    with pytest.raises(ValueError, match=r"extra\.x"):
        NewCamera(7, "P", extra={"x": float("nan")})
