"""The request engine: bounded tries, back-off outside the bounds, counted, closed for good."""

from __future__ import annotations

import asyncio
import logging
import traceback

import pytest
from _requester_helpers import requester

import monuv_async._requester as requester_module
from monuv_async import _endpoints as endpoints
from monuv_async._requester import Requester
from monuv_async._spec import Spec
from monuv_async.errors import MonuvError, ServerError
from monuv_async.testing import MockRequest, MockResponse, MockTransport

TOKEN = "engine-s3cret"
BLOCKED = {"code": 0, "msg": ""}


async def test_no_more_tries_in_flight_than_max_concurrency() -> None:
    """Six requests at once against a slow handler never have more than two tries running."""
    running = 0
    most = 0

    async def handler(_: MockRequest) -> MockResponse:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        return MockResponse(json=BLOCKED)

    engine = requester(TOKEN, MockTransport(handler))
    await asyncio.gather(*(engine.call(endpoints.block_user(n)) for n in range(1, 7)))
    assert most == 2
    assert engine.stats.max_in_flight == 2
    assert engine.stats.requests == 6


async def test_a_try_with_a_free_place_and_no_limiter_waits_for_no_coroutine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Free places: no try goes through the waiting path; with a rate limit, every one does."""
    waited: list[str] = []
    enter = Requester._enter

    async def counted(self: Requester, operation: str, *args: object) -> None:
        waited.append(operation)
        await enter(self, operation, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Requester, "_enter", counted)
    transport = MockTransport(lambda _: MockResponse(json=BLOCKED))
    free = requester(TOKEN, transport)
    for n in range(1, 4):
        await free.call(endpoints.block_user(n))
    assert waited == []
    assert (free.stats.requests, free.stats.in_flight, free.stats.max_in_flight) == (3, 0, 1)
    assert free._semaphore._value == 2
    limited = requester(TOKEN, transport, rate_limit=1000.0)
    await limited.call(endpoints.block_user(1))
    await limited.with_options(rate_limit=1000.0).call(endpoints.block_user(2))
    assert requester(TOKEN, transport).with_options(rate_limit=1000.0)._unlimited is False
    assert waited == ["block_user", "block_user"]


async def test_a_retrying_request_holds_no_slot_while_it_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """During a back-off sleep nothing is in flight, so another request can use the slot."""
    statuses = iter([503, 200])
    seen_in_flight: list[int] = []
    engine = requester(
        TOKEN,
        MockTransport(lambda _: MockResponse(next(statuses), json=BLOCKED)),
        max_concurrency=1,
    )

    async def sleep(_: float) -> None:
        seen_in_flight.append(engine.stats.in_flight)

    monkeypatch.setattr(requester_module, "_sleep", sleep)
    await engine.call(endpoints.block_user(1))
    assert seen_in_flight == [0]
    assert (engine.stats.requests, engine.stats.retries) == (2, 1)


async def test_the_last_error_is_raised_whole_and_logged_without_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When tries run out the server's error is raised with its masked request line."""
    caplog.set_level(logging.DEBUG, logger="monuv_async")
    engine = requester(TOKEN, MockTransport(lambda _: MockResponse(500, json={"message": "down"})))
    with pytest.raises(ServerError) as info:
        await engine.call(endpoints.camera_options())
    assert info.value.request == "GET /api/v1/cameras/create?token=***"
    assert engine.stats.requests == 3
    messages = [record.getMessage() for record in caplog.records]
    assert any("token=***" in m and "ServerError" in m for m in messages)
    assert not any(TOKEN in m for m in messages)
    assert TOKEN not in repr(engine)


async def test_a_closed_requester_refuses_before_sending() -> None:
    """Once closed, a call raises RuntimeError and the transport sees nothing."""
    transport = MockTransport(lambda _: MockResponse(json=BLOCKED))
    engine = requester(TOKEN, transport)
    engine.closed = True
    with pytest.raises(RuntimeError, match="closed"):
        await engine.call(endpoints.block_user(1))
    assert transport.requests == []


@pytest.mark.parametrize(
    "answer",
    [
        MockResponse(500, content=f"<html>GET /x?token={TOKEN} failed</html>".encode()),
        MockResponse(200, content=f"not JSON, token={TOKEN}".encode()),
        MockResponse(404, json={"message": f"no {TOKEN}"}),
    ],
    ids=["5xx-echo", "bad-body", "4xx"],
)
async def test_no_frame_on_the_traceback_holds_the_token(answer: MockResponse) -> None:
    """Every local of every library frame left on the error's traceback is free of the token."""
    engine = requester(TOKEN, MockTransport(lambda _: answer))
    with pytest.raises(MonuvError) as info:
        await engine.call(endpoints.block_user(4))  # the token in the path, too
    summary = traceback.TracebackException.from_exception(info.value, capture_locals=True)
    library = [f for f in summary.stack if "monuv_async" in f.filename]
    assert library  # the frames are there, with their locals
    for frame in library:
        assert frame.locals is not None
        for name, value in frame.locals.items():
            assert "engine-s3cret" not in value, (frame.name, name)
    assert "block/***/4" in "".join(summary.format())  # the request line stays, masked


async def test_a_quiet_success_never_builds_the_request_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No hook, no debug log, no error: the masked line is never built (issue 14's cost)."""
    built: list[str] = []
    original = Spec.line

    def spy(self: Spec[object], prefix: str) -> str:
        built.append(self.op)
        return original(self, prefix)

    monkeypatch.setattr(Spec, "line", spy)
    engine = requester(TOKEN, MockTransport(lambda _: MockResponse(json=BLOCKED)))
    await engine.call(endpoints.block_user(4))
    assert built == []
    assert engine.stats.requests == 1


async def test_a_lazily_built_line_masks_the_path_token_in_logs_and_hooks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Debug log and both hooks get block_user's line with *** in the path, never the token."""
    caplog.set_level(logging.DEBUG, logger="monuv_async")
    seen: list[str] = []
    engine = requester(
        TOKEN,
        MockTransport(lambda _: MockResponse(json=BLOCKED)),
        on_request=lambda info: seen.append(info.request),
        on_response=lambda info: seen.append(info.request),
    )
    await engine.call(endpoints.block_user(4))
    assert seen == ["GET /api/user/block/***/4"] * 2
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("GET /api/user/block/***/4 -> 200") for m in messages)
    assert not any(TOKEN in m for m in messages)
