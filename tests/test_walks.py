"""The event methods of MonuvClient (``_walks``) over real loopback HTTP: filters, walks, bounds."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from datetime import date
from functools import partial

import aiohttp
import pytest
from _async_helpers import library_tasks, settled, wait_until
from _loopback import answer_with, json_answer, page_handler, page_handler_failing, serve
from _requester_helpers import counting_reads
from _samples import sample_json
from aiohttp import web

from monuv_async import MonuvClient, NotFoundError, UnexpectedResponseError

TOKEN = "tok/en+s3cret&x"  # reserved characters, to prove they are encoded


async def test_events_page_sends_filters() -> None:
    """events_page sends camera, event_types as '1,4', dates as YYYY-MM-DD and the page."""
    second = sample_json("events_page.json")
    second[0]["current_page"] = 2  # the page asked for: another would be refused
    routes = {("GET", "/api/v1/events"): answer_with(second)}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        page = await monuv.events_page(
            camera=1001,
            event_types=[1, 4],
            start_at=date(2023, 1, 1),
            end_at=date(2023, 1, 2),
            page=2,
        )
    assert "&event_types=1,4&" in srv.seen[0].raw_path  # the comma travels raw, as documented
    assert srv.seen[0].query == {
        "token": TOKEN,
        "camera": "1001",
        "event_types": "1,4",
        "start_at": "2023-01-01",
        "end_at": "2023-01-02",
        "page": "2",
    }
    assert page.events[0].event_at.isoformat() == "2023-01-01T12:00:00-03:00"


# -- page walkers ------------------------------------------------------------


async def test_iter_event_pages_yields_every_page_once_in_order() -> None:
    """Pages come back in order and each page is requested exactly once."""
    routes = {("GET", "/api/v1/events"): page_handler(total_pages=25)}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url, max_concurrency=4) as m:
        numbers = [page.current_page async for page in m.iter_event_pages()]
        events = [event.id async for event in m.iter_events()]
    assert numbers == list(range(1, 26))
    requested = [int(s.query["page"]) for s in srv.seen]
    assert sorted(requested) == sorted([*range(1, 26), *range(1, 26)])
    assert events == list(range(75))


async def test_pages_hint_requests_the_first_round_before_page_one_answers() -> None:
    """pages_hint=20 with max_concurrency=4: pages 1-4 are all sent before page 1's answer
    (without a hint, page 1 is answered before page 2 is asked for)."""
    inner = page_handler(total_pages=20)
    first_round = asyncio.Event()
    seen_before_page_one: list[int] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        if request.query["page"] == "1":
            # Bounded: without a first round page 1 answers after 200 short waits.
            await wait_until(first_round.is_set, turns=200)
            seen_before_page_one.extend(int(s.query["page"]) for s in srv.seen)
        elif len(srv.seen) >= 4:
            first_round.set()
        return await inner(request)

    routes = {("GET", "/api/v1/events"): handler}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url, max_concurrency=4) as m:
        ids = [event.id async for event in m.iter_events(pages_hint=20)]
        pages = [page.current_page async for page in m.iter_event_pages(start_page=18)]
    assert ids == list(range(60))
    # The first round, and the pages that took the places its answers freed.
    assert sorted(seen_before_page_one[:4]) == [1, 2, 3, 4]
    assert len(seen_before_page_one) >= 4
    assert srv.max_in_flight <= 4
    assert pages == [18, 19, 20]
    assert sorted(int(s.query["page"]) for s in srv.seen) == sorted([*range(1, 21), 18, 19, 20])


async def test_walker_holds_a_bounded_number_of_pages_for_a_slow_consumer() -> None:
    """A consumer that stops reading leaves at most 1 + 2*max_concurrency pages requested."""
    routes = {("GET", "/api/v1/events"): page_handler(total_pages=200)}
    async with (
        serve(routes) as srv,
        MonuvClient(TOKEN, base_url=srv.url, max_concurrency=3) as m,
        aclosing(m.iter_event_pages()) as pages,
    ):
        async for _ in pages:
            await asyncio.sleep(0.2)  # let the prefetch run as far as it may
            break
        requested_while_parked = len(srv.seen)
    assert requested_while_parked == 1 + 2 * 3


async def test_page_buffer_sets_how_far_a_walk_runs_ahead() -> None:
    """page_buffer=5 lets a parked walk request exactly 5 pages past the one it handed out."""
    routes = {("GET", "/api/v1/events"): page_handler(total_pages=200)}
    async with (
        serve(routes) as srv,
        MonuvClient(TOKEN, base_url=srv.url, max_concurrency=2, page_buffer=5) as m,
        aclosing(m.iter_event_pages()) as pages,
    ):
        async for _ in pages:
            await asyncio.sleep(0.2)
            break
        requested_while_parked = len(srv.seen)
    assert requested_while_parked == 1 + 5
    assert srv.max_in_flight <= 2
    with pytest.raises(ValueError, match=r"^page_buffer"):
        MonuvClient(TOKEN, page_buffer=0)


async def test_pages_held_ahead_are_read_only_when_the_walk_takes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Parked after page 1 with 6 pages fetched ahead, only page 1 was read (issue 14: a
    burst of pages built on arrival is cold in the caches when the caller reaches it)."""
    reads = counting_reads(monkeypatch)
    routes = {("GET", "/api/v1/events"): page_handler(total_pages=20)}
    async with (
        serve(routes) as srv,
        MonuvClient(TOKEN, base_url=srv.url, max_concurrency=3) as m,
        aclosing(m.iter_event_pages()) as pages,
    ):
        numbers = []
        async for page in pages:
            numbers.append(page.current_page)
            if len(numbers) == 1:
                assert await wait_until(lambda: len(srv.seen) == 1 + 2 * 3)
                assert await wait_until(lambda: m._requester.stats.in_flight == 0)
                assert reads == [1]
            elif len(numbers) == 3:
                break
    assert reads == [1, 2, 3]


async def test_a_bad_body_held_ahead_raises_when_the_walk_reaches_it() -> None:
    """Page 3 is not JSON: pages 1 and 2 come first, then UnexpectedResponseError, once."""
    not_json = partial(web.Response, body=f"<html>{TOKEN}</html>", content_type="text/html")
    routes = {("GET", "/api/v1/events"): page_handler_failing(10, 3, not_json)}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        got: list[int] = []

        async def walk() -> None:
            async for event in monuv.iter_events():
                got.append(event.id)

        with pytest.raises(UnexpectedResponseError, match="not JSON") as info:
            await walk()
    assert got == list(range(6))
    assert TOKEN not in str(info.value) + repr(info.value) + str(info.value.body)
    assert [s.query["page"] for s in srv.seen].count("3") == 1


@pytest.mark.parametrize("hint", [None, 5])
async def test_a_first_page_that_cannot_be_read_fails_the_walk_once(hint: int | None) -> None:
    """Page 1 not JSON: read first by the walk's done callback (to learn the page size), its
    UnexpectedResponseError is raised by the walk itself, nothing yielded, page 1 sent once."""
    not_json = partial(web.Response, body="<html>maintenance</html>", content_type="text/html")
    routes = {("GET", "/api/v1/events"): page_handler_failing(10, 1, not_json)}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        got: list[int] = []

        async def walk() -> None:
            async for event in monuv.iter_events(pages_hint=hint):
                got.append(event.id)

        with pytest.raises(UnexpectedResponseError, match="not JSON"):
            await walk()
    assert got == []
    assert [s.query["page"] for s in srv.seen].count("1") == 1


async def test_early_stop_cancels_prefetch_and_frees_connections() -> None:
    """break out of a walk: pending page requests are cancelled, no task or connection remains."""
    routes = {("GET", "/api/v1/events"): page_handler(total_pages=100, delay=0.5)}
    async with aiohttp.ClientSession() as session, serve(routes) as srv:
        monuv = MonuvClient(TOKEN, base_url=srv.url, session=session, max_concurrency=4)
        async with aclosing(monuv.iter_event_pages()) as pages:
            async for _page in pages:
                break
        assert library_tasks() == []
        connector = session.connector
        assert connector is not None
        assert len(connector._acquired) == 0  # type: ignore[attr-defined]
        # The semaphore is whole again: max_concurrency calls can run at once.
        assert monuv._requester._semaphore._value == 4  # type: ignore[attr-defined]
        await monuv.aclose()


async def test_cancelling_the_consumer_cancels_the_walk() -> None:
    """Cancelling the task iterating a walk leaves no library task running."""
    routes = {("GET", "/api/v1/events"): page_handler(total_pages=100, delay=0.2)}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:

        async def consume() -> None:
            async for _ in monuv.iter_events():
                await asyncio.sleep(0.01)

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The walk was suspended at a `yield` when its consumer died, so Python
        # closes it through the loop's async-generator finalizer a few loop
        # turns later: wait for that, boundedly.
        assert await settled()


async def test_walker_error_surfaces_in_order() -> None:
    """A page that fails raises its error when the walk reaches it, after earlier pages."""
    not_found = partial(json_answer, {"message": "nope"}, 404)
    routes = {("GET", "/api/v1/events"): page_handler_failing(10, 4, not_found)}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        got: list[int] = []

        async def walk() -> None:
            async for page in monuv.iter_event_pages():
                got.append(page.current_page)

        with pytest.raises(NotFoundError):
            await walk()
    assert got == [1, 2, 3]


async def test_a_server_ignoring_the_page_number_fails_the_walk() -> None:
    """Page 1 answered for every ?page=: UnexpectedResponseError, not 30 of 90 events."""
    body = sample_json("events_page.json")
    body[0].update(total=9, per_page=3, last_page=3)
    routes = {("GET", "/api/v1/events"): answer_with(body)}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        with pytest.raises(UnexpectedResponseError, match="asked for page 2, got page 1"):
            async for _ in monuv.iter_events():
                pass
