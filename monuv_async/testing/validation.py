"""The simulator's request validation: Laravel's rules and its 422 answers.

A :class:`Validator` collects every error of a request, keyed by field
(``users.0.email`` inside a list), and :meth:`Validator.check` answers them
all at once, as Laravel does. The document checks are the simulator's own,
written apart from :mod:`monuv_async.documents`: the simulator is the oracle
the client is tested against, so it shares none of the client's parsing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re
from collections.abc import Callable, Container, Iterable, Mapping
from datetime import date
from typing import Any, NamedTuple

from .answers import ApiError

__all__ = [
    "CLIENT_TEXT",
    "ClientBody",
    "EventQuery",
    "OptionSets",
    "Validator",
    "as_int",
    "camera_fields",
    "check_client",
    "check_user",
    "document_digits",
    "is_cep",
    "is_cnpj",
    "is_cpf",
    "parse_event_query",
]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A document or CEP as people type it: ASCII digits and the usual separators.
_DOCUMENT = re.compile(r"[0-9 ./-]*")

# The text fields of "create client" that are all required.
CLIENT_TEXT = ("phone", "cep", "address", "address_number", "address_nh", "city", "state")


def document_digits(value: str) -> str | None:
    """The digits of a CPF/CNPJ/CEP as typed, or ``None`` if it holds anything else."""
    if _DOCUMENT.fullmatch(value) is None:
        return None
    return re.sub(r"[^0-9]", "", value)


def _has_check_digits(digits: str | None, length: int, top_weight: int) -> bool:
    # Receita Federal's mod-11 rule: weights 2, 3, ... from the rightmost
    # digit, wrapping back to 2 after ``top_weight``; all-equal numbers pass
    # the arithmetic but are refused.
    if digits is None or len(digits) != length or len(set(digits)) == 1:
        return False
    for end in (length - 2, length - 1):
        total = sum(
            int(d) * (2 + i % (top_weight - 1)) for i, d in enumerate(reversed(digits[:end]))
        )
        expected = 11 - total % 11
        if int(digits[end]) != (0 if expected >= 10 else expected):
            return False
    return True


def is_cpf(value: str) -> bool:
    """Whether ``value`` is a CPF: 11 digits whose last two check the first nine."""
    return _has_check_digits(document_digits(value), 11, 11)


def is_cnpj(value: str) -> bool:
    """Whether ``value`` is a CNPJ: 14 digits whose last two check the first twelve."""
    return _has_check_digits(document_digits(value), 14, 9)


def is_cep(value: str) -> bool:
    """Whether ``value`` is a CEP: 8 digits, bare or formatted ``00000-000``."""
    digits = document_digits(value)
    return digits is not None and len(digits) == 8


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


class ClientBody(NamedTuple):
    """A valid "create client" body, as the store takes it."""

    document_type: int
    values: dict[str, Any]
    """``name``, ``document_number``, ``address_comp`` (or ``None``) and :data:`CLIENT_TEXT`."""
    users: list[dict[str, Any]]


def check_client(
    data: Mapping[str, Any],
    is_document_taken: Callable[[str], bool],
    is_email_taken: Callable[[str], bool],
) -> ClientBody:
    """Validate a "create client" body, its users included; a 422 names every bad field."""
    v = Validator(data)
    name = v.string("name")
    document_type = v.integer("document_type", choices=(1, 2))
    document = v.string("document_number")
    if document is not None and document_type is not None:
        kind, valid = ("CPF", is_cpf) if document_type == 1 else ("CNPJ", is_cnpj)
        if not valid(document):
            v.add("document_number", f"The document number is not a valid {kind}.")
        elif is_document_taken(document):
            v.add("document_number", "The document number has already been taken.")
    texts = {key: v.string(key) for key in CLIENT_TEXT}
    if texts["cep"] is not None and not is_cep(texts["cep"]):
        v.add("cep", "The cep must be 8 digits (00000-000).")
    address_comp = v.string("address_comp", required=False)
    users: list[dict[str, Any] | None] = []
    raw_users = data.get("users")
    if raw_users is not None and not isinstance(raw_users, list):
        v.add("users", "The users must be an array.")
    elif raw_users:
        emails: set[str] = set()
        users = [
            check_user(item, v, f"users.{i}.", emails, is_email_taken)
            for i, item in enumerate(raw_users)
        ]
    v.check()
    if document_type is None:  # pragma: no cover - v.check() raised
        raise ApiError(500, {"message": "Server Error"})
    values = {"name": name, "document_number": document, "address_comp": address_comp, **texts}
    return ClientBody(document_type, values, [user for user in users if user is not None])


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
