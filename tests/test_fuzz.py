"""Property-based tests: readers, request models and documents under arbitrary input.

Each property says what may come out (a model, or a documented error) and
nothing else; hypothesis looks for the input that breaks it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import quote, quote_plus
from zoneinfo import ZoneInfo

import pytest
from _samples import NEW_CLIENT, NEW_USER
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from yarl import URL

from monuv_async import _endpoints as ep
from monuv_async._context import RequestContext
from monuv_async._redact import MASK, Redactor
from monuv_async._response import read_response
from monuv_async._spec import Spec
from monuv_async._wire import WireError, dumps, parse_event_at
from monuv_async.documents import (
    format_cnpj,
    format_cpf,
    is_valid_cnpj,
    is_valid_cpf,
    normalize_document,
)
from monuv_async.errors import MonuvError
from monuv_async.models import (
    Camera,
    CameraOptions,
    Client,
    DocumentType,
    EventPage,
    User,
    UserType,
)
from monuv_async.requests import CameraUpdate, NewCamera, NewClient, NewUser

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The reader properties run once per operation (ten of them): fewer examples each.
PER_OPERATION = settings(FAST, max_examples=50)
SP = ZoneInfo("America/Sao_Paulo")
BASE = URL("https://app.monuv.com.br")
TOKEN = "fuzz/Token+with&odd=chars"
REDACT = Redactor(TOKEN)

# Every operation, with the type its reader returns and its documented body.
OPERATIONS: list[tuple[Spec[Any], type | None, str]] = [
    (ep.create_client(NEW_CLIENT), Client, "create_client"),
    (ep.create_client_user(1, NEW_USER), User, "create_client_user"),
    (ep.block_client("11.222.333/0001-81"), None, "block"),
    (ep.unblock_client("529.982.247-25"), None, "block"),
    (ep.block_user(3), None, "block"),
    (ep.unblock_user(3), None, "block"),
    (ep.camera_options(), CameraOptions, "camera_options"),
    (ep.create_camera(NewCamera(1, "c")), Camera, "camera"),
    (ep.update_camera(2, CameraUpdate(1)), Camera, "camera"),
    (ep.events_page(ep.event_filters(SP)), EventPage, "events_page"),
]
OPERATION_IDS = [spec.op for spec, _, _ in OPERATIONS]

# Text that sometimes holds the token, so redaction is exercised everywhere.
texts = st.one_of(
    st.text(max_size=30),
    st.just(TOKEN),
    st.builds(lambda a, b: f"{a}{TOKEN}{b}", st.text(max_size=10), st.text(max_size=10)),
    st.sampled_from(["01/01/2023 12:00:00", "2023-01-01 12:00:00", "1", "2", "0", "-1", ""]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-3, max_value=3),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(texts, children, max_size=5),
    ),
    max_leaves=25,
)
statuses = st.one_of(
    st.sampled_from([200, 201, 204, 400, 401, 403, 404, 422, 429, 500, 502, 503, 504]),
    st.integers(min_value=100, max_value=599),
)
header_values = st.one_of(
    st.none(),
    st.sampled_from(["0", "5", "-1", "nan", "inf", "1e400", "Wed, 21 Oct 2015 07:28:00 GMT"]),
    st.text(max_size=20),
)


def check_answer(
    spec: Spec[Any], expected: type | None, status: int, body: bytes, retry_after: str | None
) -> None:
    """read_response returns the operation's model or raises a MonuvError, nothing else."""
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    error: MonuvError | None = None
    try:
        result = read_response(
            spec,
            status,
            headers,
            body,
            tz=SP,
            context=RequestContext(spec.describe(BASE), REDACT),
        )
    except MonuvError as exc:
        error = exc
    if error is not None:
        assert error.__cause__ is None
        assert error.__context__ is None
        shown = [str(error), repr(error), str(getattr(error, "body", ""))]
        assert not any(TOKEN in text for text in shown)
        return
    assert 200 <= status < 300
    if expected is None:
        assert result is None
    else:
        assert isinstance(result, expected)


@pytest.mark.parametrize(("spec", "expected", "fixture"), OPERATIONS, ids=OPERATION_IDS)
@PER_OPERATION
@given(value=json_values, status=statuses, retry_after=header_values)
def test_reader_any_json(
    spec: Spec[Any], expected: type | None, fixture: str, value: Any, status: int, retry_after: Any
) -> None:
    """Any JSON value with any status reads as the model or a MonuvError."""
    check_answer(spec, expected, status, json.dumps(value).encode(), retry_after)


@pytest.mark.parametrize(("spec", "expected", "fixture"), OPERATIONS, ids=OPERATION_IDS)
@PER_OPERATION
@given(body=st.binary(max_size=200), status=statuses)
def test_reader_any_bytes(
    spec: Spec[Any], expected: type | None, fixture: str, body: bytes, status: int
) -> None:
    """Any bytes with any status read as the model or a MonuvError."""
    check_answer(spec, expected, status, body, None)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON document (the root excluded)."""
    found: list[tuple[Any, ...]] = []
    items: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    for key, child in items:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def replaced(document: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    copied = copy.deepcopy(document)
    parent = copied
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copied


@pytest.mark.parametrize(("spec", "expected", "fixture"), OPERATIONS, ids=OPERATION_IDS)
@PER_OPERATION
@given(data=st.data(), status=st.sampled_from([200, 201]))
def test_reader_documented_body_with_one_change(
    fixture_json: Callable[[str], Any],
    spec: Spec[Any],
    expected: type | None,
    fixture: str,
    data: st.DataObject,
    status: int,
) -> None:
    """A documented body with one value replaced or removed reads or fails cleanly."""
    document = fixture_json(fixture)
    path = data.draw(st.sampled_from(paths(document)), label="path")
    delete = data.draw(st.booleans(), label="delete")
    value = None if delete else data.draw(json_values, label="value")
    body = json.dumps(replaced(document, path, value, delete)).encode()
    check_answer(spec, expected, status, body, None)


# --- request models ------------------------------------------------------------

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(["", " ", "a@b", "maria@example.com", "01310-100", "529.982.247-25"]),
    st.lists(st.integers(), max_size=2),
)
# Ints past float range: float() of them overflows.
huge_ints = st.integers(min_value=2**1024, max_value=2**1100).map(lambda n: n * (-1) ** (n % 2))
words = st.text(min_size=1, max_size=20).filter(str.strip)
ids = st.integers(min_value=1, max_value=10**12)


def mostly_valid(
    valid: dict[str, st.SearchStrategy[Any]], wild: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid values for every field, then up to two fields given an arbitrary value.

    Validators stop at the first bad field, so a fully random dictionary
    would rarely reach the later fields; this one reaches them all.
    """

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        values = {name: draw(strategy) for name, strategy in valid.items()}
        chosen = draw(st.sets(st.sampled_from(sorted(valid)), max_size=2))
        for name in sorted(chosen):
            values[name] = draw(st.one_of(anything, wild[name]) if name in wild else anything)
        return values

    return build()


def check_build(build: Callable[[], Any], fields: set[str]) -> None:
    """Build a request model: it works, or the error's message starts with a field name."""
    try:
        model = build()
    except (ValueError, TypeError) as error:
        message = str(error)
    else:
        body = model.to_wire()
        assert None not in body.values()
        assert json.loads(dumps(body)) == body
        return
    field = message.split(":", 1)[0].split("[", 1)[0]
    assert field in fields, message


USER_VALID: dict[str, st.SearchStrategy[Any]] = {
    "name": words,
    "email": st.builds(
        lambda a, b: f"{a}@{b}.com", st.text("abc.", min_size=1), st.text("xyz", min_size=1)
    ),
    "phone": words,
    "password": words,
    "user_type": st.sampled_from([1, 2, UserType.COMUM, UserType.ADMIN]),
    "password_conf": st.none(),
}
CLIENT_VALID: dict[str, st.SearchStrategy[Any]] = {
    "name": words,
    "document_type": st.just(2),
    "document_number": st.sampled_from(["11.222.333/0001-81", "11444777000161"]),
    "phone": words,
    "cep": st.sampled_from(["01310-100", "01310100"]),
    "address": words,
    "address_number": words,
    "address_nh": words,
    "city": words,
    "state": words,
    "address_comp": st.one_of(st.none(), words),
    "users": st.sampled_from([(), [NEW_USER]]),
}
CAMERA_VALID: dict[str, st.SearchStrategy[Any]] = {
    "client_id": ids,
    "description": words,
    "camera_address": st.one_of(st.none(), words),
    "latitude": st.one_of(st.none(), st.floats(-90, 90), st.integers(-90, 90)),
    "longitude": st.one_of(st.none(), st.floats(-180, 180), st.floats(-180, 180).map(str)),
    **{
        name: st.one_of(st.none(), ids)
        for name in (
            "connection_type",
            "resolution_id",
            "history_days",
            "manufacturer_id",
            "camera_model_id",
            "installation_local",
            "installation_area",
            "equipment_state",
        )
    },
}
COORDINATES_WILD = st.one_of(huge_ints, st.floats(), st.text("0123456789.-e+ inaf", max_size=8))
CAMERA_WILD = {"latitude": COORDINATES_WILD, "longitude": COORDINATES_WILD}


@FAST
@given(values=mostly_valid(USER_VALID, {}))
def test_new_user_builds_or_names_the_field(values: dict[str, Any]) -> None:
    """NewUser from arbitrary values builds or raises ValueError/TypeError naming a field."""
    check_build(lambda: NewUser(**values), set(USER_VALID))


@FAST
@given(values=mostly_valid(CLIENT_VALID, {"document_type": st.sampled_from([1, 2])}))
def test_new_client_builds_or_names_the_field(values: dict[str, Any]) -> None:
    """NewClient from arbitrary values builds or raises ValueError/TypeError naming a field."""
    check_build(lambda: NewClient(**values), set(CLIENT_VALID))


@FAST
@given(values=mostly_valid(CAMERA_VALID, CAMERA_WILD))
# Cases hypothesis found: passed validation, then failed in the JSON encoder
# naming no field (or, without orjson, the huge integer was sent).
@example(values={"client_id": 2**64, "description": "Cam"})
@example(values={"client_id": 1, "description": "Cam", "history_days": 10**30})
@example(values={"client_id": 1, "description": "Cam \ud800"})
def test_new_camera_builds_or_names_the_field(values: dict[str, Any]) -> None:
    """NewCamera from arbitrary values builds or raises ValueError/TypeError naming a field."""
    check_build(lambda: NewCamera(**values), set(CAMERA_VALID))


@FAST
@given(values=mostly_valid(CAMERA_VALID, CAMERA_WILD))
def test_camera_update_builds_or_names_the_field(values: dict[str, Any]) -> None:
    """CameraUpdate from arbitrary values builds or raises ValueError/TypeError naming a field."""
    check_build(lambda: CameraUpdate(**values), set(CAMERA_VALID))


@FAST
@given(
    field=st.sampled_from(["latitude", "longitude"]),
    value=st.one_of(COORDINATES_WILD, st.integers(), anything),
)
def test_coordinates_build_or_name_the_field(field: str, value: Any) -> None:
    """Any coordinate value builds or raises ValueError/TypeError naming the coordinate."""
    check_build(lambda: NewCamera(1, "c", **{field: value}), {field})


@FAST
@given(value=st.one_of(st.floats(-90, 90), st.integers(-90, 90)))
def test_latitude_wire_text_is_the_same_number(value: float) -> None:
    """A valid latitude goes as a plain decimal string holding exactly the same number."""
    text = NewCamera(1, "c", latitude=value).to_wire()["latitude"]
    assert isinstance(text, str)
    assert "e" not in text.lower()
    assert float(text) == value


# --- event filters and timestamps ------------------------------------------------

zones = st.sampled_from([SP, UTC, ZoneInfo("Asia/Tokyo"), timezone(timedelta(hours=-11))])
day_or_time = st.one_of(
    st.none(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.sampled_from([UTC, SP, timezone(timedelta(hours=14))])),
    anything,
)


@FAST
@given(
    tz=zones,
    camera=anything,
    event_types=st.one_of(st.none(), anything, st.lists(st.integers(-2, 20), max_size=4)),
    start_at=day_or_time,
    end_at=day_or_time,
    page=st.one_of(st.integers(-2, 10**6), anything),
)
def test_event_filters_build_or_name_the_argument(
    tz: tzinfo, camera: Any, event_types: Any, start_at: Any, end_at: Any, page: Any
) -> None:
    """Event filters and a page build a spec or raise ValueError/TypeError naming the argument."""
    try:
        filters = ep.event_filters(
            tz, camera=camera, event_types=event_types, start_at=start_at, end_at=end_at
        )
        spec = ep.events_page(filters, page)
    except (ValueError, TypeError) as error:
        message = str(error)
    else:
        message = ""
    if message:
        field = message.split(":", 1)[0]
        assert field in {"camera", "event_types", "start_at", "end_at", "page"}, message
        return
    query = dict(spec.url(BASE, TOKEN).query)
    assert query["token"] == TOKEN
    assert query["page"] == str(page)
    for key in ("start_at", "end_at"):
        if key in query:
            assert date.fromisoformat(query[key]) == getattr(filters, key)
    if filters.start_at and filters.end_at:
        assert filters.start_at <= filters.end_at


@FAST
@given(moment=st.datetimes(min_value=datetime(1000, 1, 1)), tz=zones)
def test_event_at_round_trip(moment: datetime, tz: tzinfo) -> None:
    """Any wall-clock time written DD/MM/YYYY HH:MM:SS reads back the same, in the zone."""
    moment = moment.replace(microsecond=0)
    parsed = parse_event_at(moment.strftime("%d/%m/%Y %H:%M:%S"), tz)
    assert parsed.replace(tzinfo=None) == moment
    assert parsed.tzinfo is tz


@FAST
@given(value=st.one_of(st.text(max_size=25), anything))
def test_event_at_any_text(value: Any) -> None:
    """parse_event_at gives an aware datetime or a WireError, for anything."""
    try:
        parsed = parse_event_at(value, SP)
    except WireError as error:
        message = str(error)
    else:
        assert parsed.tzinfo is SP
        assert parsed.strftime("%d/%m/%Y %H:%M:%S") == value
        return
    assert message.startswith("event_at:")


# --- redaction -------------------------------------------------------------------


@FAST
@given(
    secret=st.text(min_size=4, max_size=20).filter(lambda s: "*" not in s),
    before=st.text(max_size=20),
    after=st.text(max_size=20),
)
def test_redactor_masks_every_spelling(secret: str, before: str, after: str) -> None:
    """Raw, percent- and plus-encoded spellings of any secret never survive."""
    redact = Redactor(secret)
    for form in (secret, quote(secret, safe=""), quote_plus(secret)):
        result = redact(f"{before}{form}{after}")
        assert form not in result
        assert MASK in result


@FAST
@given(value=st.text(max_size=30), ascii_only=st.booleans())
def test_api_token_values_always_masked(value: str, ascii_only: bool) -> None:
    """Any api_token value in a JSON body is masked and the JSON stays valid."""
    body = json.dumps({"id": 1, "api_token": value}, ensure_ascii=ascii_only)
    assert json.loads(Redactor()(body)) == {"id": 1, "api_token": MASK}


# --- CPF / CNPJ --------------------------------------------------------------------


def cpf_check_digits(base: str) -> str:
    """The two CPF check digits, computed the textbook way (sum * 10 mod 11 mod 10)."""
    digits = [int(c) for c in base]
    for _ in range(2):
        weights = range(len(digits) + 1, 1, -1)
        total = sum(d * w for d, w in zip(digits, weights, strict=True))
        digits.append(total * 10 % 11 % 10)
    return f"{digits[-2]}{digits[-1]}"


def cnpj_check_digits(base: str) -> str:
    """The two CNPJ check digits: weights 2..9 cycling from the right."""
    digits = [int(c) for c in base]
    for _ in range(2):
        total = sum(d * (2 + i % 8) for i, d in enumerate(reversed(digits)))
        check = 11 - total % 11
        digits.append(0 if check >= 10 else check)
    return f"{digits[-2]}{digits[-1]}"


def independent_valid(number: str) -> bool:
    """Whether a bare CPF (11) or CNPJ (14) is valid, by the independent functions."""
    if len(set(number)) == 1:
        return False
    if len(number) == 11:
        return number[9:] == cpf_check_digits(number[:9])
    return number[12:] == cnpj_check_digits(number[:12])


def test_independent_implementation_agrees_with_known_numbers() -> None:
    """The independent check digits match well-known valid documents."""
    assert cpf_check_digits("529982247") == "25"
    assert cpf_check_digits("111444777") == "35"
    assert cnpj_check_digits("112223330001") == "81"
    assert cnpj_check_digits("114447770001") == "61"


cpf_bases = st.text(alphabet="0123456789", min_size=9, max_size=9)
cnpj_bases = st.text(alphabet="0123456789", min_size=12, max_size=12)


@FAST
@given(base=cpf_bases)
def test_generated_cpfs_accepted(base: str) -> None:
    """A CPF with correct check digits is accepted bare and formatted."""
    number = base + cpf_check_digits(base)
    assume(len(set(number)) > 1)
    formatted = f"{number[:3]}.{number[3:6]}.{number[6:9]}-{number[9:]}"
    assert is_valid_cpf(number)
    assert is_valid_cpf(formatted)
    assert not is_valid_cnpj(number)
    assert normalize_document(formatted) == number
    assert format_cpf(number) == formatted
    client = NewClient("n", DocumentType.CPF, formatted, "p", "01310100", "a", "1", "nh", "c", "s")
    assert client.document_number == formatted


@FAST
@given(base=cnpj_bases)
def test_generated_cnpjs_accepted(base: str) -> None:
    """A CNPJ with correct check digits is accepted bare and formatted."""
    number = base + cnpj_check_digits(base)
    assume(len(set(number)) > 1)
    formatted = f"{number[:2]}.{number[2:5]}.{number[5:8]}/{number[8:12]}-{number[12:]}"
    assert is_valid_cnpj(number)
    assert is_valid_cnpj(formatted)
    assert not is_valid_cpf(number)
    assert normalize_document(formatted) == number
    assert format_cnpj(number) == formatted
    assert ep.block_client(formatted).path[-1] == number


@FAST
@given(
    kind=st.sampled_from(["cpf", "cnpj"]),
    base=st.text(alphabet="0123456789", min_size=12, max_size=12),
    position=st.integers(min_value=0, max_value=13),
    shift=st.integers(min_value=1, max_value=9),
)
def test_single_digit_change_rejected(kind: str, base: str, position: int, shift: int) -> None:
    """Changing one digit is rejected, except where mod-11 itself cannot tell.

    Weighted sums mod 11 map remainders 0 and 1 to the same check digit, so
    a few one-digit changes give another valid number (e.g. 704.999.622-06
    and 804.999.622-06). The library must agree with the independent
    implementation on every changed number, and always reject a change of
    a check digit.
    """
    if kind == "cpf":
        number = base[:9] + cpf_check_digits(base[:9])
        valid = is_valid_cpf
    else:
        number = base + cnpj_check_digits(base)
        valid = is_valid_cnpj
    assume(len(set(number)) > 1)
    position %= len(number)
    changed_digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + changed_digit + number[position + 1 :]
    assert valid(changed) == independent_valid(changed)
    if position >= len(number) - 2:
        assert not valid(changed)


def test_single_digit_collision_example() -> None:
    """The documented mod-11 collision: both numbers are valid CPFs."""
    assert is_valid_cpf("70499962206")
    assert is_valid_cpf("80499962206")
