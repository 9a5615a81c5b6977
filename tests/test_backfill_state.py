"""WindowState.take: a page's new events, each id once, queued as one batch of ids."""

from __future__ import annotations

from datetime import UTC, datetime

from monuv_async._backfill_state import WindowState
from monuv_async.models import Event

AT = datetime(2026, 1, 1, tzinfo=UTC)


def page(*ids: int) -> tuple[Event, ...]:
    return tuple(Event(i, AT, 1) for i in ids)


def test_a_page_of_new_ids_is_the_batch_as_it_came() -> None:
    """Every id new: the page itself is the batch, its ids queued and seen."""
    state = WindowState(seen=set())
    events = page(3, 2, 1)
    assert state.take(events, [3, 2, 1]) is events
    assert state.seen == {1, 2, 3}
    assert list(state.queued) == [[3, 2, 1]]


def test_ids_seen_before_are_left_out() -> None:
    """Ids already produced (an earlier page or pass) are not yielded again."""
    state = WindowState(seen={2, 9})
    assert [e.id for e in state.take(page(3, 2, 1), [3, 2, 1])] == [3, 1]
    assert list(state.queued) == [[3, 1]]
    assert state.seen == {1, 2, 3, 9}


def test_an_id_twice_in_one_page_is_one_event() -> None:
    """A page repeating an id, all new: the id comes once, in its first place."""
    state = WindowState(seen=set())
    assert [e.id for e in state.take(page(3, 2, 2, 1), [3, 2, 2, 1])] == [3, 2, 1]
    assert list(state.queued) == [[3, 2, 1]]


def test_a_page_with_nothing_new_queues_no_batch() -> None:
    """Nothing new: an empty batch, and nothing queued to hand out."""
    state = WindowState(seen={1, 2})
    assert list(state.take(page(2, 1), [2, 1])) == []
    assert not state.queued
