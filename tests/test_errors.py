"""The error tree, the status table, and what errors say about themselves."""

from __future__ import annotations

import copy
import pickle
from urllib.parse import quote, quote_plus

import pytest
from _samples import STATUS_CLASSES

from monuv_async import errors
from monuv_async._context import RequestContext
from monuv_async._redact import Redactor
from monuv_async._response import error_for_status
from monuv_async.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    MonuvError,
    NotFoundError,
    OperationFailedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
    error_class_for_status,
)

# The contract's tree: each class and its direct parent.
TREE: dict[type[Exception], type[Exception]] = {
    MonuvError: Exception,
    APIError: MonuvError,
    BadRequestError: APIError,
    AuthenticationError: APIError,
    NotFoundError: APIError,
    ValidationError: APIError,
    RateLimitError: APIError,
    ServerError: APIError,
    OperationFailedError: APIError,
    TransportError: MonuvError,
    RequestTimeoutError: TransportError,
    UnexpectedResponseError: MonuvError,
}


def ancestors(cls: type[Exception]) -> set[type[Exception]]:
    """The contract's ancestors of ``cls`` (itself included)."""
    found: set[type[Exception]] = {cls}
    while cls in TREE:
        cls = TREE[cls]
        found.add(cls)
    return found


@pytest.mark.parametrize(("cls", "parent"), list(TREE.items()), ids=lambda c: c.__name__)
def test_direct_parent(cls: type[Exception], parent: type[Exception]) -> None:
    """Each error has exactly the contract's parent as its only base."""
    assert cls.__bases__ == (parent,)


@pytest.mark.parametrize("cls", list(TREE), ids=lambda c: c.__name__)
@pytest.mark.parametrize("other", list(TREE), ids=lambda c: c.__name__)
def test_issubclass_matrix(cls: type[Exception], other: type[Exception]) -> None:
    """issubclass holds exactly along the contract's tree, nowhere else."""
    assert issubclass(cls, other) == (other in ancestors(cls))


def test_errors_module_exports_the_tree() -> None:
    """errors.__all__ names every class of the tree and the status helper."""
    assert set(errors.__all__) == {c.__name__ for c in TREE} | {"error_class_for_status"}


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
def test_error_class_for_status(status: int, cls: type[APIError]) -> None:
    """Each HTTP error status maps to its most specific class."""
    assert error_class_for_status(status) is cls


def test_monuv_error_str() -> None:
    """A MonuvError shows its message, prefixed by the request line when known."""
    assert str(MonuvError("boom")) == "boom"
    error = MonuvError("boom", request="GET /api/v1/events?token=***")
    assert str(error) == "GET /api/v1/events?token=***: boom"
    assert (error.message, error.request) == ("boom", "GET /api/v1/events?token=***")
    assert repr(error) == "MonuvError('boom')"
    assert error.args == ("boom",)


def test_api_error_str_and_attributes() -> None:
    """An APIError shows the status and message, and keeps its body."""
    error = NotFoundError("Camera not found", status=404, body='{"x": 1}')
    assert str(error) == "HTTP 404: Camera not found"
    assert (error.status, error.message, error.body, error.request) == (
        404,
        "Camera not found",
        '{"x": 1}',
        None,
    )
    with_request = NotFoundError("nope", status=404, request="PUT /api/v1/cameras/9?token=***")
    assert str(with_request) == "PUT /api/v1/cameras/9?token=***: HTTP 404: nope"
    assert repr(with_request) == "NotFoundError('nope')"
    assert with_request.body == ""


def test_validation_error_str_lists_fields() -> None:
    """A ValidationError's str adds each field and its messages."""
    error = ValidationError(
        "The given data was invalid.", errors={"email": ("taken", "odd"), "cep": ("bad",)}
    )
    assert error.status == 422
    assert str(error) == "HTTP 422: The given data was invalid. (email: taken odd; cep: bad)"


def test_validation_error_without_fields() -> None:
    """A ValidationError without field errors has an empty mapping and a plain str."""
    error = ValidationError("invalid")
    assert dict(error.errors) == {}
    assert str(error) == "HTTP 422: invalid"


def test_validation_errors_read_only() -> None:
    """.errors cannot be changed, nor through the mapping it was built from."""
    source = {"email": ("taken",)}
    error = ValidationError("invalid", errors=source)
    with pytest.raises(TypeError):
        error.errors["email"] = ("other",)  # type: ignore[index]
    with pytest.raises(TypeError):
        del error.errors["email"]  # type: ignore[attr-defined]
    source["cep"] = ("bad",)
    assert dict(error.errors) == {"email": ("taken",)}


def test_rate_limit_error() -> None:
    """A RateLimitError carries retry_after (default None) and status 429."""
    assert RateLimitError("slow down").retry_after is None
    error = RateLimitError("slow down", retry_after=2.5)
    assert (error.status, error.retry_after) == (429, 2.5)
    assert str(error) == "HTTP 429: slow down"


def test_operation_failed_error() -> None:
    """An OperationFailedError carries code and msg, with status 200."""
    error = OperationFailedError("operation failed with code 3: gone", code=3, msg="gone")
    assert (error.code, error.msg, error.status) == (3, "gone", 200)
    assert str(error) == "HTTP 200: operation failed with code 3: gone"


def test_transport_errors() -> None:
    """Transport errors say whether the request may have been sent."""
    refused = TransportError("connection refused", sent=False)
    timeout = RequestTimeoutError("timed out", sent=True, request="GET /api/user/block/***/1")
    assert refused.sent is False
    assert timeout.sent is True
    assert str(timeout) == "GET /api/user/block/***/1: timed out"
    with pytest.raises(TypeError):
        TransportError("x")  # type: ignore[call-arg]


def test_unexpected_response_error() -> None:
    """An UnexpectedResponseError keeps the body and status, both optional."""
    bare = UnexpectedResponseError("not JSON")
    assert (bare.body, bare.status, str(bare)) == ("", None, "not JSON")
    full = UnexpectedResponseError("not JSON", body="<html>", status=200, request="GET /x")
    assert (full.body, full.status, str(full)) == ("<html>", 200, "GET /x: not JSON")


def test_errors_can_be_raised_and_caught_as_monuv_error() -> None:
    """Every error class is caught by `except MonuvError`."""
    samples: list[MonuvError] = [
        BadRequestError("x", status=400),
        ValidationError("x"),
        RateLimitError("x"),
        OperationFailedError("x", code=1, msg="x"),
        RequestTimeoutError("x", sent=False),
        UnexpectedResponseError("x"),
    ]
    for sample in samples:
        with pytest.raises(MonuvError):
            raise sample


_SECRET = "pickled-s3cret/tok+en"
_REQUEST = "GET /api/v1/events?token=***&page=2"

# One instance of every class, each attribute set to a value of its own.
EVERY_ERROR: list[MonuvError] = [
    MonuvError("plain", request=_REQUEST),
    APIError("teapot", status=418, body="<html>", request=_REQUEST),
    BadRequestError("bad", status=400, body="b", request=_REQUEST),
    AuthenticationError("who", status=401, body="a", request=_REQUEST),
    NotFoundError("gone", status=404, body="n", request=_REQUEST),
    ValidationError("invalid", body="v", request=_REQUEST, errors={"email": ("taken", "bad")}),
    RateLimitError("slow", body="r", request=_REQUEST, retry_after=2.5),
    ServerError("down", status=503, body="s", request=_REQUEST, retry_after=0.5),
    OperationFailedError("refused", code=7, msg="no", body="o", request=_REQUEST),
    TransportError("reset", sent=False, request=_REQUEST),
    RequestTimeoutError("slow", sent=True, request=_REQUEST),
    UnexpectedResponseError("not JSON", body="<html>", status=200, request=_REQUEST),
]


def _attributes(error: MonuvError) -> dict[str, object]:
    return {key: dict(v) if key == "errors" else v for key, v in vars(error).items()}


def _copies(error: MonuvError) -> list[MonuvError]:
    return [
        pickle.loads(pickle.dumps(error)),
        pickle.loads(pickle.dumps(error, protocol=0)),
        copy.copy(error),
        copy.deepcopy(error),
    ]


def test_every_class_is_covered() -> None:
    """EVERY_ERROR holds one instance of each class of the tree."""
    assert {type(e) for e in EVERY_ERROR} == set(TREE)


@pytest.mark.parametrize("error", EVERY_ERROR, ids=lambda e: type(e).__name__)
def test_errors_survive_pickle_and_copy(error: MonuvError) -> None:
    """pickle, copy and deepcopy keep the type, str, args and every attribute."""
    error.add_note("a note")
    for copied in _copies(error):
        assert type(copied) is type(error)
        assert str(copied) == str(error)
        assert copied.args == error.args
        assert _attributes(copied) == _attributes(error)
        assert getattr(copied, "__notes__", None) == ["a note"]
    if isinstance(error, ValidationError):
        for copied in _copies(error):
            assert isinstance(copied, ValidationError)
            with pytest.raises(TypeError):
                copied.errors["x"] = ()  # type: ignore[index]  # still read-only


def test_pickled_errors_hold_no_token() -> None:
    """An error built from an answer that echoed the token pickles without any spelling of it."""
    context = RequestContext(_REQUEST, Redactor(_SECRET))
    echoed = f'{{"message": "bad {_SECRET}", "errors": {{"{_SECRET}": ["{_SECRET}"]}}}}'.encode()
    for status in (401, 422, 429, 500, 503):
        error = error_for_status(status, {"Retry-After": "1"}, echoed, context)
        data = pickle.dumps(error)
        for spelling in (_SECRET, quote(_SECRET, safe=""), quote_plus(_SECRET), "s3cret"):
            assert spelling.encode() not in data, (status, spelling)


@pytest.mark.parametrize(
    ("error", "applied"),
    [
        (errors.ServerError("boom", status=500), True),
        (errors.ServerError("bad gateway", status=502), True),
        (errors.BadRequestError("no", status=400), False),
        (errors.AuthenticationError("no", status=401), False),
        (errors.NotFoundError("no", status=404), False),
        (errors.ValidationError("no"), False),
        (errors.RateLimitError("slow"), False),
        (errors.APIError("teapot", status=418), False),
        (errors.OperationFailedError("refused", code=3, msg="x"), False),
        (errors.TransportError("refused", sent=False), False),
        (errors.TransportError("reset", sent=True), True),
        (errors.RequestTimeoutError("connect", sent=False), False),
        (errors.RequestTimeoutError("read", sent=True), True),
        (errors.UnexpectedResponseError("not JSON", status=201), True),
        (errors.MonuvError("about no request"), True),
    ],
)
def test_may_have_been_applied(error: errors.MonuvError, applied: bool) -> None:
    """True after a 5xx, a sent-then-failed try or an unreadable 2xx; False for refusals."""
    assert error.may_have_been_applied is applied
