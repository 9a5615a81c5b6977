"""The watch's pure decisions: what is new, which days and pages a poll reads, when it stops."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from monuv_async import Event, EventPage
from monuv_async._watch_state import DayWalk, WatchState, days_to_walk

SP = ZoneInfo("America/Sao_Paulo")
NOON = datetime(2026, 11, 20, 12, 0, tzinfo=SP)
LOOKBACK = timedelta(minutes=15)
FILTERS = {"camera": None, "event_types": None}


def event(event_id: int, minutes_before_noon: float) -> Event:
    return Event(event_id, NOON - timedelta(minutes=minutes_before_noon), 4)


def page(*events: Event, number: int = 1, last: int = 1, total: int | None = None) -> EventPage:
    count = len(events) if total is None else total
    return EventPage(count, 10, number, last, tuple(events))


def scanned(walk: DayWalk, state: WatchState, answer: EventPage) -> list[int]:
    """The ids a poll would hand out from ``answer`` (the watch's own loop, without I/O)."""
    out = []
    for each in walk.scan(answer):
        if state.is_new(each):
            walk.note_new()
            state.deliver(each)
            out.append(each.id)
    return out


# -- new or known ---------------------------------------------------------------------


def test_ids_decide_above_the_cut_and_the_cursor_below_it() -> None:
    """Above the cut an id is known or not; below it, the walk's position decides."""
    state = WatchState(FILTERS, NOON - timedelta(hours=2))
    state.begin(NOON, LOOKBACK)
    assert state.cut == NOON - LOOKBACK
    fresh, deep, deeper, tie = event(10, 1), event(9, 60), event(8, 90), event(7, 90)
    for each in (fresh, deep, deeper):
        assert state.is_new(each)
        state.deliver(each)
    assert state.known == {10: fresh.event_at}
    assert state.cursor == deeper.event_at
    assert not state.is_new(fresh)
    assert not state.is_new(deep)  # above the cursor: the walk passed it
    assert not state.is_new(deeper)  # at the cursor, listed
    assert state.is_new(tie)  # at the cursor, not listed: same second, not yet seen
    assert state.yielded == 3


def test_finish_raises_the_horizon_and_forgets_below_it() -> None:
    """After a poll: low is its cut, ids under it are dropped, the cursor too."""
    state = WatchState(FILTERS, NOON - timedelta(hours=1), known={1: NOON - timedelta(minutes=40)})
    state.totals = {date(2026, 11, 19): 5, date(2026, 11, 20): 7}
    state.begin(NOON, LOOKBACK)
    state.deliver(event(2, 1))
    state.deliver(event(3, 30))
    state.finish(SP)
    assert state.low == NOON - LOOKBACK
    assert state.known == {2: NOON - timedelta(minutes=1)}
    assert state.cursor is None
    assert state.cut is None
    assert state.totals == {date(2026, 11, 20): 7}


def test_a_poll_cut_short_keeps_its_cut_only_with_a_cursor() -> None:
    """A poll resumed after a failure: same cut under a cursor, a new one otherwise."""
    state = WatchState(FILTERS, NOON - timedelta(hours=2))
    state.begin(NOON, LOOKBACK)
    state.deliver(event(1, 1))
    state.begin(NOON + timedelta(minutes=5), LOOKBACK)
    assert state.cut == NOON - LOOKBACK + timedelta(minutes=5)
    state.deliver(event(2, 60))
    cut = state.cut
    state.begin(NOON + timedelta(minutes=10), LOOKBACK)
    assert state.cut == cut


def test_priming_marks_without_counting() -> None:
    """A watch "from now on" records what is there at start, yielding (counting) none of it."""
    state = WatchState(FILTERS, NOON - LOOKBACK, priming=True)
    state.begin(NOON, LOOKBACK)
    state.deliver(event(1, 2))
    state.finish(SP)
    assert state.yielded == 0
    assert not state.priming
    assert 1 in state.known


# -- days ------------------------------------------------------------------------------


def test_the_previous_day_is_read_until_the_look_back_passes_midnight() -> None:
    """At 00:05 with low at 23:52 both days are read; once low is past midnight, today only."""
    midnight = datetime(2026, 11, 21, tzinfo=SP)
    state = WatchState(FILTERS, midnight - timedelta(minutes=8))
    assert days_to_walk(state, midnight + timedelta(minutes=5), SP) == [
        date(2026, 11, 21),
        date(2026, 11, 20),
    ]
    state = WatchState(FILTERS, midnight + timedelta(minutes=1))
    assert days_to_walk(state, midnight + timedelta(minutes=16), SP) == [date(2026, 11, 21)]


def test_days_done_under_a_cursor_are_skipped() -> None:
    """Resuming a catch-up: days wholly between the cursor and the cut are not read again."""
    state = WatchState(FILTERS, NOON - timedelta(days=5))
    state.begin(NOON, LOOKBACK)
    state.deliver(event(1, 3 * 24 * 60))  # three days back: the cursor
    assert days_to_walk(state, NOON, SP) == [
        date(2026, 11, 20),  # holds the cut
        date(2026, 11, 17),  # holds the cursor
        date(2026, 11, 16),
        date(2026, 11, 15),
    ]


# -- one day's page walk ----------------------------------------------------------------


def test_the_walk_stops_at_the_first_event_under_the_floor() -> None:
    """Events older than the floor end the walk; they are not handed out."""
    state = WatchState(FILTERS, NOON - LOOKBACK)
    state.begin(NOON, LOOKBACK)
    walk = DayWalk(state.low)
    assert scanned(walk, state, page(event(3, 1), event(2, 20), event(1, 21), last=9)) == [3]
    assert walk.done
    assert walk.settled_total == 3


def test_the_walk_stops_on_an_empty_page_and_past_the_last() -> None:
    """An empty page, or the page count reached, ends a walk however high the floor is."""
    low = NOON - timedelta(days=1)
    empty = DayWalk(low)
    list(empty.scan(page(last=50)))
    assert empty.done
    last = DayWalk(low)
    list(last.scan(page(event(2, 1), number=7, last=1)))  # a page lying about its number
    assert last.done


def test_a_repeated_page_cannot_keep_the_walk_going() -> None:
    """A server answering the same page for every number (and 10^6 pages) is read twice only."""
    state = WatchState(FILTERS, NOON - timedelta(days=1))
    state.begin(NOON, LOOKBACK)
    walk = DayWalk(state.low)
    stuck = page(event(5, 1), event(4, 2), last=10**6, total=10**7)
    reads = 0
    while not walk.done:
        scanned(walk, state, stuck)
        reads += 1
    assert reads == 2
    assert walk.settled_total is None  # a walk that did not finish vouches for no total


def test_many_events_in_one_second_are_progress() -> None:
    """A page of ids all at the oldest second seen, but new ones, is not mistaken for a stall."""
    state = WatchState(FILTERS, NOON - timedelta(days=1))
    state.begin(NOON, LOOKBACK)
    walk = DayWalk(state.low)
    scanned(walk, state, page(event(9, 30), event(8, 30), last=3))
    assert not walk.done
    assert scanned(walk, state, page(event(7, 30), event(6, 30), number=2, last=3)) == [7, 6]
    assert not walk.done


def test_the_total_ends_the_walk_once_every_added_event_is_found() -> None:
    """Two more than last time and both on page 1: no page 2, however many pages there are."""
    state = WatchState(FILTERS, NOON - timedelta(hours=3))
    state.begin(NOON, LOOKBACK)
    state.deliver(event(3, 5))
    walk = DayWalk(state.low, previous_total=100)
    top = page(event(12, 1), event(11, 2), event(3, 5), last=11, total=102)
    assert scanned(walk, state, top) == [12, 11]
    assert walk.done
    assert walk.settled_total == 102


def test_a_missing_added_event_sends_the_walk_deeper() -> None:
    """One more than last time but nothing new on page 1: a late arrival below, read on."""
    state = WatchState(FILTERS, NOON - timedelta(hours=3))
    state.begin(NOON, LOOKBACK)
    state.deliver(event(3, 5))
    walk = DayWalk(state.low, previous_total=100)
    scanned(walk, state, page(event(3, 5), last=11, total=101))
    assert not walk.done
    assert walk.page == 2
    assert scanned(walk, state, page(event(2, 14), number=2, last=11, total=101)) == [2]
    assert walk.done
    assert walk.settled_total == 101


def test_a_total_that_went_down_voids_the_shortcut() -> None:
    """Fewer events than last time (a deletion): the walk goes on to the floor."""
    state = WatchState(FILTERS, NOON - timedelta(hours=3))
    state.begin(NOON, LOOKBACK)
    walk = DayWalk(state.low, previous_total=100)
    scanned(walk, state, page(event(3, 5), last=11, total=99))
    assert not walk.done
