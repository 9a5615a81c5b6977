"""FirstPages: a backfill's next windows' first pages, requested ahead within the room left."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from _async_helpers import answers

from monuv_async._first_pages import FirstPages
from monuv_async._page_budget import PageBudget
from monuv_async.backfill import split_window
from monuv_async.checkpoint import Window
from monuv_async.models import Event, EventPage

AT = datetime(2026, 1, 1, tzinfo=UTC)
WINDOWS = split_window(date(2026, 1, 1), date(2026, 1, 20), "day")


def first_pages(
    per_page: int, *, limit: int = 16, events: int = 4096, pages: int = 32
) -> tuple[FirstPages, list[str]]:
    asked: list[str] = []

    @answers
    async def fetch(window: Window, number: int) -> EventPage:
        asked.append(window.key)
        return EventPage(
            per_page, per_page, number, 1, tuple(Event(i, AT, 1) for i in range(per_page))
        )

    made = FirstPages(fetch, WINDOWS, limit=limit)
    made.budget = PageBudget(
        concurrency=16, pages=pages, events=events, outside=made.held, spare=made.request
    )
    return made, asked


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_before_any_answer_first_pages_fill_the_room_as_if_pages_held_500() -> None:
    """An event budget of 4096 takes 8 first pages of an assumed 500 events, not 16."""
    ahead, asked = first_pages(30)
    ahead.request(0, 0, 0)
    assert ahead.held()[1] == 8
    await asyncio.sleep(0)  # the requests start, in the windows' order
    assert asked == [w.key for w in WINDOWS[:8]]
    for task in ahead.stop():
        task.cancel()


async def test_once_pages_are_known_small_first_pages_ahead_go_up_to_the_limit() -> None:
    """The first answer says 30 events: the refill takes first pages up to ``limit``."""
    ahead, asked = first_pages(30)
    ahead.request(0, 0, 0)
    await settle()  # answers arrive; each answer refills the budget
    assert ahead.size() == 30
    assert ahead.held()[1] == 16
    assert len(set(asked)) == len(asked) == 16
    for task in ahead.stop():
        task.cancel()


async def test_once_pages_are_known_large_first_pages_ahead_hold_a_quarter_of_the_events() -> None:
    """Pages of 500 events: no more first pages than 4096 // (4 * 500) = 2 are requested anew."""
    ahead, asked = first_pages(500)
    ahead.request(0, 0, 0)
    await settle()
    assert len(asked) == 8  # the first round, sent before any size was known
    for window in WINDOWS[:7]:
        assert ahead.take(window) is not None  # their windows started
    ahead.started(7)
    await settle()
    assert ahead.held()[1] == 2
    assert len(asked) == 9
    for task in ahead.stop():
        task.cancel()


async def test_a_window_that_started_is_never_asked_ahead() -> None:
    """Windows whose walks started ask for their own first page: none is requested for them."""
    ahead, asked = first_pages(30, limit=2)
    ahead.started(5)
    ahead.request(0, 0, 0)
    await settle()
    assert asked[:2] == [WINDOWS[5].key, WINDOWS[6].key]
    assert ahead.take(WINDOWS[0]) is None
    for task in ahead.stop():
        task.cancel()


async def test_stopped_first_pages_request_nothing_more() -> None:
    """After stop() hands the tasks over, no room makes it request another page."""
    ahead, asked = first_pages(30, limit=4)
    ahead.request(0, 0, 0)
    for task in ahead.stop():
        task.cancel()
    ahead.request(0, 0, 0)
    await settle()
    assert ahead.held() == (0, 0, 0)
    assert len(asked) <= 4
