"""``MonuvClient.request``: any endpoint over real loopback HTTP, through the same machinery."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _loopback import json_answer, serve
from aiohttp import web

from monuv_async import (
    AuthenticationError,
    MonuvClient,
    NotFoundError,
    RawResponse,
    RetryPolicy,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from monuv_async._raw import raw_spec

TOKEN = "tok/en+s3cret&x"  # reserved characters, to prove they are encoded
ENCODED = "tok%2Fen%2Bs3cret%26x"
NO_DELAY = RetryPolicy(attempts=3, backoff=0.0, max_backoff=0.0)


def answering(body: Any) -> Any:
    async def handler(_: web.Request) -> web.Response:
        return json_answer(body)

    return handler


def client(url: str, **options: Any) -> MonuvClient:
    return MonuvClient(TOKEN, base_url=url, retry=NO_DELAY, **options)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
async def test_token_in_the_query_by_default_exact_bytes(method: str) -> None:
    """The token goes first in the query, then params, each percent-encoded, for every method."""
    routes = {(method, "/api/v4/cameras"): answering({"data": [1]})}
    async with serve(routes) as server, client(server.url) as monuv:
        body = {"x": 1} if method in {"POST", "PUT"} else None
        answer = await monuv.request(
            method, "/api/v4/cameras", params={"page": 2, "p": "hls"}, json=body
        )
    (seen,) = server.seen
    assert seen.method == method
    assert seen.raw_path == f"/api/v4/cameras?token={ENCODED}&page=2&p=hls"
    assert seen.body == body
    assert answer.status == 200
    assert answer.json() == {"data": [1]}


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
async def test_token_placeholder_puts_it_in_the_path(method: str) -> None:
    """``{token}`` puts the token in its path segment, encoded whole, and not in the query."""
    routes = {(method, "/api/user/block/{t}/{id}"): answering({"code": 0})}
    async with serve(routes) as server, client(server.url) as monuv:
        await monuv.request(method, "/api/user/block/{token}/{id}", path_params={"id": 7})
    assert server.seen[0].raw_path == f"/api/user/block/{ENCODED}/7"


async def test_a_slash_in_a_path_param_never_splits_the_segment() -> None:
    """A value with ``/``, ``?`` and ``..`` stays one encoded segment; a trailing ``/`` is kept."""
    routes = {("GET", "/api/cameras/{id}/live-url/"): answering({"url": "u"})}
    async with serve(routes) as server, client(server.url) as monuv:
        await monuv.request("GET", "/api/cameras/{id}/live-url/", path_params={"id": "../a/b?c"})
    assert server.seen[0].raw_path == f"/api/cameras/..%2Fa%2Fb%3Fc/live-url/?token={ENCODED}"
    assert server.seen[0].path == "/api/cameras/../a/b?c/live-url/"


async def test_binary_answer_is_content_and_repr_has_no_token() -> None:
    """An image comes back as bytes; the response's repr shows the masked line only."""
    image = b"\xff\xd8\xff" + TOKEN.encode()

    async def jpeg(_: web.Request) -> web.Response:
        return web.Response(body=image, content_type="image/jpeg")

    async with (
        serve({("GET", "/api/v1/cameras/{id}/print"): jpeg}) as server,
        client(server.url) as monuv,
    ):
        answer = await monuv.request("GET", "/api/v1/cameras/{id}/print", path_params={"id": 3})
    assert isinstance(answer, RawResponse)
    assert answer.content == image
    assert answer.headers["Content-Type"] == "image/jpeg"
    assert TOKEN not in repr(answer)
    assert ENCODED not in repr(answer)
    assert "token=***" in repr(answer)
    with pytest.raises(UnexpectedResponseError) as caught:
        answer.json()
    assert TOKEN not in str(caught.value) + caught.value.body


async def test_get_is_retried_after_a_5xx() -> None:
    """An idempotent request follows the retry policy: a 503 then a 200 is a success."""
    calls = 0

    async def flaky(_: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return json_answer({"message": "busy"}, 503) if calls == 1 else json_answer({"ok": 1})

    async with (
        serve({("GET", "/api/camera-player/{id}"): flaky}) as server,
        client(server.url) as monuv,
    ):
        answer = await monuv.request("GET", "/api/camera-player/{id}", path_params={"id": 1})
    assert answer.json() == {"ok": 1}
    assert calls == 2


async def test_post_is_not_resent_after_a_5xx_and_may_have_been_applied() -> None:
    """A POST that got a 500 is sent once: it may have been applied."""

    async def failing(_: web.Request) -> web.Response:
        return json_answer({"message": f"failed for token={TOKEN}"}, 500)

    async with serve({("POST", "/api/v2/things"): failing}) as server, client(server.url) as monuv:
        with pytest.raises(ServerError) as caught:
            await monuv.request("POST", "/api/v2/things", json={"a": [1, None]})
    assert len(server.seen) == 1
    error = caught.value
    assert error.may_have_been_applied is True
    assert TOKEN not in str(error) + repr(error) + error.body
    assert error.request == "POST /api/v2/things?token=***"


async def test_post_is_resent_after_a_429() -> None:
    """A 429 refused the POST without doing it, so it is sent again."""
    calls = 0

    async def limited(_: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return json_answer({"message": "slow down"}, 429, {"Retry-After": "0"})
        return json_answer({"id": 1}, 201)

    async with serve({("POST", "/api/v2/things"): limited}) as server, client(server.url) as monuv:
        answer = await monuv.request("POST", "/api/v2/things", json={})
    assert (answer.status, calls) == (201, 2)


async def test_post_not_resent_after_a_reset() -> None:
    """A POST whose connection dies after sending is not resent, and may have been applied."""

    async def reset(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(0)
        return web.Response()

    async with serve({("POST", "/api/v2/things"): reset}) as server, client(server.url) as monuv:
        with pytest.raises(TransportError) as caught:
            await monuv.request("POST", "/api/v2/things", json={})
    assert len(server.seen) == 1
    assert caught.value.may_have_been_applied is True


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, {"message": "no camera"}, NotFoundError),
        (403, None, AuthenticationError),
    ],
)
async def test_errors_are_typed_with_and_without_a_json_body(
    status: int, body: Any, error: type[Exception]
) -> None:
    """A 4xx maps to its error class, with the server's message or the HTTP reason."""

    async def refuse(_: web.Request) -> web.Response:
        if body is None:
            return web.Response(status=status, text=f"<html>denied {TOKEN}</html>")
        return json_answer(body, status)

    async with serve({("DELETE", "/api/x/{id}"): refuse}) as server, client(server.url) as monuv:
        with pytest.raises(error) as caught:
            await monuv.request("DELETE", "/api/x/{id}", path_params={"id": 5})
    raised: Any = caught.value
    assert raised.status == status
    assert raised.message == ("no camera" if body else "Forbidden")
    assert raised.may_have_been_applied is False
    assert TOKEN not in str(raised) + repr(raised) + raised.body
    assert len(server.seen) == 1  # a refusal is not retried


async def test_shares_the_client_semaphore() -> None:
    """request() calls wait on the client's one semaphore like every operation."""

    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(0.02)
        return json_answer({})

    async with (
        serve({("GET", "/api/v4/cameras"): slow}) as server,
        client(server.url, max_concurrency=2) as monuv,
    ):
        await asyncio.gather(*(monuv.request("GET", "/api/v4/cameras") for _ in range(8)))
    assert server.max_in_flight <= 2
    assert len(server.seen) == 8


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"method": "TRACE", "path": "/a"}, "method"),
        ({"method": "GET", "path": "a"}, "path"),
        ({"method": "GET", "path": "/a?x=1"}, "params="),
        ({"method": "GET", "path": "/a/{id}"}, "missing 'id'"),
        ({"method": "GET", "path": "/a", "path_params": {"id": 1}}, "'id' is not a placeholder"),
        ({"method": "GET", "path": "/a/x{token}"}, "whole path segment"),
        ({"method": "GET", "path": "/a/{token}", "path_params": {"token": "t"}}, "token"),
        ({"method": "GET", "path": "/a/{b-c}"}, "not a placeholder name"),
        ({"method": "GET", "path": "/a/{b"}, "unbalanced"),
        ({"method": "GET", "path": "/a", "params": {"token": "x"}}, "'token' is added"),
        ({"method": "POST", "path": "/a", "json": {"x": float("nan")}}, "json.x"),
    ],
)
def test_bad_arguments_are_value_errors_naming_the_problem(
    kwargs: dict[str, Any], needle: str
) -> None:
    """Each bad argument is refused before anything is sent, naming what is wrong."""
    args = {"params": None, "json": None, "path_params": None, **kwargs}
    with pytest.raises(ValueError) as caught:
        raw_spec(args["method"], args["path"], args["params"], args["json"], args["path_params"])
    assert needle in str(caught.value)


async def test_bad_arguments_send_nothing() -> None:
    """A missing placeholder raises before any request reaches the server."""
    async with serve({}) as server, client(server.url) as monuv:
        with pytest.raises(ValueError, match="missing 'id'"):
            await monuv.request("GET", "/api/v1/cameras/{id}/print")
    assert server.seen == []


def test_param_values_must_be_str_or_int() -> None:
    """A bool or a float as a query value is a TypeError naming it."""
    with pytest.raises(TypeError, match=r"params\['page'\]"):
        raw_spec("GET", "/a", {"page": True}, None, None)
