"""Answers read when used: read once, errors kept and raised whole, statuses still retried."""

from __future__ import annotations

import logging
import pickle
import traceback

import pytest
from _requester_helpers import counting_reads, requester

import monuv_async._later as later_module
from monuv_async import _endpoints as endpoints
from monuv_async._later import Later
from monuv_async._transport import Answer
from monuv_async.errors import MonuvError, ServerError, UnexpectedResponseError
from monuv_async.models import EventPage
from monuv_async.retry import RetryPolicy
from monuv_async.testing import MockResponse, MockTransport

TOKEN = "later-s3cret"
PAGE = {
    "total": 1,
    "per_page": 30,
    "current_page": 1,
    "last_page": 1,
    "data": [{"id": 7, "event_at": "01/12/2026 10:00:00", "event_type": 1}],
}
BAD = MockResponse(200, content=f"<html>down, token={TOKEN}</html>".encode())


async def test_a_page_is_read_when_called_and_only_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The call returns unread; the first call reads it, the next gives the same page."""
    reads = counting_reads(monkeypatch)
    engine = requester(TOKEN, MockTransport(lambda _: MockResponse(json=PAGE)))
    answer = await engine.call_later(endpoints.events_page(endpoints.EventFilters(), 1))
    assert reads == []
    page = answer()
    assert isinstance(page, EventPage)
    assert [e.id for e in page.events] == [7]
    assert answer() is page
    assert reads == [1]


async def test_a_bad_body_raises_when_read_the_same_error_each_time_and_no_retry() -> None:
    """One try; the UnexpectedResponseError comes at the reading, masked, the same if read again."""
    transport = MockTransport(lambda _: BAD)
    engine = requester(TOKEN, transport)
    answer = await engine.call_later(endpoints.events_page(endpoints.EventFilters(), 1))
    with pytest.raises(UnexpectedResponseError) as first:
        answer()
    with pytest.raises(UnexpectedResponseError) as second:
        answer()
    assert first.value is second.value
    assert first.value.request == "GET /api/v1/events?token=***&page=1"
    assert TOKEN not in str(first.value.body)
    assert len(transport.requests) == 1


async def test_any_error_of_a_reading_is_raised_again_by_a_second_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regression: an error not a MonuvError (a bug, MemoryError) left the second call, the
    walk's after a done callback's, with no answer and no error: AttributeError."""

    def broken(*_: object, **__: object) -> object:
        raise RuntimeError("reader bug")

    monkeypatch.setattr(later_module, "read_response", broken)
    engine = requester(TOKEN, MockTransport(lambda _: MockResponse(json=PAGE)))
    answer = await engine.call_later(endpoints.events_page(endpoints.EventFilters(), 1))
    with pytest.raises(RuntimeError, match="reader bug") as first:
        answer()
    with pytest.raises(RuntimeError, match="reader bug") as second:
        answer()
    assert first.value is second.value


async def test_an_interrupted_reading_is_read_again_by_a_second_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """KeyboardInterrupt while reading is no outcome of the answer: the next call reads it."""
    original = later_module.read_response
    calls: list[int] = []

    def interrupted_once(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(later_module, "read_response", interrupted_once)
    engine = requester(TOKEN, MockTransport(lambda _: MockResponse(json=PAGE)))
    answer = await engine.call_later(endpoints.events_page(endpoints.EventFilters(), 1))
    with pytest.raises(KeyboardInterrupt):
        answer()
    assert answer().total == 1
    assert len(calls) == 2


async def test_no_frame_of_a_reading_error_holds_the_token() -> None:
    """Every local of every library frame on a reading error's traceback is free of the token."""
    engine = requester(TOKEN, MockTransport(lambda _: BAD))
    answer = await engine.call_later(endpoints.events_page(endpoints.EventFilters(), 1))
    with pytest.raises(MonuvError) as info:
        answer()
    summary = traceback.TracebackException.from_exception(info.value, capture_locals=True)
    library = [f for f in summary.stack if "monuv_async" in f.filename]
    assert library
    for frame in library:
        assert frame.locals is not None
        for name, value in frame.locals.items():
            assert TOKEN not in value, (frame.name, name)
    # The objects themselves, not only their reprs: the raw answer hides its
    # body from repr, but a reporter may read it (regression: `answer` stayed).
    tb = info.value.__traceback__
    while tb is not None:
        for name, value in tb.tb_frame.f_locals.items():
            assert not isinstance(value, Answer), (tb.tb_frame.f_code.co_name, name)
            assert TOKEN not in repr(value), (tb.tb_frame.f_code.co_name, name)
        tb = tb.tb_next
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert not info.value.__suppress_context__  # as when read in the try


async def test_a_reading_error_is_logged_at_debug_with_the_masked_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The failure a deferred reading finds is logged as a try's would be, token masked."""
    caplog.set_level(logging.DEBUG, logger="monuv_async")
    engine = requester(TOKEN, MockTransport(lambda _: BAD))
    answer = await engine.call_later(endpoints.events_page(endpoints.EventFilters(), 1))
    with pytest.raises(UnexpectedResponseError):
        answer()
    messages = [record.getMessage() for record in caplog.records]
    assert any("UnexpectedResponseError" in m and "read after its try" in m for m in messages)
    assert not any(TOKEN in m for m in messages)


async def test_an_error_status_is_still_retried_in_the_try() -> None:
    """A 503 then a page: retried by the call as ever, the page read later."""
    answers = iter([MockResponse(503, json={"message": "busy"}), MockResponse(json=PAGE)])
    transport = MockTransport(lambda _: next(answers))
    engine = requester(TOKEN, transport)
    answer = await engine.call_later(endpoints.events_page(endpoints.EventFilters(), 1))
    assert len(transport.requests) == 2
    assert answer().total == 1


async def test_an_error_status_that_stays_raises_from_the_call() -> None:
    """Statuses are read in the try: a lasting 500 raises ServerError from the call itself."""
    engine = requester(TOKEN, MockTransport(lambda _: MockResponse(500, json={"message": "x"})))
    with pytest.raises(ServerError):
        await engine.call_later(endpoints.events_page(endpoints.EventFilters(), 1))


class _Custom(RetryPolicy):
    """A policy of another class: it might retry a reading failure."""


@pytest.mark.parametrize("setting", ["hook", "policy"])
async def test_with_a_hook_or_another_policy_the_answer_is_read_in_the_try(setting: str) -> None:
    """A response hook is told the reading's failure; a policy of another class may retry it."""
    seen: list[str | None] = []
    changes: dict[str, object] = (
        {"on_response": lambda info: seen.append(info.error)}
        if setting == "hook"
        else {"retry": _Custom(attempts=1)}
    )
    engine = requester(TOKEN, MockTransport(lambda _: BAD), **changes)
    with pytest.raises(UnexpectedResponseError):
        await engine.call_later(endpoints.events_page(endpoints.EventFilters(), 1))
    if setting == "hook":
        assert seen == ["UnexpectedResponseError"]


async def test_an_answer_shows_and_pickles_nothing_of_its_body() -> None:
    """Its repr tells only whether it was read; pickling is refused: its context knows the token."""
    engine = requester(TOKEN, MockTransport(lambda _: MockResponse(json=PAGE)))
    answer = await engine.call_later(endpoints.events_page(endpoints.EventFilters(), 1))
    assert repr(answer) == "Later(<unread>)"
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(answer)
    answer()
    assert repr(answer) == "Later(<read>)"
    assert repr(Later.ready(3)) == "Later(<read>)"
    assert Later.ready(3)() == 3
