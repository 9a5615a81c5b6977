"""MockTransport: a client answered in memory, each try seen without the token."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from _samples import NEW_CLIENT

from monuv_async import MonuvClient, NotFoundError, RetryPolicy, ServerError, TransportError
from monuv_async.models import Event
from monuv_async.testing import MockRequest, MockResponse, MockTransport

TOKEN = "tok/en+s3cret&x"  # reserved characters, to prove they are taken out however encoded
EVENTS_AT = datetime(2023, 1, 1, 12, tzinfo=UTC)
NO_WAIT = RetryPolicy(attempts=3, backoff=0.0, max_backoff=0.0)
EVENTS = {
    "total": 1,
    "per_page": 30,
    "current_page": 1,
    "last_page": 1,
    "data": [
        {
            "id": 1,
            "event_at": "01/01/2023 12:00:00",
            "event_type": 4,
            "event_url": "https://detection.monuv.com.br/1.jpg",
            "camera_id": 1001,
        }
    ],
}


def texts_of(request: MockRequest) -> list[str]:
    return [repr(request), request.path, request.url, *request.params.values(), str(request.json)]


async def test_a_sync_handler_answers_and_sees_path_params_and_json() -> None:
    """The handler gets method, path, params and the decoded body; its JSON becomes the model."""

    def handler(request: MockRequest) -> MockResponse:
        return MockResponse(200, json=[{**EVENTS, "current_page": 2}])  # the page asked for

    transport = MockTransport(handler)
    async with MonuvClient(TOKEN, transport=transport) as monuv:
        page = await monuv.events_page(camera=1001, page=2)
    assert [e.id for e in page.events] == [1]
    (seen,) = transport.requests
    assert (seen.method, seen.path) == ("GET", "/api/v1/events")
    assert seen.params == {"camera": "1001", "page": "2"}
    assert seen.json is None


async def test_an_async_handler_and_a_json_body_reach_each_other(
    fixture_json: Callable[[str], Any],
) -> None:
    """An async handler is awaited, and a create's body arrives decoded."""
    created = fixture_json("create_client")

    async def handler(request: MockRequest) -> MockResponse:
        return MockResponse(201, json=created)

    transport = MockTransport(handler)
    async with MonuvClient(TOKEN, transport=transport) as monuv:
        client = await monuv.create_client(NEW_CLIENT)
    assert client.name
    (seen,) = transport.requests
    assert seen.method == "POST"
    assert seen.json["name"] == "Acme"
    assert seen.content is not None


async def test_the_token_is_nowhere_in_what_the_handler_sees() -> None:
    """Query or path token: neither params, path, url nor repr of a request shows it."""
    transport = MockTransport(lambda _: MockResponse(200, json={"code": 0, "msg": ""}))
    async with MonuvClient(TOKEN, transport=transport) as monuv:
        await monuv.block_user(7)
        await monuv.block_client("11.222.333/0001-81")
    transport_ok = MockTransport(lambda _: MockResponse(200, json=[EVENTS]))
    async with MonuvClient(TOKEN, transport=transport_ok) as monuv:
        await monuv.events_page()
    seen = [*transport.requests, *transport_ok.requests]
    assert [r.path for r in seen[:2]] == [
        "/api/user/block/***/7",
        "/api/client/block/***/11222333000181",
    ]
    leaked = [t for r in seen for t in texts_of(r) if "s3cret" in t]
    assert leaked == []
    assert "s3cret" not in repr(transport)


async def test_error_answers_become_the_contract_errors_and_are_retried() -> None:
    """A 5xx from the handler is retried as from a server; a 404 is raised at once."""
    statuses = iter([503, 503, 200])
    transport = MockTransport(lambda _: MockResponse(next(statuses), json=[EVENTS]))
    async with MonuvClient(TOKEN, transport=transport, retry=NO_WAIT) as monuv:
        await monuv.events_page()
        assert len(transport.requests) == 3
        missing = MockTransport(lambda _: MockResponse(404, json={"message": "no camera"}))
    async with MonuvClient(TOKEN, transport=missing, retry=NO_WAIT) as monuv:
        with pytest.raises(NotFoundError, match="no camera") as info:
            await monuv.camera_options()
    assert len(missing.requests) == 1
    assert info.value.request is not None
    assert "s3cret" not in str(info.value)


async def test_a_handler_raising_a_transport_error_plays_a_network_failure(
    fixture_json: Callable[[str], Any],
) -> None:
    """Raising TransportError(sent=False) from the handler is retried like a refused connection."""
    calls = 0

    def handler(_: MockRequest) -> MockResponse:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise TransportError("cannot connect", sent=False)
        return MockResponse(201, json=fixture_json("create_client"))

    async with MonuvClient(TOKEN, transport=MockTransport(handler), retry=NO_WAIT) as monuv:
        # A create is resent only because the first try never left.
        await monuv.create_client(NEW_CLIENT)
    assert calls == 2


async def test_a_create_answered_500_is_not_resent() -> None:
    """The retry rules hold over a mock too: a POST that reached the server is sent once."""
    transport = MockTransport(lambda _: MockResponse(500))
    async with MonuvClient(TOKEN, transport=transport, retry=NO_WAIT) as monuv:
        with pytest.raises(ServerError):
            await monuv.create_client(NEW_CLIENT)
    assert len(transport.requests) == 1


async def test_snapshot_downloads_go_through_the_handler(tmp_path: Path) -> None:
    """A download is a GET of the image's URL through the same transport, saved whole."""
    image = b"\xff\xd8jpeg bytes"
    transport = MockTransport(
        lambda r: MockResponse(200, content=image) if r.path == "/1.jpg" else MockResponse(404)
    )
    events = [
        Event(1, EVENTS_AT, 4, event_url="https://img.test/1.jpg"),
        Event(2, EVENTS_AT, 4, event_url="https://img.test/2.jpg"),
    ]
    async with MonuvClient(TOKEN, transport=transport, retry=NO_WAIT) as monuv:
        results = {r.event_id: r async for r in monuv.download_snapshots(events, tmp_path)}
    assert results[1].status == "downloaded"
    assert (tmp_path / "1.jpg").read_bytes() == image
    assert results[2].status == "failed"
    assert isinstance(results[2].error, NotFoundError)
    assert [r.url for r in transport.requests] == ["img.test/1.jpg", "img.test/2.jpg"]


async def test_a_handler_must_answer_a_mock_response() -> None:
    """Returning anything else is a TypeError naming the handler, not a confusing failure later."""
    wrong: Any = lambda _: {"code": 0}  # noqa: E731 - a deliberately mistyped handler
    async with MonuvClient(TOKEN, transport=MockTransport(wrong)) as monuv:
        with pytest.raises(TypeError, match="handler: must return a MockResponse"):
            await monuv.block_user(1)


def test_requests_and_responses_pickle_and_compare() -> None:
    """MockRequest and MockResponse are plain values: equal by content, picklable."""
    request = MockRequest("GET", "/x", {"a": "1"})
    assert pickle.loads(pickle.dumps(request)) == request
    assert MockResponse(404).answer().status == 404
    assert MockResponse(json={"a": 1}).answer().headers["Content-Type"] == "application/json"


async def test_a_token_in_any_path_segment_is_masked() -> None:
    """``request("GET", "/x/{token}/y")``: the handler sees ``/x/***/y``, whatever the route."""
    transport = MockTransport(lambda request: MockResponse(200, json={}))
    async with MonuvClient(TOKEN, transport=transport) as monuv:
        await monuv.request("GET", "/x/{token}/y", params={"q": "1"})
    (seen,) = transport.requests
    assert seen.path == "/x/***/y"
    assert seen.params == {"q": "1"}
    assert TOKEN not in repr(seen)
