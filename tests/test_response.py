"""Reading answers: documented bodies to models, statuses to errors, secrets masked."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus
from zoneinfo import ZoneInfo

import pytest
from _samples import NEW_CLIENT, NEW_USER, STATUS_CLASSES
from yarl import URL

from monuv_async import _endpoints as ep
from monuv_async._context import BODY_LIMIT, RequestContext
from monuv_async._redact import Redactor
from monuv_async._response import error_for_status, parse_retry_after, read_response
from monuv_async._spec import Spec
from monuv_async.errors import (
    APIError,
    BadRequestError,
    MonuvError,
    NotFoundError,
    OperationFailedError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
    ValidationError,
)
from monuv_async.models import Camera, CameraOptions, Client, EventPage, User
from monuv_async.requests import CameraUpdate, NewCamera

SP = ZoneInfo("America/Sao_Paulo")
SECRET = "Sup3r/Secret+Partner&Token 0123456789"
REDACT = Redactor(SECRET)
SECRET_FORMS = (SECRET, quote(SECRET, safe=""), quote_plus(SECRET))


SPECS: dict[str, Spec[Any]] = {
    "create_client": ep.create_client(NEW_CLIENT),
    "create_client_user": ep.create_client_user(1, NEW_USER),
    "camera_options": ep.camera_options(),
    "create_camera": ep.create_camera(NewCamera(1, "c")),
    "update_camera": ep.update_camera(2, CameraUpdate(1)),
    "events_page": ep.events_page(ep.event_filters(SP)),
    "block_client": ep.block_client("11.222.333/0001-81"),
    "unblock_client": ep.unblock_client("529.982.247-25"),
    "block_user": ep.block_user(3),
    "unblock_user": ep.unblock_user(3),
}


def answer(
    spec: Spec[Any],
    status: int,
    body: bytes | str | object,
    headers: dict[str, str] | None = None,
) -> Any:
    """Read an answer as the client does, with the SECRET redactor."""
    if isinstance(body, str):
        raw = body.encode()
    elif isinstance(body, bytes):
        raw = body
    else:
        raw = json.dumps(body).encode()
    return read_response(
        spec,
        status,
        headers or {},
        raw,
        tz=SP,
        context=RequestContext(spec.describe(URL("https://app.monuv.com.br")), REDACT),
    )


def capture(
    spec: Spec[Any], status: int, body: bytes | str | object, headers: dict[str, str] | None = None
) -> MonuvError:
    with pytest.raises(MonuvError) as info:
        answer(spec, status, body, headers)
    return info.value


def assert_no_secret(error: BaseException, *secrets: str) -> None:
    """No text the error exposes holds any spelling of the secrets."""
    texts = [str(error), repr(error), *map(str, error.args)]
    for attr in ("body", "message", "msg", "request"):
        value = getattr(error, attr, None)
        if isinstance(value, str):
            texts.append(value)
    if isinstance(error, ValidationError):
        texts.extend(f"{k} {v}" for k, v in error.errors.items())
    for text in texts:
        for secret in secrets or SECRET_FORMS:
            assert secret not in text, (secret, text)
    assert error.__cause__ is None
    assert error.__context__ is None


# --- documented bodies -------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "fixture", "cls"),
    [
        ("create_client", "create_client", Client),
        ("create_client_user", "create_client_user", User),
        ("camera_options", "camera_options", CameraOptions),
        ("create_camera", "camera", Camera),
        ("update_camera", "camera", Camera),
        ("events_page", "events_page", EventPage),
    ],
)
@pytest.mark.parametrize("status", [200, 201])
def test_fixture_bodies_read(
    fixture_body: Callable[[str], bytes], op: str, fixture: str, cls: type[Any], status: int
) -> None:
    """Each documented body, with 200 or 201, reads as the operation's model."""
    result = answer(SPECS[op], status, fixture_body(fixture))
    assert isinstance(result, cls)


@pytest.mark.parametrize("op", ["block_client", "unblock_client", "block_user", "unblock_user"])
def test_block_fixture_reads_as_none(fixture_body: Callable[[str], bytes], op: str) -> None:
    """The documented block answer (code 0) is a success returning None."""
    assert answer(SPECS[op], 200, fixture_body("block")) is None


def test_events_fixture_values(fixture_body: Callable[[str], bytes]) -> None:
    """The events page read through read_response keeps the documented values."""
    page = answer(SPECS["events_page"], 200, fixture_body("events_page"))
    assert page.last_page == 4
    assert page.events[0].event_at.isoformat() == "2023-01-01T12:00:00-03:00"


# --- 2xx answers that cannot be read ----------------------------------------


@pytest.mark.parametrize("op", list(SPECS))
@pytest.mark.parametrize(
    "body", [b"<html><body>Maintenance</body></html>", b"", b"\xff\xfe\x00", b"{", b"OK"]
)
def test_non_json_2xx_is_unexpected(op: str, body: bytes) -> None:
    """A 2xx body that is not JSON raises UnexpectedResponseError, nothing chained."""
    error = capture(SPECS[op], 200, body, {"Content-Type": "text/html; charset=utf-8"})
    assert type(error) is UnexpectedResponseError
    assert error.status == 200
    assert "not JSON" in str(error)
    assert "text/html" in str(error)
    assert error.request == SPECS[op].describe(URL("https://app.monuv.com.br"))
    assert error.__context__ is None
    assert error.__cause__ is None
    assert error.__suppress_context__ is False


def test_non_json_body_kept_for_diagnosis() -> None:
    """The unreadable body's text is kept on the error."""
    error = capture(SPECS["camera_options"], 200, b"<html>Maintenance</html>")
    assert isinstance(error, UnexpectedResponseError)
    assert error.body == "<html>Maintenance</html>"


@pytest.mark.parametrize(
    ("op", "body", "field"),
    [
        ("create_camera", [{"description": "c"}], "id"),
        ("create_client", {"id": 1, "name": "c", "document_number": "x"}, "document_type"),
        ("create_client_user", {"id": 1, "user_type_id": 6}, "name"),
        ("events_page", {"total": 1, "per_page": 30, "current_page": 1}, "last_page"),
        (
            "events_page",
            {"total": 1, "per_page": 3, "current_page": 1, "last_page": 1, "data": [{"id": 1}]},
            "event_at",
        ),
    ],
)
def test_missing_required_field_is_unexpected(op: str, body: object, field: str) -> None:
    """A missing required field raises UnexpectedResponseError naming it; no KeyError escapes."""
    error = capture(SPECS[op], 200, body)
    assert type(error) is UnexpectedResponseError
    assert field in str(error)
    assert SPECS[op].op in str(error)
    assert error.__context__ is None
    assert error.__cause__ is None


@pytest.mark.parametrize(
    ("op", "body"),
    [
        ("create_camera", {"id": "one"}),
        ("create_camera", []),
        ("create_camera", [{"id": 1}, {"id": 2}]),
        ("create_camera", "a string"),
        ("create_camera", None),
        ("camera_options", {"installation_info": {"installation_local": {"x": "y"}}}),
        ("create_client", {"id": 1, "name": "c", "document_type": 9, "document_number": "x"}),
        ("events_page", {"total": 1, "per_page": 3, "current_page": 1, "last_page": 1, "data": 5}),
        ("block_user", {"msg": ""}),
        ("block_user", {"code": "0", "msg": ""}),
        ("block_user", {"code": True}),
        ("block_user", []),
    ],
)
def test_wrong_shapes_are_unexpected(op: str, body: object) -> None:
    """Values of the wrong type or shape raise UnexpectedResponseError, nothing chained."""
    error = capture(SPECS[op], 200, body)
    assert type(error) is UnexpectedResponseError
    assert error.__context__ is None
    assert error.__cause__ is None


# --- block answers -----------------------------------------------------------


@pytest.mark.parametrize("op", ["block_client", "unblock_client", "block_user", "unblock_user"])
def test_block_code_not_zero_fails(op: str) -> None:
    """A block answer with code != 0 raises OperationFailedError with code and msg."""
    error = capture(SPECS[op], 200, {"code": 3, "msg": "Cliente não encontrado"})
    assert type(error) is OperationFailedError
    assert isinstance(error, OperationFailedError)
    assert (error.code, error.msg, error.status) == (3, "Cliente não encontrado", 200)
    assert "Cliente não encontrado" in str(error)
    assert error.request is not None
    assert error.request in str(error)
    assert "3" in error.message
    assert error.body == '{"code": 3, "msg": "Cliente n\\u00e3o encontrado"}'


def test_block_code_not_zero_in_a_list() -> None:
    """A list-wrapped block failure reads the same, even without a msg."""
    error = capture(SPECS["block_user"], 200, [{"code": -1}])
    assert isinstance(error, OperationFailedError)
    assert (error.code, error.msg) == (-1, "")


def test_block_failure_message_is_redacted() -> None:
    """A block msg echoing the token (in any spelling) never shows it."""
    body = {"code": 7, "msg": f"bad token {SECRET} / {quote(SECRET, safe='')}"}
    error = capture(SPECS["block_client"], 200, body)
    assert isinstance(error, OperationFailedError)
    assert error.msg.startswith("bad token ***")
    assert_no_secret(error)


def test_block_failure_is_built_whole_by_the_reader() -> None:
    """The refusal becomes one finished OperationFailedError: its args match its message."""
    error = capture(SPECS["block_user"], 200, {"code": 5, "msg": f"no {SECRET}"})
    assert isinstance(error, OperationFailedError)
    assert error.args == (error.message,)
    assert error.message == f"operation failed with code 5: {error.msg}"
    assert_no_secret(error)


# --- error statuses ----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "Not Found"), (409, "Conflict"), (503, "Service Unavailable")]
)
def test_without_a_server_message_the_reason_is_the_standard_phrase(
    status: int, reason: str
) -> None:
    """A bare error answer takes HTTPStatus's phrase for every status it names."""
    assert capture(SPECS["camera_options"], status, b"").message == reason


def test_a_status_without_a_standard_phrase_says_http_error() -> None:
    """A status the standard library does not name falls back to "HTTP error"."""
    assert capture(SPECS["camera_options"], 599, b"").message == "HTTP error"


@pytest.mark.parametrize(("status", "cls"), [*STATUS_CLASSES, (302, APIError)])
def test_status_to_error_class(status: int, cls: type[APIError]) -> None:
    """Each status raises exactly its class, carrying the status and request line."""
    error = capture(SPECS["camera_options"], status, b"")
    assert type(error) is cls
    assert isinstance(error, APIError)
    assert error.status == status
    assert error.request == "GET /api/v1/cameras/create?token=***"
    assert str(error).startswith(f"GET /api/v1/cameras/create?token=***: HTTP {status}")


@pytest.mark.parametrize(
    ("status", "reason"),
    [(400, "Bad Request"), (401, "Unauthorized"), (404, "Not Found"), (503, "Service Unavailable")],
)
def test_reason_used_without_server_message(status: int, reason: str) -> None:
    """Without a readable server message, the HTTP reason is the message."""
    error = capture(SPECS["block_user"], status, b"<html>oops</html>")
    assert isinstance(error, APIError)
    assert error.message == reason


@pytest.mark.parametrize(
    "body",
    [
        {"message": "Camera not found"},
        [{"message": "Camera not found"}],
        {"msg": "Camera not found"},
        {"error": "Camera not found"},
        {"message": "  Camera not found \n"},
    ],
)
def test_server_message_used(body: object) -> None:
    """The server's message (message, msg or error key) becomes the error message."""
    error = capture(SPECS["update_camera"], 404, body)
    assert isinstance(error, NotFoundError)
    assert error.message == "Camera not found"
    assert error.body == json.dumps(body)


def test_validation_errors_parsed_from_laravel_body() -> None:
    """A 422 Laravel body fills .errors (field -> tuple of messages) and the message."""
    body = {
        "message": "The given data was invalid.",
        "errors": {
            "email": ["The email has already been taken.", "The email is odd."],
            "cep": "The cep is invalid.",
            "ignored": {"not": "a list"},
        },
    }
    error = capture(SPECS["create_client"], 422, body)
    assert isinstance(error, ValidationError)
    assert error.message == "The given data was invalid."
    assert dict(error.errors) == {
        "email": ("The email has already been taken.", "The email is odd."),
        "cep": ("The cep is invalid.",),
    }
    assert "email: The email has already been taken. The email is odd." in str(error)


@pytest.mark.parametrize(
    "body", [b"", b"<html>422</html>", b'{"errors": null}', b'{"errors": ["x"]}', b"[1, 2]"]
)
def test_validation_error_without_laravel_body(body: bytes) -> None:
    """A 422 without a Laravel body still raises ValidationError, with empty .errors."""
    error = capture(SPECS["create_client"], 422, body)
    assert isinstance(error, ValidationError)
    assert dict(error.errors) == {}
    assert error.message == "Unprocessable Entity"


def test_retry_after_seconds() -> None:
    """A 429's Retry-After in seconds is parsed to a float."""
    error = capture(SPECS["events_page"], 429, b"", {"Retry-After": "7"})
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0


def test_retry_after_http_date() -> None:
    """A 429's Retry-After as an HTTP date gives the seconds until then."""
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    error = capture(SPECS["events_page"], 429, b"", {"Retry-After": when})
    assert isinstance(error, RateLimitError)
    assert error.retry_after is not None
    assert 27.0 <= error.retry_after <= 30.0


@pytest.mark.parametrize("headers", [{}, {"Retry-After": "soon"}, {"Retry-After": "nan"}])
def test_retry_after_missing_or_unreadable(headers: dict[str, str]) -> None:
    """No or an unreadable Retry-After leaves retry_after None."""
    error = capture(SPECS["events_page"], 429, b"", headers)
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-3", 0.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("inf", None),
        ("later", None),
        ("Wed, 99 Foo 2015", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    """Delta-seconds and HTTP dates give non-negative seconds; junk gives None."""
    now = email.utils.parsedate_to_datetime("Wed, 21 Oct 2015 07:28:00 GMT").timestamp()
    assert parse_retry_after(value, now=now) == expected


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_html_error_pages(status: int) -> None:
    """An HTML error page gives a ServerError with the reason and the page text."""
    page = "<html><head><title>Bad</title></head><body><h1>nginx</h1></body></html>"
    error = capture(SPECS["camera_options"], status, page, {"Content-Type": "text/html"})
    assert isinstance(error, ServerError)
    assert error.body == page
    assert error.message != page


def test_error_for_status_directly() -> None:
    """error_for_status builds the error without raising it."""
    error = error_for_status(404, {}, b'{"message": "nope"}', RequestContext("GET /x", REDACT))
    assert type(error) is NotFoundError
    assert str(error) == "GET /x: HTTP 404: nope"


def test_error_body_is_cut() -> None:
    """A huge error body is kept only up to BODY_LIMIT characters."""
    error = capture(SPECS["camera_options"], 500, b"x" * (BODY_LIMIT * 10))
    assert isinstance(error, ServerError)
    assert len(error.body) == BODY_LIMIT


def test_error_body_invalid_utf8_tolerated() -> None:
    """An error body that is not UTF-8 is decoded with replacement characters."""
    error = capture(SPECS["camera_options"], 400, b"bad \xff\xfe body")
    assert isinstance(error, BadRequestError)
    assert error.body.startswith("bad ")


# --- secrets -----------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 400, 404, 422, 429, 500, 502])
@pytest.mark.parametrize("form", SECRET_FORMS)
def test_token_echoed_in_html_is_redacted(status: int, form: str) -> None:
    """A page echoing the request URL never lets the token through, in any spelling."""
    page = f"<html><p>GET /api/v1/cameras/create?token={form} failed</p></html>"
    error = capture(SPECS["camera_options"], status, page, {"Content-Type": "text/html"})
    assert "***" in error.body  # type: ignore[attr-defined]
    assert_no_secret(error)


@pytest.mark.parametrize("status", [400, 403, 422, 500])
def test_token_in_json_message_and_errors_redacted(status: int) -> None:
    """The token in a JSON error's message or field errors is masked."""
    body = {"message": f"bad token {SECRET}", "errors": {SECRET: [f"{SECRET} is wrong"]}}
    error = capture(SPECS["create_client"], status, body)
    assert error.message == "bad token ***"
    assert_no_secret(error)


def test_token_cut_at_the_body_limit_does_not_leak() -> None:
    """A token straddling the body cut leaves no long piece of itself behind."""
    for offset in range(BODY_LIMIT - len(SECRET), BODY_LIMIT + 2):
        body = ("x" * offset + SECRET).encode()
        error = capture(SPECS["camera_options"], 500, body)
        assert isinstance(error, ServerError)
        assert SECRET[:8] not in error.body


def test_user_api_tokens_masked_in_bodies() -> None:
    """A user's api_token value in a quoted body is masked on every error."""
    body = json.dumps({"message": "duplicate", "user": {"api_token": "user-api-token-xyz"}})
    error = capture(SPECS["create_client"], 400, body)
    assert_no_secret(error, "user-api-token-xyz")
    assert '"api_token": "***"' in error.body  # type: ignore[attr-defined]


def test_user_api_token_masked_when_a_2xx_cannot_be_read(
    fixture_json: Callable[[str], Any],
) -> None:
    """A created client's body that fails to read keeps no user api_token."""
    data = fixture_json("create_client")
    data[0]["users"][0]["api_token"] = "user-api-token-xyz"
    del data[0]["id"]
    error = capture(SPECS["create_client"], 201, data)
    assert isinstance(error, UnexpectedResponseError)
    assert "id" in str(error)
    assert_no_secret(error, "user-api-token-xyz")


def test_token_in_unreadable_field_redacted_in_message() -> None:
    """A token echoed in a field of the wrong type is masked in the message too."""
    error = capture(SPECS["create_camera"], 200, {"id": SECRET})
    assert isinstance(error, UnexpectedResponseError)
    assert_no_secret(error)


def test_a_token_straddling_any_cut_is_still_masked() -> None:
    """Many echoed tokens: the one crossing the old 8 KB cut is masked too, not half kept."""
    token = "T0k3n-" + "x" * 54  # 60 characters: 8192 is not a multiple, one copy straddles
    body = (token * 140).encode()
    error = error_for_status(500, {}, body, RequestContext("GET /x", Redactor(token)))
    assert "T0k3n" not in error.body
    assert "xxxxxxxxxx" not in error.body
