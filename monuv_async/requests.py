"""What you send: request models, validated when constructed.

Each model checks its fields at construction, so a typo raises a
``ValueError`` (or ``TypeError`` for a value of the wrong type) naming the
field before anything reaches the network. ``to_wire()`` gives the JSON body,
with ``None`` fields left out, and ``extra`` (fields the library does not
model, such as one Monuv has not documented) added to it: a JSON value per
key, and a key that names a modelled field is a ``ValueError``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from ._checks import check_int, check_text
from ._extra import EMPTY, check_extra, extra_repr
from .documents import digits_only, is_valid_cep, is_valid_cnpj, is_valid_cpf
from .models import DocumentType, UserType

__all__ = ["CameraUpdate", "NewCamera", "NewClient", "NewUser"]


def _fail(field: str, problem: str, error: type[Exception] = ValueError) -> Exception:
    msg = f"{field}: {problem}"
    return error(msg)


def _required_str(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise _fail(attribute.name, f"must be a str, not {type(value).__name__}", TypeError)
    if not value.strip():
        raise _fail(attribute.name, "must not be empty")
    # Free text may span lines; a name, an e-mail or a code may not.
    check_text(attribute.name, value, multiline=attribute.name in _MULTILINE)


_MULTILINE = frozenset({"description", "camera_address", "address", "address_comp"})

# A coordinate as text: plain ASCII decimals only. float() also takes "1_0",
# Arabic-Indic or full-width digits, " 12 " and "1e3", which would go verbatim.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def _optional_str(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _required_str(instance, attribute, value)


def _positive_int(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    check_int(attribute.name, value)


def _optional_positive_int(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _positive_int(instance, attribute, value)


def _enum_value(enum_cls: type[DocumentType] | type[UserType], field: str, value: object) -> Any:
    if isinstance(value, enum_cls):
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(field, f"must be a {enum_cls.__name__} or int", TypeError)
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(f"{m.value} ({m.name})" for m in enum_cls)
        raise _fail(field, f"must be one of {allowed}, got {value}") from None


def _document_type(value: object) -> DocumentType:
    result: DocumentType = _enum_value(DocumentType, "document_type", value)
    return result


def _user_type(value: object) -> UserType:
    result: UserType = _enum_value(UserType, "user_type", value)
    return result


def _coordinate(limit: float) -> Any:
    def validate(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _fail(attribute.name, "must be a number or a numeric str", TypeError)
        if isinstance(value, str) and not _DECIMAL.fullmatch(value):
            raise _fail(attribute.name, f"must be plain decimals like -23.55, got {value[:40]!r}")
        try:
            number = float(value)
        except ValueError:
            raise _fail(attribute.name, f"not a number: {value!r}") from None
        except OverflowError:  # an int too large for a float: out of range below
            number = math.inf
        if not math.isfinite(number) or abs(number) > limit:
            raise _fail(attribute.name, f"must be between -{limit:g} and {limit:g}")

    return validate


def _frozen_extra(value: object) -> Any:
    return check_extra(value, ())


def _no_collision(instance: Any, _: attrs.Attribute[Any], value: Mapping[str, Any]) -> None:
    # The collision check needs the model's own fields, so it runs as a validator.
    check_extra(value, (f.name for f in attrs.fields(type(instance)) if f.name != "extra"))


def _wire(instance: Any, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    skip = {"extra", *exclude}
    body: dict[str, Any] = {}
    for field in attrs.fields(type(instance)):
        if field.name in skip:
            continue
        value = getattr(instance, field.name)
        if value is None:
            continue
        if isinstance(value, DocumentType | UserType):
            value = int(value)
        body[field.name] = value
    return body


# How every request model's ``extra`` is checked and shown: JSON values,
# frozen, no modelled key, secrets masked in repr, never part of the hash.
_EXTRA: dict[str, Any] = {
    "converter": _frozen_extra,
    "validator": _no_collision,
    "repr": extra_repr,
    "hash": False,
}


def _with_extra(body: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    # After the modelled fields: extra keys never collide (checked at construction).
    body.update(extra)
    return body


@attrs.frozen(slots=True)
class NewUser:
    """A user to create inside a client (alone, or within :class:`NewClient`).

    ``password_conf=None`` sends the password as its own confirmation.
    Passwords never appear in ``repr``.
    """

    name: str = attrs.field(validator=_required_str)
    email: str = attrs.field(validator=_required_str)
    phone: str = attrs.field(validator=_required_str)
    password: str = attrs.field(validator=_required_str, repr=False)
    user_type: UserType = attrs.field(default=UserType.COMUM, kw_only=True, converter=_user_type)
    password_conf: str | None = attrs.field(
        default=None, kw_only=True, validator=_optional_str, repr=False
    )
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, kw_only=True, **_EXTRA)

    @email.validator
    def _check_email(self, _: attrs.Attribute[str], value: str) -> None:
        local, at, domain = value.strip().partition("@")
        if not at or not local or not domain or any(c.isspace() for c in value.strip()):
            raise _fail("email", "must be an address like name@example.com")

    @password_conf.validator
    def _check_conf(self, _: attrs.Attribute[str | None], value: str | None) -> None:
        if value is not None and value != self.password:
            raise _fail("password_conf", "does not match password")

    def to_wire(self) -> dict[str, Any]:
        """The JSON body of a create-user request."""
        body = _wire(self)
        body["password_conf"] = self.password if self.password_conf is None else self.password_conf
        return _with_extra(body, self.extra)


def _users_converter(value: object) -> tuple[NewUser, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise _fail("users", "must be an iterable of NewUser", TypeError)
    users = tuple(value)
    for index, user in enumerate(users):
        if not isinstance(user, NewUser):
            raise _fail(f"users[{index}]", "must be a NewUser", TypeError)
    return users


@attrs.frozen(slots=True)
class NewClient:
    """A partner's customer to create, optionally with users inside it.

    ``document_number`` must be a CPF (``document_type=DocumentType.CPF``) or a
    CNPJ (``DocumentType.CNPJ``) with valid check digits, formatted or bare; it
    is sent as given. ``cep`` must have 8 digits.
    """

    name: str = attrs.field(validator=_required_str)
    document_type: DocumentType = attrs.field(converter=_document_type)
    document_number: str = attrs.field(validator=_required_str)
    phone: str = attrs.field(validator=_required_str)
    cep: str = attrs.field(validator=_required_str)
    address: str = attrs.field(validator=_required_str)
    address_number: str = attrs.field(validator=_required_str)
    address_nh: str = attrs.field(validator=_required_str)
    city: str = attrs.field(validator=_required_str)
    state: str = attrs.field(validator=_required_str)
    address_comp: str | None = attrs.field(default=None, kw_only=True, validator=_optional_str)
    users: tuple[NewUser, ...] = attrs.field(default=(), kw_only=True, converter=_users_converter)
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, kw_only=True, **_EXTRA)

    @document_number.validator
    def _check_document(self, _: attrs.Attribute[str], value: str) -> None:
        digits = digits_only(value)
        if self.document_type is DocumentType.CPF:
            if digits is None or len(digits) != 11:
                raise _fail("document_number", "a CPF must have 11 digits")
            if not is_valid_cpf(digits):
                raise _fail("document_number", "CPF check digits do not match")
        else:
            if digits is None or len(digits) != 14:
                raise _fail("document_number", "a CNPJ must have 14 digits")
            if not is_valid_cnpj(digits):
                raise _fail("document_number", "CNPJ check digits do not match")

    @cep.validator
    def _check_cep(self, _: attrs.Attribute[str], value: str) -> None:
        if not is_valid_cep(value):
            raise _fail("cep", "must be 8 digits (00000-000)")

    def to_wire(self) -> dict[str, Any]:
        """The JSON body of a create-client request (``users`` only when given)."""
        body = _wire(self, exclude=("users",))
        if self.users:
            body["users"] = [user.to_wire() for user in self.users]
        return _with_extra(body, self.extra)


@attrs.frozen(slots=True)
class _CameraFields:
    """The fields shared by :class:`NewCamera` and :class:`CameraUpdate`."""

    client_id: int = attrs.field(validator=_positive_int)
    camera_address: str | None = attrs.field(default=None, kw_only=True, validator=_optional_str)
    latitude: float | str | None = attrs.field(
        default=None, kw_only=True, validator=_coordinate(90)
    )
    longitude: float | str | None = attrs.field(
        default=None, kw_only=True, validator=_coordinate(180)
    )
    connection_type: int | None = attrs.field(
        default=None, kw_only=True, validator=_optional_positive_int
    )
    resolution_id: int | None = attrs.field(
        default=None, kw_only=True, validator=_optional_positive_int
    )
    history_days: int | None = attrs.field(
        default=None, kw_only=True, validator=_optional_positive_int
    )
    manufacturer_id: int | None = attrs.field(
        default=None, kw_only=True, validator=_optional_positive_int
    )
    camera_model_id: int | None = attrs.field(
        default=None, kw_only=True, validator=_optional_positive_int
    )
    installation_local: int | None = attrs.field(
        default=None, kw_only=True, validator=_optional_positive_int
    )
    installation_area: int | None = attrs.field(
        default=None, kw_only=True, validator=_optional_positive_int
    )
    equipment_state: int | None = attrs.field(
        default=None, kw_only=True, validator=_optional_positive_int
    )
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, kw_only=True, **_EXTRA)

    def to_wire(self) -> dict[str, Any]:
        """The JSON body of the request, ``None`` fields left out."""
        body = _wire(self)
        # Real integrations send coordinates as strings; Monuv stores them as text.
        for key in ("latitude", "longitude"):
            if key in body:
                body[key] = _coordinate_text(body[key])
        return _with_extra(body, self.extra)


def _coordinate_text(value: float | str) -> str:
    # str(1e-05) is "1e-05": a coordinate goes as plain decimals, repr's digits kept.
    return format(Decimal(repr(value)), "f") if isinstance(value, float) else str(value)


@attrs.frozen(slots=True)
class NewCamera(_CameraFields):
    """A camera to create for a client. Fields left ``None`` are not sent.

    Ids and codes come from :meth:`MonuvClient.camera_options`. ``demo`` is not
    offered: camera API v1 ignores it.
    """

    description: str = attrs.field(validator=_required_str)


@attrs.frozen(slots=True)
class CameraUpdate(_CameraFields):
    """Changes to a camera. ``client_id`` is required by the API even on update."""

    description: str | None = attrs.field(default=None, kw_only=True, validator=_optional_str)
